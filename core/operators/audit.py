"""The operator audit log: every operator action with who did it. An operator account acts
under its e-mail; the bearer token VATS_OPERATOR_TOKEN (automation) acts as ``token``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection

TOKEN = "token"


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """Who acts: an operator account, or the bearer token (``operator_id`` None)."""

    label: str
    operator_id: uuid.UUID | None = None


BY_TOKEN = Actor(label=TOKEN)


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    at: dt.datetime
    actor: str
    action: str
    tenant_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    detail: dict[str, Any]


async def record(
    conn: Connection,
    actor: Actor,
    action: str,
    *,
    tenant_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO operator_audit (operator_id, actor, action, tenant_id, subject_id, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        actor.operator_id,
        actor.label,
        action,
        tenant_id,
        subject_id,
        detail or {},
    )


async def entries(
    conn: Connection, *, tenant_id: uuid.UUID | None = None, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """Newest first; only one tenant's when ``tenant_id`` is given."""
    rows = await conn.fetch(
        "SELECT at, actor, action, tenant_id, subject_id, detail FROM operator_audit"
        " WHERE $1::uuid IS NULL OR tenant_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        tenant_id,
        limit,
        offset,
    )
    return [
        AuditEntry(at=r["at"], actor=r["actor"], action=r["action"], tenant_id=r["tenant_id"],
                   subject_id=r["subject_id"], detail=r["detail"])
        for r in rows
    ]  # fmt: skip
