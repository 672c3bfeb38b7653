"""The one delivery outbox: every outgoing message of every plugin (e-mail, Telegram, CRM
webhooks, SMS, ...) goes through it.

Writing: :func:`enqueue` runs inside the transaction that causes the message (a task created,
an employee invited, money moved), so the message exists exactly when its cause does. Nothing
is lost while the far side or vats is down: the rows wait.

Sending (:class:`Sender`, one per channel and process): any number of vats processes share the
rows (``FOR UPDATE SKIP LOCKED``). A row is claimed (attempt counted, ``sending_since`` set)
and committed before the message goes out, then marked with the channel's :data:`Outcome`:

* :class:`Sent`: done, exactly once;
* :class:`Refused`: the far side said no without taking the message (HTTP 5xx or 429, SMTP
  4xx, connection refused), so the retry cannot make a duplicate; a ``retry_after_s`` with
  ``pause_channel`` pauses the whole channel (Telegram's 429);
* :class:`Unknown`: the fate is unknown (the connection dropped or timed out after the message
  left, or the sender died with the row claimed and its lease ran out): the far side may have
  taken it, so the retry may deliver it twice; counted in ``uncertain``. Where the far side
  has no idempotency key, "at most twice, counted" is the honest bound (a webhook receiver
  dedups by the row id it is given);
* :class:`Rejected`: refused for good (the user blocked the bot, a 4xx, a mailbox that does not
  exist): given up at once, kept as failed.

Retries back off by the channel's :class:`RetryPolicy` (``base_delay_s`` doubling to
``max_delay_s``); after ``max_attempts`` or ``give_up_after`` a row is given up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

import asyncpg
import msgspec
from vats.core.db.database import Connection, Database
from vats.core.stopping import stop_if_asked

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "vats_outbox"


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """One claimed row, as a channel sees it."""

    id: int
    tenant_id: uuid.UUID
    channel: str
    kind: str
    payload: Any
    attempts: int  # this attempt included
    created_at: dt.datetime


class Sent(msgspec.Struct, frozen=True):
    reference: str | None = None  # the far side's id of the message, if it gives one
    status: int | None = None


class Refused(msgspec.Struct, frozen=True):
    error: str
    status: int | None = None
    retry_after_s: float | None = None  # the far side's wish; else the policy's backoff
    pause_channel: bool = False  # the far side limits the whole channel, not this message


class Unknown(msgspec.Struct, frozen=True):
    error: str
    status: int | None = None


class Rejected(msgspec.Struct, frozen=True):
    error: str
    status: int | None = None


Outcome = Sent | Refused | Unknown | Rejected


class Channel(Protocol):
    """A way out (e-mail, Telegram, a webhook, an SMS provider). ``send`` must not raise for a
    failure of the far side: it answers an :data:`Outcome` (an exception is taken as
    :class:`Unknown`, the cautious reading)."""

    name: str

    async def send(self, item: Item) -> Outcome: ...


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    base_delay_s: float = 2.0
    max_delay_s: float = 300.0
    max_attempts: int | None = None
    give_up_after: dt.timedelta | None = dt.timedelta(hours=24)

    def delay_s(self, attempts: int) -> float:
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** max(attempts - 1, 0)))


async def enqueue(
    conn: Connection,
    *,
    tenant_id: uuid.UUID,
    channel: str,
    kind: str,
    payload: Any,
    delay: dt.timedelta | None = None,
) -> int:
    """Write one message to send once the caller's transaction commits; returns its id."""
    outbox_id: int = await conn.fetchval(
        "INSERT INTO outbox (tenant_id, channel, kind, payload, next_attempt_at)"
        " VALUES ($1, $2, $3, $4, now() + coalesce($5::interval, '0 s')) RETURNING id",
        tenant_id, channel, kind, msgspec.to_builtins(payload), delay,
    )  # fmt: skip
    return outbox_id


