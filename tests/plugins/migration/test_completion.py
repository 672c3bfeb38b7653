"""A migrated PBX's life until «Завершить миграцию», through the real API and database: its
numbers follow the old cabinet's rules (schedule, forwarding list with each addressee's time,
VIP list first) while the admin edits the new scenarios; completion is refused without money,
without the e-mails confirmed; two requests start one job; the job switches every number at
once, retires the old rules and tells the admins once; then calls follow the new scenarios."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from vats.bots.web.testing import ApiClients
from vats.core.kernel import Kernel
from vats.plugins.migration import agreement
from vats.plugins.migration.completion import complete_requested

NUMBER = "+74951239001"
VIP_CALLER = "+74957770001"
WEEKDAY_NOON = "2026-11-25T12:00:00+03:00"  # a Wednesday, inside the old schedule
NIGHT = "2026-11-25T23:00:00+03:00"

EXPORT: dict[str, Any] = {
    "format": "vats-old-cabinet-export",
    "version": 1,
    "customers": [
        {
            "id": "MB-1", "name": "Ландыш", "admin_email": "boss@landysh.example",
            "lines": [{"login": "mb-anna", "password": "Anna-Line-1", "name": "Анна"},
                      {"login": "mb-boris", "password": "Boris-Line-2", "name": "Борис"},
                      {"login": "mb-vip", "password": "Vip-Line-3", "name": "VIP-стол"}],
            "numbers": [{"number": NUMBER, "name": "Офис",
                         "schedule": [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}],
                         "forwarding": [{"to": "mb-anna", "ring_s": 15}, {"to": "mb-boris", "ring_s": 25}],
                         "off_hours": [{"to": "+79161239001", "ring_s": 30}],
                         "vip_lists": [{"name": "VIP", "callers": [VIP_CALLER], "forwarding": [{"to": "mb-vip"}]}]}],
            "short_numbers": [{"extension": "301", "to": "mb-anna"}, {"extension": "302", "to": "mb-boris"},
                              {"extension": "303", "to": "mb-vip"}],
            "contacts": [{"name": "Пётр Иванов", "numbers": ["+7 495 777-00-01"], "vip_lists": ["VIP"]}],
            "tariff": {"name": "Офис-2019", "monthly_fee_kop": 99000},
        }
    ],
}  # fmt: skip


async def created_pbx(vats_api: ApiClients, vats_kernel: Kernel) -> tuple[uuid.UUID, httpx.AsyncClient]:
    """The customer created through the operator's wizard API; its first admin signed in."""
    operator = vats_api.operator()
    [draft] = (await operator.post("/api/operator/migrations", json=EXPORT)).json()
    created = await operator.post(f"/api/operator/migrations/{draft['id']}/create")
    assert created.status_code == 201, created.text
    tenant_id = uuid.UUID(created.json()["tenant_id"])
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:
        admin_id = await conn.fetchval("SELECT admin_id FROM migration_states WHERE tenant_id = $1", tenant_id)
    return tenant_id, await vats_api.as_employee(tenant_id, admin_id)


async def call(admin: httpx.AsyncClient, caller: str, at: str, script: str) -> dict[str, Any]:
    """A call to the number through whatever scenario the number is bound to now."""
    [number] = (await admin.get("/api/numbers")).json()["items"]
    simulated = await admin.post(
        f"/api/scenarios/{number['scenario_id']}/simulate",
        json={"caller": caller, "at": at, "script": script, "number": NUMBER},
    )
    assert simulated.status_code == 200, simulated.text
    body: dict[str, Any] = simulated.json()
    return body


def rung(simulation: dict[str, Any]) -> list[tuple[list[str], int]]:
    return [
        ([leg["address"] for leg in s["primitive"]["legs"]], s["primitive"]["ring_s"])
        for s in simulation["steps"]
        if s["primitive"]["op"] == "dial"
    ]


async def top_up(vats_api: ApiClients, tenant_id: uuid.UUID) -> None:
    credited = await vats_api.operator().post(
        f"/api/operator/billing/tenants/{tenant_id}/adjustments",
        json={"direction": "credit", "amount_kop": 100000, "reason": "оплата", "idempotency_key": f"mb-{tenant_id}"},
    )
    assert credited.status_code == 200, credited.text


