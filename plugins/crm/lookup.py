"""The caller's contact for routing (``lookup_contact``): tags for tag filters and the personal
manager for "manager first", answered from memory.

Routing asks at the first step of every inbound call, thousands of times a second, so each
process keeps, per tenant, only the contacts routing can use (with tags or a manager), loaded
on first use and dropped when PostgreSQL notifies a change (triggers in the migration). Until
the listener is connected, and after it loses its connection, answers come from the database.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import asyncpg
from vats.core.engine.context import CallerContact

log = logging.getLogger(__name__)
CHANNEL = "vats_crm_contacts"

ROUTING_CONTACTS = (
    "SELECT c.number, c.name, c.manager_id,"
    " coalesce((SELECT array_agg(t.name) || array_agg(t.id::text) FROM crm_contact_tags ct JOIN tags t"
    "  ON t.tenant_id = ct.tenant_id AND t.id = ct.tag_id WHERE ct.tenant_id = c.tenant_id AND ct.contact_id = c.id),"
    " '{}') AS tags FROM crm_contacts c WHERE c.tenant_id = $1"
)


def _contact(r: Any) -> CallerContact:
    return CallerContact(name=r["name"] or None, tags=list(r["tags"]), personal_manager_id=r["manager_id"])


class ContactLookup:
    def __init__(self) -> None:
        self.db: Any = None
        self._cache: dict[uuid.UUID, dict[str, CallerContact]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._listening = False

    def start(self, db: Any) -> None:
        self.db = db
        self._cache.clear()
        self._listening = False
        if self._listener is not None and not self._listener.done():
            try:
                self._listener.cancel()
            except RuntimeError:  # it belonged to an event loop that is closed now
                pass
        self._listener = None

    async def find(self, tenant_id: uuid.UUID, number: str) -> CallerContact | None:
        if self.db is None:
            return None
        self._ensure_listener()
        if not self._listening:
            async with self.db.tenant(tenant_id) as conn:
                row = await conn.fetchrow(ROUTING_CONTACTS + " AND c.number = $2", tenant_id, number)
            return _contact(row) if row else None
        known = self._cache.get(tenant_id)
        if known is None:
            async with self.db.tenant(tenant_id) as conn:
                rows = await conn.fetch(
                    ROUTING_CONTACTS + " AND (c.manager_id IS NOT NULL OR EXISTS (SELECT 1 FROM crm_contact_tags x"
                    " WHERE x.tenant_id = c.tenant_id AND x.contact_id = c.id))",
                    tenant_id,
                )
            known = {r["number"]: _contact(r) for r in rows}
            if self._listening:  # a change that arrived while loading would be lost otherwise
                self._cache[tenant_id] = known
        return known.get(number)

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            loop = asyncio.get_running_loop()
            self._listener = loop.create_task(self._listen_forever(), name="crm contact lookup listener")

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        try:
            self._cache.pop(uuid.UUID(str(payload)), None)
        except ValueError:
            self._cache.clear()

    async def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            try:
                conn = await asyncpg.connect(self.db.url)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("contact lookup cannot listen (%s); retrying in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
                continue
            closed = asyncio.Event()
            conn.add_termination_listener(lambda _conn, closed=closed: closed.set())
            try:
                await conn.add_listener(CHANNEL, self._on_notify)
                self._cache.clear()
                self._listening = True
                delay = 0.5
                await closed.wait()
            finally:
                self._listening = False
                self._cache.clear()
                if not conn.is_closed():
                    await conn.close()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        self._listening = False
