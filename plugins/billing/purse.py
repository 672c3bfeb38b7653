"""Per-process money leases: the balance check of a paid call without a database round trip.

``prepaid.budget`` holds money for every paid call, so that calls at the same time, in any vats
process, never spend the same money twice. Holding it in the database costs a round trip on
the router's hot path. A tenant with plenty of money therefore lends each process a *lease*:
money moved into the tenant's ``reserved_kop`` (as a ``billing_reservations`` row whose
``call_id`` is ``lease:<process>``), which the process hands out to its calls in memory. The
lease is real reserved money, so the rule "calls together spend at most balance + credit limit
(+ one increment)" holds across processes exactly as with per-call holds; only who may hand it
out changes.

* A lease is taken only when the tenant has at least twice its size unreserved (balance +
  limit - reserved), so at least as much stays for the other processes and for the database
  path: a tenant near its limit never gets one and every call is checked in the database, as
  before. Its size is ``LEASE_CALLS`` calls of the longest allowed length (``max_call_s``) at
  the price of the call that asked for it, doubled (up to ``GROWTH`` times) while the tenant's
  calls use it up within a second of the last refill.
* A call is served from the lease while the lease keeps more than the call's hold; the hold
  (what a call of ``max_call_s`` costs, as the database path holds) is written as the call's
  own ``billing_reservations`` row, and taken off the lease row, by a background task moments
  later (``WRITE_AFTER_S``; one statement per tenant for all calls since), so ``calls_ended``
  releases it like any other hold. The reserved sum never changes in that move.
* What the process knows is kept true by notifications (channel ``vats_billing``, triggers of
  migration 0050): a change of prices, tariffs or settings forgets every lease's plan and
  ``max_call_s`` (read again with the next refill; meanwhile the database path); a tenant whose
  tariff changed, whose credit limit fell, or whose money no longer covers what is reserved
  (a monthly charge, an adjustment) loses its lease at once (returned in the background). While
  the listening connection is down nothing is served from leases.
* A lease row expires like a hold (``max_call_s`` + a margin after its last write), so a crashed
  process's lease frees itself; the process stops using a lease after half of that without a
  write. An idle lease (``IDLE_S`` without a call) is returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from vats.core.db.database import Database
from vats.core.db.listen import Listener
from vats.plugins.billing import ledger
from vats.plugins.billing.rating import PLAN_OF_TENANT

log = logging.getLogger(__name__)

CHANNEL = "vats_billing"
LEASE_CALLS = 8  # a lease pays this many calls of the longest allowed length
GROWTH = 8  # a busy tenant's lease (refilled again within GROW_WITHIN_S) doubles, up to this many times
GROW_WITHIN_S = 1.0
IDLE_S = 30.0  # a lease no call used for this long goes back
RETRY_S = 5.0  # a tenant refused a lease is not asked again sooner
WRITE_AFTER_S = 0.1  # the calls served from a lease are written this soon after (together)
TICK_S = 1.0  # how often the background task looks at idle and aging leases
STOP_TIMEOUT_S = 5.0  # closing waits this long for the background task at most
EXPIRY_MARGIN_S = 600  # as prepaid.EXPIRY_MARGIN_S: ringing and the record's way through CEL

_LEASE = f"""
WITH settings AS (
    SELECT max_call_s, set_config('synchronous_commit', 'off', true) AS relaxed FROM billing_settings
), plan AS ({PLAN_OF_TENANT}), account AS (
    UPDATE billing_accounts a SET reserved_kop = a.reserved_kop + $3
    WHERE a.tenant_id = $1 AND $3 > 0 AND a.balance_kop + a.credit_limit_kop - a.reserved_kop >= 2 * $3::bigint
    RETURNING a.tenant_id
), lease AS (
    INSERT INTO billing_reservations (tenant_id, call_id, amount_kop, expires_at)
    SELECT $1, $2, $3, now() + make_interval(secs => (SELECT max_call_s FROM settings) + {EXPIRY_MARGIN_S})
    FROM account
    ON CONFLICT (tenant_id, call_id) DO UPDATE
        SET amount_kop = billing_reservations.amount_kop + EXCLUDED.amount_kop, expires_at = EXCLUDED.expires_at
    RETURNING amount_kop
)
SELECT coalesce((SELECT amount_kop FROM lease),  -- $3 = 0: only read what the lease is priced by
                (SELECT amount_kop FROM billing_reservations WHERE $3 = 0 AND tenant_id = $1 AND call_id = $2))
           AS leased,
       (SELECT max_call_s FROM settings) AS max_call_s,
       (SELECT id FROM plan) AS plan_id, (SELECT version FROM plan) AS plan_version
