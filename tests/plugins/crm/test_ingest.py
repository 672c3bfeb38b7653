"""From call records to the CRM: contacts, personal managers, history rows, tasks, deals, and
the hooks other plugins listen to."""

from __future__ import annotations

from typing import Any

from vats.core import hookimpl
from vats.core.directory.models import PersonalManagerRules
from vats.core.tasks import TaskNotice

from tests.plugins.crm.conftest import (
    NUMBER,
    Clients,
    Company,
    emp,
    forward,
    group,
    outbound,
    record_call,
    settings,
    store,
)


async def fetch(c: Company, sql: str, *args: Any) -> list[Any]:
    assert c.kernel.db is not None
    async with c.kernel.db.tenant(c.tenant_id) as conn:
        return list(await conn.fetch(sql, c.tenant_id, *args))


async def test_hook_task_created(company: Company, vats_register_plugin: Any) -> None:
    """A missed group call: the caller becomes a 'not saved' contact, the history has the call,
    the group gets a missed-call task, announced once; a repeat call raises its counter."""
    seen: list[TaskNotice] = []

    class Bot:
        @hookimpl
        def task_created(self, task: TaskNotice) -> None:
            seen.append(task)

    vats_register_plugin(Bot(), name="bot-test")
    await company.set_scenario({"default": {"handling": forward(group(company.sales_id))}})
    sim = await record_call(company, caller="+79031112233")
    (contact,) = await fetch(company, "SELECT * FROM crm_contacts WHERE tenant_id = $1")
    assert contact["number"] == "+79031112233" and contact["kind"] == "unsaved" and contact["manager_id"] is None
    (call,) = await fetch(company, "SELECT * FROM crm_calls WHERE tenant_id = $1")
    assert call["id"] == sim.record_id and not call["answered"] and call["contact_id"] == contact["id"]
    assert call["groups"] == [company.sales_id] and set(call["missed_by"]) == set(company.people.values())
    assert [(t.kind, t.assignee_kind, t.assignee_id, t.number) for t in seen] == [
        ("missed", "group", company.sales_id, "+79031112233")
    ]
    await record_call(company, caller="+79031112233")
    (task,) = await fetch(company, "SELECT * FROM crm_tasks WHERE tenant_id = $1")
    assert task["repeats"] == 2 and len(seen) == 1  # a duplicate is counted, not announced again
    attached = await fetch(
        company, "SELECT item_id FROM crm_attachments WHERE tenant_id = $1 AND owner_id = $2", task["id"]
    )
    assert len(attached) == 2


async def test_duplicate_check_off_makes_a_task_per_call(company: Company, clients: Clients) -> None:
    admin = await clients.of("admin")
    r = await admin.patch("/api/crm/settings", json={"duplicate_check": False})
    assert r.status_code == 200 and r.json() == {"duplicate_check": False}
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    await record_call(company, caller="+79031112233")
    await record_call(company, caller="+79031112233")
    assert len(await fetch(company, "SELECT id FROM crm_tasks WHERE tenant_id = $1")) == 2


async def test_answered_call_makes_no_task(company: Company) -> None:
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    await record_call(company, "201 answers")
    (call,) = await fetch(company, "SELECT * FROM crm_calls WHERE tenant_id = $1")
    assert call["answered"] and call["answered_by"] == company.people["201"] and call["talk_s"] == 60
    assert not await fetch(company, "SELECT id FROM crm_tasks WHERE tenant_id = $1")


async def test_scenario_intents_become_tasks_with_voicemail(company: Company) -> None:
    await company.set_scenario(
        {"default": {"handling": forward(emp(company.people["201"])),
                     "insurance": {"type": "voicemail", "assignee_id": str(company.people["203"])}}}
    )  # fmt: skip
    await record_call(company)
    (task,) = await fetch(company, "SELECT * FROM crm_tasks WHERE tenant_id = $1")
    assert task["kind"] == "voicemail" and task["assignee_id"] == company.people["203"]  # not also a "missed" task


