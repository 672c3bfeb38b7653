"""The ledger: append-only money movements per tenant and the balance cached from them.

``post`` appends a movement and moves the cached balance in one statement, inside the caller's
transaction; the same idempotency key posted again (a replay, a retry, a second process) adds
nothing and answers the first movement. The ledger table refuses updates and deletes (a
trigger), so the balance is always the ledger's sum (``verify`` says whether it is).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ValidationError
from vats.core.protocols import KernelAPI
from vats.plugins.billing.models import MAX_KOP, Balance, Kind, Movement, Posted

_COLUMNS = "id, kind, amount_kop, reason, reference, idempotency_key, actor, created_at"

# The default tariff of a tenant with no account yet (created before billing was installed).
DEFAULT_TARIFF = "start"

_POST = f"""
WITH moved AS (
    INSERT INTO billing_ledger (tenant_id, kind, amount_kop, reason, reference, idempotency_key, actor, billed_s)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING {_COLUMNS}
), account AS (
    INSERT INTO billing_accounts (tenant_id, tariff_id, balance_kop)
    SELECT $1, (SELECT id FROM billing_tariffs WHERE code = '{DEFAULT_TARIFF}'), amount_kop FROM moved
    ON CONFLICT (tenant_id) DO UPDATE
        SET balance_kop = billing_accounts.balance_kop + EXCLUDED.balance_kop, updated_at = now()
    RETURNING balance_kop
)
SELECT moved.*, account.balance_kop AS after_kop FROM moved, account
"""


def check_amount(amount_kop: int, field: str = "amount_kop") -> None:
    if isinstance(amount_kop, bool) or not isinstance(amount_kop, int):
        raise ValidationError("an amount is a whole number of kopecks", field=field)
    if amount_kop == 0:
        raise ValidationError("an amount of zero moves no money", field=field)
    if abs(amount_kop) > MAX_KOP:
        raise ValidationError(f"an amount is at most {MAX_KOP} kopecks either way", field=field)


async def post(
    conn: Connection,
    tenant_id: uuid.UUID,
    *,
    kind: Kind,
    amount_kop: int,
    idempotency_key: str,
    reason: str = "",
    reference: str = "",
    actor: str = "system",
    kernel: KernelAPI | None = None,
    billed_s: int | None = None,
) -> Posted:
    """Append a movement (``amount_kop`` > 0 credits, < 0 debits) within ``conn``'s transaction.

    With ``kernel``, a new movement is announced as ``billing_event("balance_changed")``;
    ``billed_s``: a call's billed seconds (the call detail report shows them).
    """
    check_amount(amount_kop)
    if not 1 <= len(idempotency_key) <= 200:
        raise ValidationError("an idempotency key has 1 to 200 characters", field="idempotency_key")
    row = await conn.fetchrow(_POST, tenant_id, kind, amount_kop, reason, reference, idempotency_key, actor, billed_s)
    if row is None:  # posted before: the first movement stands
        first = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM billing_ledger WHERE tenant_id = $1 AND idempotency_key = $2",
            tenant_id, idempotency_key,
        )  # fmt: skip
        balance = await balance_of(conn, tenant_id)
        return Posted(movement=_movement(first), created=False, before_kop=balance, after_kop=balance)
    return await _posted(conn, tenant_id, row, amount_kop, kernel)


class CallCharge(msgspec.Struct, frozen=True, kw_only=True):
    """One call's charge for ``post_calls``: a debit keyed ``call:<record id>``."""

    key: str  # call:<record id>: the idempotency key and the reference
    amount_kop: int  # > 0: what the call costs (posted as a debit)
    reason: str
    billed_s: int


class CallsPosted(msgspec.Struct, kw_only=True):
    """What ``post_calls`` did: ``plan_ok`` False: the plan was no longer the tenant's and
    nothing was charged (the holds were released all the same)."""

    plan_ok: bool
    movements: list[Posted]


