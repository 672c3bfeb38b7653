"""Who sees which calls, tasks and deals, through the API, for each role (seed "История
звонков", the role settings)."""

from __future__ import annotations

from typing import Any

import httpx
from vats.core.directory.models import RoleSettings, RolesSettings

from tests.plugins.crm.conftest import (
    DAY,
    Clients,
    Company,
    emp,
    forward,
    group,
    internal,
    record_call,
    settings,
    store,
)


async def peers(client: httpx.AsyncClient, **params: Any) -> set[str]:
    r = await client.get("/api/history", params={**DAY, **params})
    assert r.status_code == 200, r.text
    return {c["peer"] for c in r.json()["items"]}


async def set_role(c: Company, who: str, role: str) -> None:
    assert c.kernel.db is not None
    async with c.kernel.db.tenant(c.tenant_id) as conn:
        await conn.execute("UPDATE employees SET role = $2 WHERE id = $1", c.people[who], role)


async def set_members(c: Company, *who: str) -> None:
    assert c.kernel.db is not None
    async with c.kernel.db.tenant(c.tenant_id) as conn:
        await conn.execute("DELETE FROM group_members WHERE group_id = $1", c.sales_id)
        for i, w in enumerate(who):
            await conn.execute(
                "INSERT INTO group_members (tenant_id, group_id, employee_id, position) VALUES ($1, $2, $3, $4)",
                c.tenant_id, c.sales_id, c.people[w], i,
            )  # fmt: skip
    c.kernel.snapshots.invalidate(c.tenant_id)  # type: ignore[union-attr]


async def test_calls_by_role(company: Company, clients: Clients) -> None:
    a, b = company.people["201"], company.people["202"]
    await set_members(company, "202")
    await company.set_scenario({"default": {"handling": forward(emp(a))}})
    await record_call(company, "201 answers", caller="+79030000001")  # Анна took it
    await company.set_scenario({"default": {"handling": forward(group(company.sales_id))}})
    await record_call(company, caller="+79030000002")  # the group (Борис) missed it
    await company.set_scenario({"default": {"handling": forward(emp(b))}})
    await record_call(company, caller="+79030000003")  # Борис personally
    await store(company.kernel, internal(company, "201", "203"))  # Анна calls Вера

    admin, anna, boris, vera = [await clients.of(w) for w in ("admin", "201", "202", "203")]
    assert await peers(admin) == {"+79030000001", "+79030000002", "+79030000003", "203"}
    assert await peers(anna) == {"+79030000001"}  # took one; her internal call is not for users (seed 003)
    assert await peers(boris) == {"+79030000002", "+79030000003"}
    assert await peers(vera) == set()  # was called, internally

    # joining the group reveals its earlier calls; leaving hides them
    await set_members(company, "201")
    assert await peers(anna) == {"+79030000001", "+79030000002"}
    assert await peers(boris) == {"+79030000003"}
    # taking Борис out of the scenario hides the calls he was addressed in personally
    await company.set_scenario({"default": {"handling": forward(emp(a))}})
    assert await peers(boris) == set()

    # restricted users see their own external calls only, whatever their role's scope says
    await set_role(company, "201", "restricted")
    anna = await clients.api.as_employee(company.tenant_id, a)
    assert await peers(anna) == {"+79030000001", "+79030000002"}
    assert (await anna.get("/api/history/export.csv", params=DAY)).status_code == 403
    await settings(company, roles=RolesSettings(restricted=RoleSettings(history_scope="company")))
    assert await peers(anna) == {"+79030000001", "+79030000002"}
    await settings(company, roles=RolesSettings())

    # a head with the department scope sees the calls of their group's members
    await set_role(company, "202", "head")
    await set_members(company, "201", "202")
    boris = await clients.api.as_employee(company.tenant_id, b)
    assert await peers(boris) == {"+79030000001", "+79030000002", "203"}  # Анна's calls and the group's
    await settings(company, roles=RolesSettings(head=RoleSettings(history_scope="company")))
    assert await peers(boris) == {"+79030000001", "+79030000002", "+79030000003", "203"}


async def test_personal_contacts_calls_are_for_admins_only(company: Company, clients: Clients) -> None:
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    sim = await record_call(company, "201 answers", caller="+79030000009")
    admin, anna = await clients.of("admin"), await clients.of("201")
    assert await peers(anna) == {"+79030000009"}
    contact_id = (await admin.get("/api/contacts")).json()["items"][0]["id"]
    r = await anna.patch(f"/api/contacts/{contact_id}", json={"kind": "personal"})
    assert r.status_code == 403 and r.json()["field"] == "kind"
    r = await admin.patch(f"/api/contacts/{contact_id}", json={"kind": "personal"})
    assert r.status_code == 200 and r.json()["kind"] == "personal"
    assert await peers(anna) == set() and await peers(admin) == {"+79030000009"}
    assert (await anna.get(f"/api/history/{sim.record_id}")).status_code == 404
    assert (await anna.get(f"/api/contacts/{contact_id}")).status_code == 404
    assert (await anna.get("/api/contacts")).json()["total"] == 0
    r = await admin.patch(f"/api/contacts/{contact_id}", json={"kind": "business"})
    assert await peers(anna) == {"+79030000009"}  # saved back as business: visible again