class Sender:
    """The sender of one channel in one vats process."""

    LEASE = dt.timedelta(minutes=2)  # a claimed row another sender may take over after this

    def __init__(
        self,
        db: Database,
        channel: Channel,
        *,
        retry: RetryPolicy | None = None,
        poll_s: float = 5.0,
        batch: int = 20,
        concurrency: int = 1,
    ) -> None:
        self.db, self.channel = db, channel
        self.retry = retry or RetryPolicy()
        self.poll_s, self.batch, self.concurrency = poll_s, batch, max(1, concurrency)
        self.paused_until = 0.0  # loop time: the far side asked the whole channel to wait
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Send due rows until cancelled; a new row wakes the loop through NOTIFY."""
        listener = await self._listen()
        try:
            while True:
                stop_if_asked()
                pause = self.paused_until - asyncio.get_running_loop().time()
                if pause > 0:
                    await asyncio.sleep(pause)
                self._wake.clear()
                if await self.deliver_due() == self.batch:
                    continue
                wait = await self._next_due_in()
                # asyncio.timeout, not wait_for: on Python 3.11 a cancellation arriving as
                # wait_for's own timeout fires is lost, and the loop would never stop
                try:
                    async with asyncio.timeout(min(self.poll_s, wait)):
                        await self._wake.wait()
                except TimeoutError:
                    pass
        finally:
            if listener is not None:
                try:
                    await listener.close(timeout=2)
                except (OSError, TimeoutError, asyncpg.PostgresError):
                    listener.terminate()  # stopping must not wait on the database

    async def _listen(self) -> asyncpg.Connection[asyncpg.Record] | None:
        def heard(_conn: Any, _pid: int, _channel: str, payload: object) -> None:
            if payload == self.channel.name:
                self._wake.set()

        try:
            conn: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(self.db.url, timeout=10)
            await conn.add_listener(NOTIFY_CHANNEL, heard)
            return conn
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:  # polling still delivers, a little later
            log.warning("%s outbox cannot listen for new rows (%s); polling", self.channel.name, type(exc).__name__)
            return None

    async def _next_due_in(self) -> float:
        async with self.db.system() as conn:
            due = await conn.fetchval(
                "SELECT extract(epoch FROM min(next_attempt_at) - now()) FROM outbox"
                " WHERE channel = $1 AND sent_at IS NULL AND failed_at IS NULL",
                self.channel.name,
            )
        return self.poll_s if due is None else max(0.0, float(due))

    async def deliver_due(self) -> int:
        """Claim and send the rows that are due (up to a batch); returns how many were claimed."""
        return await self._deliver(None)

    async def deliver(self, ids: Iterable[int]) -> int:
        """Send these rows now if they are still due and nobody holds them (a caller that has
        just committed them, e.g. an invitation, sends at once; a failure is left to ``run``)."""
        wanted = list(ids)
        return await self._deliver(wanted) if wanted else 0

    async def _deliver(self, ids: list[int] | None) -> int:
        async with self.db.system() as conn:
            claimed = await conn.fetch(
                "WITH due AS (SELECT id FROM outbox WHERE channel = $1 AND sent_at IS NULL AND failed_at IS NULL"
                "  AND next_attempt_at <= now() AND ($4::bigint[] IS NULL OR id = ANY($4))"
                "  ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)"
                " UPDATE outbox o SET attempts = attempts + 1, next_attempt_at = now() + $3::interval,"
                "  uncertain = uncertain + (o.sending_since IS NOT NULL)::int, sending_since = now()"
                " FROM due WHERE o.id = due.id"
                " RETURNING o.id, o.tenant_id, o.channel, o.kind, o.payload, o.attempts, o.created_at",
                self.channel.name, self.batch if ids is None else len(ids), self.LEASE, ids,
            )  # fmt: skip
        rows = sorted(claimed, key=lambda r: r["id"])
        if self.concurrency == 1:
            for row in rows:
                await self._send_one(row)
        else:
            limit = asyncio.Semaphore(self.concurrency)

            async def bounded(row: Any) -> None:
                async with limit:
                    await self._send_one(row)

            await asyncio.gather(*(bounded(row) for row in rows))
        return len(claimed)

    async def _send_one(self, row: Any) -> None:
        if asyncio.get_running_loop().time() < self.paused_until:
            # Not tried: give the claim back (the loop sleeps out the pause first).
            await self._mark(row["id"], "attempts = attempts - 1, next_attempt_at = now(), sending_since = NULL")
            return
        item = Item(
            id=row["id"], tenant_id=row["tenant_id"], channel=row["channel"], kind=row["kind"],
            payload=row["payload"], attempts=row["attempts"], created_at=row["created_at"],
        )  # fmt: skip
        try:
            outcome = await self.channel.send(item)
        except asyncio.CancelledError:
            raise  # the row stays claimed; its lease runs out and it is retried, counted uncertain
        except Exception as exc:  # a channel's bug must not stop the loop; it may have sent
            log.exception("%s outbox: sending %s raised", self.channel.name, item.id)
            outcome = Unknown(f"{type(exc).__name__}: {exc}")
        await self.record(item, outcome)

    async def record(self, item: Item, outcome: Outcome) -> None:
        """Mark a claimed row with how its attempt went."""
        name = self.channel.name
        match outcome:
            case Sent(reference=reference, status=status):
                await self._mark(
                    item.id,
                    "sent_at = now(), reference = $2, last_status = $3, sending_since = NULL, last_error = NULL",
                    reference, status,
                )  # fmt: skip
            case Rejected(error=error, status=status):
                log.warning("%s message %s given up: %s", name, item.id, error)
                await self._fail(item.id, error, status)
            case Refused(error=error, status=status, retry_after_s=after, pause_channel=pause):
                if pause and after:
                    self.paused_until = asyncio.get_running_loop().time() + after
                await self._retry_or_give_up(item, error, status, after)
            case Unknown(error=error, status=status):
                # The message may have reached the far side: the retry may deliver it a second time.
                await self._mark(item.id, "uncertain = uncertain + 1")
                await self._retry_or_give_up(item, error, status, None)

    async def _mark(self, outbox_id: int, assignments: str, *args: Any) -> None:
        async with self.db.system() as conn:
            await conn.execute(f"UPDATE outbox SET {assignments} WHERE id = $1", outbox_id, *args)

    async def _fail(self, outbox_id: int, error: str, status: int | None) -> None:
        await self._mark(
            outbox_id, "failed_at = now(), sending_since = NULL, last_error = $2, last_status = $3",
            error[:500], status,
        )  # fmt: skip

    async def _retry_or_give_up(self, item: Item, error: str, status: int | None, after_s: float | None) -> None:
        policy, name = self.retry, self.channel.name
        stale = policy.give_up_after is not None and dt.datetime.now(dt.UTC) - item.created_at > policy.give_up_after
        if stale or (policy.max_attempts is not None and item.attempts >= policy.max_attempts):
            log.warning("%s message %s given up after %d attempts: %s", name, item.id, item.attempts, error)
            await self._fail(item.id, f"stale: {error}" if stale else error, status)
            return
        delay = after_s if after_s is not None else policy.delay_s(item.attempts)
        log.warning("%s message %s not delivered (%s); retrying in %.1f s", name, item.id, error, delay)
        await self._mark(
            item.id,
            "next_attempt_at = now() + make_interval(secs => $2), sending_since = NULL, last_error = $3,"
            " last_status = $4",
            delay, error[:500], status,
        )  # fmt: skip


__all__ = [
    "Channel", "Item", "Outcome", "Refused", "Rejected", "RetryPolicy", "Sender", "Sent", "Unknown", "enqueue",
]  # fmt: skip
