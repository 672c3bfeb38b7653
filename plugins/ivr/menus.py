"""Storing and checking IVR menus. Rules (seed 001): digits unique, a "repeat instructions"
item in every menu, repeat timeout below the next-block timeout, a submenu is a level-2 menu
that exists before the level-1 menu pointing at it (so there are no cycles), and every
employee, group and media referenced exists in the same PBX."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.directory._sql import lock_tenant, translated_errors
from vats.core.directory.models import Reference
from vats.core.directory.validation import check_name
from vats.core.errors import ConflictError, NotFoundError, ReferencedError, ValidationError
from vats.core.media.library import media_exists
from vats.plugins.ivr.models import Menu, MenuBody, MenuIn, Repeat


def _menu(row: Any) -> Menu:
    return Menu(id=row["id"], name=row["name"], level=row["level"], body=msgspec.convert(row["body"], MenuBody))


async def check_menu(conn: Connection, tenant_id: uuid.UUID, data: MenuIn, *, menu_id: uuid.UUID | None = None) -> None:
    body = data.body
    if body.repeat_timeout_s < 1 or body.next_timeout_s > 120:
        raise ValidationError("timeouts are 1 to 120 seconds", field="body.repeat_timeout_s")
    if body.repeat_timeout_s >= body.next_timeout_s:
        raise ValidationError(
            "the repeat timeout must be shorter than the next-block timeout", field="body.repeat_timeout_s"
        )
    keys = [item.key for item in body.items]
    for i, key in enumerate(keys):
        if keys.index(key) != i:
            raise ValidationError(f"key {key} is used twice", field=f"body.items[{i}].key")
    if not any(isinstance(item.do, Repeat) for item in body.items):
        raise ValidationError("a menu needs a 'repeat instructions' item", field="body.items")
    for field, refs in (("body.instruction", body.instruction), ("body.error", body.error)):
        for ref in refs:
            if not await media_exists(conn, tenant_id, ref):
                raise NotFoundError(f"no media {ref!r}", field=field)
    for i, item in enumerate(body.items):  # each kind of item checks what it names (actions.py)
        await item.do.check(conn, tenant_id, f"body.items[{i}].do", level=data.level)
    if menu_id is not None and data.level == 1:
        used_as_sub = await conn.fetchval(
            "SELECT true FROM ivr_menus WHERE tenant_id = $1 AND body @> $2::jsonb",
            tenant_id, {"items": [{"do": {"action": "submenu", "menu_id": str(menu_id)}}]},
        )  # fmt: skip
        if used_as_sub:
            raise ValidationError("this menu is another menu's submenu; it stays level 2", field="level")


async def create_menu(conn: Connection, tenant_id: uuid.UUID, data: MenuIn) -> Menu:
    # What the menu names is checked and then written: the tenant's lock keeps a concurrent
    # deletion of an employee, group or media (which holds it too) from slipping in between.
    await lock_tenant(conn, tenant_id)
    await check_menu(conn, tenant_id, data)
    try:
        with translated_errors():
            row = await conn.fetchrow(
                "INSERT INTO ivr_menus (tenant_id, name, level, body) VALUES ($1, $2, $3, $4) RETURNING *",
                tenant_id, check_name(data.name, "name"), data.level, msgspec.to_builtins(data.body),
            )  # fmt: skip
    except ConflictError as exc:
        raise ConflictError("another menu has this name", field="name") from exc
    return _menu(row)


async def get_menu(conn: Connection, tenant_id: uuid.UUID, menu_id: uuid.UUID) -> Menu:
    row = await conn.fetchrow("SELECT * FROM ivr_menus WHERE tenant_id = $1 AND id = $2", tenant_id, menu_id)
    if row is None:
        raise NotFoundError("no such menu", field="menu_id")
    return _menu(row)


async def list_menus(conn: Connection, tenant_id: uuid.UUID) -> list[Menu]:
    return [
        _menu(r)
        for r in await conn.fetch("SELECT * FROM ivr_menus WHERE tenant_id = $1 ORDER BY level, name", tenant_id)
    ]


async def update_menu(conn: Connection, tenant_id: uuid.UUID, menu_id: uuid.UUID, data: MenuIn) -> Menu:
    await lock_tenant(conn, tenant_id)  # as in create_menu
    await get_menu(conn, tenant_id, menu_id)
    await check_menu(conn, tenant_id, data, menu_id=menu_id)
    with translated_errors():
        await conn.execute(
            "UPDATE ivr_menus SET name = $3, level = $4, body = $5 WHERE tenant_id = $1 AND id = $2",
            tenant_id, menu_id, check_name(data.name, "name"), data.level, msgspec.to_builtins(data.body),
        )  # fmt: skip
    return await get_menu(conn, tenant_id, menu_id)


async def menu_references(conn: Connection, tenant_id: uuid.UUID, menu_id: uuid.UUID) -> list[Reference]:
    parents = await conn.fetch(
        "SELECT id, name FROM ivr_menus WHERE tenant_id = $1 AND body @> $2::jsonb",
        tenant_id, {"items": [{"do": {"action": "submenu", "menu_id": str(menu_id)}}]},
    )  # fmt: skip
    scenarios = await conn.fetch(
        "SELECT id, name FROM scenarios WHERE tenant_id = $1 AND body::text LIKE $2",
        tenant_id,
        f'%"menu_id": "{menu_id}"%',
    )
    return [Reference(kind="ivr_menu", id=str(r["id"]), description=f"submenu of «{r['name']}»") for r in parents] + [
        Reference(kind="scenario", id=str(r["id"]), description=f"menu of scenario «{r['name']}»") for r in scenarios
    ]


async def delete_menu(conn: Connection, tenant_id: uuid.UUID, menu_id: uuid.UUID) -> None:
    await lock_tenant(conn, tenant_id)  # a scenario or menu saved meanwhile cannot name it unseen
    await get_menu(conn, tenant_id, menu_id)
    refs = await menu_references(conn, tenant_id, menu_id)
    if refs:
        raise ReferencedError("the menu is in use", field="menu_id", references=refs)
    await conn.execute("DELETE FROM ivr_menus WHERE tenant_id = $1 AND id = $2", tenant_id, menu_id)


async def menus_by_id(conn: Connection, tenant_id: uuid.UUID) -> dict[uuid.UUID, Menu]:
    return {m.id: m for m in await list_menus(conn, tenant_id)}
