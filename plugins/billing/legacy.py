"""Legacy tariffs for migrated customers (seed 000: "условия текущего тарифа будут сохраняться в
течение 30 календарных дней").

The operator maps each old cabinet's tariff code to a legacy tariff (a vats tariff holding the
old terms, usually created with ``legacy`` set, so it is never offered for self-service) and a
target tariff (a sold one).
When a migration completes (the kernel's ``migration_completed``, its summary's ``tariff`` the
old code) the PBX is put on the legacy tariff; 30 calendar days from the completion (UTC dates:
the completion's day + 30 is the first day on the target) it moves to the target, the
difference for the rest of a charged period prorated as a tariff change is
(``catalogue.assign_tariff``). An old code without a mapping: the PBX gets the default tariff
and the operator sees a warning on the portal's page Старые тарифы until the code is mapped
(then the waiting PBXs get its terms, their 30 days still counted from their completion; a PBX
whose 30 days are already over is moved to the target at once, from the day of the mapping, the
difference prorated as on the day of a switch; unless its tariff was changed meanwhile).
A mapping being saved and a migration completing with its code are serialised by an advisory
lock on the code, so a PBX is never left unmapped by a mapping saved at the same moment.

Notices (``billing_event``): ``tariff_change_soon`` ``NOTICE_DAYS`` days before the change, and
``tariff_changed`` (``reason`` ``legacy_ended``) when it is made. Ten days because Russia's
rules for communication services (telephone: Постановление Правительства № 1342; telematic:
№ 575) oblige an operator to announce new tariffs at least ten days before they apply; it also
leaves a working week to top up the balance for the new monthly fee or to talk to the operator.

Exactly once: the step of one PBX (``step``) runs in one transaction that locks the PBX's terms
row, re-reads it, and writes the switch (``switched_at``) with the tariff change; the notice is
keyed in ``billing_notices``. Several processes running the job at once: one does it, the
others find it done.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import NotFoundError, ValidationError
from vats.core.protocols import KernelAPI
from vats.plugins.billing import catalogue, ledger

log = logging.getLogger(__name__)

LEGACY_DAYS = 30
NOTICE_DAYS = 10
MAX_CODE = 200


class LegacyMapping(msgspec.Struct, kw_only=True):
    """An old cabinet's tariff code, and the tariffs (codes) a PBX migrated with it gets."""

    old_code: str
    legacy_tariff: str
    target_tariff: str
    legacy_name: str = ""
    target_name: str = ""


class LegacyTerms(msgspec.Struct, kw_only=True):
    """A migrated PBX's terms: on ``legacy_tariff`` up to ``until`` (the last day, inclusive),
    then on ``target_tariff``; ``legacy_tariff`` None: its old code had no mapping (it got the
    default tariff; the operator is warned)."""

    tenant_id: uuid.UUID
    tenant: str
    old_code: str
    legacy_tariff: str | None
    target_tariff: str | None
    completed_at: dt.datetime
    switch_on: dt.date
    until: dt.date
    switched_at: dt.datetime | None = None
    outcome: str | None = None  # "switched", or "superseded" (the tariff was changed before)


def clean_code(text: str, field: str = "old_code") -> str:
    code = text.strip()
    if not 1 <= len(code) <= MAX_CODE or not code.isprintable():
        raise ValidationError(f"an old tariff code is 1 to {MAX_CODE} printable characters", field=field)
    return code


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


_MAPPINGS = """
SELECT m.old_code, l.code AS legacy_tariff, l.name AS legacy_name, t.code AS target_tariff, t.name AS target_name
FROM billing_legacy_tariffs m
JOIN billing_tariffs l ON l.id = m.legacy_tariff_id JOIN billing_tariffs t ON t.id = m.target_tariff_id
"""


async def mappings(conn: Connection) -> list[LegacyMapping]:
    return [LegacyMapping(**dict(r)) for r in await conn.fetch(f"{_MAPPINGS} ORDER BY m.old_code")]


async def mapping(conn: Connection, old_code: str) -> LegacyMapping | None:
    row = await conn.fetchrow(f"{_MAPPINGS} WHERE m.old_code = $1", old_code)
    return LegacyMapping(**dict(row)) if row else None


async def _tariff_id(conn: Connection, code: str, field: str) -> Any:
    found = await conn.fetchval("SELECT id FROM billing_tariffs WHERE code = $1", code.strip())
    if found is None:
        raise ValidationError("no such tariff", field=field)
    return found


# A mapping being saved and a migration completing with the same old code take turns: the one
# that waits reads (in its next statement) what the other committed. Without it the completion
# reads no mapping while the save looks for waiting PBXs before the completion's row is
# committed, and the PBX stays unmapped although its code is mapped.
_LOCK_CODE = "SELECT pg_advisory_xact_lock(hashtextextended('vats billing legacy ' || $1, 0))"


