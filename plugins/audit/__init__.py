"""Audit log: who changed what in the directory, kept per tenant.

A default plugin written exactly as a third party would: it owns its table (through
``register_migrations``) and fills it from the kernel's event hooks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from vats.core import hookimpl
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.directory.models import Number, Tenant


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="audit", folder=Path(__file__).with_name("migrations"))]


async def _record(conn: Connection, tenant_id: uuid.UUID, subject: str, subject_id: uuid.UUID, change: str) -> None:
    await conn.execute(
        "INSERT INTO audit_log (tenant_id, subject, subject_id, change) VALUES ($1, $2, $3, $4)",
        tenant_id,
        subject,
        subject_id,
        change,
    )


@hookimpl
async def tenant_created(tenant: Tenant, conn: Connection) -> None:
    await _record(conn, tenant.id, "tenant", tenant.id, "created")


@hookimpl
async def employee_changed(tenant_id: uuid.UUID, employee_id: uuid.UUID, change: str, conn: Connection) -> None:
    await _record(conn, tenant_id, "employee", employee_id, change)


@hookimpl
async def group_changed(tenant_id: uuid.UUID, group_id: uuid.UUID, change: str, conn: Connection) -> None:
    await _record(conn, tenant_id, "group", group_id, change)


@hookimpl
async def number_assigned(tenant_id: uuid.UUID, number: Number, conn: Connection) -> None:
    await _record(conn, tenant_id, "number", number.id, "assigned")


async def entries(conn: Connection, tenant_id: uuid.UUID, limit: int = 100) -> list[dict[str, object]]:
    """The tenant's latest audit entries, newest first."""
    rows = await conn.fetch(
        "SELECT at, subject, subject_id, change FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        tenant_id,
        limit,
    )
    return [dict(r) for r in rows]