async def accept_agreement(vats_kernel: Kernel, tenant_id: uuid.UUID) -> None:
    """The operator publishes the migration agreement; the PBX's first admin accepts it."""
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        published = await agreement.publish(
            conn, agreement.AgreementIn(title="Оферта", body="Текст оферты"), "operator"
        )
    async with vats_kernel.db.tenant(tenant_id) as conn:
        admin_id = await conn.fetchval("SELECT admin_id FROM migration_states WHERE tenant_id = $1", tenant_id)
        await agreement.accept(conn, tenant_id, admin_id, published.version)


async def test_calls_follow_the_old_rules_until_completion_then_the_new_scenario(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    tenant_id, admin = await created_pbx(vats_api, vats_kernel)
    state = (await admin.get("/api/migration")).json()
    assert state["status"] == "pending" and state["tariff"] == "Офис-2019"
    assert [(n["e164"], n["follows"]) for n in state["numbers"]] == [(NUMBER, "old_rules")]
    # The last list the admin checks: who signs in with what (no e-mail yet: null).
    emails = {e["full_name"]: e["email"] for e in state["employees"]}
    assert emails["Администратор"] == "boss@landysh.example" and emails["Анна"] is None

    # Old rules: in working time the list in order, each for its own time; the VIP caller's
    # list first; off hours the off-hours list.
    working = await call(admin, "+74990000001", WEEKDAY_NOON, "302 answers")
    assert rung(working) == [(["sip/mb-anna"], 15), (["sip/mb-boris"], 25)]
    assert working["answered_by"] == "sip/mb-boris"
    assert (await call(admin, VIP_CALLER, WEEKDAY_NOON, "303 answers"))["answered_by"] == "sip/mb-vip"
    assert rung(await call(admin, "+74990000001", NIGHT, "")) == [(["tel/+79161239001"], 30)]

    # The admin edits the new scenario (unbound): only Борис, for 20 s.
    new_id = state["numbers"][0]["new_scenario_id"]
    new = (await admin.get(f"/api/scenarios/{new_id}")).json()
    boris = next(e for e in (await admin.get("/api/employees")).json()["items"] if e["full_name"] == "Борис")
    new["body"]["default"]["handling"]["targets"] = [{"kind": "employee", "id": boris["id"]}]
    edited = await admin.put(f"/api/scenarios/{new_id}", json={"name": new["name"], "body": new["body"]})
    assert edited.status_code == 200, edited.text
    # ...and calls still follow the old rules: Анна is rung first.
    assert (await call(admin, "+74990000001", WEEKDAY_NOON, "301 answers"))["answered_by"] == "sip/mb-anna"
    # The old rules are the migration's: read-only.
    [number] = (await admin.get("/api/numbers")).json()["items"]
    old_id = number["scenario_id"]
    old = (await admin.get(f"/api/scenarios/{old_id}")).json()
    refused = await admin.put(f"/api/scenarios/{old_id}", json={"name": "Мои правила", "body": old["body"]})
    assert refused.status_code == 422 and "migration_old_rules_read_only" in refused.text, refused.text

    # Completion: the e-mails must be confirmed, the balance positive.
    unconfirmed = await admin.post("/api/migration/complete", json={})
    assert unconfirmed.status_code == 422 and unconfirmed.json()["field"] == "emails_confirmed", unconfirmed.text
    poor = await admin.post("/api/migration/complete", json={"emails_confirmed": True})
    assert poor.status_code == 409 and poor.json()["field"] == "balance", poor.text
    await top_up(vats_api, tenant_id)
    unaccepted = await admin.post("/api/migration/complete", json={"emails_confirmed": True})
    assert unaccepted.status_code == 409 and unaccepted.json()["field"] == "agreement", unaccepted.text
    await accept_agreement(vats_kernel, tenant_id)
    # Two requests at once: one job.
    first, second = await asyncio.gather(
        admin.post("/api/migration/complete", json={"emails_confirmed": True}),
        admin.post("/api/migration/complete", json={"emails_confirmed": True}),
    )
    assert first.status_code == second.status_code == 202, (first.text, second.text)
    assert first.json()["status"] == second.json()["status"] == "completing"
    assert first.json()["requested_at"] == second.json()["requested_at"]
    assert (first.json()["steps_done"], first.json()["steps_total"]) == (0, 2)
    # Until the job runs, calls still follow the old rules.
    assert (await call(admin, "+74990000001", WEEKDAY_NOON, "301 answers"))["answered_by"] == "sip/mb-anna"

    # Two workers at once (two vats processes): the job runs once.
    await asyncio.gather(complete_requested(vats_kernel), complete_requested(vats_kernel))
    done = (await admin.get("/api/migration")).json()
    assert done["status"] == "completed" and done["steps_done"] == done["steps_total"] == 2
    assert [(n["e164"], n["follows"]) for n in done["numbers"]] == [(NUMBER, "new_scenario")]
    after = await call(admin, "+74990000001", WEEKDAY_NOON, "301 answers, 302 answers")
    assert after["answered_by"] == "sip/mb-boris" and after["scenario_id"] == new_id
    assert (await admin.get(f"/api/scenarios/{old_id}")).status_code == 404  # the old rules are retired
    # The admins were told once, with the summary billing reads the old tariff from.
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:
        told = await conn.fetch("SELECT payload FROM outbox WHERE tenant_id = $1 AND kind = 'notifications.migration'",
                                tenant_id)  # fmt: skip
        summary = await conn.fetchval("SELECT summary FROM migration_states WHERE tenant_id = $1", tenant_id)
    assert len(told) == 1  # one admin, one letter
    assert summary["source"] == "json" and summary["tariff"] == "Офис-2019"
    assert summary["counts"]["numbers"] == 1 and summary["counts"]["employees"] == 5
    assert any("no e-mail" in w for w in summary["warnings"])
    # Irreversible.
    again = await admin.post("/api/migration/complete", json={"emails_confirmed": True})
    assert again.status_code == 409 and again.json()["field"] == "status"


async def test_only_a_migrated_pbxs_admin_sees_its_migration(vats_api: ApiClients, vats_kernel: Kernel) -> None:
    tenant_id, _ = await created_pbx(vats_api, vats_kernel)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:
        anna = await conn.fetchval("SELECT id FROM employees WHERE tenant_id = $1 AND full_name = 'Анна'", tenant_id)
    worker = await vats_api.as_employee(tenant_id, anna)
    assert (await worker.get("/api/migration")).status_code == 403
    assert (await worker.post("/api/migration/complete", json={"emails_confirmed": True})).status_code == 403
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="x@other.example", admin_name="Икс")
    stranger = await vats_api.as_employee(other.tenant_id, other.admin_id)
    missing = await stranger.get("/api/migration")
    assert missing.status_code == 404 and missing.json()["field"] == "tenant_id"