async def save_mapping(
    conn: Connection, kernel: KernelAPI | None, old_code: str, legacy_tariff: str, target_tariff: str,
    *, today: dt.date | None = None,
) -> tuple[LegacyMapping, int]:  # fmt: skip
    """Map ``old_code`` (created or changed). The legacy tariff is usually one the operator made
    for it, marked ``legacy`` (never sold); a target must be sold. PBXs that completed their
    migration with this code while it was unmapped get its terms now: the legacy tariff for the
    rest of their 30 days, or, when those are over, the target at once (from ``today``, the
    difference prorated as a switch is; left alone if their tariff was changed meanwhile). The
    mapping, and how many such PBXs got its terms."""
    code = clean_code(old_code)
    today = today or _today()
    legacy_id = await _tariff_id(conn, legacy_tariff, "legacy_tariff")
    target_id = await _tariff_id(conn, target_tariff, "target_tariff")
    if legacy_id == target_id:
        raise ValidationError("the target tariff must differ from the legacy one", field="target_tariff")
    if await conn.fetchval("SELECT legacy FROM billing_tariffs WHERE id = $1", target_id):
        raise ValidationError("the target is a legacy tariff: choose one that is sold", field="target_tariff")
    await conn.execute(_LOCK_CODE, code)
    await conn.execute(
        "INSERT INTO billing_legacy_tariffs (old_code, legacy_tariff_id, target_tariff_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (old_code) DO UPDATE SET legacy_tariff_id = $2, target_tariff_id = $3, updated_at = now()",
        code, legacy_id, target_id,
    )  # fmt: skip
    waiting = await conn.fetch(
        "SELECT tenant_id, switch_on FROM billing_legacy_terms WHERE old_code = $1 AND legacy_tariff_id IS NULL"
        " AND switched_at IS NULL ORDER BY tenant_id FOR UPDATE",
        code,
    )  # fmt: skip
    for row in waiting:
        await conn.execute(
            "UPDATE billing_legacy_terms SET legacy_tariff_id = $2, target_tariff_id = $3 WHERE tenant_id = $1",
            row["tenant_id"], legacy_id, target_id,
        )  # fmt: skip
        if row["switch_on"] > today:  # still within its 30 days: the old terms for the rest of them
            await catalogue.assign_tariff(conn, row["tenant_id"], legacy_tariff.strip(), today=today, kernel=kernel)
        else:  # mapped late: the monthly step would find it off the legacy tariff and leave it
            await _late(conn, kernel, row["tenant_id"], today)
    saved = await mapping(conn, code)
    assert saved is not None  # written just now
    return saved, len(waiting)


async def remove_mapping(conn: Connection, old_code: str) -> LegacyMapping:
    """The removed mapping. PBXs already on its terms keep them (their rows name the tariffs)."""
    found = await mapping(conn, clean_code(old_code))
    if found is None:
        raise NotFoundError("no mapping for this old tariff code", field="old_code")
    await conn.execute("DELETE FROM billing_legacy_tariffs WHERE old_code = $1", found.old_code)
    return found