async def test_tasks_and_private_deals(company: Company, clients: Clients) -> None:
    await company.set_scenario({"default": {"handling": forward(group(company.sales_id))}})
    await record_call(company, caller="+79030000010")
    admin, anna = await clients.of("admin"), await clients.of("201")
    await set_members(company, "202", "203")
    (task,) = (await admin.get("/api/tasks")).json()["items"]
    boris = await clients.of("202")
    assert [t["id"] for t in (await boris.get("/api/tasks")).json()["items"]] == [task["id"]]
    assert (await anna.get("/api/tasks")).json()["items"] == []  # no longer in the group
    assert (await anna.get(f"/api/tasks/{task['id']}")).status_code == 404
    r = await boris.post(f"/api/tasks/{task['id']}/comments", json={"text": "Перезвоню после обеда"})
    assert r.status_code == 201
    card = (await boris.get(f"/api/tasks/{task['id']}")).json()
    assert card["comments"][0]["text"] == "Перезвоню после обеда" and len(card["attachments"]["calls"]) == 1

    contact_id = (await admin.get("/api/contacts")).json()["items"][0]["id"]
    r = await boris.post("/api/deals", json={"contact_id": contact_id, "title": "Поставка", "private": True})
    assert r.status_code == 201, r.text
    deal = r.json()
    assert (await boris.post("/api/deals", json={"contact_id": contact_id, "title": "Ещё"})).status_code == 409
    assert (await admin.get(f"/api/deals/{deal['id']}")).status_code == 404  # private: the responsible alone
    assert (await boris.get(f"/api/deals/{deal['id']}")).status_code == 200
    r = await boris.patch(f"/api/deals/{deal['id']}", json={"private": False, "status": "won"})
    assert r.json()["status"] == "won"
    assert (await admin.get(f"/api/deals/{deal['id']}")).status_code == 200
    r = await boris.post(f"/api/deals/{deal['id']}/attachments", json={"kind": "task", "id": task["id"]})
    assert r.status_code == 201 and r.json()["tasks"] == [task["id"]]


async def test_a_user_s_scope_is_a_role_setting_and_internal_calls_stay_hidden(company: Company, clients: Clients) -> None:
    b = company.people["202"]
    await set_members(company, "201", "202")  # Анна and Борис: one department
    await company.set_scenario({"default": {"handling": forward(emp(b))}})
    await record_call(company, "202 answers", caller="+79030000021")  # Борис's call
    await company.set_scenario({"default": {"handling": forward(emp(company.people["203"]))}})
    await record_call(company, "203 answers", caller="+79030000022")  # Вера's (another department)
    await store(company.kernel, internal(company, "202", "203"))
    anna = await clients.of("201")
    assert await peers(anna) == set()  # by default a user sees their own calls (today's behaviour)
    await settings(company, roles=RolesSettings(user=RoleSettings(history_scope="department")))
    assert await peers(anna) == {"+79030000021"}
    await settings(company, roles=RolesSettings(user=RoleSettings(history_scope="company")))
    assert await peers(anna) == {"+79030000021", "+79030000022"}  # never the internal call
    admin = await clients.of("admin")
    assert "203" in await peers(admin)
    # the switches: no export, no recordings
    await settings(company, roles=RolesSettings(user=RoleSettings(
        history_scope="company", may_download_history=False, may_play_recordings=False)))  # fmt: skip
    r = await anna.get("/api/history/export.csv", params=DAY)
    assert r.status_code == 403


async def test_statistics_follow_the_history_s_visibility(company: Company, clients: Clients) -> None:
    await set_members(company, "201", "202")
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    await record_call(company, "201 answers", caller="+79030000031")
    await company.set_scenario({"default": {"handling": forward(emp(company.people["203"]))}})
    await record_call(company, "203 answers", caller="+79030000032")  # Вера's call
    await store(company.kernel, internal(company, "201", "203"))

    async def totals(client: httpx.AsyncClient, period: dict[str, str] = DAY) -> dict[str, Any]:
        r = await client.get("/api/statistics", params=period)
        assert r.status_code == 200, r.text
        return r.json()

    admin, anna = await clients.of("admin"), await clients.of("201")
    everything = await totals(admin)
    assert everything["totals"]["inbound"] == 2 and everything["totals"]["answered"] == 3  # with the internal one
    mine = await totals(anna)  # own scope: her answered call only, no internal call, no one else's task
    assert {k: v for k, v in mine["totals"].items() if k != "talk_s"} == {
        "inbound": 1, "outbound": 0, "missed": 0, "answered": 1}  # fmt: skip
    assert [row["key"] for row in mine["by_employee"]] == [str(company.people["201"])]
    r = await admin.post("/api/tasks", json={
        "title": "Перезвонить", "assignee_kind": "employee", "assignee_id": str(company.people["203"])})  # fmt: skip
    assert r.status_code == 201, r.text
    today = {"period": "today"}
    assert (await totals(admin, today))["tasks"] == {"open": 1} and (await totals(anna, today))["tasks"] == {}
    await settings(company, roles=RolesSettings(user=RoleSettings(history_scope="company")))
    company_wide = await totals(anna)
    assert company_wide["totals"]["inbound"] == 2 and company_wide["totals"]["answered"] == 2
    assert (await totals(anna, today))["tasks"] == {"open": 1}
    chart = await anna.get("/api/statistics/chart", params={"chart": "pie"})
    assert chart.status_code == 200 and b"<svg" in chart.content
