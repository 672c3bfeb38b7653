"""/api/ivr-menus: the PBX's voice menus (admins)."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody
from vats.bots.web.kit import ADMIN, TenantDep
from vats.plugins.ivr import menus
from vats.plugins.ivr.models import Menu, MenuIn


class IvrMenuController(Controller):
    path = "/api/ivr-menus"
    tags = ["ivr"]
    opt = {"roles": ADMIN}

    @get(operation_id="listIvrMenus", summary="Voice menus (level 1 first, then their submenus)")
    async def list_menus(self, tx: TenantDep) -> list[Menu]:
        return await menus.list_menus(tx.conn, tx.tenant.id)

    @post(operation_id="createIvrMenu", summary="Create a voice menu (a submenu must exist before the menu using it)")
    async def create_menu(self, tx: TenantDep, data: JSONBody[MenuIn]) -> Menu:
        return await menus.create_menu(tx.conn, tx.tenant.id, data)

    @get("/{menu_id:uuid}", operation_id="getIvrMenu", summary="One voice menu")
    async def get_menu(self, tx: TenantDep, menu_id: FromPath[uuid.UUID]) -> Menu:
        return await menus.get_menu(tx.conn, tx.tenant.id, menu_id)

    @put("/{menu_id:uuid}", operation_id="replaceIvrMenu", summary="Replace a voice menu")
    async def replace_menu(self, tx: TenantDep, menu_id: FromPath[uuid.UUID], data: JSONBody[MenuIn]) -> Menu:
        return await menus.update_menu(tx.conn, tx.tenant.id, menu_id, data)

    @delete(
        "/{menu_id:uuid}",
        operation_id="deleteIvrMenu",
        summary="Delete a voice menu (refused while used)",
        status_code=204,
    )
    async def delete_menu(self, tx: TenantDep, menu_id: FromPath[uuid.UUID]) -> None:
        await menus.delete_menu(tx.conn, tx.tenant.id, menu_id)
