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
from vats.core.engine.forms import BlockFormPart
from vats.core.media.refs import standard_ref
from vats.core.plugins import PluginAbout
from vats.plugins.ivr.blocks import ExtensionDialingBlock, IvrBlock
from vats.plugins.ivr.menus import menus_by_id

vats_about = PluginAbout(
    title="Голосовое меню",
    description="Голосовые меню (IVR): «нажмите 1 — отдел продаж…» и набор добавочного.",
    title_en="Voice menu",
    description_en='Voice menus (IVR): "press 1 for sales…" and dialling an extension.',
)


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="ivr", folder=Path(__file__).with_name("migrations"))]


@hookimpl
def register_blocks() -> Sequence[type[Any]]:
    return [IvrBlock, ExtensionDialingBlock]


@hookimpl
def register_block_forms() -> Sequence[BlockFormPart]:
    from vats.plugins.ivr.forms import FORMS

    return FORMS


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


def _media_patterns(media_id: uuid.UUID) -> list[dict[str, Any]]:
    ref = str(media_id)
    return [{"instruction": [ref]}, {"error": [ref]}, {"items": [{"do": {"action": "media", "media": [ref]}}]}]


@hookimpl
async def collect_references(
    tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID, conn: Connection
) -> list[Reference]:
    if kind == "media":
        rows = await conn.fetch(
            "SELECT id, name FROM ivr_menus WHERE tenant_id = $1 AND (body @> $2::jsonb OR body @> $3::jsonb"
            " OR body @> $4::jsonb) ORDER BY name",
            tenant_id, *_media_patterns(object_id),
        )  # fmt: skip
        return [
            Reference(kind="ivr_menu", id=str(r["id"]), description=f"media of IVR menu «{r['name']}»") for r in rows
        ]
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
    """A forced deletion: menu items pointing at the object go (the menu keeps the others);
    deleted media leave the menu's sounds (instructions left with none say the standard
    greeting, a "play media" key left with none goes)."""
    if kind == "media":
        await _drop_media(conn, tenant_id, object_id)
        return
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


async def _drop_media(conn: Connection, tenant_id: uuid.UUID, media_id: uuid.UUID) -> None:
    gone = str(media_id)
    for r in await conn.fetch("SELECT id, body FROM ivr_menus WHERE tenant_id = $1", tenant_id):
        body = r["body"]
        items = []
        for item in body["items"]:
            if item["do"].get("action") == "media":
                kept = [m for m in item["do"]["media"] if m != gone]
                if not kept:
                    continue
                item = {**item, "do": {**item["do"], "media": kept}}
            items.append(item)
        instruction = [m for m in body["instruction"] if m != gone] or [standard_ref("greeting")]
        error = [m for m in body.get("error", []) if m != gone]
        changed = {**body, "instruction": instruction, "error": error, "items": items}
        if changed != body:
            await conn.execute(
                "UPDATE ivr_menus SET body = $3 WHERE tenant_id = $1 AND id = $2", tenant_id, r["id"], changed
            )


@hookimpl
def register_cabinet_pages() -> Sequence[Any]:
    """Settings → Голосовые меню in the cabinet, for admins (plugins/ivr/cabinet.py)."""
    # Imported here like the routes: litestar is only the web server's cost.
    from vats.plugins.ivr.cabinet import cabinet_pages

    return [cabinet_pages()]
