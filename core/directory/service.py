"""The directory as frontends use it: each method is one scoped transaction, checks the rules,
and tells the plugins what changed (event hooks run inside the same transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import msgspec
from vats.core.blocks import BlockRegistry
from vats.core.db.database import Connection, Database
from vats.core.directory import employees as employees_repo
from vats.core.directory import groups as groups_repo
from vats.core.directory import numbers as numbers_repo
from vats.core.directory import tenants as tenants_repo
from vats.core.directory._sql import lock_tenant, translated_errors
from vats.core.directory.models import (
    Availability,
    Employee,
    EmployeeCreate,
    EmployeeUpdate,
    Group,
    GroupCreate,
    GroupUpdate,
    Language,
    Number,
    Reference,
    ScheduleCreate,
    SipLineCreate,
    Tenant,
    TenantSettings,
    TerminalSecret,
)
from vats.core.directory.schedules import (
    DEFAULT_CALENDAR_NAME,
    DEFAULT_SCHEDULE_NAME,
    WORKWEEK,
    create_calendar,
    create_schedule,
)
from vats.core.directory.secrets import generate_password, hash_password
from vats.core.directory.tenants import (
    load_tenant as load_tenant,  # re-exported: frontends and plugins read tenants here
)
from vats.core.directory.tenants import tenant_of_row
from vats.core.directory.validation import check_name, check_time_zone
from vats.core.engine.block import RefKind
from vats.core.engine.references import References
from vats.core.errors import NotFoundError, ReferencedError
from vats.core.media.library import media_exists
from vats.core.plugins import PluginHost


class TenantCreated(msgspec.Struct, frozen=True, kw_only=True):
    """What ``vats tenant create`` prints: ids and the admin's one-time password."""

    tenant_id: uuid.UUID
    admin_id: uuid.UUID
    admin_email: str
    admin_password: str
    schedule_id: uuid.UUID
    calendar_id: uuid.UUID


async def _scope_to(conn: Connection, tenant_id: uuid.UUID) -> None:
    """Narrow a system transaction to one tenant (so plugins' hooks see only that tenant)."""
    await conn.execute(
        "SELECT set_config('vats.tenant_id', $1, true), set_config('vats.system', '', true)", str(tenant_id)
    )


def _ref_kind(kind: str) -> RefKind:
    return "employee" if kind == "employee" else "group"


_DeletionStep = Callable[[Connection, uuid.UUID, uuid.UUID], Awaitable[None]]

# Each deletable kind's lock and row deletion, named (not looked up by a built name) so that a
# search for them finds this caller.
_DELETION_STEPS: dict[str, tuple[_DeletionStep, _DeletionStep]] = {
    "employee": (employees_repo.lock_for_deletion, employees_repo.delete_employee_row),
    "group": (groups_repo.lock_for_deletion, groups_repo.delete_group_row),
}


