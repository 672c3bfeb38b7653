"""Directory resources through the API: lists, filters, sorting, visibility, references,
problem details, settings, plugin switches, logs."""

import json
import logging
from typing import Any

import msgspec
import pytest
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.directory.employees import EmployeePage
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.world import build_company


async def test_employee_list_paginates_filters_and_sorts(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    for i, name in enumerate(["Вера", "Борис", "Анна", "Глеб", "Дина"]):
        r = await admin.post(
            "/api/employees",
            json={
                "full_name": name,
                "email": f"e{i}@test.example",
                "extension": str(300 + i),
                "position": "Продажи" if i % 2 else "Склад",
            },
        )
        assert r.status_code == 201, r.text
    raw = await admin.get("/api/employees", params={"limit": 2, "offset": 1})
    # The database writes this JSON; it must be exactly the documented EmployeePage.
    strict = msgspec.json.decode(raw.content, type=EmployeePage, strict=True)
    assert [e.full_name for e in strict.items] == ["Анна", "Борис"] and strict.total == 6
    page = raw.json()
    assert page["total"] == 6 and page["limit"] == 2 and [e["full_name"] for e in page["items"]] == ["Анна", "Борис"]
    by_ext = (await admin.get("/api/employees", params={"sort": "-extension", "limit": 3})).json()
    assert [e["extension"] for e in by_ext["items"]] == ["304", "303", "302"]
    found = (await admin.get("/api/employees", params={"q": "продаж"})).json()
    assert sorted(e["full_name"] for e in found["items"]) == ["Борис", "Глеб"]
    assert (await admin.get("/api/employees", params={"role": "admin"})).json()["total"] == 1
    bad = await admin.get("/api/employees", params={"sort": "salary"})
    assert bad.status_code == 422 and bad.json()["field"] == "sort"
    too_big = await admin.get("/api/employees", params={"limit": 100000})
    assert too_big.status_code == 400 and too_big.json()["field"] == "limit"


async def test_head_sees_own_department_or_company_by_role_settings(vats_api: ApiClients, vats_kernel: Kernel) -> None:
    company = await build_company(vats_kernel, vats_api, "Alpha", "alpha.example")
    head = company.clients["head"]
    # The list is the company's phone book for everyone (seed 001); the cards a head opens
    # are the department's (the head's group) unless the role settings give the company.
    assert (await head.get("/api/employees")).json()["total"] == 5
    outsider = company.employees["restricted"]
    assert (await head.get(f"/api/employees/{outsider}")).status_code == 404
    listed = (await head.get("/api/employees")).json()["items"]
    colleague_id = next(e["id"] for e in listed if e["full_name"] == "user Alpha")
    colleague = (await head.get(f"/api/employees/{colleague_id}")).json()
    assert colleague["terminals"] and all(t["sip_login"] is None for t in colleague["terminals"])  # not the head's
    own = (await head.get(f"/api/employees/{company.employees['head']}")).json()
    assert all(t["sip_login"] for t in own["terminals"] if t["kind"] != "external")
    admin = company.clients["admin"]
    settings = (await admin.get("/api/tenant/settings")).json()["settings"]
    settings["roles"]["head"]["history_scope"] = "company"
    assert (await admin.patch("/api/tenant/settings", json={"settings": settings})).status_code == 200
    assert (await head.get(f"/api/employees/{outsider}")).status_code == 200


async def test_deleting_a_referenced_employee_answers_409_with_references(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    emp = (await admin.post("/api/employees", json={"full_name": "Нужный", "email": "n@test.example"})).json()[
        "employee"
    ]
    group = (await admin.post("/api/groups", json={"name": "Отдел", "member_ids": [emp["id"]]})).json()
    refused = await admin.delete(f"/api/employees/{emp['id']}")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["field"] == "employee_id" and problem["references"][0]["kind"] == "group_member"
    forced = await admin.delete(f"/api/employees/{emp['id']}", params={"force": "true"})
    assert forced.status_code == 200 and len(forced.json()["removed_references"]) == 1
    assert (await admin.get(f"/api/groups/{group['id']}")).json()["member_ids"] == []


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "field"),
    [
        ("POST", "/api/employees", {"full_name": "X", "email": "not-an-email"}, 422, "email"),
        ("POST", "/api/employees", {"full_name": "X", "email": "x@t.example", "extension": "112"}, 422, "extension"),
        ("POST", "/api/employees", {"full_name": "X", "email": "x@t.example", "role": "god"}, 400, "role"),
        (
            "POST",
            "/api/employees",
            {"full_name": "X", "email": "x@t.example", "external_numbers": ["1"]},
            422,
            "external_numbers[0]",
        ),
        ("POST", "/api/employees", {"full_name": "X", "email": "admin@test.example"}, 409, "email"),
        ("POST", "/api/employees", {"email": "x@t.example"}, 400, "full_name"),
        ("POST", "/api/groups", {"name": "G", "strategy": "random"}, 400, "strategy"),
        ("POST", "/api/groups", {"name": "G", "ring_time_s": 1}, 422, "ring_time_s"),
        (
            "POST",
            "/api/schedules",
            {"name": "S", "intervals": [{"day": 9, "start": "09:00", "end": "10:00"}]},
            422,
            "intervals[0].day",
        ),
        ("PUT", "/api/me/availability", {"mode": "sleeping"}, 400, "mode"),
        ("PATCH", "/api/tenant/settings", {"time_zone": "Mars/Olympus"}, 422, "time_zone"),
        ("POST", "/api/tags", {"kind": "contact", "name": ""}, 422, "name"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field_and_changes_nothing(
    vats_api: ApiClients,
    vats_tenant: TenantCreated,
    method: str,
    url: str,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    before = (await admin.get("/api/employees")).json()["total"]
    r = await admin.request(method, url, json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field
    assert (await admin.get("/api/employees")).json()["total"] == before


async def test_unknown_ids_and_routes_are_404_problems(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    r = await admin.get("/api/employees/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and r.json()["field"] == "employee_id"
    assert (await admin.get("/api/employees/not-a-uuid")).status_code in (400, 404)
    assert (await admin.get("/api/nothing-here")).status_code == 404


async def test_availability_from_the_header_changes_the_stored_mode(vats_api: ApiClients, vats_kernel: Kernel) -> None:
    company = await build_company(vats_kernel, vats_api, "Alpha", "alpha.example")
    user = company.clients["user"]
    assert (await user.put("/api/me/availability", json={"mode": "unavailable"})).status_code == 204
    assert (await user.get("/api/me")).json()["employee"]["availability"] == "unavailable"
    mobile = await user.post("/api/me/external-numbers", json={"number": "8 903 555 11 22"})
    assert mobile.status_code == 201 and mobile.json()["external_number"] == "+79035551122"
    delayed = await user.patch(f"/api/me/terminals/{mobile.json()['id']}", json={"ring_delay_s": 5})
    assert delayed.json()["ring_delay_s"] == 5
    others = company.ids["terminal_id"]  # another employee's terminal
    assert (await user.patch(f"/api/me/terminals/{others}", json={"ring_delay_s": 5})).status_code == 404


async def test_tenant_settings_round_trip_and_check_references(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    settings = (await admin.get("/api/tenant/settings")).json()["settings"]
    settings["recording_enabled"] = True
    settings["personal_manager"] = {
        "default_employee_id": str(vats_tenant.admin_id),
        "on_missed_call": "last_unanswered",
    }
    settings["denied_email_domains"] = [".RU"]
    saved = (
        await admin.patch("/api/tenant/settings", json={"settings": settings, "time_zone": "Asia/Novosibirsk"})
    ).json()
    assert saved["time_zone"] == "Asia/Novosibirsk" and saved["settings"]["denied_email_domains"] == ["ru"]
    assert saved["settings"]["personal_manager"]["on_missed_call"] == "last_unanswered"
    refused = await admin.post("/api/employees", json={"full_name": "Ру", "email": "a@mail.ru"})
    assert refused.status_code == 422
    settings["personal_manager"]["default_employee_id"] = "00000000-0000-0000-0000-000000000000"
    assert (await admin.patch("/api/tenant/settings", json={"settings": settings})).status_code == 404


async def test_a_plugins_routes_disappear_for_a_tenant_that_switched_it_off(
    vats_api: ApiClients, vats_kernel: Kernel, vats_register_plugin: Any
) -> None:
    from litestar import get

    class Hello:
        @hookimpl
        def register_routes(self) -> list[Any]:
            @get("/api/hello", operation_id="hello", tags=["hello"])
            async def hello() -> dict[str, str]:
                return {"hello": "world"}

            return [hello]

    vats_register_plugin(Hello(), name="hello")
    a = await vats_kernel.directory.create_tenant(name="A", admin_email="a@a.example")
    b = await vats_kernel.directory.create_tenant(name="B", admin_email="b@b.example")
    api = ApiClients(vats_kernel)  # the app is built after the plugin registered
    admin_a = await api.as_employee(a.tenant_id, a.admin_id)
    admin_b = await api.as_employee(b.tenant_id, b.admin_id)
    assert (await admin_a.get("/api/hello")).status_code == 200
    switched = await admin_a.put("/api/tenant/plugins/hello", json={"enabled": False})
    assert switched.json() == {"name": "hello", "enabled": False}
    assert (await admin_a.get("/api/hello")).status_code == 404
    assert (await admin_b.get("/api/hello")).status_code == 200
    await api.close()


async def test_access_log_is_structured_and_has_no_secrets(
    vats_api: ApiClients, vats_tenant: TenantCreated, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="vats"):
        anon = vats_api.client()
        login = await anon.post(
            "/api/auth/login", json={"email": "admin@test.example", "password": vats_tenant.admin_password}
        )
        tokens = login.json()
        client = vats_api.client({"Authorization": f"Bearer {tokens['access_token']}"})
        await client.get("/api/me", params={"token": "should-not-appear"})
    access = [json.loads(r.getMessage()) for r in caplog.records if r.name == "vats.access"]
    assert {"method", "path", "status", "ms", "tenant", "employee"} <= set(access[-1])
    assert access[-1]["path"] == "/api/me" and access[-1]["tenant"] == str(vats_tenant.tenant_id)
    # Everything the server logged (httpx's own client-side log line is the test's, not ours).
    everything = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for secret in (vats_tenant.admin_password, tokens["access_token"], tokens["refresh_token"], "should-not-appear"):
        assert secret not in everything


async def test_access_log_records_the_status_the_client_got(
    vats_api: ApiClients, caplog: pytest.LogCaptureFixture
) -> None:
    """A cabinet page without a session answers 303 to sign-in; the log said 500 when it was
    written inside Litestar's exception handling (the exception looked unhandled there)."""
    with caplog.at_level(logging.INFO, logger="vats"):
        anon = vats_api.client()
        answered = await anon.get("/cabinet/settings/employees")
        refused = await anon.get("/api/me")
    access = [json.loads(r.getMessage()) for r in caplog.records if r.name == "vats.access"]
    assert answered.status_code == 303 and refused.status_code == 401
    assert [(a["path"], a["status"]) for a in access[-2:]] == [("/cabinet/settings/employees", 303), ("/api/me", 401)]


async def test_default_audit_plugin_serves_its_route(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    created = (await admin.post("/api/employees", json={"full_name": "Аудит", "email": "audit@test.example"})).json()
    log = (await admin.get("/api/audit", params={"limit": 5})).json()
    assert (
        log[0]["subject"] == "employee"
        and log[0]["subject_id"] == created["employee"]["id"]
        and log[0]["change"] == "created"
    )
    await admin.put("/api/tenant/plugins/audit", json={"enabled": False})
    assert (await admin.get("/api/audit")).status_code == 404


async def test_small_lists_page_search_and_sort_too(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    for name, ext in [("Склад", "300"), ("Продажи", "2000"), ("Поддержка", "201")]:
        assert (await admin.post("/api/groups", json={"name": name, "extension": ext})).status_code == 201
    page = (await admin.get("/api/groups", params={"sort": "-name", "limit": 2})).json()
    assert [g["name"] for g in page["items"]] == ["Склад", "Продажи"] and page["total"] == 3
    by_ext = (await admin.get("/api/groups", params={"sort": "extension"})).json()["items"]
    assert [g["extension"] for g in by_ext] == ["201", "300", "2000"]
    assert [g["name"] for g in (await admin.get("/api/groups", params={"q": "под"})).json()["items"]] == ["Поддержка"]
    bad = await admin.get("/api/groups", params={"sort": "size"})
    assert bad.status_code == 422 and bad.json()["field"] == "sort"
    await admin.post("/api/tags", json={"kind": "call", "name": "Спам"})
    await admin.post("/api/tags", json={"kind": "contact", "name": "VIP"})
    tags = (await admin.get("/api/tags", params={"kind": "contact"})).json()
    assert [t["name"] for t in tags["items"]] == ["VIP"]
    schedules = (await admin.get("/api/schedules", params={"q": "09:00"})).json()
    assert schedules["total"] == 1
