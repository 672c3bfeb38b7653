"""The ring strategies' memory: when each employee last finished an answered call ("uniform"
rings the member idle longest first, core/engine/dialing.py).

It lives beside the strategies, in the kernel, and in PostgreSQL (table ``ring_memory``), so
every router process orders a group the same way. The kernel registers a ``RingMemory`` on
its plugin host while it runs: on ``call_ended`` it writes who answered, in the call record's
own transaction; on ``ring_state`` it answers "idle since".

A routing step never queries for it: each process keeps a copy per tenant, read once when a
step first needs it and then kept current by the notifications the table's trigger sends
(channel ``vats_ring_memory``, payload ``<tenant>:<employee>:<epoch>``); the process that
writes also updates its own copy at once, so its next call already sees the change. While
the listening connection is down nothing is kept (every need reads the table), and on
reconnecting every copy is dropped, since a notification may have been missed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from typing import Any

from vats.core import hookimpl
from vats.core.calls.records import CallRecord
from vats.core.db.database import Connection, Database
from vats.core.db.listen import Listener
from vats.core.engine.context import RingState

log = logging.getLogger(__name__)

CHANNEL = "vats_ring_memory"
PLUGIN_NAME = "vats.ring_memory"  # its name on the kernel's plugin host


class RingMemory:
    """This process's copy of ``ring_memory``, per tenant, kept current by notifications."""

    vats_tenant_switchable = False  # the kernel's own: a PBX cannot switch it off

    def __init__(self, db: Database, listen_url: str) -> None:
        self.db = db
        self.listen_url = listen_url
        self._known: dict[uuid.UUID, RingState] = {}
        self._heard: dict[uuid.UUID, dict[uuid.UUID, float]] = {}  # changes heard while a copy is read
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}
        self._forgotten = 0  # how many times every copy was dropped (a read older than that is not kept)
        self._listener = Listener(listen_url, CHANNEL, self._on_notify, on_gap=self._forget)
        self.listening = self._listener.listening

    @hookimpl
    async def call_ended(self, record: CallRecord, conn: Connection) -> None:
        """Who answered finished the call at its end: "uniform" rings them last next time (a
        later finish already remembered is kept)."""
        answered = [p.employee_id for p in record.participants if p.outcome == "answered" and p.employee_id]
        if record.answered_at is None or not answered:
            return
        await conn.execute(
            "INSERT INTO ring_memory (tenant_id, employee_id, last_finished_at)"
            " SELECT $1, e, $3 FROM unnest($2::uuid[]) e"
            " ON CONFLICT (tenant_id, employee_id) DO UPDATE SET last_finished_at = EXCLUDED.last_finished_at"
            " WHERE ring_memory.last_finished_at < EXCLUDED.last_finished_at",
            record.tenant_id, list(dict.fromkeys(answered)), record.ended_at,
        )  # fmt: skip
        # Before the commit: if the record's transaction is rolled back, it is stored again with
        # the same end (CEL retries), so the copy runs ahead of the table only by that much.
        for employee_id in answered:
            self._heard_of(record.tenant_id, employee_id, record.ended_at.timestamp())

    @hookimpl
    def ring_state(self, tenant_id: uuid.UUID) -> RingState | Awaitable[RingState | None] | None:
        known = self._known.get(tenant_id)
        if known is None:
            return self._read(tenant_id)  # once per tenant and process, or while not listening
        return known if known.idle_since else None

    async def _read(self, tenant_id: uuid.UUID) -> RingState | None:
        async with self._locks.setdefault(tenant_id, asyncio.Lock()):  # one read per tenant at a time
            known = self._known.get(tenant_id)
            if known is None:
                keep = self.listening.is_set()
                forgotten = self._forgotten
                if keep:
                    self._heard[tenant_id] = {}
                try:
                    async with self.db.tenant(tenant_id) as conn:
                        rows = await conn.fetch(
                            "SELECT employee_id, last_finished_at FROM ring_memory WHERE tenant_id = $1", tenant_id
                        )
                finally:
                    heard = self._heard.pop(tenant_id, {})
                idle = {r["employee_id"]: r["last_finished_at"].timestamp() for r in rows}
                for employee, at in heard.items():
                    idle[employee] = max(at, idle.get(employee, at))
                known = RingState(idle_since=idle)
                if keep and forgotten == self._forgotten:
                    self._known[tenant_id] = known
        return known if known.idle_since else None

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        # Never raise here: an exception in a listener callback would be lost in asyncpg's loop.
        try:
            tenant, employee, epoch = str(payload).split(":")
            tenant_id, employee_id, at = uuid.UUID(tenant), uuid.UUID(employee), float(epoch)
        except ValueError:
            log.warning("ignoring a malformed %s notification", CHANNEL)
            self._forget()
            return
        self._heard_of(tenant_id, employee_id, at)

    def _heard_of(self, tenant_id: uuid.UUID, employee_id: uuid.UUID, at: float) -> None:
        known = self._known.get(tenant_id)
        idle = known.idle_since if known is not None else self._heard.get(tenant_id)
        if idle is not None:  # nothing kept for the tenant: the next read sees the change anyway
            idle[employee_id] = max(at, idle.get(employee_id, at))

    def _forget(self) -> None:
        self._known.clear()
        self._forgotten += 1

    async def start(self) -> None:
        await self._listener.start()

    async def stop(self) -> None:
        await self._listener.stop()
        self._forget()
