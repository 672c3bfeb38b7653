"""Per-tenant configuration snapshots kept in memory, for routing decisions that must not query
the database on every call step.

A snapshot holds what routing reads: the tenant, its employees (with terminals, absences,
periods), groups, schedules, calendars (as availability facts) and numbers. Triggers notify the
channel ``vats_config`` on every change (migration 0005); each process listens and drops the
tenant's snapshot at once, so the next read loads a fresh one. If the listening connection
drops, every snapshot is dropped (a notification may have been missed) and the listener
reconnects; as a last safety net, no snapshot is used longer than ``max_age_s``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec
from vats.core import features
from vats.core.availability import CalendarFacts
from vats.core.db.database import Database
from vats.core.db.listen import Listener
from vats.core.directory import employees as employees_repo
from vats.core.directory import groups as groups_repo
from vats.core.directory import numbers as numbers_repo
from vats.core.directory import schedules as schedules_repo
from vats.core.directory.models import Employee, Group, Number, Schedule, Tenant, Terminal
from vats.core.directory.tenants import load_tenant

if TYPE_CHECKING:
    from vats.core.plugins import PluginHost

log = logging.getLogger(__name__)
CHANNEL = "vats_config"


class TenantSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    tenant: Tenant
    employees: dict[uuid.UUID, Employee]
    groups: dict[uuid.UUID, Group]
    schedules: dict[uuid.UUID, Schedule]
    calendars: dict[uuid.UUID, CalendarFacts]
    numbers: dict[str, Number]  # by E.164
    extensions: dict[str, uuid.UUID]  # extension -> employee or group id
    scenarios: dict[uuid.UUID, Any]  # stored bodies; the engine compiles them with the block registry
    extras: dict[str, Any]  # what plugins add (snapshot_extras hook), e.g. "ivr_menus"
    disabled_plugins: frozenset[str]  # switched off for this tenant: their blocks do nothing
    loaded_at: float
    media: dict[str, Any] = {}  # media id -> its parts (files and pauses), for playback
    refused: frozenset[str] = frozenset()  # paid features the tenant may not use (vats.core.features)
    # Views derived from the fields above, worked out once per snapshot (a snapshot never
    # changes; a change loads a new one): routing steps read them thousands of times a second.
    memo: dict[Any, Any] = msgspec.field(default_factory=dict)

    def members(self, group: Group) -> tuple[Employee, ...]:
        """The group's members that exist, in the group's order."""
        key = ("members", group.id)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = tuple(self.employees[m] for m in group.member_ids if m in self.employees)
        return found

    def terminals(self, employee: Employee) -> tuple[Terminal, ...]:
        """The employee's terminals in ring order."""
        key = ("terminals", employee.id)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = tuple(sorted(employee.terminals, key=lambda t: t.position))
        return found

    def owner_of_login(self, login: str) -> uuid.UUID | None:
        """The employee whose SIP line this is."""
        owners = self.memo.get("login_owner")
        if owners is None:
            owners = self.memo["login_owner"] = {
                t.sip_login: e.id for e in self.employees.values() for t in e.terminals if t.sip_login
            }
        return owners.get(login)

    def owner_of_number(self, number: str) -> tuple[Employee, Terminal] | None:
        """The employee whose outside-number terminal (their own mobile) this E.164 number is."""
        owners = self.memo.get("number_owner")
        if owners is None:
            owners = self.memo["number_owner"] = {
                t.external_number: (e, t) for e in self.employees.values() for t in e.terminals if t.external_number
            }
        return owners.get(number)

    @property
    def employee_ids(self) -> list[uuid.UUID]:
        found = self.memo.get("employee_ids")
        if found is None:
            found = self.memo["employee_ids"] = list(self.employees)
        return found