"""

# The calls served from the lease since the last write become their own holds, taken off the
# lease row; the account's reserved sum is unchanged unless the lease row is gone (it expired:
# then the holds are reserved on their own), or a call already had a hold or its record (its
# share returns).
_SPENT = f"""
WITH settings AS (
    SELECT max_call_s, set_config('synchronous_commit', 'off', true) AS relaxed FROM billing_settings
), lease AS (
    UPDATE billing_reservations
    SET amount_kop = amount_kop - $3,
        expires_at = now() + make_interval(secs => (SELECT max_call_s FROM settings) + {EXPIRY_MARGIN_S})
    WHERE tenant_id = $1 AND call_id = $2 AND amount_kop > $3
    RETURNING amount_kop
), holds AS (
    INSERT INTO billing_reservations (tenant_id, call_id, amount_kop, expires_at)
    SELECT $1, c.call_id, c.amount_kop,
           now() + make_interval(secs => (SELECT max_call_s FROM settings) + {EXPIRY_MARGIN_S})
    FROM unnest($4::text[], $5::bigint[]) AS c(call_id, amount_kop)
    -- a call so short that its record came first needs no hold: its money goes back
    WHERE NOT EXISTS (SELECT 1 FROM call_records r WHERE r.linkedid = c.call_id)
    ON CONFLICT (tenant_id, call_id) DO NOTHING
    RETURNING amount_kop
), account AS (
    UPDATE billing_accounts
    SET reserved_kop = reserved_kop + (SELECT coalesce(sum(amount_kop), 0) FROM holds)
                       - CASE WHEN EXISTS (SELECT 1 FROM lease) THEN $3 ELSE 0 END
    WHERE tenant_id = $1
    RETURNING 1
)
SELECT (SELECT amount_kop FROM lease) AS left_kop, (SELECT count(*) FROM account) AS accounts
"""

_RETURN = """
WITH gone AS (
    DELETE FROM billing_reservations WHERE tenant_id = $1 AND call_id = $2 RETURNING amount_kop
)
UPDATE billing_accounts SET reserved_kop = reserved_kop - (SELECT sum(amount_kop) FROM gone)
WHERE tenant_id = $1 AND EXISTS (SELECT 1 FROM gone)
"""


class Lease:
    """One tenant's lease in this process: what is left to hand out, and what the process knew
    when it was last written (the plan its prices come from, the longest allowed call)."""

    __slots__ = ("base_kop", "free_kop", "last_used", "max_call_s", "plan", "size_kop", "topped_up", "valid_until")

    def __init__(self, size_kop: int) -> None:
        self.base_kop = size_kop  # its first size: it grows up to GROWTH times that
        self.size_kop = size_kop  # what a refill tops up to
        self.topped_up = 0.0  # monotonic: its last refill
        self.free_kop = 0
        self.plan: tuple[uuid.UUID, int] | None = None
        self.max_call_s = 0
        self.valid_until = 0.0  # monotonic: half the lease row's lifetime after its last write
        self.last_used = time.monotonic()


class Purse:
    """This process's leases, and the background task that writes what was spent from them."""

    def __init__(self) -> None:
        self.holder = f"lease:{uuid.uuid4().hex}"  # this process's reservation rows
        self.leases: dict[uuid.UUID, Lease] = {}
        self._spent: dict[uuid.UUID, list[tuple[str, int]]] = {}  # calls served, not written yet
        self._wanted: dict[uuid.UUID, int] = {}  # tenants to lease for (or top up), and the size
        self._dropped: set[uuid.UUID] = set()  # leases to return
        self._refused: dict[uuid.UUID, float] = {}  # when a lease was last refused (too little money)
        self._wake = asyncio.Event()
        self._listener: Listener | None = None
        self._task: asyncio.Task[None] | None = None
        self._db: Database | None = None
        self.live = False  # listening: what the process knows is kept true
        self.served = 0  # calls served from leases (the benchmark shows it)
        self._generation = 0  # bumped whenever what was read may be stale (a notification, a gap)
        self._settling = asyncio.Lock()
        self._closing = False
        self._write_soon = False  # a write of what was spent is due shortly

    # --- the hot path (no awaits: nothing else runs in between) ----------------------------

    def usable(self, tenant_id: uuid.UUID) -> Lease | None:
        """The tenant's lease, when calls may be served from it now."""
        lease = self.leases.get(tenant_id)
        if lease is None or not self.live or lease.plan is None or time.monotonic() > lease.valid_until:
            return None
        return lease

    def spend(self, tenant_id: uuid.UUID, lease: Lease, call_id: str, amount_kop: int) -> bool:
        """Hold ``amount_kop`` for the call from the lease; False (nothing held) when the lease
        would not keep more than that. A lease running low is topped up in the background."""
        lease.last_used = time.monotonic()
        if lease.free_kop <= amount_kop:
            self.want(tenant_id, amount_kop)
            return False
        lease.free_kop -= amount_kop
        self.served += 1
        self._spent.setdefault(tenant_id, []).append((call_id, amount_kop))
        if lease.free_kop <= lease.size_kop // 2:  # top it up; twice as much if the last refill was just now
            busy = time.monotonic() - lease.topped_up < GROW_WITHIN_S and lease.size_kop < GROWTH * lease.base_kop
            self._wanted[tenant_id] = lease.size_kop * 2 if busy else lease.size_kop
            self._wake.set()
        elif not self._write_soon:  # the calls of the next few milliseconds are written together
            self._write_soon = True
            asyncio.get_running_loop().call_later(WRITE_AFTER_S, self._wake.set)
        return True

    def want(self, tenant_id: uuid.UUID, hold_kop: int) -> None:
        """A call of this tenant held ``hold_kop`` in the database: lease for the next ones
        (not again within ``RETRY_S`` of a refusal: a tenant near its limit gets none)."""
        if self._task is None or hold_kop <= 0:
            return
        if time.monotonic() - self._refused.get(tenant_id, -RETRY_S) < RETRY_S:
            return
        self._wanted[tenant_id] = max(self._wanted.get(tenant_id, 0), LEASE_CALLS * hold_kop)
        self._wake.set()

    # --- keeping it true --------------------------------------------------------------------

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        try:
            text = str(payload)
            if text.startswith("t:"):
                self._drop(uuid.UUID(text[2:]))
            else:  # prices, tariffs or settings: every lease's knowledge is read again
                self._generation += 1
                for tenant_id, lease in self.leases.items():
                    lease.plan = None
                    self._wanted.setdefault(tenant_id, 0)
                self._wake.set()
        except Exception:  # never raise into asyncpg
            log.exception("billing notification %r", payload)

    def _gap(self) -> None:
        """Notifications may have been missed: serve nothing from leases until listening again
        and every lease is read afresh."""
        self.live = self._listener is not None and self._listener.listening.is_set()
        self._generation += 1
        for tenant_id in list(self.leases):
            self._drop(tenant_id)

    def _drop(self, tenant_id: uuid.UUID) -> None:
        if self.leases.pop(tenant_id, None) is not None:
            self._dropped.add(tenant_id)
            self._wake.set()
        self._wanted.pop(tenant_id, None)

    # --- the background task ----------------------------------------------------------------

    def start(self, db: Database) -> None:
        """Start listening and writing (once; in the running event loop)."""
        if self._task is not None:
            return
        self._db = db
        self._listener = Listener(db.url, CHANNEL, self._notified, self._gap)
        self._task = asyncio.create_task(self._run(), name="vats-billing-purse")

    async def _run(self) -> None:
        assert self._listener is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await self._listener.start()
        while not self._closing:  # a flag as well: Python 3.11's timeouts may swallow a cancel
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK_S):
                    await self._wake.wait()
            self._wake.clear()
            self.live = self._listener.listening.is_set()
            try:
                await self.settle()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("billing leases: retrying in %.0f s", TICK_S)
                await asyncio.sleep(TICK_S)

    async def settle(self) -> None:
        """Write what was spent, return idle and dropped leases, take or top up wanted ones."""
        if self._db is None:
            return
        async with self._settling:
            await self._settle(self._db)

    async def _settle(self, db: Database) -> None:
        self._write_soon = False
        now = time.monotonic()
        for tenant_id, lease in list(self.leases.items()):
            if now - lease.last_used > IDLE_S or now > lease.valid_until:
                self._drop(tenant_id)
        for tenant_id in list(self._spent):
            await self._write_spent(tenant_id)
        for tenant_id in list(self._dropped):
            if tenant_id not in self.leases:  # taken again meanwhile: it stays
                async with db.system() as conn:
                    await conn.execute(_RETURN, tenant_id, self.holder)
            self._dropped.discard(tenant_id)
        for tenant_id in list(self._wanted):
            size_kop = self._wanted.pop(tenant_id, None)  # a notification may have dropped it meanwhile
            if size_kop is not None:
                await self._lease(tenant_id, size_kop)

    async def _write_spent(self, tenant_id: uuid.UUID) -> None:
        assert self._db is not None
        spent = self._spent.pop(tenant_id, [])
        if not spent:
            return
        started = time.monotonic()
        try:
            async with self._db.system() as conn:
                # a call's record being rated meanwhile either commits first (then it is seen
                # below and the call holds nothing) or finds the hold written (ledger.lock_holds)
                await ledger.lock_holds(conn, tenant_id)
                calls, amounts = [c for c, _ in spent], [a for _, a in spent]
                row = await conn.fetchrow(_SPENT, tenant_id, self.holder, sum(amounts), calls, amounts)
        except BaseException:
            self._spent.setdefault(tenant_id, [])[:0] = spent  # written next time
            raise
        lease = self.leases.get(tenant_id)
        if lease is None:
            return
        if row is None or row["left_kop"] is None:  # the lease row is gone (it expired): start afresh
            log.warning("billing lease of tenant %s was gone; the calls' holds were reserved alone", tenant_id)
            self._drop(tenant_id)
        else:
            lease.valid_until = started + (lease.max_call_s + EXPIRY_MARGIN_S) / 2

    async def _lease(self, tenant_id: uuid.UUID, size_kop: int) -> None:
        """Take (or top up) the tenant's lease to ``size_kop`` free, and read what it is priced by."""
        assert self._db is not None
        lease = self.leases.get(tenant_id)
        size_kop = max(size_kop, lease.size_kop if lease is not None else 0)
        more = max(0, size_kop - (lease.free_kop if lease is not None else 0))
        if lease is None and more == 0:
            return
        started, generation = time.monotonic(), self._generation
        async with self._db.system() as conn:
            row = await conn.fetchrow(_LEASE, tenant_id, self.holder, more)
        if row is None or row["leased"] is None:  # not enough money to spare: the database path
            self._refused[tenant_id] = time.monotonic()
            return
        self._refused.pop(tenant_id, None)
        lease = self.leases.get(tenant_id)
        if lease is None:
            if tenant_id in self._dropped:  # dropped while we asked: the new money goes back too
                return
            lease = self.leases[tenant_id] = Lease(size_kop)
        lease.size_kop = size_kop
        lease.topped_up = started
        lease.free_kop += more
        lease.max_call_s = int(row["max_call_s"])
        lease.plan = (row["plan_id"], int(row["plan_version"])) if row["plan_id"] is not None else None
        if generation != self._generation:  # something changed while we read: read it again
            lease.plan = None
            self._wanted.setdefault(tenant_id, 0)
        lease.valid_until = started + (lease.max_call_s + EXPIRY_MARGIN_S) / 2

    async def close(self) -> None:
        """Stop; write what was spent and give every lease back."""
        if self._task is not None:
            self._closing = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait({self._task}, timeout=STOP_TIMEOUT_S)
            self._task = None
        if self._listener is not None:
            await self._listener.stop()
        self.live = False
        for tenant_id in list(self.leases):
            self._drop(tenant_id)
        self._wanted.clear()
        with contextlib.suppress(Exception):
            await self.settle()
