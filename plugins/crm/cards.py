"""What tasks and deals share: comments for colleagues and attached calls and tasks."""

from __future__ import annotations

import uuid
from typing import Literal

from vats.core.db.database import Connection
from vats.core.errors import NotFoundError
from vats.plugins.crm.models import Attachments, Comment

Owner = Literal["task", "deal"]


async def comments(conn: Connection, tenant_id: uuid.UUID, owner: Owner, owner_id: uuid.UUID) -> list[Comment]:
    rows = await conn.fetch(
        "SELECT id, author_id, text, created_at FROM crm_comments WHERE tenant_id = $1 AND owner_kind = $2"
        " AND owner_id = $3 ORDER BY created_at, id",
        tenant_id, owner, owner_id,
    )  # fmt: skip
    return [Comment(id=r["id"], author_id=r["author_id"], text=r["text"], created_at=r["created_at"]) for r in rows]


async def add_comment(
    conn: Connection, tenant_id: uuid.UUID, owner: Owner, owner_id: uuid.UUID, author_id: uuid.UUID, text: str
) -> Comment:
    r = await conn.fetchrow(
        "INSERT INTO crm_comments (tenant_id, owner_kind, owner_id, author_id, text) VALUES ($1, $2, $3, $4, $5)"
        " RETURNING id, author_id, text, created_at",
        tenant_id, owner, owner_id, author_id, text.strip(),
    )  # fmt: skip
    assert r is not None
    return Comment(id=r["id"], author_id=r["author_id"], text=r["text"], created_at=r["created_at"])


async def attachments(conn: Connection, tenant_id: uuid.UUID, owner: Owner, owner_id: uuid.UUID) -> Attachments:
    rows = await conn.fetch(
        "SELECT item_kind, item_id FROM crm_attachments WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3"
        " ORDER BY attached_at, item_id",
        tenant_id, owner, owner_id,
    )  # fmt: skip
    return Attachments(
        calls=[r["item_id"] for r in rows if r["item_kind"] == "call"],
        tasks=[r["item_id"] for r in rows if r["item_kind"] == "task"],
    )


async def attach(
    conn: Connection, tenant_id: uuid.UUID, owner: Owner, owner_id: uuid.UUID, kind: str, item_id: uuid.UUID
) -> None:
    """Attach a call or a task of the same client (it must exist in this PBX; attaching twice
    changes nothing). A task about no client takes anything."""
    table = "crm_calls" if kind == "call" else "crm_tasks"
    item = await conn.fetchrow(f"SELECT contact_id FROM {table} WHERE tenant_id = $1 AND id = $2", tenant_id, item_id)
    if item is None:
        raise NotFoundError(f"no such {kind}", field="id")
    owner_table = "crm_tasks" if owner == "task" else "crm_deals"
    client = await conn.fetchval(
        f"SELECT contact_id FROM {owner_table} WHERE tenant_id = $1 AND id = $2", tenant_id, owner_id
    )
    if client is not None and item["contact_id"] != client:
        from vats.core.errors import ValidationError

        raise ValidationError(f"the {kind} is about another client", field="id")
    if kind == "task" and owner == "task" and item_id == owner_id:
        from vats.core.errors import ValidationError

        raise ValidationError("a task cannot be attached to itself", field="id")
    await conn.execute(
        "INSERT INTO crm_attachments (tenant_id, owner_kind, owner_id, item_kind, item_id) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT DO NOTHING",
        tenant_id, owner, owner_id, kind, item_id,
    )  # fmt: skip
