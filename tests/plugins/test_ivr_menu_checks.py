"""Saving an IVR menu: each kind of item refuses what it names that is not in the PBX (or does
not fit the menu's level), and the admin is told which input is at fault (RFC 9457 ``field``)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated

MISSING = str(uuid.UUID(int=1))


def _menu(items: list[dict[str, Any]], *, level: int = 1, name: str = "Меню") -> dict[str, Any]:
    return {
        "name": name,
        "level": level,
        "body": {"instruction": ["standard:greeting"], "items": [{"key": "0", "do": {"action": "repeat"}}, *items]},
    }


async def _problem(response: httpx.Response) -> tuple[int, str, str]:
    problem = response.json()
    return response.status_code, problem["field"], problem["detail"]


@pytest.mark.parametrize(
    ("do", "status", "field", "detail"),
    [
        (
            {"action": "route", "target": {"kind": "employee", "id": MISSING}},
            404, "body.items[1].do.target.id", "no such employee",
        ),
        (
            {"action": "route", "target": {"kind": "group", "id": MISSING}},
            404, "body.items[1].do.target.id", "no such group",
        ),
        (
            {"action": "media", "media": ["standard:greeting", MISSING]},
            404, "body.items[1].do.media", f"no media {MISSING!r}",
        ),
        (
            {"action": "voicemail", "assignee_kind": "employee", "assignee_id": MISSING},
            404, "body.items[1].do.assignee_id", "no such employee",
        ),
        (
            {"action": "callback", "assignee_kind": "group", "assignee_id": MISSING},
            404, "body.items[1].do.assignee_id", "no such group",
        ),
        (
            {"action": "submenu", "menu_id": MISSING},
            404, "body.items[1].do.menu_id", "the submenu does not exist (create it first)",
        ),
    ],
)  # fmt: skip
async def test_a_menu_item_naming_what_the_pbx_lacks_is_refused_naming_the_item(
    vats_api: ApiClients, vats_tenant: TenantCreated, do: dict[str, Any], status: int, field: str, detail: str
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    refused = await admin.post("/api/ivr-menus", json=_menu([{"key": "1", "do": do}]))
    assert await _problem(refused) == (status, field, detail)
    assert (await admin.get("/api/ivr-menus")).json() == []


async def test_submenus_are_level_two_menus_under_level_one_menus_only(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    top = await admin.post("/api/ivr-menus", json=_menu([], name="Главное"))
    sub = await admin.post("/api/ivr-menus", json=_menu([], level=2, name="Отдел продаж"))
    assert top.status_code == 201 and sub.status_code == 201, (top.text, sub.text)

    pointing_at_level_one = _menu([{"key": "1", "do": {"action": "submenu", "menu_id": top.json()["id"]}}], name="Ещё")
    assert await _problem(await admin.post("/api/ivr-menus", json=pointing_at_level_one)) == (
        422, "body.items[1].do.menu_id", "a submenu is a level-2 menu",
    )  # fmt: skip
    in_a_submenu = _menu([{"key": "1", "do": {"action": "submenu", "menu_id": sub.json()["id"]}}], level=2, name="Ещё")
    assert await _problem(await admin.post("/api/ivr-menus", json=in_a_submenu)) == (
        422, "body.items[1].do", "only a level-1 menu has submenus (two levels at most)",
    )  # fmt: skip
    fine = _menu([{"key": "1", "do": {"action": "submenu", "menu_id": sub.json()["id"]}}], name="Ещё")
    assert (await admin.post("/api/ivr-menus", json=fine)).status_code == 201
