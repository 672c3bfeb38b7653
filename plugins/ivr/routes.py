"""/api/ivr-menus: the PBX's voice menus (admins)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody
from vats.plugins.ivr import menus
from vats.plugins.ivr.models import Menu, MenuIn


def _scope(request: Request[Any, Any, Any]) -> tuple[Any, uuid.UUID]:
    kernel = request.app.state.kernel
    return kernel.db, request.user.tenant_id


class IvrMenuController(Controller):
    path = "/api/ivr-menus"
    tags = ["ivr"]
    opt = {"roles": {"admin"}}

    @get(operation_id="listIvrMenus", summary="Voice menus (level 1 first, then their submenus)")
    async def list_menus(self, request: Request[Any, Any, Any]) -> list[Menu]:
        db, tenant_id = _scope(request)
        async with db.tenant(tenant_id) as conn:
            return await menus.list_menus(conn, tenant_id)

    @post(operation_id="createIvrMenu", summary="Create a voice menu (a submenu must exist before the menu using it)")
    async def create_menu(self, request: Request[Any, Any, Any], data: JSONBody[MenuIn]) -> Menu:
        db, tenant_id = _scope(request)
        async with db.tenant(tenant_id) as conn:
            return await menus.create_menu(conn, tenant_id, data)

    @get("/{menu_id:uuid}", operation_id="getIvrMenu", summary="One voice menu")
    async def get_menu(self, request: Request[Any, Any, Any], menu_id: FromPath[uuid.UUID]) -> Menu:
        db, tenant_id = _scope(request)
        async with db.tenant(tenant_id) as conn:
            return await menus.get_menu(conn, tenant_id, menu_id)

    @put("/{menu_id:uuid}", operation_id="replaceIvrMenu", summary="Replace a voice menu")
    async def replace_menu(
        self, request: Request[Any, Any, Any], menu_id: FromPath[uuid.UUID], data: JSONBody[MenuIn]
    ) -> Menu:
        db, tenant_id = _scope(request)
        async with db.tenant(tenant_id) as conn:
            return await menus.update_menu(conn, tenant_id, menu_id, data)

    @delete(
        "/{menu_id:uuid}",
        operation_id="deleteIvrMenu",
        summary="Delete a voice menu (refused while used)",
        status_code=204,
    )
    async def delete_menu(self, request: Request[Any, Any, Any], menu_id: FromPath[uuid.UUID]) -> None:
        db, tenant_id = _scope(request)
        async with db.tenant(tenant_id) as conn:
            await menus.delete_menu(conn, tenant_id, menu_id)