# A batch of call charges and the release of the money the calls held, in one statement: the
# charges only while the tenant's tariff still has rate plan $2 at version $3 (priced from a
# cached plan; $2 NULL: no plan, nothing to charge), each at most once (the key's unique
# index: a replayed record, or another process rating it at the same time, adds nothing); the
# cached balance moved by what was written, the holds' sum by what was released.
_POST_CALLS = f"""
WITH plan AS (
    SELECT $2::uuid IS NULL OR coalesce((SELECT p.id = $2 AND p.version = $3
        FROM billing_tariffs t JOIN billing_rate_plans p ON p.id = t.rate_plan_id
        WHERE t.id = coalesce((SELECT tariff_id FROM billing_accounts WHERE tenant_id = $1),
                              (SELECT id FROM billing_tariffs WHERE code = '{DEFAULT_TARIFF}'))), false) AS ok
), moved AS (
    INSERT INTO billing_ledger (tenant_id, kind, amount_kop, reason, reference, idempotency_key, actor, billed_s)
    SELECT $1, 'call', -c.amount_kop, c.reason, c.key, c.key, 'system', c.billed_s
    FROM unnest($4::text[], $5::bigint[], $6::text[], $7::int[]) AS c(key, amount_kop, reason, billed_s)
    WHERE (SELECT ok FROM plan)
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING {_COLUMNS}
), gone AS (
    DELETE FROM billing_reservations WHERE tenant_id = $1 AND call_id = ANY($8::text[]) RETURNING amount_kop
), account AS (
    INSERT INTO billing_accounts (tenant_id, tariff_id, balance_kop)
    SELECT $1, (SELECT id FROM billing_tariffs WHERE code = '{DEFAULT_TARIFF}'),
           (SELECT coalesce(sum(amount_kop), 0) FROM moved)
    WHERE EXISTS (SELECT 1 FROM moved) OR EXISTS (SELECT 1 FROM gone)
    ON CONFLICT (tenant_id) DO UPDATE
        SET balance_kop = billing_accounts.balance_kop + EXCLUDED.balance_kop,
            reserved_kop = billing_accounts.reserved_kop - (SELECT coalesce(sum(amount_kop), 0) FROM gone),
            updated_at = now()
    RETURNING balance_kop
)
SELECT (SELECT ok FROM plan) AS plan_ok, (SELECT balance_kop FROM account) AS after_kop, moved.*
FROM (SELECT) AS one LEFT JOIN moved ON true ORDER BY moved.id
"""


# The money held for a tenant's calls changes hands under this lock when a call's hold and its
# record may cross: a call served from a process's lease gets its hold written moments after it
# began (``purse.py``), and a call that short may already be stored and rated by then. Taken as
# a statement of its own before the release (``post_calls``) and before the lease's holds are
# written, so the statement after it reads what the other side committed (READ COMMITTED takes
# a snapshot per statement): the holds are written either before the release, which then finds
# them, or after the record is committed, which the writing then sees and holds nothing.
_LOCK_HOLDS = "SELECT pg_advisory_xact_lock(hashtextextended('vats billing holds ' || $1, 0))"


async def lock_holds(conn: Connection, tenant_id: uuid.UUID) -> None:
    """Serialise, until ``conn``'s transaction ends, the release of the tenant's calls' holds
    against the writing of holds for calls served from a lease."""
    await conn.execute(_LOCK_HOLDS, str(tenant_id))


async def post_calls(
    conn: Connection,
    tenant_id: uuid.UUID,
    plan: tuple[uuid.UUID, int] | None,
    charges: Sequence[CallCharge],
    release: Sequence[str] = (),
    *,
    kernel: KernelAPI | None = None,
) -> CallsPosted:
    """Charge a batch of calls and release the money held for the calls ``release`` names
    (their linkedids), with one statement within ``conn``'s transaction: the charges only while
    the tenant's tariff has rate plan ``plan`` = (id, version) (None: charges must be empty).
    A key posted before adds nothing. Each new movement is announced as ``balance_changed``
    (with ``kernel``), in ledger order, its balance before and after."""
    for charge in charges:
        check_amount(charge.amount_kop)
    plan_id, version = plan if plan is not None else (None, 0)
    if release:  # a lease's holds being written now are waited for (or wait for this record)
        await lock_holds(conn, tenant_id)
    rows = await conn.fetch(
        _POST_CALLS, tenant_id, plan_id, version, [c.key for c in charges], [c.amount_kop for c in charges],
        [c.reason for c in charges], [c.billed_s for c in charges], list(release),
    )  # fmt: skip
    moved = [r for r in rows if r["id"] is not None]
    posted = []
    if moved:
        before = rows[0]["after_kop"] - sum(r["amount_kop"] for r in moved)
        for row in moved:
            posted.append(Posted(movement=_movement(row), created=True, before_kop=before,
                                 after_kop=before + row["amount_kop"]))  # fmt: skip
            before += row["amount_kop"]
        if kernel is not None and kernel.plugins.implemented("billing_event"):
            for one in posted:
                await _announce(kernel, conn, tenant_id, one)
    return CallsPosted(plan_ok=bool(rows[0]["plan_ok"]), movements=posted)