async def migration_completed(
    conn: Connection,
    kernel: KernelAPI,
    tenant_id: uuid.UUID,
    summary: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> LegacyTerms | None:
    """A migrated PBX's terms from its old tariff code (``summary["tariff"]``; None: nothing to
    keep, the PBX stays on what it has). Fired again for the same PBX: its first terms stand."""
    raw = summary.get("tariff")
    if not isinstance(raw, str) or not raw.strip():
        return None
    code = "".join(ch for ch in raw if ch.isprintable()).strip()[:MAX_CODE] or "?"
    now = now or dt.datetime.now(dt.UTC)
    switch_on = now.astimezone(dt.UTC).date() + dt.timedelta(days=LEGACY_DAYS)
    await conn.execute(_LOCK_CODE, code)  # a mapping of the code being saved now: after it (or it after us)
    row = await conn.fetchrow(
        "SELECT legacy_tariff_id, target_tariff_id FROM billing_legacy_tariffs WHERE old_code = $1", code
    )
    legacy_id, target_id = (row["legacy_tariff_id"], row["target_tariff_id"]) if row else (None, None)
    written = await conn.fetchval(
        "INSERT INTO billing_legacy_terms (tenant_id, old_code, legacy_tariff_id, target_tariff_id, completed_at,"
        " switch_on) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id) DO NOTHING RETURNING true",
        tenant_id, code, legacy_id, target_id, now, switch_on,
    )  # fmt: skip
    if not written:
        return await terms(conn, tenant_id)
    if legacy_id is None:
        log.warning("billing: tenant %s migrated with the unmapped old tariff %r: default tariff", tenant_id, code)
        await catalogue.assign_tariff(conn, tenant_id, ledger.DEFAULT_TARIFF, today=now.date(), kernel=kernel)
    else:
        legacy_code = await conn.fetchval("SELECT code FROM billing_tariffs WHERE id = $1", legacy_id)
        await catalogue.assign_tariff(conn, tenant_id, legacy_code, today=now.date(), kernel=kernel)
    return await terms(conn, tenant_id)


_TERMS = """
SELECT g.tenant_id, n.name AS tenant, g.old_code, l.code AS legacy_tariff, t.code AS target_tariff, g.completed_at,
       g.switch_on, g.switched_at, g.outcome
FROM billing_legacy_terms g JOIN tenants n ON n.id = g.tenant_id
LEFT JOIN billing_tariffs l ON l.id = g.legacy_tariff_id LEFT JOIN billing_tariffs t ON t.id = g.target_tariff_id
"""


def _terms(row: Any) -> LegacyTerms:
    return LegacyTerms(**dict(row), until=row["switch_on"] - dt.timedelta(days=1))


async def terms(conn: Connection, tenant_id: uuid.UUID) -> LegacyTerms | None:
    row = await conn.fetchrow(f"{_TERMS} WHERE g.tenant_id = $1", tenant_id)
    return _terms(row) if row else None


async def all_terms(conn: Connection, *, limit: int = 500) -> list[LegacyTerms]:
    """Every migrated PBX's terms (system scope): unmapped ones first, then those still on a
    legacy tariff by their switch date, then the finished ones, newest first."""
    rows = await conn.fetch(
        f"{_TERMS} ORDER BY g.legacy_tariff_id IS NOT NULL, g.switched_at IS NOT NULL, g.switch_on, g.completed_at DESC"
        " LIMIT $1",
        limit,
    )
    return [_terms(r) for r in rows]


class Shown(msgspec.Struct, kw_only=True):
    """What the tenant's pages say: on the legacy tariff ``name`` up to ``until`` inclusive,
    then on ``target_name`` at ``target_fee_kop`` a month."""

    name: str
    until: dt.date
    target_name: str
    target_fee_kop: int


async def shown(conn: Connection, tenant_id: uuid.UUID) -> Shown | None:
    """The PBX's legacy terms while it is on them (its account still on the legacy tariff)."""
    row = await conn.fetchrow(
        "SELECT l.name, g.switch_on, t.name AS target_name, t.monthly_fee_kop FROM billing_legacy_terms g"
        " JOIN billing_accounts a ON a.tenant_id = g.tenant_id AND a.tariff_id = g.legacy_tariff_id"
        " JOIN billing_tariffs l ON l.id = g.legacy_tariff_id JOIN billing_tariffs t ON t.id = g.target_tariff_id"
        " WHERE g.tenant_id = $1 AND g.switched_at IS NULL",
        tenant_id,
    )
    if row is None:
        return None
    return Shown(name=row["name"], until=row["switch_on"] - dt.timedelta(days=1), target_name=row["target_name"],
                 target_fee_kop=row["monthly_fee_kop"])  # fmt: skip


async def _emit(kernel: KernelAPI, conn: Connection, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> None:
    if kernel.plugins.implemented("billing_event"):
        await kernel.plugins.emit("billing_event", tenant_id=tenant_id, conn=conn, kind=kind, payload=payload)


async def step(kernel: KernelAPI, tenant_id: uuid.UUID, today: dt.date) -> str | None:
    """One PBX's legacy step for ``today``: ``"tariff_change_soon"`` (the notice, once),
    ``"legacy_ended"`` (moved to the target, once), ``"superseded"`` (its tariff was changed
    before: nothing to move), or None (nothing due, or another process did it)."""
    async with kernel.db.tenant(tenant_id) as conn:
        row = await conn.fetchrow(
            "SELECT g.switch_on, g.legacy_tariff_id, g.target_tariff_id, a.tariff_id, l.code AS legacy, l.name,"
            " t.code AS target, t.name AS target_name FROM billing_legacy_terms g"
            " JOIN billing_accounts a ON a.tenant_id = g.tenant_id"
            " JOIN billing_tariffs l ON l.id = g.legacy_tariff_id JOIN billing_tariffs t ON t.id = g.target_tariff_id"
            " WHERE g.tenant_id = $1 AND g.switched_at IS NULL FOR UPDATE OF g",
            tenant_id,
        )  # a second process waits here, then finds the row switched (or the notice keyed)
        if row is None or today < row["switch_on"] - dt.timedelta(days=NOTICE_DAYS):
            return None
        if row["tariff_id"] != row["legacy_tariff_id"]:  # the operator or the admin changed it meanwhile
            await conn.execute(
                "UPDATE billing_legacy_terms SET switched_at = now(), outcome = 'superseded' WHERE tenant_id = $1",
                tenant_id,
            )
            return "superseded"
        if today < row["switch_on"]:
            if not await conn.fetchval(
                "INSERT INTO billing_notices (tenant_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                tenant_id, f"tariff_change_soon:{row['switch_on']}",
            ):  # fmt: skip
                return None
            move = await catalogue.tariff_move(conn, tenant_id, row["target"])
            await _emit(kernel, conn, tenant_id, "tariff_change_soon", {
                "from": row["legacy"], "from_name": row["name"], "to": row["target"], "to_name": row["target_name"],
                "switch_on": str(row["switch_on"]), "days_left": (row["switch_on"] - today).days,
                "monthly_now_kop": move.was_kop, "monthly_then_kop": move.now_kop,
            })  # fmt: skip
            return "tariff_change_soon"
        await _switch(conn, kernel, tenant_id, (row["legacy"], row["name"]), (row["target"], row["target_name"]),
                      row["switch_on"], today)  # fmt: skip
        return "legacy_ended"


async def _switch(
    conn: Connection, kernel: KernelAPI | None, tenant_id: uuid.UUID, was: tuple[str, str], target: tuple[str, str],
    switch_on: dt.date, today: dt.date,
) -> None:  # fmt: skip
    """Move the PBX from tariff ``was`` (code, name) to ``target`` (code, name) from ``today``,
    the difference prorated; its terms marked switched; announced as ``tariff_changed``."""
    move = await catalogue.tariff_move(conn, tenant_id, target[0])
    charged = await catalogue.assign_tariff(conn, tenant_id, target[0], today=today, kernel=kernel)
    await conn.execute(
        "UPDATE billing_legacy_terms SET switched_at = now(), outcome = 'switched' WHERE tenant_id = $1", tenant_id
    )
    await conn.execute(
        "INSERT INTO billing_tariff_changes (tenant_id, from_code, to_code, charged_kop, actor)"
        " VALUES ($1, $2, $3, $4, 'system')",
        tenant_id, was[0], target[0], charged,
    )  # fmt: skip
    if kernel is not None:
        await _emit(kernel, conn, tenant_id, "tariff_changed", {
            "from": was[0], "from_name": was[1], "to": target[0], "to_name": target[1],
            "charged_kop": charged, "monthly_kop": move.now_kop, "actor": "system", "reason": "legacy_ended",
            "switch_on": str(switch_on),
            "balance_kop": await ledger.balance_of(conn, tenant_id),
        })  # fmt: skip


async def _late(conn: Connection, kernel: KernelAPI | None, tenant_id: uuid.UUID, today: dt.date) -> None:
    """A PBX whose code was mapped after its 30 days: to the target now, if it is still on the
    default tariff it got while unmapped (else its tariff was chosen since: superseded)."""
    row = await conn.fetchrow(
        "SELECT g.switch_on, a.tariff_id = d.id AS waiting, d.code, d.name, t.code AS target, t.name AS target_name"
        " FROM billing_legacy_terms g JOIN billing_accounts a ON a.tenant_id = g.tenant_id"
        " JOIN billing_tariffs t ON t.id = g.target_tariff_id"
        f" JOIN billing_tariffs d ON d.code = '{ledger.DEFAULT_TARIFF}' WHERE g.tenant_id = $1",
        tenant_id,
    )
    if row is None:  # no account: nothing to move (the step would find nothing either)
        return
    if not row["waiting"]:
        await conn.execute(
            "UPDATE billing_legacy_terms SET switched_at = now(), outcome = 'superseded' WHERE tenant_id = $1",
            tenant_id,
        )
        return
    await _switch(conn, kernel, tenant_id, (row["code"], row["name"]), (row["target"], row["target_name"]),
                  row["switch_on"], today)  # fmt: skip


async def run_due(kernel: KernelAPI, today: dt.date | None = None) -> dict[str, int]:
    """Every PBX whose notice or switch is due (one cheap query when none is): what was done."""
    today = today or _today()
    async with kernel.db.system() as conn:
        due = await conn.fetch(
            "SELECT tenant_id FROM billing_legacy_terms WHERE switched_at IS NULL AND legacy_tariff_id IS NOT NULL"
            " AND target_tariff_id IS NOT NULL AND switch_on - $2::int <= $1 ORDER BY switch_on",
            today, NOTICE_DAYS,
        )  # fmt: skip
    done: dict[str, int] = {}
    for row in due:
        try:
            what = await step(kernel, row["tenant_id"], today)
        except Exception:  # one PBX's failure must not stop the others'
            log.exception("billing: the legacy tariff step failed for tenant %s", row["tenant_id"])
            continue
        if what:
            done[what] = done.get(what, 0) + 1
    return done
