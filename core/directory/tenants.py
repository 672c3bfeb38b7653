"""Reading tenants: the repository functions the snapshot and the frontends share.

Kept apart from ``service.py`` (which announces changes to plugins) so that readers of a
tenant import no plugin machinery.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.directory.models import Tenant, TenantSettings
from vats.core.errors import NotFoundError


def tenant_of_row(row: Any) -> Tenant:
    return Tenant(
        id=row["id"], name=row["name"], time_zone=row["time_zone"],
        seats_max=row["seats_max"],
        settings=msgspec.convert(row["settings"], TenantSettings), suspended=row["suspended"],
        created_at=row["created_at"], language=row["language"],
    )  # fmt: skip


async def list_tenants(conn: Connection) -> list[Tenant]:
    """Every tenant, oldest first (a system transaction sees them all)."""
    return [tenant_of_row(r) for r in await conn.fetch("SELECT * FROM tenants ORDER BY created_at")]


async def load_tenant(conn: Connection, tenant_id: uuid.UUID) -> Tenant:
    row = await conn.fetchrow("SELECT * FROM tenants WHERE id = $1", tenant_id)
    if row is None:
        raise NotFoundError("no such tenant", field="tenant")
    return tenant_of_row(row)