async def _posted(
    conn: Connection, tenant_id: uuid.UUID, row: Any, amount_kop: int, kernel: KernelAPI | None
) -> Posted:
    movement = _movement(row)
    posted = Posted(
        movement=movement, created=True, before_kop=row["after_kop"] - amount_kop, after_kop=row["after_kop"]
    )
    if kernel is not None and kernel.plugins.implemented("billing_event"):
        await _announce(kernel, conn, tenant_id, posted)
    return posted


async def _announce(kernel: KernelAPI, conn: Connection, tenant_id: uuid.UUID, posted: Posted) -> None:
    await kernel.plugins.emit(
        "billing_event", tenant_id=tenant_id, conn=conn, kind="balance_changed",
        payload={"before_kop": posted.before_kop, "after_kop": posted.after_kop,
                 "amount_kop": posted.movement.amount_kop, "movement": msgspec.to_builtins(posted.movement)},
    )  # fmt: skip


def _movement(row: Any) -> Movement:
    return Movement(**{k: row[k] for k in Movement.__struct_fields__})


async def balance_of(conn: Connection, tenant_id: uuid.UUID) -> int:
    value = await conn.fetchval("SELECT balance_kop FROM billing_accounts WHERE tenant_id = $1", tenant_id)
    return int(value or 0)


async def account(conn: Connection, tenant_id: uuid.UUID) -> Balance:
    # a process's lease (purse.py) is money set aside for calls not yet made: not shown as held
    row = await conn.fetchrow(
        "SELECT a.balance_kop, t.code, a.credit_limit_kop,"
        " a.reserved_kop - (SELECT coalesce(sum(amount_kop), 0)::bigint"
        "  FROM billing_reservations WHERE tenant_id = $1 AND call_id LIKE 'lease:%') AS reserved_kop"
        " FROM billing_accounts a LEFT JOIN billing_tariffs t ON t.id = a.tariff_id WHERE a.tenant_id = $1",
        tenant_id,
    )
    if row is None:
        return Balance(tenant_id=tenant_id, balance_kop=0, tariff=DEFAULT_TARIFF)
    return Balance(
        tenant_id=tenant_id, balance_kop=row["balance_kop"], tariff=row["code"],
        credit_limit_kop=row["credit_limit_kop"], reserved_kop=row["reserved_kop"],
        available_kop=max(0, row["balance_kop"] + row["credit_limit_kop"] - row["reserved_kop"]),
    )  # fmt: skip


async def set_credit_limit(conn: Connection, tenant_id: uuid.UUID, limit_kop: int) -> None:
    """How far below zero the tenant's paid calls may take its balance (0: not at all)."""
    if isinstance(limit_kop, bool) or not isinstance(limit_kop, int) or not 0 <= limit_kop <= MAX_KOP:
        raise ValidationError(
            f"a credit limit is a whole number of kopecks from 0 to {MAX_KOP}", field="credit_limit_kop"
        )
    await open_account(conn, tenant_id)
    await conn.execute(
        "UPDATE billing_accounts SET credit_limit_kop = $2, updated_at = now() WHERE tenant_id = $1",
        tenant_id, limit_kop,
    )  # fmt: skip


async def movements(conn: Connection, tenant_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Movement], int]:
    """The newest first, and how many there are."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM billing_ledger WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        tenant_id, limit, offset,
    )  # fmt: skip
    total = await conn.fetchval("SELECT count(*) FROM billing_ledger WHERE tenant_id = $1", tenant_id)
    return [_movement(r) for r in rows], int(total)


async def verify(conn: Connection, tenant_id: uuid.UUID) -> tuple[int, int]:
    """(cached balance, the ledger's sum): equal unless something bypassed ``post``."""
    row = await conn.fetchrow(
        "SELECT (SELECT coalesce(balance_kop, 0) FROM billing_accounts WHERE tenant_id = $1) AS cached,"
        " (SELECT coalesce(sum(amount_kop), 0) FROM billing_ledger WHERE tenant_id = $1) AS summed",
        tenant_id,
    )
    assert row is not None  # a SELECT without FROM always answers one row
    return int(row["cached"] or 0), int(row["summed"])


async def open_account(conn: Connection, tenant_id: uuid.UUID) -> None:
    """A new tenant's account on the default tariff (nothing if it has one)."""
    await conn.execute(
        "INSERT INTO billing_accounts (tenant_id, tariff_id)"
        f" SELECT $1, id FROM billing_tariffs WHERE code = '{DEFAULT_TARIFF}' ON CONFLICT (tenant_id) DO NOTHING",
        tenant_id,
    )