async def test_recreate_wipes_the_new_settings_keeps_the_lines_and_the_old_rules_then_the_wizard_fills_it_again(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    tenant_id, admin = await created_pbx(vats_api, vats_kernel)
    assert vats_kernel.db is not None

    async def lines() -> dict[str, tuple[uuid.UUID, str, str]]:
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT t.sip_login, t.id, t.sip_password, e.full_name FROM terminals t"
                " JOIN employees e ON e.id = t.employee_id WHERE t.tenant_id = $1 AND t.sip_login IS NOT NULL",
                tenant_id,
            )
        return {r["sip_login"]: (r["id"], r["sip_password"], r["full_name"]) for r in rows}

    before = await lines()
    assert {login: owner for login, (_, _, owner) in before.items()} == {
        "mb-anna": "Анна", "mb-boris": "Борис", "mb-vip": "VIP-стол",
    }  # fmt: skip
    recreated = await admin.post("/api/migration/recreate")
    assert recreated.status_code == 200, recreated.text
    body = recreated.json()
    assert (body["employees_removed"], body["lines_kept"]) == (4, 3)
    assert body["scenarios_removed"] == 1  # the new scenario; the old rules stay
    # Only the first admin is left; the lines are the same rows with the same passwords, parked on them.
    assert [e["full_name"] for e in (await admin.get("/api/employees")).json()["items"]] == ["Администратор"]
    parked = await lines()
    assert {k: (i, p) for k, (i, p, _) in parked.items()} == {k: (i, p) for k, (i, p, _) in before.items()}
    assert {owner for _, _, owner in parked.values()} == {"Администратор"}
    # Calls still follow the old rules, line by line.
    assert rung(await call(admin, "+74990000001", WEEKDAY_NOON, "")) == [
        (["sip/mb-anna"], 15), (["sip/mb-boris"], 25),
    ]  # fmt: skip
    state = (await admin.get("/api/migration")).json()
    assert state["status"] == "pending" and state["numbers"][0]["new_scenario_id"] is None

    # The draft is back at the employee step; created again, it fills the same PBX.
    operator = vats_api.operator()
    draft = (await operator.get(f"/api/operator/migrations/{body['draft_id']}")).json()
    assert draft["status"] == "draft" and draft["tenant_id"] == str(tenant_id)
    rows = [
        {"full_name": "Анна", "extension": "301", "lines": [{"login": "mb-anna"}, {"login": "mb-vip", "kind": "mobile_app"}]},
        {"full_name": "Борис", "lines": [{"login": "mb-boris"}], "external_numbers": ["+79161239001"]},
    ]  # fmt: skip
    saved = await operator.put(f"/api/operator/migrations/{body['draft_id']}/employees", json={"employees": rows})
    assert saved.status_code == 200 and saved.json()["problems"] == [], saved.text
    again = await operator.post(f"/api/operator/migrations/{body['draft_id']}/create")
    assert again.status_code == 201, again.text
    assert again.json()["tenant_id"] == str(tenant_id)
    refilled = await lines()
    assert {k: (i, p) for k, (i, p, _) in refilled.items()} == {k: (i, p) for k, (i, p, _) in before.items()}
    assert {login: owner for login, (_, _, owner) in refilled.items()} == {
        "mb-anna": "Анна", "mb-vip": "Анна", "mb-boris": "Борис",
    }  # fmt: skip
    state = (await admin.get("/api/migration")).json()
    assert state["numbers"][0]["follows"] == "old_rules" and state["numbers"][0]["new_scenario_id"] is not None
    assert (await operator.post(f"/api/operator/migrations/{body['draft_id']}/create")).status_code == 409
    # The first admin, signed in, keeps their password: the letter with a temporary one went out once.
    async with vats_kernel.db.tenant(tenant_id) as conn:
        letters = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE tenant_id = $1 AND kind = 'migration_invitation'"
            " AND payload->>'to' = 'boss@landysh.example'",
            tenant_id,
        )
    assert letters == 1
    assert (await admin.get("/api/migration")).status_code == 200

    # Once the completion is requested, there is no going back.
    await top_up(vats_api, tenant_id)
    await accept_agreement(vats_kernel, tenant_id)
    assert (await admin.post("/api/migration/complete", json={"emails_confirmed": True})).status_code == 202
    refused = await admin.post("/api/migration/recreate")
    assert refused.status_code == 409 and refused.json()["field"] == "status", refused.text


