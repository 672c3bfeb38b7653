"""IVR menus and extension dialing: the scenario's menu stage. Menus are stored by this plugin
(its own table and API), loaded into the routing snapshot through ``snapshot_extras``, and
played by its blocks. Uses only public hooks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vats.core import hookimpl
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.directory.models import Reference
from vats.plugins.ivr.blocks import ExtensionDialingBlock, IvrBlock
from vats.plugins.ivr.menus import menus_by_id


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="ivr", folder=Path(__file__).with_name("migrations"))]


@hookimpl
def register_blocks() -> Sequence[type[Any]]:
    return [IvrBlock, ExtensionDialingBlock]


@hookimpl
async def snapshot_extras(tenant_id: uuid.UUID, conn: Connection) -> dict[str, Any]:
    return {"ivr_menus": await menus_by_id(conn, tenant_id)}


@hookimpl
def register_routes() -> Sequence[Any]:
    from vats.plugins.ivr.routes import IvrMenuController

    return [IvrMenuController]


def _pattern(kind: str, object_id: uuid.UUID) -> list[dict[str, Any]]:
    key = "target" if kind in ("employee", "group") else ""
    return [
        {"items": [{"do": {"action": "route", key: {"kind": kind, "id": str(object_id)}}}]},
        {"items": [{"do": {"assignee_kind": kind, "assignee_id": str(object_id)}}]},
    ]


@hookimpl
async def collect_references(
    tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID, conn: Connection
) -> list[Reference]:
    if kind not in ("employee", "group"):
        return []
    refs = []
    for pattern in _pattern(kind, object_id):
        for r in await conn.fetch(
            "SELECT id, name FROM ivr_menus WHERE tenant_id = $1 AND body @> $2::jsonb", tenant_id, pattern
        ):
            refs.append(Reference(kind="ivr_menu", id=str(r["id"]), description=f"item of IVR menu «{r['name']}»"))
    return refs


@hookimpl
async def drop_references(tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID, conn: Connection) -> None:
    """A forced deletion: menu items pointing at the object go (the menu keeps the others)."""
    if kind not in ("employee", "group"):
        return
    for r in await conn.fetch("SELECT id, body FROM ivr_menus WHERE tenant_id = $1", tenant_id):
        items = [
            item for item in r["body"]["items"]
            if str(object_id) not in (str(item["do"].get("target", {}).get("id")), str(item["do"].get("assignee_id")))
        ]  # fmt: skip
        if len(items) != len(r["body"]["items"]):
            await conn.execute(
                "UPDATE ivr_menus SET body = $3 WHERE tenant_id = $1 AND id = $2",
                tenant_id,
                r["id"],
                {**r["body"], "items": items},
            )
