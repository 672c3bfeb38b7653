"""What an operator may do, each action recorded with who did it (``audit``). The API's
operator routes (bearer token) and the operator portal (operator accounts) both call these,
so the rules and the record are the same whichever door is used.

The directory's services run their own transactions; the record is written right after the
action succeeds (an action refused writes none). Trunk changes and seat changes are written in
the same transaction as their record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from vats.core.accounts.sessions import SessionCache
from vats.core.asterisk import trunks
from vats.core.db.database import Connection, Database
from vats.core.directory._sql import lock_tenant
from vats.core.directory.models import Employee, Number, Tenant
from vats.core.directory.service import Directory, TenantCreated
from vats.core.directory.tenants import tenant_of_row
from vats.core.errors import LimitError, ValidationError
from vats.core.operators.audit import Actor, record
from vats.core.plugins import PluginHost

MAX_SEATS = 10_000
MIN_SEATS = 1
NEW_TENANT = uuid.UUID(int=0)  # asked about a PBX not created yet, plugins answer for a new one


async def seats_included(plugins: PluginHost, conn: Connection, tenant_id: uuid.UUID) -> int | None:
    """The seats the tenant's tariff includes, from the billing plugin; None without one."""
    answer = await plugins.first("tenant_seats_included", tenant_id=tenant_id, isolate_in=conn)
    return int(answer) if answer is not None else None


@dataclass(frozen=True, slots=True)
class OperatorActions:
    db: Database
    directory: Directory
    sessions: SessionCache | None
    actor: Actor

    async def _record(
        self, action: str, tenant_id: uuid.UUID | None = None, subject_id: uuid.UUID | None = None, **detail: object
    ) -> None:
        async with self.db.system() as conn:
            await record(conn, self.actor, action, tenant_id=tenant_id, subject_id=subject_id, detail=detail)

    def _sessions_changed(self, tenant_id: uuid.UUID) -> None:
        """This process drops the tenant's cached sessions at once (others hear it by NOTIFY)."""
        if self.sessions is not None:
            self.sessions.forget_tenant(tenant_id)

    async def create_tenant(
        self,
        *,
        name: str,
        admin_email: str,
        admin_phone: str | None = None,
        admin_name: str = "Администратор",
        time_zone: str = "Europe/Moscow",
        seats_max: int = 50,
    ) -> TenantCreated:
        async with self.db.system() as conn:  # a PBX not created yet: the default tariff's seats
            floor = max(MIN_SEATS, await seats_included(self.directory.plugins, conn, NEW_TENANT) or 0)
        if not floor <= seats_max <= MAX_SEATS:
            raise ValidationError(f"seats must be from {floor} to {MAX_SEATS}", field="seats_max")
        created = await self.directory.create_tenant(
            name=name, admin_email=admin_email, admin_phone=admin_phone, admin_name=admin_name,
            time_zone=time_zone, seats_max=seats_max,
        )  # fmt: skip
        await self._record(
            "tenant_created", created.tenant_id, created.admin_id, name=name.strip(), admin_email=created.admin_email
        )
        return created

    async def set_suspended(self, tenant_id: uuid.UUID, suspended: bool) -> Tenant:
        tenant = await self.directory.set_suspended(tenant_id, suspended)
        self._sessions_changed(tenant_id)
        await self._record("tenant_suspended" if suspended else "tenant_resumed", tenant_id)
        return tenant

    async def set_seats(self, tenant_id: uuid.UUID, seats_max: int) -> Tenant:
        """The PBX's seat maximum: not below the seats its tariff includes (the billing plugin's
        ``tenant_seats_included``; without one, 1), nor below the employees it has (under the
        tenant's lock, which adding an employee takes too)."""
        async with self.db.system() as conn:
            row = await lock_tenant(conn, tenant_id)
            included = await seats_included(self.directory.plugins, conn, tenant_id)
            floor = max(MIN_SEATS, included or 0)
            if not floor <= seats_max <= MAX_SEATS:
                tariff = " (included in the tariff)" if included else ""
                raise ValidationError(f"seats must be from {floor}{tariff} to {MAX_SEATS}", field="seats_max")
            count = await conn.fetchval("SELECT count(*) FROM employees WHERE tenant_id = $1", tenant_id)
            if seats_max < count:
                raise LimitError(f"the PBX already has {count} employees", field="seats_max")
            updated = await conn.fetchrow(
                "UPDATE tenants SET seats_max = $2 WHERE id = $1 RETURNING *", tenant_id, seats_max
            )
            await record(
                conn, self.actor, "seats_changed", tenant_id=tenant_id,
                detail={"seats_max": seats_max, "was": row["seats_max"]},
            )  # fmt: skip
        return tenant_of_row(updated)

    async def promote_admin(self, tenant_id: uuid.UUID, email: str) -> Employee:
        employee = await self.directory.promote_to_admin(tenant_id, email)
        self._sessions_changed(tenant_id)
        await self._record("admin_promoted", tenant_id, employee.id, email=employee.email)
        return employee

    async def assign_number(self, tenant_id: uuid.UUID, number: str, name: str = "") -> Number:
        assigned = await self.directory.assign_number(tenant_id, number, name)
        await self._record("number_assigned", tenant_id, assigned.id, number=assigned.e164)
        return assigned

    async def create_trunk(self, data: trunks.TrunkIn) -> trunks.Trunk:
        async with self.db.system() as conn:
            trunk = await trunks.create_trunk(conn, data)
            await record(conn, self.actor, "trunk_created", subject_id=trunk.id, detail={"name": trunk.name})
        return trunk

    async def delete_trunk(self, trunk_id: uuid.UUID) -> None:
        async with self.db.system() as conn:
            await trunks.delete_trunk(conn, trunk_id)
            await record(conn, self.actor, "trunk_deleted", subject_id=trunk_id)
