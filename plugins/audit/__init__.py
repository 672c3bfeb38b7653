"""Audit log: who changed what in the directory, kept per tenant.

A default plugin written exactly as a third party would: it owns its table (through
``register_migrations``) and fills it from the kernel's event hooks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import msgspec
from vats.core import hookimpl
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.directory.models import Number, Tenant
from vats.core.plugins import PluginAbout

vats_about = PluginAbout(
    title="Журнал изменений",
    description="Кто и когда создал, изменил или удалил сотрудников, группы и номера.",
    title_en="Audit log",
    description_en="Who created, changed or deleted employees, groups and numbers, and when.",
)


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


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    at: dt.datetime
    subject: Annotated[str, msgspec.Meta(examples=["employee"])]
    subject_id: uuid.UUID
    change: Annotated[str, msgspec.Meta(examples=["created"])]


async def entries(conn: Connection, tenant_id: uuid.UUID, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """The tenant's audit entries, newest first."""
    rows = await conn.fetch(
        "SELECT at, subject, subject_id, change FROM audit_log WHERE tenant_id = $1"
        " ORDER BY id DESC LIMIT $2 OFFSET $3",
        tenant_id,
        limit,
        offset,
    )
    return [AuditEntry(at=r["at"], subject=r["subject"], subject_id=r["subject_id"], change=r["change"]) for r in rows]


@hookimpl
def register_routes() -> Sequence[Any]:
    """GET /api/audit for admins, contributed like any third-party route."""
    # Imported here: litestar is the web server's, not every command's, start-up cost.
    from vats.plugins.audit.routes import audit

    return [audit]


@hookimpl
def register_cabinet_pages() -> Sequence[Any]:
    """Settings → Журнал изменений in the cabinet, for admins (plugins/audit/cabinet.py)."""
    # Imported here like the routes: litestar is only the web server's cost.
    from vats.plugins.audit.cabinet import cabinet_pages

    return [cabinet_pages()]
