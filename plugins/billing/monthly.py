"""Monthly charges on each tenant's billing day, proration of mid-period changes, and what
non-payment leads to (warnings, then the PBX suspended; resumed when paid).

A period runs from the billing day to the same day next month (day 31: the last day of
shorter months) and is charged in advance, at its start (a new account's first one after the
operator's ``trial_days``: its billing day is the trial's end): the tariff's fee, the seats beyond
those it includes, the numbers (the operator's price per number), and the "+" options the
tenant took. The period's row (``billing_periods``, unique per tenant and start) is written in
the transaction that posts the charges, each charge also under its own idempotency key
(``monthly:<start>:<what>``): several processes running the job at once, or a restart in the
middle, charge a period exactly once (the loser of the race waits on the unique key, then
finds the period charged; a transaction cut short writes nothing).

A tariff or option change in the middle of a charged period is prorated by days: the
difference for the days left is charged (or refunded) at once.

Non-payment: a tenant whose balance is below minus its credit limit is warned (billing_event
``below_limit`` the first day, ``suspension_warning`` each of the last ``warn_days`` days
before suspension), and suspended after ``suspend_after_days`` days (``tenant_suspended``;
0 switches suspension off); billing resumes what it suspended once the balance is back
(``tenant_resumed``). Each notice is written once per tenant and day (``billing_notices``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.protocols import KernelAPI
from vats.core.stopping import idle
from vats.plugins.billing import ledger, settings
from vats.plugins.billing.models import BillingSettings, Period, PeriodItem, TariffOption

log = logging.getLogger(__name__)

RUN_EVERY_S = 60.0


def day_in_month(day: int, year: int, month: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def period_of(billing_day: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period that ``today`` falls in: [start, end)."""
    start = day_in_month(billing_day, today.year, today.month)
    if start > today:
        start = day_in_month(billing_day, *_shift(today.year, today.month, -1))
    end = day_in_month(billing_day, *_shift(start.year, start.month, 1))
    return start, end