async def load_snapshot(db: Database, tenant_id: uuid.UUID, plugins: PluginHost | None = None) -> TenantSnapshot:
    extras: dict[str, Any] = {}
    refused: frozenset[str] = frozenset()
    async with db.tenant(tenant_id) as conn:
        if plugins is not None:
            for found in await plugins.emit("snapshot_extras", tenant_id=tenant_id, conn=conn):
                extras.update(found)
            refused = await features.refused(plugins, tenant_id, conn)
        tenant = await load_tenant(conn, tenant_id)
        employees = await employees_repo.list_employees(conn, tenant_id)
        groups = await groups_repo.list_groups(conn, tenant_id)
        schedules = await schedules_repo.list_schedules(conn, tenant_id)
        calendars = {
            c.id: await schedules_repo.calendar_facts(conn, tenant_id, c.id)
            for c in await schedules_repo.list_calendars(conn, tenant_id)
        }
        numbers = await numbers_repo.list_numbers(conn, tenant_id)
        switched_off = await conn.fetch(
            "SELECT plugin FROM tenant_plugins WHERE tenant_id = $1 AND NOT enabled", tenant_id
        )
        disabled = frozenset(r["plugin"] for r in switched_off)
        media = {
            str(r["id"]): r["items"]
            for r in await conn.fetch("SELECT id, items FROM media WHERE tenant_id = $1", tenant_id)
        }
        scenarios = {
            r["id"]: r["body"]
            for r in await conn.fetch("SELECT id, body FROM scenarios WHERE tenant_id = $1", tenant_id)
        }
    extensions: dict[str, uuid.UUID] = {e.extension: e.id for e in employees}
    extensions.update({g.extension: g.id for g in groups})
    return TenantSnapshot(
        tenant=tenant,
        employees={e.id: e for e in employees},
        groups={g.id: g for g in groups},
        schedules={s.id: s for s in schedules},
        calendars=calendars,
        numbers={n.e164: n for n in numbers},
        extensions=extensions,
        scenarios=scenarios,
        extras=extras,
        disabled_plugins=disabled,
        loaded_at=time.monotonic(),
        media=media,
        refused=refused,
    )


class Snapshots:
    """The process's snapshots, dropped on change notifications."""

    def __init__(
        self, db: Database, listen_url: str, *, plugins: PluginHost | None = None, max_age_s: float = 60.0
    ) -> None:
        self.db = db
        self.plugins = plugins
        self.listen_url = listen_url
        self.max_age_s = max_age_s
        self._cache: dict[uuid.UUID, TenantSnapshot] = {}
        self._numbers: dict[str, uuid.UUID] | None = None  # every tenant's DIDs -> tenant
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}
        self._listener = Listener(listen_url, CHANNEL, self._on_notify, on_gap=self.invalidate)
        # Told the table name of every change (e.g. telephony re-renders Asterisk's configuration).
        self.change_listeners: list[Callable[[str], None]] = []
        self.listening = self._listener.listening
        self.notifications = 0

    async def get(self, tenant_id: uuid.UUID) -> TenantSnapshot:
        cached = self._cache.get(tenant_id)
        if cached is not None and time.monotonic() - cached.loaded_at < self.max_age_s:
            return cached
        async with self._locks.setdefault(tenant_id, asyncio.Lock()):  # one load per tenant at a time
            cached = self._cache.get(tenant_id)
            if cached is None or time.monotonic() - cached.loaded_at >= self.max_age_s:
                cached = await load_snapshot(self.db, tenant_id, self.plugins)
                self._cache[tenant_id] = cached
            return cached

    async def tenant_of_number(self, e164: str) -> uuid.UUID | None:
        """Which tenant owns a DID (numbers are unique across the system)."""
        if self._numbers is None:
            async with self.db.system() as conn:
                rows = await conn.fetch("SELECT e164, tenant_id FROM numbers")
            self._numbers = {r["e164"]: r["tenant_id"] for r in rows}
        return self._numbers.get(e164)

    def invalidate(self, tenant_id: uuid.UUID | None = None, table: str = "") -> None:
        if tenant_id is None:
            self._cache.clear()
            self._numbers = None
            return
        self._cache.pop(tenant_id, None)
        if table in ("numbers", "tenants"):
            self._numbers = None

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        # Never raise here: an exception in a listener callback would be lost in asyncpg's loop.
        table = ""
        try:
            table, _, tenant = str(payload).partition(":")
            self.notifications += 1
            self.invalidate(uuid.UUID(tenant), table)
        except ValueError:
            log.warning("ignoring a malformed %s notification", CHANNEL)
            self.invalidate()
        for listener in self.change_listeners:
            try:
                listener(table)
            except Exception:
                log.exception("configuration change listener failed")

    async def start(self) -> None:
        await self._listener.start()

    async def stop(self) -> None:
        await self._listener.stop()