class Directory:
    """Tenants, employees, groups and numbers, with plugin events."""

    def __init__(self, db: Database, plugins: PluginHost, blocks: BlockRegistry | None = None) -> None:
        self.db = db
        self.plugins = plugins
        self.references = References(plugins, blocks if blocks is not None else BlockRegistry([]))

    # --- tenants --------------------------------------------------------------------------

    async def create_tenant(
        self,
        *,
        name: str,
        admin_email: str,
        admin_phone: str | None = None,
        admin_name: str = "Администратор",
        time_zone: str = "Europe/Moscow",
        seats_max: int = 50,
        settings: TenantSettings | None = None,
    ) -> TenantCreated:
        async with self.db.system() as conn:
            return await self.create_tenant_in(
                conn, name=name, admin_email=admin_email, admin_phone=admin_phone, admin_name=admin_name,
                time_zone=time_zone, seats_max=seats_max, settings=settings,
            )  # fmt: skip

    async def create_tenant_in(
        self,
        conn: Connection,
        *,
        name: str,
        admin_email: str,
        admin_phone: str | None = None,
        admin_name: str = "Администратор",
        time_zone: str = "Europe/Moscow",
        seats_max: int = 50,
        settings: TenantSettings | None = None,
        admin_lines: list[SipLineCreate] | None = None,
        admin_extension: str | None = None,
    ) -> TenantCreated:
        """``create_tenant`` inside the caller's system transaction, which it leaves scoped to
        the new tenant: an import creates a tenant and everything in it atomically."""
        name = check_name(name, "name")
        check_time_zone(time_zone)
        password = generate_password()
        with translated_errors():
            row = await conn.fetchrow(
                "INSERT INTO tenants (name, time_zone, seats_max, settings) VALUES ($1, $2, $3, $4) RETURNING *",
                name,
                time_zone,
                seats_max,
                msgspec.to_builtins(settings or TenantSettings()),
            )
        tenant = tenant_of_row(row)
        await _scope_to(conn, tenant.id)
        schedule = await create_schedule(
            conn, tenant.id, ScheduleCreate(name=DEFAULT_SCHEDULE_NAME, intervals=WORKWEEK, is_default=True)
        )
        calendar = await create_calendar(conn, tenant.id, DEFAULT_CALENDAR_NAME, is_default=True)
        admin, _ = await employees_repo.create_employee(
            conn,
            tenant,
            EmployeeCreate(
                full_name=admin_name,
                email=admin_email,
                role="admin",
                external_numbers=[admin_phone] if admin_phone else [],
                sip_lines=admin_lines,
                extension=admin_extension,
            ),
        )
        # The first admin bought the PBX: their account is active from the start.
        await conn.execute(
            "UPDATE employees SET password_hash = $3, invitation_accepted_at = now() WHERE tenant_id = $1 AND id = $2",
            tenant.id,
            admin.id,
            hash_password(password),
        )
        await self.plugins.emit("tenant_created", tenant_id=tenant.id, conn=conn, tenant=tenant, admin_id=admin.id)
        await self.plugins.emit(
            "employee_changed", tenant_id=tenant.id, conn=conn, employee_id=admin.id, change="created"
        )
        return TenantCreated(
            tenant_id=tenant.id,
            admin_id=admin.id,
            admin_email=admin.email,
            admin_password=password,
            schedule_id=schedule.id,
            calendar_id=calendar.id,
        )

    async def list_tenants(self) -> list[Tenant]:
        async with self.db.system() as conn:
            return await tenants_repo.list_tenants(conn)

    async def get_tenant(self, tenant_id: uuid.UUID) -> Tenant:
        async with self.db.tenant(tenant_id) as conn:
            return await load_tenant(conn, tenant_id)

    async def update_tenant(
        self,
        tenant_id: uuid.UUID,
        *,
        time_zone: str | None = None,
        settings: TenantSettings | None = None,
        language: Language | None = None,
    ) -> Tenant:
        """Change the time zone or the settings (replaced whole); references are checked (under
        the tenant's lock, which a deletion of the named employee holds too)."""
        async with self.db.tenant(tenant_id) as conn:
            await lock_tenant(conn, tenant_id)
            if time_zone is not None:
                check_time_zone(time_zone)
                await conn.execute("UPDATE tenants SET time_zone = $2 WHERE id = $1", tenant_id, time_zone)
            if language is not None:
                await conn.execute("UPDATE tenants SET language = $2 WHERE id = $1", tenant_id, language)
            if settings is not None:
                manager = settings.personal_manager.default_employee_id
                if manager is not None:
                    await employees_repo.get_employee(conn, tenant_id, manager)
                warning = settings.recording_warning_media
                if warning is not None and not await media_exists(conn, tenant_id, warning):
                    raise NotFoundError(f"no media {warning!r}", field="settings.recording_warning_media")
                domains = [d.strip().lower().lstrip(".") for d in settings.denied_email_domains if d.strip()]
                settings = msgspec.structs.replace(settings, denied_email_domains=domains)
                await conn.execute(
                    "UPDATE tenants SET settings = $2 WHERE id = $1", tenant_id, msgspec.to_builtins(settings)
                )
            return await load_tenant(conn, tenant_id)

    async def set_suspended(self, tenant_id: uuid.UUID, suspended: bool) -> Tenant:
        """Operator: a suspended tenant's employees cannot sign in and their sessions stop."""
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "UPDATE tenants SET suspended = $2 WHERE id = $1 RETURNING *", tenant_id, suspended
            )
        if row is None:
            raise NotFoundError("no such tenant", field="tenant_id")
        return tenant_of_row(row)

    async def find_tenant(self, key: str) -> Tenant:
        """A tenant by id or by exact name (for the CLI)."""
        async with self.db.system() as conn:
            try:
                row = await conn.fetchrow("SELECT * FROM tenants WHERE id = $1", uuid.UUID(key))
            except ValueError:
                rows = await conn.fetch("SELECT * FROM tenants WHERE name = $1", key)
                if len(rows) > 1:
                    raise NotFoundError(f"several tenants are named {key!r}; give the id", field="tenant") from None
                row = rows[0] if rows else None
        if row is None:
            raise NotFoundError(f"no tenant {key!r}", field="tenant")
        return tenant_of_row(row)

    # --- numbers --------------------------------------------------------------------------

    async def assign_number(self, tenant_id: uuid.UUID, number: str, name: str = "") -> Number:
        async with self.db.tenant(tenant_id) as conn:
            assigned = await numbers_repo.assign_number(conn, tenant_id, number, name)
            await self.plugins.emit("number_assigned", tenant_id=tenant_id, conn=conn, number=assigned)
            return await numbers_repo.get_number(conn, tenant_id, assigned.id)

    # --- employees ------------------------------------------------------------------------

    async def create_employee(
        self, tenant_id: uuid.UUID, data: EmployeeCreate
    ) -> tuple[Employee, list[TerminalSecret]]:
        async with self.db.tenant(tenant_id) as conn:
            tenant = await load_tenant(conn, tenant_id)
            employee, lines = await employees_repo.create_employee(conn, tenant, data)
            await self.plugins.emit(
                "employee_changed", tenant_id=tenant_id, conn=conn, employee_id=employee.id, change="created"
            )
            return employee, lines

    async def update_employee(self, tenant_id: uuid.UUID, employee_id: uuid.UUID, data: EmployeeUpdate) -> Employee:
        async with self.db.tenant(tenant_id) as conn:
            tenant = await load_tenant(conn, tenant_id)
            employee = await employees_repo.update_employee(conn, tenant, employee_id, data)
            await self.plugins.emit(
                "employee_changed", tenant_id=tenant_id, conn=conn, employee_id=employee_id, change="updated"
            )
            return employee

    async def set_availability(self, tenant_id: uuid.UUID, employee_id: uuid.UUID, mode: Availability) -> None:
        async with self.db.tenant(tenant_id) as conn:
            await employees_repo.set_availability(conn, tenant_id, employee_id, mode)
            await self.plugins.emit(
                "employee_changed", tenant_id=tenant_id, conn=conn, employee_id=employee_id, change="updated"
            )

    async def delete_employee(
        self, tenant_id: uuid.UUID, employee_id: uuid.UUID, *, force: bool = False
    ) -> list[Reference]:
        """Delete; refused with the list of references unless ``force``, which removes them."""
        return await self._delete("employee", tenant_id, employee_id, force=force)

    async def promote_to_admin(self, tenant_id: uuid.UUID, email: str) -> Employee:
        """Operator: make an employee an admin of their PBX (audited as ``promoted_by_operator``)."""
        async with self.db.tenant(tenant_id) as conn:
            await lock_tenant(conn, tenant_id)
            employee_id = await employees_repo.promote_to_admin(conn, tenant_id, email)
            await self.plugins.emit(
                "employee_changed", tenant_id=tenant_id, conn=conn, employee_id=employee_id,
                change="promoted_by_operator",
            )  # fmt: skip
            return await employees_repo.get_employee(conn, tenant_id, employee_id)

    # --- groups ---------------------------------------------------------------------------

    async def create_group(self, tenant_id: uuid.UUID, data: GroupCreate) -> Group:
        async with self.db.tenant(tenant_id) as conn:
            group = await groups_repo.create_group(conn, tenant_id, data)
            await self.plugins.emit(
                "group_changed", tenant_id=tenant_id, conn=conn, group_id=group.id, change="created"
            )
            return group

    async def update_group(self, tenant_id: uuid.UUID, group_id: uuid.UUID, data: GroupUpdate) -> Group:
        async with self.db.tenant(tenant_id) as conn:
            group = await groups_repo.update_group(conn, tenant_id, group_id, data)
            await self.plugins.emit(
                "group_changed", tenant_id=tenant_id, conn=conn, group_id=group_id, change="updated"
            )
            return group

    async def delete_group(self, tenant_id: uuid.UUID, group_id: uuid.UUID, *, force: bool = False) -> list[Reference]:
        """Delete; refused with the list of references unless ``force``, which removes them."""
        return await self._delete("group", tenant_id, group_id, force=force)

    async def _delete(self, kind: str, tenant_id: uuid.UUID, object_id: uuid.UUID, *, force: bool) -> list[Reference]:
        """The deletion rule shared by employees and groups: what still refers to the object
        refuses the deletion (listing the references) unless forced, which removes them."""
        lock_for_deletion, delete_row = _DELETION_STEPS[kind]
        async with self.db.tenant(tenant_id) as conn:
            await lock_for_deletion(conn, tenant_id, object_id)
            refs = await self._references(conn, tenant_id, kind, object_id)
            if refs and not force:
                raise ReferencedError(f"the {kind} is still referenced", field=f"{kind}_id", references=refs)
            await self._drop_references(conn, tenant_id, kind, object_id)
            await delete_row(conn, tenant_id, object_id)
            await self.plugins.emit(
                f"{kind}_changed", tenant_id=tenant_id, conn=conn, change="deleted", **{f"{kind}_id": object_id}
            )
            return refs

    # --- references -----------------------------------------------------------------------

    async def _references(
        self, conn: Connection, tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID
    ) -> list[Reference]:
        refs: list[Reference] = []
        target = "target_employee_id" if kind == "employee" else "target_group_id"
        if kind == "employee":
            refs += [
                Reference(kind="group_member", id=str(r["id"]), description=f"member of group {r['name']}")
                for r in await conn.fetch(
                    "SELECT g.id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id"
                    " WHERE m.tenant_id = $1 AND m.employee_id = $2 ORDER BY g.name",
                    tenant_id,
                    object_id,
                )
            ]
        for r in await conn.fetch(
            f"SELECT f.id, f.situation, coalesce(e.full_name, g.name) AS owner FROM forward_rules f"
            f" LEFT JOIN employees e ON e.id = f.employee_id LEFT JOIN groups g ON g.id = f.group_id"
            f" WHERE f.tenant_id = $1 AND f.{target} = $2",
            tenant_id,
            object_id,
        ):
            refs.append(
                Reference(
                    kind="forward_rule", id=str(r["id"]), description=f"{r['situation']} forwarding of {r['owner']}"
                )
            )
        for r in await conn.fetch(
            f"SELECT a.id, e.full_name FROM absences a JOIN employees e ON e.id = a.employee_id"
            f" WHERE a.tenant_id = $1 AND a.{target} = $2",
            tenant_id,
            object_id,
        ):
            refs.append(
                Reference(kind="absence", id=str(r["id"]), description=f"absence forwarding of {r['full_name']}")
            )
        refs += [
            Reference(kind="caller_id_rule", id=str(r["id"]), description=f"caller ID rule {r['prefix'] or '*'}")
            for r in await conn.fetch(
                # (an employee's own rule without a prefix is their card's caller ID: it goes with them)
                "SELECT id, prefix FROM outbound_caller_ids WHERE tenant_id = $1 AND scope = $2 AND scope_id = $3"
                " AND NOT (scope = 'employee' AND prefix = '')",
                tenant_id,
                kind,
                object_id,
            )
        ]
        if kind == "employee" and await conn.fetchval(
            "SELECT true FROM tenants WHERE id = $1"
            " AND settings -> 'personal_manager' ->> 'default_employee_id' = $2::text",
            tenant_id,
            str(object_id),
        ):
            description = "default personal manager of new contacts"
            refs.append(Reference(kind="tenant_settings", id=str(tenant_id), description=description))
        return refs + await self.references.collect(conn, tenant_id, _ref_kind(kind), object_id)

    async def _drop_references(self, conn: Connection, tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID) -> None:
        target = "target_employee_id" if kind == "employee" else "target_group_id"
        # A caller-ID rule for the deleted employee or group has nobody to apply to.
        await conn.execute(
            "DELETE FROM outbound_caller_ids WHERE tenant_id = $1 AND scope = $2 AND scope_id = $3",
            tenant_id,
            kind,
            object_id,
        )
        # A rule whose target goes away is removed: the owner falls back to dropping the call.
        await conn.execute(f"DELETE FROM forward_rules WHERE tenant_id = $1 AND {target} = $2", tenant_id, object_id)
        await conn.execute(
            f"UPDATE absences SET action = 'drop', {target} = NULL WHERE tenant_id = $1 AND {target} = $2",
            tenant_id,
            object_id,
        )
        if kind == "employee":
            await conn.execute(
                "DELETE FROM group_members WHERE tenant_id = $1 AND employee_id = $2", tenant_id, object_id
            )
            # New contacts then get no personal manager by default.
            await conn.execute(
                "UPDATE tenants SET settings = jsonb_set(settings, '{personal_manager,default_employee_id}', 'null')"
                " WHERE id = $1 AND settings -> 'personal_manager' ->> 'default_employee_id' = $2::text",
                tenant_id,
                str(object_id),
            )
        await self.references.drop(conn, tenant_id, _ref_kind(kind), object_id)
