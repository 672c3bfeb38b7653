"""Rating call records: which leg of a call costs money, and how much.

* outbound (an employee calls out): the dialled number, for the talk time;
* forwarded out (an inbound call answered on an outside number, ``tel/...``): the operator
  pays the trunk for that leg, so it is rated like an outbound call to that number, for the
  talk time; the inbound leg itself stays free;
* inbound answered inside the PBX, internal calls, unanswered calls and simulated records
  (``simulated``: nothing went over a trunk): free, nothing is written.

The price is the longest prefix of the destination's E.164 digits in the tenant's rate plan
(its tariff's), found in an in-memory index per rate plan, reloaded when the plan's
``version`` (bumped on every change) differs. A destination no prefix matches is not charged
(logged). The charge's idempotency key is ``call:<record id>``: a record rated twice (a
replay, a restart) is charged once.

``rate_batch`` rates the batch the kernel hands to ``calls_ended`` (one tenant's records, up
to 50) in Python from the cached index and writes every charge with one statement
(``ledger.post_calls``: ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` on the
key, the cached balance moved by what was written, the calls' holds released).
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Sequence

from vats.core.calls.models import CallRecord
from vats.core.db.database import Connection
from vats.core.protocols import KernelAPI
from vats.plugins.billing import ledger
from vats.plugins.billing.models import Rate

log = logging.getLogger(__name__)

MAX_PREFIX = 15  # E.164 numbers have at most 15 digits


def billed_seconds(rate: Rate, talk_s: float) -> int:
    """The talk time as billed: at least the first step, then whole next steps (0: no talk)."""
    seconds = math.ceil(talk_s)
    if seconds <= 0:
        return 0
    billed = rate.first_s
    if seconds > rate.first_s:
        billed += -(-(seconds - rate.first_s) // rate.next_s) * rate.next_s
    return billed


def cost_kop(rate: Rate, talk_s: float) -> int:
    """The connect fee and the billed seconds at the minute price, rounded up to a kopeck."""
    billed = billed_seconds(rate, talk_s)
    if billed == 0:
        return 0
    return rate.connect_fee_kop + -(-billed * rate.price_per_min_kop // 60)


class PrefixIndex:
    """Longest-prefix lookup: at most 15 dictionary probes per number."""

    def __init__(self, rates: list[Rate]) -> None:
        self._rates = {r.prefix: r for r in rates}

    def __len__(self) -> int:
        return len(self._rates)

    def find(self, digits: str) -> Rate | None:
        rates = self._rates
        for length in range(min(len(digits), MAX_PREFIX), 0, -1):
            rate = rates.get(digits[:length])
            if rate is not None:
                return rate
        return None


class RatePlans:
    """Each rate plan's prefix index, kept per (plan, version)."""

    def __init__(self) -> None:
        self._indexes: dict[uuid.UUID, tuple[int, PrefixIndex]] = {}

    async def index(self, conn: Connection, plan_id: uuid.UUID, version: int) -> PrefixIndex:
        known = self._indexes.get(plan_id)
        if known is not None and known[0] == version:
            return known[1]
        rows = await conn.fetch(
            "SELECT prefix, name, price_per_min_kop, connect_fee_kop, first_s, next_s FROM billing_rates"
            " WHERE rate_plan_id = $1",
            plan_id,
        )
        index = PrefixIndex([Rate(**dict(r)) for r in rows])
        self._indexes[plan_id] = (version, index)
        return index

    def cached(self, plan_id: uuid.UUID, version: int) -> PrefixIndex | None:
        known = self._indexes.get(plan_id)
        return known[1] if known is not None and known[0] == version else None


PLAN_OF_TENANT = f"""
SELECT p.id, p.version FROM billing_tariffs t JOIN billing_rate_plans p ON p.id = t.rate_plan_id
WHERE t.id = coalesce((SELECT tariff_id FROM billing_accounts WHERE tenant_id = $1),
                      (SELECT id FROM billing_tariffs WHERE code = '{ledger.DEFAULT_TARIFF}'))
"""


def paid_leg(record: CallRecord) -> tuple[str, str] | None:
    """(destination digits, why) of the leg that costs money, or None for a free call."""
    if record.simulated or record.answered_at is None:
        return None
    if record.direction == "outbound":
        return _digits(record.number), "outbound"
    if record.direction == "inbound" and record.answered_by and record.answered_by.startswith("tel/"):
        return _digits(record.answered_by[4:]), "forwarded"
    return None


