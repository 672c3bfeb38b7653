"""Deleting what others refer to: the refusal (409) lists every reference, the kernel's and
the plugins', and a forced deletion leaves everything that referred to it valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from vats.bots.web.testing import ApiClients
from vats.core.directory.models import (
    AbsenceCreate,
    EmployeeCreate,
    ForwardTarget,
    GroupCreate,
    PersonalManagerRules,
    TenantSettings,
)
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel


def _menu(name: str, items: list[dict[str, Any]], instruction: list[str] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "level": 1,
        "body": {
            "instruction": instruction or ["standard:greeting"],
            "items": [{"key": "0", "do": {"action": "repeat"}}, *items],
        },
    }


async def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


async def test_deleting_an_employee_lists_every_reference_and_forced_leaves_all_valid(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    anna, _ = await d.create_employee(tid, EmployeeCreate(full_name="Анна", email="anna@test.example"))
    boris, _ = await d.create_employee(
        tid,
        EmployeeCreate(
            full_name="Борис",
            email="boris@test.example",
            on_no_answer=ForwardTarget(action="employee", employee_id=anna.id),
        ),
    )
    await d.create_group(tid, GroupCreate(name="Продажи", member_ids=[anna.id, boris.id]))
    await d.update_tenant(
        tid, settings=TenantSettings(personal_manager=PersonalManagerRules(default_employee_id=anna.id))
    )
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        from vats.core.directory.employees import add_absence

        await add_absence(
            conn, tid, boris.id,
            AbsenceCreate(kind="vacation", starts_on=dt.date(2030, 1, 1), ends_on=dt.date(2030, 1, 9),
                          forward=ForwardTarget(action="employee", employee_id=anna.id)),
        )  # fmt: skip
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    menu = await _ok(
        await admin.post(
            "/api/ivr-menus",
            json=_menu("Главное", [{"key": "1", "do": {"action": "route", "target": {"kind": "employee", "id": str(anna.id)}}}]),
        )
    )
    contact = await _ok(await admin.post("/api/contacts", json={"number": "+79165550001", "name": "ООО Клиент"}))
    assert contact["manager_id"] == str(anna.id)  # the default manager
    await _ok(await admin.post("/api/tasks", json={"title": "Перезвонить", "assignee_id": str(anna.id)}))
    await _ok(
        await admin.post(
            "/api/deals", json={"contact_id": contact["id"], "title": "Поставка", "responsible_id": str(anna.id)}
        )
    )

    refused = await admin.delete(f"/api/employees/{anna.id}")
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["field"] == "employee_id"
    kinds = sorted(r["kind"] for r in problem["references"])
    assert kinds == [
        "absence", "crm_contact", "crm_deal", "crm_task", "forward_rule", "group_member", "ivr_menu",
        "tenant_settings",
    ], problem["references"]  # fmt: skip
    described = " ".join(r["description"] for r in problem["references"])
    assert "Продажи" in described and "Главное" in described and "ООО Клиент" in described

    forced = await _ok(await admin.delete(f"/api/employees/{anna.id}", params={"force": "true"}))
    assert sorted(r["kind"] for r in forced["removed_references"]) == kinds
    assert (await admin.get(f"/api/employees/{anna.id}")).status_code == 404
    # Everything that named her is valid and saves again as it is.
    menu_now = await _ok(await admin.get(f"/api/ivr-menus/{menu['id']}"))
    assert [i["key"] for i in menu_now["body"]["items"]] == ["0"]
    await _ok(await admin.put(f"/api/ivr-menus/{menu['id']}", json={k: menu_now[k] for k in ("name", "level", "body")}))
    assert (await _ok(await admin.get(f"/api/contacts/{contact['id']}")))["manager_id"] is None
    tasks = (await _ok(await admin.get("/api/tasks")))["items"]
    assert [t["assignee_id"] for t in tasks] == [str(vats_tenant.admin_id)]  # handed to the admin
    settings = await _ok(await admin.get("/api/tenant/settings"))
    assert settings["settings"]["personal_manager"]["default_employee_id"] is None
    await _ok(await admin.patch("/api/tenant/settings", json={"settings": settings["settings"]}))
    boris_now = await _ok(await admin.get(f"/api/employees/{boris.id}"))
    assert boris_now["on_no_answer"] is None and boris_now["absences"][0]["forward"]["action"] == "drop"


async def test_deleting_a_media_a_menu_plays_is_refused_and_forced_falls_back_to_the_standard_greeting(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    media = await _ok(await admin.post("/api/media", json={"name": "Приветствие", "items": [{"type": "pause", "ms": 500}]}))
    menu = await _ok(
        await admin.post(
            "/api/ivr-menus",
            json=_menu("Меню", [{"key": "2", "do": {"action": "media", "media": [media["id"]]}}], [media["id"]]),
        )
    )
    refused = await admin.delete(f"/api/media/{media['id']}")
    assert refused.status_code == 409 and refused.json()["field"] == "media_id"
    assert [r["kind"] for r in refused.json()["references"]] == ["ivr_menu"]
    await _ok(await admin.delete(f"/api/media/{media['id']}", params={"force": "true"}))
    body = (await _ok(await admin.get(f"/api/ivr-menus/{menu['id']}")))["body"]
    assert body["instruction"] == ["standard:greeting"] and [i["key"] for i in body["items"]] == ["0"]
    assert (await admin.get(f"/api/media/{media['id']}")).status_code == 404
