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
    return response.json() if response.content else None


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
    number = await d.assign_number(tid, "+74957770011")
    # (a prefix rule: her rule without one is her card's caller ID, which goes with her unasked)
    rule = {"scope": "employee", "scope_id": str(anna.id), "prefix": "+7495", "number_id": str(number.id)}
    await _ok(await admin.post("/api/outbound/caller-ids", json=rule))
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
        "absence", "caller_id_rule", "crm_contact", "crm_deal", "crm_task", "forward_rule", "group_member",
        "ivr_menu", "tenant_settings",
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
    assert (await _ok(await admin.get("/api/outbound/caller-ids"))) == []
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


def _forward(*targets: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "forward", "targets": list(targets), **more}


async def test_a_scenario_naming_an_employee_is_listed_and_forced_deletion_keeps_it_valid(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    anna, _ = await d.create_employee(tid, EmployeeCreate(full_name="Анна", email="anna@test.example"))
    boris, _ = await d.create_employee(tid, EmployeeCreate(full_name="Борис", email="boris@test.example"))
    await d.assign_number(tid, "+74951112233")
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    anna_t, boris_t = {"kind": "employee", "id": str(anna.id)}, {"kind": "employee", "id": str(boris.id)}
    scenario = await _ok(
        await admin.post(
            "/api/scenarios",
            json={
                "name": "Основной",
                "body": {
                    "filters": [
                        {
                            "name": "Москва",
                            "condition": {"type": "region", "subjects": ["RU-MOW"]},
                            "working": {"handling": _forward(anna_t, boris_t)},
                        }
                    ],
                    # Anna alone: left without her, the block rings nobody and its rule sends
                    # the call on to insurance, as when nobody answers.
                    "default": {
                        "handling": _forward(anna_t),
                        "insurance": {"type": "voicemail", "task_for": "employee", "assignee_id": str(anna.id)},
                    },
                },
            },
        )
    )
    refused = await admin.delete(f"/api/employees/{anna.id}")
    assert refused.status_code == 409
    in_scenarios = sorted(r["description"] for r in refused.json()["references"] if r["kind"] == "scenario")
    assert in_scenarios == [
        "scenario «Основной»: default.handling",
        "scenario «Основной»: default.insurance",
        "scenario «Основной»: filters[0].working.handling",
    ]
    assert {r["id"] for r in refused.json()["references"] if r["kind"] == "scenario"} == {scenario["id"]}

    await _ok(await admin.delete(f"/api/employees/{anna.id}", params={"force": "true"}))
    body = (await _ok(await admin.get(f"/api/scenarios/{scenario['id']}")))["body"]
    assert [{"kind": t["kind"], "id": t["id"]} for t in body["filters"][0]["working"]["handling"]["targets"]] == [
        boris_t
    ]
    assert body["default"]["handling"]["targets"] == []
    assert body["default"]["insurance"]["assignee_id"] is None
    assert str(anna.id) not in str(body)
    again = await admin.put(f"/api/scenarios/{scenario['id']}", json={"name": "Основной", "body": body})
    assert again.status_code == 200, again.text
    call = await _ok(
        await admin.post(
            f"/api/scenarios/{scenario['id']}/simulate",
            json={"caller": "+79031234567", "at": "2026-11-24T12:00:00+03:00"},
        )
    )
    assert call["path"][-1].startswith("insurance"), call["path"]  # nobody to ring: on to insurance


async def test_groups_schedules_calendars_and_media_named_by_a_scenario_are_listed_and_dropped(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    group = await d.create_group(tid, GroupCreate(name="Продажи"))
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    schedule = await _ok(
        await admin.post("/api/schedules", json={"name": "Утро", "intervals": [{"day": 0, "start": "09:00", "end": "12:00"}]})
    )
    calendar = await _ok(await admin.post("/api/calendars", json={"name": "Свой", "official_country": None}))
    media = await _ok(await admin.post("/api/media", json={"name": "Привет", "items": [{"type": "pause", "ms": 500}]}))
    branch = {
        "options": {"greeting": [media["id"], "standard:greeting"]},
        "handling": _forward({"kind": "group", "id": str(group.id)}, {"kind": "external", "number": "+79161234567"}),
    }
    scenario = await _ok(
        await admin.post(
            "/api/scenarios",
            json={
                "name": "С графиком",
                "body": {
                    "filters": [
                        {
                            "name": "Клиенты",
                            "condition": {"type": "tags", "tags": ["vip"]},
                            "schedule_id": schedule["id"],
                            "calendar_id": calendar["id"],
                            "working": branch,
                            "off_hours": {"handling": {"type": "hangup"}},
                        }
                    ],
                    "default": branch,
                },
            },
        )
    )
    cases = [
        (f"/api/groups/{group.id}", "filters[0].working.handling"),
        (f"/api/schedules/{schedule['id']}", "filters[0].schedule_id"),
        (f"/api/calendars/{calendar['id']}", "filters[0].calendar_id"),
        (f"/api/media/{media['id']}", "filters[0].working.options.greeting"),
    ]
    for path, where in cases:
        refused = await admin.delete(path)
        assert refused.status_code == 409, (path, refused.text)
        places = [r["description"] for r in refused.json()["references"] if r["kind"] == "scenario"]
        assert f"scenario «С графиком»: {where}" in places, (path, places)
        await _ok(await admin.delete(path, params={"force": "true"}))
        assert (await admin.get(path)).status_code == 404
        saved = await _ok(await admin.get(f"/api/scenarios/{scenario['id']}"))
        again = await admin.put(f"/api/scenarios/{scenario['id']}", json={"name": saved["name"], "body": saved["body"]})
        assert again.status_code == 200, (path, again.text)
    body = saved["body"]
    rule = body["filters"][0]
    assert rule["schedule_id"] is None and rule["calendar_id"] is None  # the filter now runs around the clock
    assert rule["working"]["handling"]["targets"] == [{"kind": "external", "id": None, "number": "+79161234567"}]
    assert body["default"]["options"]["greeting"] == ["standard:greeting"]
