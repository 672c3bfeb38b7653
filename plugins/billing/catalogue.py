"""The operator's catalogue: tariffs, rate plans and their import from CSV, and which tariff
each tenant is on."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ConflictError, NotFoundError, ValidationError
from vats.core.protocols import KernelAPI
from vats.plugins.billing import ledger, monthly
from vats.plugins.billing.models import MAX_KOP, Rate, RatePlan, Tariff, TariffOption

MAX_ROWS = 200_000
CSV_FIELDS = ("prefix", "name", "price_per_min_kop", "connect_fee_kop", "first_s", "next_s")
_REQUIRED = ("prefix", "price_per_min_kop")


class RowError(msgspec.Struct, kw_only=True):
    line: int  # in the file, the header being line 1
    field: str
    message: str


class ImportReport(msgspec.Struct, kw_only=True):
    """What an import found. All or nothing: ``written`` is the number of rates now in the plan,
    or 0 when any row is bad (nothing is written then) or on a dry run."""

    rows: int
    good: int
    errors: list[RowError]
    written: int
    dry_run: bool


def _tariff(row: Any) -> Tariff:
    return Tariff(
        code=row["code"], name=row["name"], monthly_fee_kop=row["monthly_fee_kop"],
        seats_included=row["seats_included"], extra_seat_kop=row["extra_seat_kop"],
        options=msgspec.convert(row["options"], list[TariffOption]), rate_plan_id=row["rate_plan_id"],
        legacy=row["legacy"],
    )  # fmt: skip


_TARIFF = (
    "SELECT code, name, monthly_fee_kop, seats_included, extra_seat_kop, options, rate_plan_id, legacy"
    " FROM billing_tariffs"
)


async def tariffs(conn: Connection) -> list[Tariff]:
    return [_tariff(r) for r in await conn.fetch(f"{_TARIFF} ORDER BY monthly_fee_kop, code")]


async def tariff(conn: Connection, code: str) -> Tariff:
    row = await conn.fetchrow(f"{_TARIFF} WHERE code = $1", code)
    if row is None:
        raise NotFoundError("no such tariff", field="code")
    return _tariff(row)


def _named(name: str, field: str = "name") -> str:
    if not name.strip():
        raise ValidationError("a name cannot be blank", field=field)
    return name.strip()


async def save_tariff(conn: Connection, t: Tariff, *, create: bool) -> Tariff:
    _named(t.name)
    if len({o.code for o in t.options}) != len(t.options):
        raise ValidationError("an option code appears twice", field="options")
    if t.rate_plan_id is not None and not await conn.fetchval(
        "SELECT true FROM billing_rate_plans WHERE id = $1", t.rate_plan_id
    ):
        raise ValidationError("no such rate plan", field="rate_plan_id")
    values = (t.code, t.name.strip(), t.monthly_fee_kop, t.seats_included, t.extra_seat_kop,
              msgspec.to_builtins(t.options), t.rate_plan_id, t.legacy)  # fmt: skip
    if create:
        row = await conn.fetchrow(
            "INSERT INTO billing_tariffs (code, name, monthly_fee_kop, seats_included, extra_seat_kop, options,"
            " rate_plan_id, legacy) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING"
            " RETURNING code",
            *values,
        )
        if row is None:
            raise ConflictError("a tariff with this code exists", field="code")
    else:
        done = await conn.execute(
            "UPDATE billing_tariffs SET name = $2, monthly_fee_kop = $3, seats_included = $4, extra_seat_kop = $5,"
            " options = $6, rate_plan_id = $7, legacy = $8 WHERE code = $1",
            *values,
        )
        if done == "UPDATE 0":
            raise NotFoundError("no such tariff", field="code")
    return await tariff(conn, t.code)


async def _monthly_price(
    conn: Connection, tariff_id: Any, taken: list[str], *, employees: int = 0, seats_included: int | None = None
) -> tuple[int, list[str]]:
    """What a tariff with the options ``taken`` costs a month with ``employees`` employees (the
    seats beyond those it includes, or ``seats_included`` instead, at its extra seat's price),
    and the options it offers of them."""
    row = await conn.fetchrow(
        "SELECT monthly_fee_kop, options, seats_included, extra_seat_kop FROM billing_tariffs WHERE id = $1", tariff_id
    )
    if row is None:
        return 0, []
    offered = {o.code: o.price_kop for o in msgspec.convert(row["options"], list[TariffOption])}
    kept = [code for code in taken if code in offered]
    included = row["seats_included"] if seats_included is None else seats_included
    seats = max(0, employees - included) * row["extra_seat_kop"]
    return row["monthly_fee_kop"] + seats + sum(offered[code] for code in kept), kept


async def employees_of(conn: Connection, tenant_id: uuid.UUID) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM employees WHERE tenant_id = $1", tenant_id))


class TariffMove(msgspec.Struct, kw_only=True):
    """A tariff change's money: the monthly price before and after (fee, extra seats, options)
    and the options kept."""

    old_tariff_id: Any
    new_tariff_id: Any
    was_kop: int
    now_kop: int
    kept: list[str]


async def tariff_move(conn: Connection, tenant_id: uuid.UUID, code: str) -> TariffMove:
    """What moving the tenant to tariff ``code`` changes in its monthly price (locks its account
    row until the transaction ends). The new tariff's own included seats apply after the move."""
    tariff_id = await conn.fetchval("SELECT id FROM billing_tariffs WHERE code = $1", code)
    if tariff_id is None:
        raise ValidationError("no such tariff", field="tariff")
    if not await conn.fetchval("SELECT true FROM tenants WHERE id = $1", tenant_id):
        raise NotFoundError("no such tenant", field="tenant_id")
    await ledger.open_account(conn, tenant_id)
    old = await conn.fetchrow(
        "SELECT tariff_id, options, seats_included FROM billing_accounts WHERE tenant_id = $1 FOR UPDATE", tenant_id
    )
    assert old is not None  # opened just now
    employees = await employees_of(conn, tenant_id)
    was, _ = await _monthly_price(
        conn, old["tariff_id"], list(old["options"]), employees=employees, seats_included=old["seats_included"]
    )
    now, kept = await _monthly_price(conn, tariff_id, list(old["options"]), employees=employees)
    return TariffMove(old_tariff_id=old["tariff_id"], new_tariff_id=tariff_id, was_kop=was, now_kop=now, kept=kept)


async def assign_tariff(
    conn: Connection, tenant_id: uuid.UUID, code: str, *, today: dt.date | None = None, kernel: KernelAPI | None = None
) -> int:
    """Put a tenant on a tariff from now on; the difference in the monthly price (fee, seats
    beyond the included ones, options) for the rest of a charged period is charged (or
    refunded) at once. Options the new tariff does not offer are dropped; seats included for
    this tenant alone (carried over from the kernel's old ``tenants.seats_included``) give way
    to the new tariff's. The kopecks posted (see ``monthly.prorate``)."""
    move = await tariff_move(conn, tenant_id, code)
    if move.old_tariff_id == move.new_tariff_id:
        return 0
    await conn.execute(
        "UPDATE billing_accounts SET tariff_id = $2, options = $3, seats_included = NULL, updated_at = now()"
        " WHERE tenant_id = $1",
        tenant_id, move.new_tariff_id, move.kept,
    )  # fmt: skip
    name = await conn.fetchval("SELECT name FROM billing_tariffs WHERE id = $1", move.new_tariff_id)
    return await monthly.prorate(
        conn, tenant_id, monthly_change_kop=move.now_kop - move.was_kop, what=f"Переход на тариф «{name}»",
        today=today or dt.datetime.now(dt.UTC).date(), kernel=kernel,
    )  # fmt: skip


async def set_options(
    conn: Connection, tenant_id: uuid.UUID, codes: list[str], *, today: dt.date | None = None,
    kernel: KernelAPI | None = None,
) -> int:  # fmt: skip
    """The "+" options the tenant takes (of its tariff's); the change prorated like a tariff's."""
    await ledger.open_account(conn, tenant_id)
    row = await conn.fetchrow(
        "SELECT tariff_id, options FROM billing_accounts WHERE tenant_id = $1 FOR UPDATE", tenant_id
    )
    assert row is not None  # opened just now
    wanted = list(dict.fromkeys(codes))
    now, kept = await _monthly_price(conn, row["tariff_id"], wanted)
    if kept != wanted:
        missing = next(code for code in wanted if code not in kept)
        raise ValidationError(f"the tariff has no option {missing!r}", field="options")
    was, _ = await _monthly_price(conn, row["tariff_id"], list(row["options"]))
    await conn.execute(
        "UPDATE billing_accounts SET options = $2, updated_at = now() WHERE tenant_id = $1", tenant_id, kept
    )
    return await monthly.prorate(
        conn, tenant_id, monthly_change_kop=now - was, what="Изменение опций тарифа",
        today=today or dt.datetime.now(dt.UTC).date(), kernel=kernel,
    )  # fmt: skip


_PLAN = (
    "SELECT p.id, p.name, p.version, (SELECT count(*) FROM billing_rates r WHERE r.rate_plan_id = p.id) AS rates"
    " FROM billing_rate_plans p"
)


async def rate_plans(conn: Connection) -> list[RatePlan]:
    return [RatePlan(**dict(r)) for r in await conn.fetch(f"{_PLAN} ORDER BY p.name")]


async def create_rate_plan(conn: Connection, name: str) -> RatePlan:
    plan_id = await conn.fetchval(
        "INSERT INTO billing_rate_plans (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id", _named(name)
    )
    if plan_id is None:
        raise ConflictError("a rate plan with this name exists", field="name")
    row = await conn.fetchrow(f"{_PLAN} WHERE p.id = $1", plan_id)
    assert row is not None  # inserted just now, in this transaction
    return RatePlan(**dict(row))


async def rates(conn: Connection, plan_id: uuid.UUID) -> list[Rate]:
    await _plan_exists(conn, plan_id)
    rows = await conn.fetch(
        "SELECT prefix, name, price_per_min_kop, connect_fee_kop, first_s, next_s FROM billing_rates"
        " WHERE rate_plan_id = $1 ORDER BY prefix",
        plan_id,
    )
    return [Rate(**dict(r)) for r in rows]


async def _plan_exists(conn: Connection, plan_id: uuid.UUID) -> None:
    if not await conn.fetchval("SELECT true FROM billing_rate_plans WHERE id = $1 FOR UPDATE", plan_id):
        raise NotFoundError("no such rate plan", field="rate_plan_id")


_LIMITS = {
    "price_per_min_kop": (0, MAX_KOP),
    "connect_fee_kop": (0, MAX_KOP),
    "first_s": (1, 3600),
    "next_s": (1, 3600),
}


def parse_rates(text: str) -> tuple[list[Rate], list[RowError], int]:
    """The good rates, the bad rows (line and field), and how many data rows there were.

    The header names the columns: ``prefix`` and ``price_per_min_kop`` are required;
    ``name``, ``connect_fee_kop`` (0), ``first_s`` and ``next_s`` (60) are optional.
    """
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [f for f in _REQUIRED if f not in header]
    if missing:
        return [], [RowError(line=1, field=missing[0], message="the header lacks this column")], 0
    unknown = [h for h in header if h not in CSV_FIELDS]
    if unknown:
        return [], [RowError(line=1, field=unknown[0], message="unknown column")], 0
    good: list[Rate] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    rows = 0
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        if rows > MAX_ROWS:
            errors.append(RowError(line=line, field="prefix", message=f"at most {MAX_ROWS} rows per file"))
            break
        if len(cells) != len(header):
            errors.append(RowError(line=line, field="row", message=f"{len(cells)} cells, the header has {len(header)}"))
            continue
        row = dict(zip(header, (c.strip() for c in cells), strict=True))
        values: dict[str, Any] = {}
        bad = False
        prefix = row["prefix"].removeprefix("+")
        if not (prefix.isascii() and prefix.isdigit() and 1 <= len(prefix) <= 15):
            errors.append(RowError(line=line, field="prefix", message="1 to 15 digits, an optional leading '+'"))
            bad = True
        elif prefix in seen:
            errors.append(RowError(line=line, field="prefix", message=f"the prefix is already on line {seen[prefix]}"))
            bad = True
        for name, (low, high) in _LIMITS.items():
            raw = row.get(name, "")
            if raw == "" and name not in _REQUIRED:
                continue
            if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
                errors.append(RowError(line=line, field=name, message=f"a whole number from {low} to {high}"))
                bad = True
                continue
            values[name] = int(raw)
        if len(row.get("name", "")) > 200:
            errors.append(RowError(line=line, field="name", message="at most 200 characters"))
            bad = True
        if not bad:
            seen[prefix] = line
            good.append(Rate(prefix=prefix, name=row.get("name", ""), **values))
    return good, errors, rows


async def import_rates(conn: Connection, plan_id: uuid.UUID, text: str, *, dry_run: bool) -> ImportReport:
    """Replace the plan's rates with the file's, all or nothing: with any bad row (or a dry run)
    nothing is written and the report names every bad row."""
    await _plan_exists(conn, plan_id)  # and locks it: two imports into one plan queue up
    good, errors, rows = parse_rates(text)
    if rows == 0 and not errors:
        errors.append(RowError(line=2, field="row", message="the file has no rates"))
    report = ImportReport(rows=rows, good=len(good), errors=errors, written=0, dry_run=dry_run)
    if errors or dry_run:
        return report
    await conn.execute("DELETE FROM billing_rates WHERE rate_plan_id = $1", plan_id)
    await conn.copy_records_to_table(
        "billing_rates",
        records=[
            (plan_id, r.prefix, r.name, r.price_per_min_kop, r.connect_fee_kop, r.first_s, r.next_s) for r in good
        ],
        columns=["rate_plan_id", "prefix", "name", "price_per_min_kop", "connect_fee_kop", "first_s", "next_s"],
    )
    await conn.execute("UPDATE billing_rate_plans SET version = version + 1 WHERE id = $1", plan_id)
    report.written = len(good)
    return report