async def _emit(kernel: KernelAPI, conn: Connection, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> None:
    if kernel.plugins.implemented("billing_event"):
        await kernel.plugins.emit("billing_event", tenant_id=tenant_id, conn=conn, kind=kind, payload=payload)


_ACCOUNT = """
SELECT a.tariff_id, a.options AS taken, coalesce(a.seats_included, t.seats_included) AS seats_included,
       t.code, t.name, t.monthly_fee_kop, t.extra_seat_kop, t.options
FROM billing_accounts a JOIN billing_tariffs t ON t.id = a.tariff_id WHERE a.tenant_id = $1
"""


# The tenant's numbers; ``monthly_kop`` is the catalogue's fee of those it bought (None: a
# number the operator assigned, charged at the operator's price per number).
_NUMBERS = """
SELECT n.e164, c.monthly_kop FROM numbers n
LEFT JOIN billing_number_catalogue c ON c.e164 = n.e164 AND c.sold_to = n.tenant_id
WHERE n.tenant_id = $1 ORDER BY n.e164
"""


async def seats_included(conn: Connection, tenant_id: uuid.UUID) -> int:
    """The seats the tenant's price includes: its own (carried over from the kernel), else its
    tariff's; a tenant without an account yet: the default tariff's."""
    included = await conn.fetchval(
        "SELECT coalesce((SELECT coalesce(a.seats_included, t.seats_included) FROM billing_accounts a"
        " JOIN billing_tariffs t ON t.id = a.tariff_id WHERE a.tenant_id = $1),"
        f" (SELECT seats_included FROM billing_tariffs WHERE code = '{ledger.DEFAULT_TARIFF}'), 0)",
        tenant_id,
    )
    return int(included)


async def items(conn: Connection, tenant_id: uuid.UUID, config: BillingSettings) -> tuple[Any, list[PeriodItem]]:
    """The tariff id and what a whole period costs the tenant today, item by item."""
    account = await conn.fetchrow(_ACCOUNT, tenant_id)
    if account is None:
        return None, []
    made: list[PeriodItem] = []
    if account["monthly_fee_kop"]:
        made.append(PeriodItem(code="tariff", name=f"Тариф «{account['name']}»", quantity=1,
                               amount_kop=account["monthly_fee_kop"]))  # fmt: skip
    employees = await conn.fetchval("SELECT count(*) FROM employees WHERE tenant_id = $1", tenant_id)
    extra = max(0, int(employees) - account["seats_included"])
    if extra and account["extra_seat_kop"]:
        made.append(PeriodItem(code="seats", name="Дополнительные рабочие места", quantity=extra,
                               amount_kop=extra * account["extra_seat_kop"]))  # fmt: skip
    numbers = await conn.fetch(_NUMBERS, tenant_id)
    plain = sum(1 for n in numbers if n["monthly_kop"] is None)
    if plain and config.number_monthly_kop:
        made.append(PeriodItem(code="numbers", name="Номера", quantity=plain,
                               amount_kop=plain * config.number_monthly_kop))  # fmt: skip
    for n in numbers:  # bought from the catalogue: each at its own monthly fee
        if n["monthly_kop"]:
            made.append(PeriodItem(code=f"number:{n['e164']}", name=f"Номер {n['e164']}", quantity=1,
                                   amount_kop=n["monthly_kop"]))  # fmt: skip
    offered = {o.code: o for o in msgspec.convert(account["options"], list[TariffOption])}
    for code in account["taken"]:
        option = offered.get(code)
        if option is not None and option.price_kop:
            made.append(PeriodItem(code=f"option:{code}", name=option.name, quantity=1, amount_kop=option.price_kop))
    return account["tariff_id"], made


async def charge_period(kernel: KernelAPI, tenant_id: uuid.UUID, today: dt.date) -> Period | None:
    """Charge the period ``today`` falls in, unless it was charged: the period, or None."""
    async with kernel.db.tenant(tenant_id) as conn:
        account = await conn.fetchrow(
            "SELECT billing_day, charge_from FROM billing_accounts WHERE tenant_id = $1", tenant_id
        )
        if account is None:
            return None
        start, end = period_of(account["billing_day"], today)
        if start < account["charge_from"]:
            return None  # a new PBX's trial
        if await conn.fetchval(
            "SELECT true FROM billing_periods WHERE tenant_id = $1 AND period_start = $2", tenant_id, start
        ):
            return None
        tariff_id, due = await items(conn, tenant_id, await settings.load(conn))
        total = sum(i.amount_kop for i in due)
        won = await conn.fetchval(
            "INSERT INTO billing_periods (tenant_id, period_start, period_end, tariff_id, total_kop)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, period_start) DO NOTHING RETURNING true",
            tenant_id, start, end, tariff_id, total,
        )  # fmt: skip
        if not won:
            return None  # another process charged it (we waited for it on the unique key)
        span = f"{start:%d.%m.%Y}–{end - dt.timedelta(days=1):%d.%m.%Y}"
        for item in due:
            await ledger.post(
                conn, tenant_id, kind="charge", amount_kop=-item.amount_kop,
                idempotency_key=f"monthly:{start}:{item.code}", reference=f"period:{start}",
                reason=f"{item.name}{f' × {item.quantity}' if item.quantity > 1 else ''} за {span}", kernel=kernel,
            )  # fmt: skip
        period = Period(period_start=start, period_end=end, total_kop=total, items=due)
        await _emit(kernel, conn, tenant_id, "monthly_charge", msgspec.to_builtins(period))
        return period


async def periods(conn: Connection, tenant_id: uuid.UUID, limit: int = 24) -> list[Period]:
    rows = await conn.fetch(
        "SELECT period_start, period_end, total_kop FROM billing_periods WHERE tenant_id = $1"
        " ORDER BY period_start DESC LIMIT $2",
        tenant_id, limit,
    )  # fmt: skip
    return [Period(period_start=r["period_start"], period_end=r["period_end"], total_kop=r["total_kop"]) for r in rows]


async def prorate(
    conn: Connection, tenant_id: uuid.UUID, *, monthly_change_kop: int, what: str, today: dt.date,
    kernel: KernelAPI | None = None,
) -> int:  # fmt: skip
    """Charge (or refund) ``monthly_change_kop`` for the days left of the tenant's charged
    period that ``today`` falls in; the kopecks posted (negative: refunded; 0: nothing)."""
    share = await prorated(conn, tenant_id, monthly_change_kop=monthly_change_kop, today=today)
    if share.amount_kop == 0:
        return 0
    sign = 1 if share.amount_kop > 0 else -1
    await ledger.post(
        conn, tenant_id, kind="charge" if sign > 0 else "refund", amount_kop=-share.amount_kop,
        idempotency_key=f"prorate:{uuid.uuid4()}", reference=f"period:{share.period_start}",
        reason=f"{what}: {share.days_left} из {share.days} дней", kernel=kernel,
    )  # fmt: skip
    return share.amount_kop


class Share(msgspec.Struct, kw_only=True):
    """What a monthly change costs for the rest of the charged period ``today`` falls in:
    ``amount_kop`` (negative: a refund; 0 when the period is not charged yet, since its charge
    will be at the new price), and the period's days and those left (today included)."""

    amount_kop: int
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    days: int = 0
    days_left: int = 0


async def prorated(conn: Connection, tenant_id: uuid.UUID, *, monthly_change_kop: int, today: dt.date) -> Share:
    """``prorate``'s amount, without posting it (a quote, or a balance check first)."""
    if monthly_change_kop == 0:
        return Share(amount_kop=0)
    row = await conn.fetchrow(
        "SELECT period_start, period_end FROM billing_periods WHERE tenant_id = $1"
        " AND period_start <= $2 AND $2 < period_end",
        tenant_id, today,
    )  # fmt: skip
    if row is None:
        return Share(amount_kop=0)
    days: int = (row["period_end"] - row["period_start"]).days
    left: int = (row["period_end"] - today).days
    amount = (abs(monthly_change_kop) * left * 2 + days) // (2 * days)  # rounded half up
    return Share(
        amount_kop=amount if monthly_change_kop > 0 else -amount, period_start=row["period_start"],
        period_end=row["period_end"], days=days, days_left=left,
    )  # fmt: skip


async def check_payment(kernel: KernelAPI, tenant_id: uuid.UUID, today: dt.date) -> str | None:
    """Warn, suspend or resume the tenant as its balance says; the notice given, if any."""
    notice: str | None = None
    resume = False
    async with kernel.db.tenant(tenant_id) as conn:
        config = await settings.load(conn)
        row = await conn.fetchrow(
            "SELECT balance_kop, credit_limit_kop, below_limit_since, suspended_by_billing FROM billing_accounts"
            " WHERE tenant_id = $1 FOR UPDATE",
            tenant_id,
        )
        if row is None:
            return None
        below = row["balance_kop"] < -row["credit_limit_kop"]
        payload = {"balance_kop": row["balance_kop"], "credit_limit_kop": row["credit_limit_kop"]}
        if not below:
            if row["below_limit_since"] is None and row["suspended_by_billing"] is None:
                return None
            await conn.execute(
                "UPDATE billing_accounts SET below_limit_since = NULL, suspended_by_billing = NULL"
                " WHERE tenant_id = $1",
                tenant_id,
            )
            if row["suspended_by_billing"] is None:
                return None
            await _emit(kernel, conn, tenant_id, "tenant_resumed", payload)
            resume = True
        else:
            since = row["below_limit_since"]
            if since is None:
                since = today
                await conn.execute(
                    "UPDATE billing_accounts SET below_limit_since = $2 WHERE tenant_id = $1", tenant_id, today
                )
            days = (today - since).days
            if not config.suspend_after_days:
                notice = "below_limit" if days == 0 else None
            elif days >= config.suspend_after_days:
                notice = "tenant_suspended" if row["suspended_by_billing"] is None else None
            elif days == 0:
                notice = "below_limit"
            elif config.suspend_after_days - days <= config.warn_days:
                notice = "suspension_warning"
            else:
                notice = None
            if notice is None or not await conn.fetchval(
                "INSERT INTO billing_notices (tenant_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                tenant_id, f"{notice}:{today}",
            ):  # fmt: skip
                return None
            if config.suspend_after_days:
                payload["suspend_on"] = str(since + dt.timedelta(days=config.suspend_after_days))
                payload["days_left"] = max(0, config.suspend_after_days - days)
            if notice == "tenant_suspended":
                await conn.execute(
                    "UPDATE billing_accounts SET suspended_by_billing = now() WHERE tenant_id = $1", tenant_id
                )
            await _emit(kernel, conn, tenant_id, notice, payload)
    # the kernel's own transaction, after ours: suspending twice (a retry) changes nothing
    if resume:
        await kernel.directory.set_suspended(tenant_id, False)
        return "tenant_resumed"
    if notice == "tenant_suspended":
        await kernel.directory.set_suspended(tenant_id, True)
    return notice


_STATES = """
SELECT a.tenant_id, t.suspended, a.billing_day, a.charge_from,
       a.balance_kop < -a.credit_limit_kop OR a.below_limit_since IS NOT NULL
           OR a.suspended_by_billing IS NOT NULL AS owing,
       (SELECT max(p.period_start) FROM billing_periods p WHERE p.tenant_id = a.tenant_id) AS charged_to
FROM billing_accounts a JOIN tenants t ON t.id = a.tenant_id
"""


async def run_due(kernel: KernelAPI, today: dt.date | None = None) -> dict[str, int]:
    """One pass over every tenant: the periods due, the payment checks, then legacy tariffs
    ending (``legacy.py``); tenants with nothing due cost no transaction of their own. What it did."""
    from vats.plugins.billing import legacy  # it changes tariffs through catalogue, which imports us

    today = today or dt.datetime.now(dt.UTC).date()
    async with kernel.db.system() as conn:
        tenants = await conn.fetch(_STATES)
    done: dict[str, int] = {"charged": 0}
    for row in tenants:
        start, _ = period_of(row["billing_day"], today)
        due = not row["suspended"] and start >= row["charge_from"] and (row["charged_to"] or dt.date.min) < start
        try:
            if due and await charge_period(kernel, row["tenant_id"], today):
                done["charged"] += 1
            notice = await check_payment(kernel, row["tenant_id"], today) if due or row["owing"] else None
        except Exception:  # one tenant's failure must not stop the others' charges
            log.exception("billing: the monthly run failed for tenant %s", row["tenant_id"])
            continue
        if notice:
            done[notice] = done.get(notice, 0) + 1
    # After the periods: a PBX whose legacy tariff ends today has its period charged at the old
    # price (had the job missed days, the days before today too), then the rest of it prorated.
    for what, count in (await legacy.run_due(kernel, today)).items():
        done[what] = done.get(what, 0) + count
    return done


async def worker(kernel: KernelAPI) -> None:
    """``vats serve``'s monthly job: a pass every minute (cheap when nothing is due)."""
    while True:
        await run_due(kernel)
        await idle(RUN_EVERY_S)