async def test_hook_import_contacts(vats_api: ApiClients, vats_kernel: Kernel) -> None:
    """The old contacts and VIP callers reach the CRM as contacts tagged with their VIP lists:
    the new scenario's VIP filter finds the caller (tried before completion through the
    simulator); importing again stores nothing twice."""
    tenant_id, admin = await created_pbx(vats_api, vats_kernel)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT c.number, c.name, array_agg(t.name ORDER BY t.name) AS tags FROM crm_contacts c"
            " JOIN crm_contact_tags ct ON ct.contact_id = c.id JOIN tags t ON t.id = ct.tag_id"
            " WHERE c.tenant_id = $1 GROUP BY c.number, c.name",
            tenant_id,
        )
    assert [(r["number"], r["name"], r["tags"]) for r in rows] == [(VIP_CALLER, "Пётр Иванов", ["VIP"])]
    new_id = (await admin.get("/api/migration")).json()["numbers"][0]["new_scenario_id"]
    tried = await admin.post(
        f"/api/scenarios/{new_id}/simulate",
        json={"caller": VIP_CALLER, "at": WEEKDAY_NOON, "script": "303 answers", "number": NUMBER},
    )
    assert tried.status_code == 200, tried.text
    assert tried.json()["path"][0] == "filter:VIP:working" and tried.json()["answered_by"] == "sip/mb-vip"
    again = [{"name": "Пётр Иванов", "numbers": [VIP_CALLER], "tags": ["VIP"]}]
    async with vats_kernel.db.tenant(tenant_id) as conn:
        assert await vats_kernel.plugins.emit("import_contacts", tenant_id=tenant_id, conn=conn, contacts=again) == [1]
        counts = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM crm_contacts WHERE tenant_id = $1) AS contacts,"
            " (SELECT count(*) FROM crm_contact_tags WHERE tenant_id = $1) AS links,"
            " (SELECT count(*) FROM tags WHERE tenant_id = $1 AND kind = 'contact') AS tags",
            tenant_id,
        )
    assert dict(counts) == {"contacts": 1, "links": 1, "tags": 1}
