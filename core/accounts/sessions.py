"""Each process's cache of signed-in sessions, so the API's sign-in check costs no query.

Every API request needs the session's employee (``Accounts.principal``). Kept here for up to a
minute, and dropped at once, in every process, when anything that check depends on changes:

- a session is revoked or deleted (sign-out, a password change or reset signing the others
  out, the employee deleted): channel ``vats_sessions`` (migration 0010);
- an employee (role, e-mail, name, deletion) or a tenant (suspension) changes: channel
  ``vats_config`` (migration 0005) drops every cached session of that tenant.

The same notifications give each tenant's data a version (:meth:`SessionCache.tenant_version`):
any change to what ``vats_config`` covers (employees, groups, numbers, ...) makes a new one, so
the API's cached reads (``bots/web/response_cache.py``) key on it and never serve an old answer.

Nothing is cached while the listening connection is down (a notification may be lost then),
and an answer read from the database while a notification arrived is not kept (generations),
so a sign-out is never undone by a read that was already under way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

import asyncpg
from vats.core.stopping import stop_if_asked

if TYPE_CHECKING:
    from vats.core.accounts.principal import Principal

log = logging.getLogger(__name__)

CHANNEL = "vats_sessions"
CONFIG_CHANNEL = "vats_config"
MAX_AGE_S = 60.0  # bounds how late a session's own expiry (30 days) is noticed
MAX_ENTRIES = 50_000


class SessionCache:
    def __init__(self, listen_url: str) -> None:
        self.listen_url = listen_url
        self._entries: dict[uuid.UUID, tuple[Principal, float]] = {}
        self._generation = 0
        self._tenant_versions: dict[uuid.UUID, int] = {}
        self._epoch = 0  # every tenant's version changes with it (a reconnect: news may be lost)
        self._listener: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()
        self.notifications = 0

    @property
    def generation(self) -> int:
        """Read before a database read; :meth:`put` keeps its answer only if no change came since."""
        return self._generation

    def get(self, tenant_id: uuid.UUID, session_id: uuid.UUID) -> Principal | None:
        if not self.listening.is_set():
            return None
        entry = self._entries.get(session_id)
        if entry is None:
            return None
        principal, stored_at = entry
        if principal.tenant_id != tenant_id or time.monotonic() - stored_at > MAX_AGE_S:
            return None
        return principal

    def put(self, principal: Principal, generation: int) -> None:
        if generation != self._generation or not self.listening.is_set():
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[principal.session_id] = (principal, time.monotonic())

    def tenant_version(self, tenant_id: uuid.UUID) -> str | None:
        """The version of the tenant's data, or None while changes cannot be heard of."""
        if not self.listening.is_set():
            return None
        return f"{self._epoch}.{self._tenant_versions.get(tenant_id, 0)}"

    def forget_tenant(self, tenant_id: uuid.UUID) -> None:
        """Drop a tenant's sessions and version now: this process changed the tenant's data."""
        self._tenant_changed(tenant_id)
        self._forget(tenant_id)

    def forget_all(self) -> None:
        self._forget()

    def _tenant_changed(self, tenant_id: uuid.UUID) -> None:
        self._tenant_versions[tenant_id] = self._tenant_versions.get(tenant_id, 0) + 1

    def _forget(self, tenant_id: uuid.UUID | None = None, session_id: uuid.UUID | None = None) -> None:
        self._generation += 1
        if session_id is not None:
            self._entries.pop(session_id, None)
        elif tenant_id is not None:
            for key in [k for k, (p, _) in self._entries.items() if p.tenant_id == tenant_id]:
                del self._entries[key]
        else:
            self._entries.clear()
            self._epoch += 1

    def _on_session(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        # Never raise here: an exception in a listener callback would be lost in asyncpg's loop.
        self.notifications += 1
        try:
            tenant, _, session = str(payload).partition(":")
            self._forget(uuid.UUID(tenant), uuid.UUID(session))
        except ValueError:
            log.warning("ignoring a malformed %s notification", CHANNEL)
            self._forget()

    def _on_config(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self.notifications += 1
        table, _, tenant = str(payload).partition(":")
        try:
            tenant_id = uuid.UUID(tenant)
        except ValueError:
            self._forget()
            return
        self._tenant_changed(tenant_id)
        if table in ("employees", "tenants"):  # what the sign-in check reads
            self._forget(tenant_id)

    async def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            stop_if_asked()
            try:
                conn = await asyncpg.connect(self.listen_url)
                closed = asyncio.Event()
                conn.add_termination_listener(lambda _conn, closed=closed: closed.set())
                try:
                    await conn.add_listener(CHANNEL, self._on_session)
                    await conn.add_listener(CONFIG_CHANNEL, self._on_config)
                    self._forget()  # anything may have changed while we were not listening
                    self.listening.set()
                    delay = 0.5
                    await closed.wait()
                finally:
                    self.listening.clear()
                    self._forget()
                    if not conn.is_closed():
                        await conn.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("session cache listener lost its connection; retrying in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)

    def start(self) -> None:
        """Start listening; until the connection is up, every check goes to the database."""
        self._listener = asyncio.create_task(self._listen_forever(), name="vats-session-cache-listener")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self.listening.clear()
        self._forget()
