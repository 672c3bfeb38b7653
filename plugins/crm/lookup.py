"""The caller's contact for routing (``lookup_contact``): tags for tag filters and the personal
manager for "manager first", answered from memory.

Routing asks at the first step of every inbound call, thousands of times a second, so each
process keeps, per tenant, only the contacts routing can use (with tags or a manager), loaded
once on first use (one load however many calls ask at once). PostgreSQL notifies each changed
number (triggers in the migrations); that number alone is read again the next time routing
asks for it, so a busy tenant whose calls keep assigning managers never reloads the whole set.
Until the listener is connected, and after it loses its connection, answers come from the
database.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import asyncpg
from vats.core.engine.context import CallerContact
from vats.core.stopping import stop_if_asked

log = logging.getLogger(__name__)
CHANNEL = "vats_crm_contacts"

ROUTING_CONTACTS = (
    "SELECT c.number, c.name, c.manager_id,"
    " coalesce((SELECT array_agg(t.name) || array_agg(t.id::text) FROM crm_contact_tags ct JOIN tags t"
    "  ON t.tenant_id = ct.tenant_id AND t.id = ct.tag_id WHERE ct.tenant_id = c.tenant_id AND ct.contact_id = c.id),"
    " '{}') AS tags FROM crm_contacts c WHERE c.tenant_id = $1"
)


USABLE = (
    " AND (c.manager_id IS NOT NULL OR EXISTS (SELECT 1 FROM crm_contact_tags x"
    " WHERE x.tenant_id = c.tenant_id AND x.contact_id = c.id))"
)


def _contact(r: Any) -> CallerContact:
    return CallerContact(name=r["name"] or None, tags=list(r["tags"]), personal_manager_id=r["manager_id"])


class ContactLookup:
    def __init__(self) -> None:
        self.db: Any = None
        self._cache: dict[uuid.UUID, dict[str, CallerContact]] = {}
        # numbers notified as changed since their tenant was loaded -> a change counter, so a
        # re-read that raced with a newer change is not kept
        self._changed: dict[uuid.UUID, dict[str, int]] = {}
        self._loading: dict[uuid.UUID, asyncio.Future[dict[str, CallerContact]]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._listening = False

    def start(self, db: Any) -> None:
        self.db = db
        self._cache.clear()
        self._changed.clear()
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
            known = await self._load(tenant_id)
        changes = self._changed.get(tenant_id, {})
        if number in changes:
            seen = changes[number]
            async with self.db.tenant(tenant_id) as conn:
                row = await conn.fetchrow(ROUTING_CONTACTS + USABLE + " AND c.number = $2", tenant_id, number)
            found = _contact(row) if row else None
            if self._listening and changes.get(number) == seen and self._cache.get(tenant_id) is known:
                del changes[number]
                if found is None:
                    known.pop(number, None)
                else:
                    known[number] = found
            return found
        return known.get(number)

    async def _load(self, tenant_id: uuid.UUID) -> dict[str, CallerContact]:
        """The tenant's routing contacts; calls that ask while it loads wait for the same load."""
        loading = self._loading.get(tenant_id)
        if loading is None:
            loading = asyncio.ensure_future(self._read_all(tenant_id))
            self._loading[tenant_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(tenant_id, None))
        return await asyncio.shield(loading)

    async def _read_all(self, tenant_id: uuid.UUID) -> dict[str, CallerContact]:
        self._changed[tenant_id] = {}  # changes notified from now on are re-read one by one
        async with self.db.tenant(tenant_id) as conn:
            rows = await conn.fetch(ROUTING_CONTACTS + USABLE, tenant_id)
        known = {r["number"]: _contact(r) for r in rows}
        if self._listening:  # a change that arrived while loading would be lost otherwise
            self._cache[tenant_id] = known
        return known

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            loop = asyncio.get_running_loop()
            self._listener = loop.create_task(self._listen_forever(), name="crm contact lookup listener")

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        tenant_text, _, number = str(payload).partition(" ")
        try:
            tenant_id = uuid.UUID(tenant_text)
        except ValueError:
            self._cache.clear()
            return
        if not number:  # a whole tenant
            self._cache.pop(tenant_id, None)
            return
        changes = self._changed.get(tenant_id)
        if changes is not None:  # loaded or loading: re-read this number when it is asked for
            changes[number] = changes.get(number, 0) + 1

    async def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            stop_if_asked()
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
                self._changed.clear()
                self._listening = True
                delay = 0.5
                await closed.wait()
            finally:
                self._listening = False
                self._cache.clear()
                self._changed.clear()
                if not conn.is_closed():
                    await conn.close()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        self._listening = False
