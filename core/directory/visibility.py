"""Which employees a signed-in employee may see, by role and the tenant's role settings.

admin: everyone. head: the whole company if the tenant's settings give heads the "company"
scope, otherwise the members of the head's own groups (departments) and themself. user and
restricted: only themself (they manage their own profile, availability and forwarding to
their own mobile).
"""

from __future__ import annotations

import uuid

from vats.core.db.database import Connection
from vats.core.directory.models import Role, TenantSettings


async def visible_employee_ids(
    conn: Connection, tenant_id: uuid.UUID, settings: TenantSettings, role: Role, employee_id: uuid.UUID
) -> set[uuid.UUID] | None:
    """The ids the caller may see, or None for "all of the tenant"."""
    if role == "admin":
        return None
    if role == "head":
        if settings.roles.head.history_scope == "company":
            return None
        rows = await conn.fetch(
            "SELECT DISTINCT m.employee_id FROM group_members m WHERE m.tenant_id = $1 AND m.group_id IN"
            " (SELECT group_id FROM group_members WHERE tenant_id = $1 AND employee_id = $2)",
            tenant_id,
            employee_id,
        )
        return {r["employee_id"] for r in rows} | {employee_id}
    return {employee_id}


async def visible_group_ids(
    conn: Connection, tenant_id: uuid.UUID, settings: TenantSettings, role: Role, employee_id: uuid.UUID
) -> set[uuid.UUID] | None:
    """Groups: admins and company-scope heads see all; others the groups they belong to."""
    if role == "admin" or (role == "head" and settings.roles.head.history_scope == "company"):
        return None
    rows = await conn.fetch(
        "SELECT group_id FROM group_members WHERE tenant_id = $1 AND employee_id = $2", tenant_id, employee_id
    )
    return {r["group_id"] for r in rows}