def _digits(number: str) -> str:
    return number[1:] if number.startswith("+") else number


class Rater:
    """Rates records; remembers each tenant's (rate plan, version) so that a batch of charges
    usually takes one statement, which itself checks the plan is still the tenant's (``post_calls``)."""

    def __init__(self) -> None:
        self.plans = RatePlans()
        self._plan_of: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}

    async def rate_for(
        self, conn: Connection, tenant_id: uuid.UUID, digits: str, *, fresh: bool = False
    ) -> tuple[Rate | None, tuple[uuid.UUID, int] | None]:
        """The tenant's price for a destination (E.164 digits) and the (rate plan, version) it
        comes from: from the plan the last rated call found, unless ``fresh`` (then read now)."""
        guess = None if fresh else self._plan_of.get(tenant_id)
        index = self.plans.cached(*guess) if guess is not None else None
        if index is None or guess is None:
            plan = await conn.fetchrow(PLAN_OF_TENANT, tenant_id)
            if plan is None:
                self._plan_of.pop(tenant_id, None)
                return None, None
            guess = self._plan_of[tenant_id] = (plan["id"], plan["version"])
            index = await self.plans.index(conn, *guess)
        return index.find(digits), guess

    async def plan_is(self, conn: Connection, tenant_id: uuid.UUID, plan: tuple[uuid.UUID, int] | None) -> bool:
        """Is ``plan`` (id, version) still the tenant's?"""
        row = await conn.fetchrow(PLAN_OF_TENANT, tenant_id)
        return (row["id"], row["version"]) == plan if row is not None else plan is None

    async def rate_batch(
        self,
        conn: Connection,
        tenant_id: uuid.UUID,
        records: Sequence[CallRecord],
        release: Sequence[str] = (),
        kernel: KernelAPI | None = None,
    ) -> int:
        """Charge the paid legs of one tenant's records and release the money the calls
        ``release`` names held, with one statement within ``conn``'s transaction (two when the
        tenant's rate plan changed since it was cached, or was never read here); the kopecks
        charged now (records charged before add nothing)."""
        legs = []
        for record in records:
            leg = paid_leg(record)
            if leg is None:
                continue
            if not (leg[0].isascii() and leg[0].isdigit()):
                log.warning("call %s: destination %r is not a number; not charged", record.id, leg[0])
                continue
            legs.append((record, *leg))
        plan = self._plan_of.get(tenant_id)
        index = self.plans.cached(*plan) if plan is not None else None
        for _ in range(3):  # a plan changed between our read and our write: price again (twice is plenty)
            if plan is None or index is None:
                row = await conn.fetchrow(PLAN_OF_TENANT, tenant_id)
                if row is None:
                    self._plan_of.pop(tenant_id, None)
                    if release:  # the tariff has no rate plan: calls are not charged, holds still go
                        await ledger.post_calls(conn, tenant_id, None, (), release)
                    return 0
                plan = self._plan_of[tenant_id] = (row["id"], row["version"])
                index = await self.plans.index(conn, *plan)
            charges = self._charges(index, plan, legs)
            done = await ledger.post_calls(conn, tenant_id, plan, charges, release, kernel=kernel)
            if done.plan_ok:
                return -sum(p.movement.amount_kop for p in done.movements)
            plan = index = None  # released already: a second release finds nothing
        raise RuntimeError(f"tenant {tenant_id}: its rate plan kept changing while its calls were rated")

    @staticmethod
    def _charges(
        index: PrefixIndex, plan: tuple[uuid.UUID, int], legs: list[tuple[CallRecord, str, str]]
    ) -> list[ledger.CallCharge]:
        charges = []
        for record, digits, why in legs:
            rate = index.find(digits)
            if rate is None:
                log.warning("call %s: no rate for +%s in plan %s; not charged", record.id, digits, plan[0])
                continue
            talk_s = record.talk_s
            cost = cost_kop(rate, talk_s)
            if cost:
                charges.append(ledger.CallCharge(
                    key=f"call:{record.id}", amount_kop=cost, reason=_reason(why, digits, record, rate),
                    billed_s=billed_seconds(rate, talk_s),
                ))  # fmt: skip
        return charges


def _reason(why: str, digits: str, record: CallRecord, rate: Rate) -> str:
    return f"{why} +{digits} {math.ceil(record.talk_s)} s ({rate.name or rate.prefix})"