async def test_personal_manager_on_missed_call(company: Company) -> None:
    """First addressee, last who did not answer, default; unavailable employees take no part."""
    a, b, v = company.people["201"], company.people["202"], company.people["203"]
    await company.set_scenario({"default": {"handling": forward(emp(a), emp(b), emp(v))}})
    await settings(company, personal_manager=PersonalManagerRules(on_missed_call="first"))
    await record_call(company, caller="+79030000001")
    await settings(company, personal_manager=PersonalManagerRules(on_missed_call="last_unanswered"))
    await record_call(company, caller="+79030000002")
    await settings(company, personal_manager=PersonalManagerRules(default_employee_id=v, on_missed_call="default"))
    await record_call(company, caller="+79030000003")
    await settings(company, personal_manager=PersonalManagerRules(on_missed_call="random"))
    await record_call(company, caller="+79030000004")
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:  # Анна switches herself off
        await conn.execute("UPDATE employees SET availability = 'unavailable' WHERE id = $1", a)
    company.kernel.snapshots.invalidate(company.tenant_id)  # type: ignore[union-attr]
    await settings(company, personal_manager=PersonalManagerRules(on_missed_call="first"))
    await record_call(company, caller="+79030000005")
    managers = {
        r["number"]: r["manager_id"]
        for r in await fetch(company, "SELECT number, manager_id FROM crm_contacts WHERE tenant_id = $1")
    }
    assert managers["+79030000001"] == a and managers["+79030000002"] == v and managers["+79030000003"] == v
    assert managers["+79030000004"] in {a, b, v}
    assert managers["+79030000005"] == b  # Анна was unavailable: Борис is the first addressee


async def test_routing_uses_the_contacts_tags_and_manager(company: Company, clients: Clients) -> None:
    """lookup_contact from the CRM: a tag filter and "manager first" follow the saved contact,
    and a change (tag removed) reaches routing at once."""
    admin = await clients.of("admin")
    tag = (await admin.post("/api/tags", json={"kind": "contact", "name": "VIP"})).json()
    r = await admin.post(
        "/api/contacts",
        json={
            "number": "+79035550000",
            "name": "Важный",
            "tag_ids": [tag["id"]],
            "manager_id": str(company.people["203"]),
        },
    )
    assert r.status_code == 201, r.text
    vip = {
        "name": "VIP", "condition": {"type": "tags", "tags": ["VIP"]},
        "working": {"handling": forward(emp(company.people["201"]), personal_manager_first=True)},
    }  # fmt: skip
    await company.set_scenario({"filters": [vip], "default": {"handling": forward(emp(company.people["202"]))}})
    sim = await company.call("203 answers", caller="+79035550000")
    assert sim.path[0] == "filter:VIP:working" and "manager" in " ".join(t.decision for t in sim.trace)
    r = await admin.patch(f"/api/contacts/{r.json()['id']}", json={"tag_ids": []})
    assert r.status_code == 200
    for _ in range(50):  # the NOTIFY arrives within milliseconds
        if (await company.call("202 answers", caller="+79035550000")).path[0] == "default":
            break
        import asyncio

        await asyncio.sleep(0.05)
    assert (await company.call("202 answers", caller="+79035550000")).path[0] == "default"


async def test_failed_outbound_task_and_auto_deal(company: Company) -> None:
    await settings(company, tasks_for_failed_outbound=True, auto_deals=True)
    await store(company.kernel, outbound(company, "202", "+79037770000", answered=False))
    await store(company.kernel, outbound(company, "202", "+79037770000", answered=True))
    (task,) = await fetch(company, "SELECT * FROM crm_tasks WHERE tenant_id = $1")
    assert task["kind"] == "failed_outbound" and task["assignee_id"] == company.people["202"]
    (deal,) = await fetch(company, "SELECT * FROM crm_deals WHERE tenant_id = $1")
    assert deal["responsible_id"] == company.people["202"]
    items = await fetch(
        company, "SELECT item_kind FROM crm_attachments WHERE tenant_id = $1 AND owner_id = $2", deal["id"]
    )
    assert sorted(r["item_kind"] for r in items) == ["call", "call", "task"]
    calls = await fetch(company, "SELECT made_by, direction, peer FROM crm_calls WHERE tenant_id = $1")
    assert {(r["made_by"], r["direction"], r["peer"]) for r in calls} == {
        (company.people["202"], "outbound", "+79037770000")
    }


