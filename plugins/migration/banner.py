"""What the migration banner ("плашка", seed 000) shows a migrated PBX's admins at the top of
every cabinet page until the migration is completed: the agreement (accepted? a newer version?),
the check of the moved settings, and the completion with its progress.

A PBX is migrated when ``vats migrate`` or the wizard created it (``migration_imports``)."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec
from vats.core.db.database import Connection
from vats.plugins.migration import agreement
from vats.plugins.migration.agreement import AgreementState

Status = Literal["pending", "completing", "completed"]


class Banner(msgspec.Struct, kw_only=True):
    agreement: AgreementState
    status: Status
    steps_done: int = 0
    steps_total: int = 0
    numbers_without_scenario: list[str] = []  # the new scenario was deleted: nothing to switch to
    employees_without_email: int = 0  # a placeholder e-mail: they could not sign in

    @property
    def can_complete(self) -> bool:
        """«Завершить миграцию» appears once an agreement version is accepted (seed 000)."""
        return self.status == "pending" and self.agreement.accepted_version is not None


async def is_migrated(conn: Connection, tenant_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM migration_imports WHERE tenant_id = $1 LIMIT 1", tenant_id))


async def banner(conn: Connection, tenant_id: uuid.UUID) -> Banner | None:
    """The banner's facts, None for a PBX that was not migrated."""
    if not await is_migrated(conn, tenant_id):
        return None
    return Banner(agreement=await agreement.state(conn, tenant_id), status="pending")
