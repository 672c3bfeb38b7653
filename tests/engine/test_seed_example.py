"""The issue's "done when": through the API, the seed's example — working hours with a
greeting and a 2-level IVR to the sales and support groups, a VIP tag filter to a personal
manager, voicemail after hours, insurance to the admin — drawn, and simulated at different
times and outcomes with traces that explain every decision."""

import re
from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.engine.context import CallerContact
from vats.core.kernel import Kernel


async def test_build_draw_and_simulate_the_seed_example(vats_kernel: Kernel, vats_register_plugin: Any) -> None:
    created = await vats_kernel.directory.create_tenant(name="СанСим-клиент", admin_email="admin@client.example")
    await vats_kernel.directory.assign_number(created.tenant_id, "+74951234567", "Основной")
    api = ApiClients(vats_kernel)
    admin = await api.as_employee(created.tenant_id, created.admin_id)

    async def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await admin.post(url, json=body)
        assert r.status_code == 201, f"{url}: {r.text}"
        return r.json()

    people = {}
    for ext, name in [
        ("201", "Анна Продажина"),
        ("202", "Борис Продажин"),
        ("301", "Вера Поддержкина"),
        ("401", "Глеб Менеджеров"),
    ]:
        people[ext] = (
            await post(
                "/api/employees",
                {"full_name": name, "email": f"{ext}@client.example", "extension": ext, "dial_through": True},
            )
        )["employee"]["id"]
    sales = await post(
        "/api/groups",
        {"name": "Продажи", "extension": "200", "strategy": "one_by_one", "member_ids": [people["201"], people["202"]]},
    )
    support = await post("/api/groups", {"name": "Поддержка", "extension": "300", "member_ids": [people["301"]]})

    # A level-1 menu may point only at a level-2 menu that already exists.
    too_early = await admin.post("/api/ivr-menus", json={"name": "Главное", "body": {"instruction": ["standard:greeting"], "items": [
        {"key": "0", "do": {"action": "repeat"}}, {"key": "1", "do": {"action": "submenu", "menu_id": "00000000-0000-0000-0000-000000000000"}}]}})  # fmt: skip
    assert too_early.status_code == 404 and too_early.json()["field"] == "body.items[1].do.menu_id"
    sales_menu = await post("/api/ivr-menus", {"name": "Продажи", "level": 2, "body": {"instruction": ["standard:greeting"], "items": [
        {"key": "0", "do": {"action": "repeat"}},
        {"key": "1", "do": {"action": "route", "target": {"kind": "group", "id": sales["id"]}}},
        {"key": "2", "do": {"action": "extension_dialing"}}]}})  # fmt: skip
    main_menu = await post("/api/ivr-menus", {"name": "Главное", "level": 1, "body": {"instruction": ["standard:greeting"], "items": [
        {"key": "0", "do": {"action": "repeat"}},
        {"key": "1", "do": {"action": "submenu", "menu_id": sales_menu["id"]}},
        {"key": "2", "do": {"action": "route", "target": {"kind": "group", "id": support["id"]}}},
        {"key": "#", "do": {"action": "callback", "assignee_id": people["401"]}}]}})  # fmt: skip
    bad_digits = await admin.post("/api/ivr-menus", json={"name": "Плохое", "body": {"instruction": ["standard:greeting"], "items": [
        {"key": "1", "do": {"action": "skip"}}]}})  # fmt: skip
    assert bad_digits.status_code == 422 and "repeat" in bad_digits.json()["detail"]

    schedule_id = (await admin.get("/api/schedules")).json()["items"][0]["id"]
    calendar_id = (await admin.get("/api/calendars")).json()["items"][0]["id"]
    to_admin = {
        "type": "forward",
        "targets": [{"kind": "employee", "id": str(created.admin_id)}],
        "on_failure": {"action": "hangup"},
    }
    body = {
        "filters": [{
            "name": "VIP", "condition": {"type": "tags", "tags": ["VIP"]},
            "working": {"handling": {"type": "forward", "targets": [{"kind": "group", "id": sales["id"]}], "personal_manager_first": True}, "insurance": to_admin},
        }],
        "schedule_id": schedule_id, "calendar_id": calendar_id,
        "default": {
            "options": {"greeting": ["standard:greeting"]},
            "menu": {"type": "ivr", "menu_id": main_menu["id"], "on_no_input": "next"},
            "handling": {"type": "forward", "targets": [{"kind": "group", "id": support["id"]}]},
            "insurance": to_admin,
        },
        "off_hours": {"handling": {"type": "voicemail", "assignee_id": str(created.admin_id)}},
    }  # fmt: skip
    scenario = await post("/api/scenarios", {"name": "Основной", "body": body})
    numbers = (await admin.get("/api/numbers")).json()["items"]
    bound = await admin.patch(f"/api/numbers/{numbers[0]['id']}", json={"scenario_id": scenario["id"]})
    assert bound.status_code == 200

    svg = await admin.get(f"/api/scenarios/{scenario['id']}/diagram.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    drawn = re.sub(r"<[^>]+>", "", svg.text)  # the boxes' text, its wrapped lines joined
    for text in ("Основной", "VIP", "Главное", "группа Поддержка", "голосовая почта", "нерабочее время"):
        assert text in drawn, text

    class Crm:  # a CRM plugin's contact: the VIP with a personal manager
        @hookimpl
        def lookup_contact(self, tenant_id: Any, number: str) -> CallerContact | None:
            return (
                CallerContact(name="VIP", tags=["VIP"], personal_manager_id=people["401"])
                if number == "+79990001122"
                else None
            )

    vats_register_plugin(Crm(), name="crm-test")

    async def simulate(caller: str, at: str, script: str = "") -> dict[str, Any]:
        r = await admin.post(
            f"/api/scenarios/{scenario['id']}/simulate", json={"caller": caller, "at": at, "script": script}
        )
        assert r.status_code == 200, r.text
        return r.json()

    noon, night = "2026-11-24T12:00:00+03:00", "2026-11-24T22:00:00+03:00"
    # press 1 (sales submenu), then 1 (the sales group): Анна is busy, Борис answers
    sale = await simulate("+79031110000", noon, "press 1, press 1, 201 busy, 202 answers")
    assert sale["path"] == ["default", "menu:ivr"]
    decisions = [t["decision"] for t in sale["trace"]]
    assert "key 1 in «Главное»: submenu «Продажи»" in decisions and "key 1 in «Продажи»: group «Продажи»" in decisions
    assert sale["answered_by"] is not None and sale["steps"][0]["primitive"]["op"] == "play"
    # press 2: support; nobody answers -> insurance: the admin
    support_call = await simulate("+79031110000", noon, "press 2, 105 answers")
    assert support_call["path"] == ["default", "menu:ivr", "handling:forward", "insurance:forward"]
    # extension dialing from the sales submenu
    direct = await simulate("+79031110000", noon, "press 1, press 2, press 301, 301 answers")
    assert any(t["decision"] == "extension 301" for t in direct["trace"]) and direct["answered_by"] is not None
    # callback request: a task for the manager, the call ends
    callback = await simulate("+79031110000", noon, "press #")
    assert [(i["kind"], i["assignee_id"]) for i in callback["intents"]] == [("callback", people["401"])]
    # after hours: voicemail with a task for the admin
    after_hours = await simulate("+79031110000", night)
    assert after_hours["path"] == ["default:off", "handling:voicemail"]
    assert after_hours["intents"][0]["kind"] == "voicemail"
    # the VIP: the personal manager first
    vip = await simulate("+79990001122", noon, "401 answers")
    assert vip["path"][0] == "filter:VIP:working"
    assert any("manager Глеб" in t["decision"] for t in vip["trace"]), [t["decision"] for t in vip["trace"]]
    await api.close()


async def test_hook_snapshot_extras(vats_kernel: Any, vats_register_plugin: Any, vats_tenant: Any) -> None:
    class Extras:
        @hookimpl
        async def snapshot_extras(self, tenant_id: Any, conn: Any) -> dict[str, Any]:
            return {"answer": await conn.fetchval("SELECT count(*) FROM employees")}

    vats_register_plugin(Extras(), name="extras")
    snapshot = await vats_kernel.snapshots.get(vats_tenant.tenant_id)
    assert snapshot.extras["answer"] == 1 and "ivr_menus" in snapshot.extras


async def test_scenario_names_are_unique_and_bad_bodies_name_the_field(vats_kernel: Kernel, vats_tenant: Any) -> None:
    api = ApiClients(vats_kernel)
    admin = await api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    first = await admin.post(
        "/api/scenarios", json={"name": "Один", "body": {"default": {"handling": {"type": "hangup"}}}}
    )
    second = await admin.post(
        "/api/scenarios", json={"name": "Два", "body": {"default": {"handling": {"type": "hangup"}}}}
    )
    clash = await admin.put(f"/api/scenarios/{second.json()['id']}", json={"name": "Один", "body": {"default": {}}})
    assert clash.status_code == 409 and clash.json()["field"] == "name"
    unknown = await admin.post(
        "/api/scenarios", json={"name": "Три", "body": {"default": {"handling": {"type": "teleport"}}}}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "body.default.handling.type"
    no_menu = await admin.post("/api/scenarios", json={"name": "Три", "body": {"default": {"menu": {"type": "ivr"}}}})
    assert no_menu.status_code == 422 and no_menu.json()["field"] == "body.default.menu"
    assert "menu_id" in no_menu.json()["detail"]
    bad_name = await admin.post("/api/scenarios", json={"name": "Три", "body": {"filters": [{"name": 5}], "default": {}}})
    assert bad_name.status_code == 422 and bad_name.json()["field"] == "body.filters[0].name"
    ghost = await admin.post("/api/scenarios", json={"name": "Три", "body": {"default": {"handling": {
        "type": "forward", "targets": [{"kind": "employee", "id": "00000000-0000-0000-0000-000000000000"}]}}}})  # fmt: skip
    assert ghost.status_code == 404 and ghost.json()["field"] == "body.default.handling.targets[0].id"
    silent = await admin.post(
        "/api/scenarios", json={"name": "Тихий", "body": {"default": {"options": {"greeting": ["standard:nothing"]}}}}
    )
    assert silent.status_code == 404 and silent.json()["field"] == "body.default.options.greeting"
    default_id = next(s["id"] for s in (await admin.get("/api/scenarios")).json()["items"] if s["is_default"])
    assert (await admin.delete(f"/api/scenarios/{default_id}")).status_code == 422
    assert (await admin.delete(f"/api/scenarios/{first.json()['id']}")).status_code == 204
    await api.close()