async def test_hook_crm_event(company: Company, clients: Clients, vats_register_plugin: Any) -> None:
    """Integrations get calls, contacts and tasks, with the employees' external CRM ids."""
    events: list[tuple[str, dict[str, Any]]] = []

    class Integration:
        @hookimpl
        def crm_event(self, kind: str, payload: dict[str, Any]) -> None:
            events.append((kind, payload))

    vats_register_plugin(Integration(), name="integration-test")
    admin = await clients.of("admin")
    r = await admin.put(f"/api/crm/users/{company.people['201']}", json={"external_id": "amo-77"})
    assert r.status_code == 200
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    await record_call(company, "201 answers")
    await record_call(company, caller="+79039990000")
    kinds = [k for k, _ in events]
    assert kinds.count("contact") == 2 and kinds.count("call") == 2 and kinds.count("task") == 1
    answered = next(p for k, p in events if k == "call" and p["answered_by"])
    assert answered["answered_by_external_id"] == "amo-77" and answered["number"] == NUMBER
    task = next(p for k, p in events if k == "task")
    assert task["event"] == "task_created" and task["assignee_external_id"] == "amo-77"


async def test_hook_task_assigned(company: Company, clients: Clients, vats_register_plugin: Any) -> None:
    seen: list[TaskNotice] = []

    class Bot:
        @hookimpl
        def task_assigned(self, task: TaskNotice) -> None:
            seen.append(task)

    vats_register_plugin(Bot(), name="bot-test")
    admin = await clients.of("admin")
    task = (await admin.post("/api/tasks", json={"title": "Позвонить", "number": "+79031234567"})).json()
    r = await admin.patch(f"/api/tasks/{task['id']}", json={"status": "in_progress"})
    assert r.status_code == 200 and not seen  # not reassigned
    r = await admin.patch(
        f"/api/tasks/{task['id']}", json={"assignee_kind": "group", "assignee_id": str(company.sales_id)}
    )
    assert r.status_code == 200 and r.json()["assignee_id"] == str(company.sales_id)
    assert [(str(t.id), t.assignee_kind, t.number) for t in seen] == [(task["id"], "group", "+79031234567")]
    r = await admin.patch(
        f"/api/tasks/{task['id']}", json={"assignee_kind": "group", "assignee_id": str(company.admin_id)}
    )
    assert r.status_code == 404 and r.json()["field"] == "assignee_id"  # an employee's id is not a group


async def test_routing_cache_rereads_only_the_changed_number(company: Company, clients: Clients) -> None:
    """A contact's new manager reaches routing at once, without reloading the tenant's other
    routing contacts (under load a whole reload per call cost the router hundreds of ms)."""
    import asyncio

    from vats.plugins.crm import contacts_for_routing

    admin = await clients.of("admin")
    first = await admin.post("/api/contacts", json={"number": "+79035550001", "manager_id": str(company.people["201"])})
    await admin.post("/api/contacts", json={"number": "+79035550002", "manager_id": str(company.people["202"])})
    for _ in range(100):  # the listener connects in the background
        found = await contacts_for_routing.find(company.tenant_id, "+79035550002")
        if company.tenant_id in contacts_for_routing._cache:
            break
        await asyncio.sleep(0.02)
    assert found is not None and found.personal_manager_id == company.people["202"]
    loaded = contacts_for_routing._cache[company.tenant_id]
    await admin.patch(f"/api/contacts/{first.json()['id']}", json={"manager_id": str(company.people["203"])})
    for _ in range(100):
        found = await contacts_for_routing.find(company.tenant_id, "+79035550001")
        if found is not None and found.personal_manager_id == company.people["203"]:
            break
        await asyncio.sleep(0.02)
    assert found is not None and found.personal_manager_id == company.people["203"]
    assert contacts_for_routing._cache[company.tenant_id] is loaded  # no reload of the whole tenant
    assert loaded["+79035550001"].personal_manager_id == company.people["203"]
    assert loaded["+79035550002"].personal_manager_id == company.people["202"]


async def test_missed_calls_from_one_number_at_once_make_one_task(company: Company) -> None:
    """Calls that end at the same moment each look for the open task before adding theirs (each
    in its own transaction, as the call records of several routers are stored): they must end
    in one task counting every call, not one task each."""
    import asyncio

    from vats.plugins.crm.tasks import open_task

    assert company.kernel.db is not None
    db = company.kernel.db

    async def missed() -> bool:
        async with db.tenant(company.tenant_id) as conn:
            _, created = await open_task(
                conn, company.kernel, company.tenant_id, kind="missed", assignee_kind="group",
                assignee_id=company.sales_id, number="+79035550101",
            )  # fmt: skip
            return created

    created = await asyncio.gather(*(missed() for _ in range(6)))
    assert sorted(created) == [False] * 5 + [True]
    tasks = await fetch(company, "SELECT * FROM crm_tasks WHERE tenant_id = $1")
    assert [(t["kind"], t["repeats"]) for t in tasks] == [("missed", 6)]
