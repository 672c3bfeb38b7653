"""Prepaid enforcement: may a paid call go out, and for how long (the ``call_budget`` hook).

A tenant may spend down to minus its credit limit L (kopecks, >= 0, set by the operator). When
a paid call is dialled, the money it may spend is *held*: the smaller of what is left
(balance + L - what the tenant's other paid calls in progress hold) and what a call of the
operator's longest allowed length (``billing_settings.max_call_s``) would cost. The call gets
the talk time that amount pays for (Asterisk hangs up then: Dial's ``S()``), so calls running
at the same time never spend the same money twice. A call that cannot pay its first billing
increment is refused with the standard media "insufficient funds".

Holding takes one statement, in the router's transaction: an UPDATE of the tenant's account
row, whose conditions PostgreSQL re-checks on the newest row when two calls race (so the second
sees the first one's hold), and the hold's own row keyed by the call's linkedid. The hold is
released when the call's record is rated (``calls_ended``, same transaction as the charge), or
when it expires (a record that never came: a crash) the next time the tenant runs short.

A tenant with plenty of money lends each process a lease of it (``purse.py``): then a call's
hold comes from the lease in memory, with no database round trip on the router's hot path, and
is written as the call's own hold moments later. The lease is reserved money, so the rule above
holds across processes all the same; near the limit there is no lease and every call takes the
statement above.
"""

from __future__ import annotations

import uuid

from vats.core.calls.budget import CallBudget
from vats.core.calls.models import CallRecord
from vats.core.db.database import Connection
from vats.plugins.billing import ledger
from vats.plugins.billing.models import Rate
from vats.plugins.billing.purse import Purse
from vats.plugins.billing.rating import Rater, cost_kop

INSUFFICIENT = "insufficient funds"
HELD = "prepaid: "  # how an allowed call's budget begins (the record's path step ``budget: prepaid: ...``)
EXPIRY_MARGIN_S = 600  # ringing (up to 120 s) and the record's way through CEL, with room to spare

_HOLD = f"""
WITH cap AS (
    -- a hold is not worth a WAL flush (the call's time limit is Asterisk's, whatever happens
    -- to the database): without this, the router's read-only transaction would wait for one
    SELECT billing_call_cost($3, $4, $5, $6, max_call_s) AS kop, max_call_s,
           set_config('synchronous_commit', 'off', true) AS relaxed
    FROM billing_settings
), account AS (
    UPDATE billing_accounts a
    SET reserved_kop = a.reserved_kop + least(a.balance_kop + a.credit_limit_kop - a.reserved_kop, cap.kop),
        last_hold_kop = least(a.balance_kop + a.credit_limit_kop - a.reserved_kop, cap.kop)
    FROM cap
    WHERE a.tenant_id = $1 AND a.balance_kop > -a.credit_limit_kop
      AND a.balance_kop + a.credit_limit_kop - a.reserved_kop >= $7
      AND NOT EXISTS (SELECT 1 FROM billing_reservations r WHERE r.tenant_id = $1 AND r.call_id = $2)
      AND EXISTS (SELECT 1 FROM billing_tariffs t JOIN billing_rate_plans p ON p.id = t.rate_plan_id
                  WHERE t.id = a.tariff_id AND p.id = $8 AND p.version = $9)  -- priced from today's plan
    RETURNING a.last_hold_kop, cap.max_call_s
)
INSERT INTO billing_reservations (tenant_id, call_id, amount_kop, expires_at)
SELECT $1, $2, last_hold_kop, now() + make_interval(secs => max_call_s + {EXPIRY_MARGIN_S}) FROM account
RETURNING amount_kop
"""

_RELEASE = """
WITH gone AS (
    DELETE FROM billing_reservations WHERE tenant_id = $1 AND {which} RETURNING amount_kop
)
UPDATE billing_accounts SET reserved_kop = reserved_kop - (SELECT sum(amount_kop) FROM gone)
WHERE tenant_id = $1 AND EXISTS (SELECT 1 FROM gone)
"""
_RELEASE_CALL = _RELEASE.format(which="call_id = $2")
_RELEASE_EXPIRED = _RELEASE.format(which="expires_at < now()")


def affordable_s(rate: Rate, amount_kop: int) -> int:
    """The longest talk time (whole billing increments) that costs at most ``amount_kop``."""
    if rate.price_per_min_kop == 0:
        return 0 if amount_kop < rate.connect_fee_kop else 1 << 30
    billed = (amount_kop - rate.connect_fee_kop) * 60 // rate.price_per_min_kop
    if billed < rate.first_s:
        return 0
    return rate.first_s + (billed - rate.first_s) // rate.next_s * rate.next_s


def talk_limit_s(rate: Rate, amount_kop: int) -> int:
    """What Asterisk is told: one second under the affordable time, since the record's talk
    time (rounded up to a second) runs a fraction past the hang-up; at least one second."""
    return max(1, affordable_s(rate, amount_kop) - 1)


def _from_lease(rater: Rater, purse: Purse, tenant_id: uuid.UUID, digits: str, call_id: str) -> CallBudget | None:
    """The answer from this process's lease of the tenant's money (``purse.py``), without the
    database; None when the lease cannot give it (none, too little, prices not known here)."""
    lease = purse.usable(tenant_id)
    if lease is None or lease.plan is None:
        return None
    index = rater.plans.cached(*lease.plan)
    if index is None:
        return None
    rate = index.find(digits)
    if rate is None:
        return CallBudget(allowed=True, why="not priced: no rate for this destination")
    if rate.price_per_min_kop == 0 and rate.connect_fee_kop == 0:
        return CallBudget(allowed=True, why="a free destination")
    hold = cost_kop(rate, lease.max_call_s)  # what the database path holds when money is plenty
    if not purse.spend(tenant_id, lease, call_id, hold):
        return None
    limit = talk_limit_s(rate, hold)
    return CallBudget(allowed=True, why=f"{HELD}{hold} kop held, up to {limit} s", max_s=limit)


async def budget(
    conn: Connection, rater: Rater, tenant_id: uuid.UUID, destination: str, call_id: str, purse: Purse | None = None
) -> CallBudget | None:
    digits = destination.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()):
        return None  # not an outside number: nothing to price
    if purse is not None and (quick := _from_lease(rater, purse, tenant_id, digits, call_id)) is not None:
        return quick
    for fresh in (False, True):
        rate, plan = await rater.rate_for(conn, tenant_id, digits, fresh=fresh)
        if rate is None or (rate.price_per_min_kop == 0 and rate.connect_fee_kop == 0):
            if not fresh and not await rater.plan_is(conn, tenant_id, plan):
                continue  # the plan changed since it was cached: price again from today's
            if rate is None:
                return CallBudget(allowed=True, why="not priced: no rate for this destination")
            return CallBudget(allowed=True, why="a free destination")
        assert plan is not None  # a rate comes from a plan
        first = cost_kop(rate, 1)  # the connect fee and the first increment
        args = (tenant_id, call_id, rate.price_per_min_kop, rate.connect_fee_kop, rate.first_s, rate.next_s,
                first, *plan)  # fmt: skip
        held = await conn.fetchval(_HOLD, *args)
        if held is None:  # short of money, or something to tidy first: no account yet, stale holds, a new plan
            await ledger.open_account(conn, tenant_id)
            await conn.execute(_RELEASE_EXPIRED, tenant_id)
            if not fresh and not await rater.plan_is(conn, tenant_id, plan):
                continue
            held = await conn.fetchval(_HOLD, *args)
        if held is None:
            return CallBudget(allowed=False, why=INSUFFICIENT)
        if purse is not None:  # the tenant may have money to spare: lease some for the next calls
            purse.want(tenant_id, held)
        limit = talk_limit_s(rate, held)
        return CallBudget(allowed=True, why=f"{HELD}{held} kop held, up to {limit} s", max_s=limit)
    raise AssertionError("the second pass reads the plan fresh")  # pragma: no cover


def held_money(record: CallRecord) -> bool:
    """Did the call hold money (its router step says so)? Only those records release a hold:
    the others (inbound, internal, free) cost no statement."""
    return (
        record.direction == "outbound"
        and bool(record.linkedid)
        and any(step.startswith(f"budget: {HELD}") for step in record.path)
    )


async def release(conn: Connection, tenant_id: uuid.UUID, call_id: str) -> None:
    """The call's record is rated: what it held is free again (nothing if it held nothing)."""
    await conn.execute(_RELEASE_CALL, tenant_id, call_id)
