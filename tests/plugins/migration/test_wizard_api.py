"""The migration wizard's data through the real API (operator token, real database): a draft from
an old cabinet's export, the employee list proposed from the forwarding addressees, saved at
any step even incomplete, the problems that stop «Создать ЛК ВАТС», and the creation."""

from __future__ import annotations

import re
from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core.kernel import Kernel

EXPORT: dict[str, Any] = {
    "format": "vats-old-cabinet-export",
    "version": 1,
    "customers": [
        {
            "id": "W-1", "name": "Ромашка", "admin_email": "boss@romashka.example",
            "lines": [{"login": "w1-anna", "password": "Anna-Line-1", "name": "Анна"},
                      {"login": "w1-desk", "password": "Desk-Line-2"}],
            "numbers": [{"number": "+74951234001", "forwarding": [{"to": "w1-anna"}, {"to": "+79161234001"}]},
                        {"number": "+74951234002", "forwarding": [{"to": "w1-anna"}]}],
            "short_numbers": [{"extension": "301", "to": "w1-anna"}],
        }
    ],
}  # fmt: skip


async def test_the_wizard_proposes_saves_incomplete_steps_checks_and_creates(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    operator = vats_api.operator()
    added = await operator.post("/api/operator/migrations", json=EXPORT)
    assert added.status_code == 201, added.text
    [draft] = added.json()
    assert draft["key"] == "json:W-1" and draft["status"] == "draft"
    url = f"/api/operator/migrations/{draft['id']}"
    shown = (await operator.get(url)).json()
    # Proposed from the addressees: each line used or unused, each outside number.
    assert not shown["saved"]
    assert [(e["full_name"], [b["login"] for b in e["lines"]], e["external_numbers"]) for e in shown["employees"]] == [
        ("Анна", ["w1-anna"], []),
        ("Сотрудник +79161234001", [], ["+79161234001"]),
        ("Сотрудник w1-desk", ["w1-desk"], []),
    ]
    assert shown["lines"] == ["w1-anna", "w1-desk"] and shown["addressees"] == ["+79161234001"]
    assert shown["numbers"] == ["+74951234001", "+74951234002"]
    assert shown["problems"] == []  # placeholders stand in for the missing e-mails
    # Saved at any step, even incomplete: a row without a name, a line bound twice.
    rows = [
        {"full_name": "Анна Петрова", "email": "anna@romashka.example", "role": "admin",
         "lines": [{"login": "w1-anna", "kind": "mobile_app"}], "caller_id": "+74951234002"},
        {"full_name": "", "lines": [{"login": "w1-anna"}], "external_numbers": ["+79161234001"]},
    ]  # fmt: skip
    saved = await operator.put(f"{url}/employees", json={"employees": rows})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["saved"] and body["employees"][1]["full_name"] == ""
    places = {p["place"]: p["message"] for p in body["problems"]}
    assert places.keys() == {"employees[1].full_name", "employees[1].lines[0]", "lines"}, places
    assert "w1-desk" in places["lines"]  # the unbound line is named
    again = (await operator.get(url)).json()
    assert again["employees"] == body["employees"]  # what was saved comes back as saved
    refused = await operator.post(f"{url}/create")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "employees[1].full_name" and "2 more problems" in refused.json()["detail"]
    # Fixed: the PBX is created with the saved choices.
    rows[1] = {"full_name": "Склад", "lines": [{"login": "w1-desk"}], "external_numbers": ["+79161234001"]}
    assert (await operator.put(f"{url}/employees", json={"employees": rows})).json()["problems"] == []
    created = await operator.post(f"{url}/create")
    assert created.status_code == 201, created.text
    tenant_id = created.json()["tenant_id"]
    assert created.json() == {"tenant_id": tenant_id, "employees": 3, "lines": 2, "numbers": 2, "invitations_sent": 2}
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        anna = await conn.fetchrow(
            "SELECT e.role, e.extension, t.kind, t.sip_password, n.e164 FROM employees e"
            " JOIN terminals t ON t.employee_id = e.id"
            " JOIN numbers n ON n.id = (vats_employee_json(e)->>'caller_id_number_id')::uuid"
            " WHERE e.tenant_id = $1 AND e.email = 'anna@romashka.example'",
            tenant_id,
        )
        letters = {
            r["to"]: r["text"] for r in await conn.fetch(
                "SELECT payload->>'to' AS to, payload->>'text' AS text FROM outbox"
                " WHERE tenant_id = $1 AND kind = 'migration_invitation'",
                tenant_id,
            )
        }  # fmt: skip
    # The admin and Anna are invited (the row without an e-mail is not), each with the new
    # cabinet's link and a temporary password that signs in.
    assert sorted(letters) == ["anna@romashka.example", "boss@romashka.example"]
    password = re.search(r"Временный пароль: (\S+)", letters["anna@romashka.example"])
    assert password is not None
    signed = await vats_api.client().post(
        "/api/auth/login", json={"email": "anna@romashka.example", "password": password.group(1)}
    )
    assert signed.status_code == 200, signed.text
    assert dict(anna) == {"role": "admin", "extension": "301", "kind": "mobile_app", "sip_password": "Anna-Line-1",
                          "e164": "+74951234002"}  # fmt: skip
    assert (await operator.post(f"{url}/create")).status_code == 409
    assert (await operator.put(f"{url}/employees", json={"employees": rows})).status_code == 409
    assert (await operator.get(url)).json()["status"] == "created"


async def test_wizard_input_errors_name_the_field_and_strangers_are_refused(vats_api: ApiClients) -> None:
    operator = vats_api.operator()
    wrong = {**EXPORT, "version": 2}
    r = await operator.post("/api/operator/migrations", json=wrong)
    assert r.status_code in (400, 422) and "version" in r.text, r.text
    draft = (await operator.post("/api/operator/migrations", json=EXPORT)).json()[0]
    bad = await operator.put(
        f"/api/operator/migrations/{draft['id']}/employees", json={"employees": [{"full_name": "X", "colour": "red"}]}
    )
    assert bad.status_code in (400, 422) and "colour" in bad.text, bad.text
    missing = await operator.get("/api/operator/migrations/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["field"] == "draft_id"
    assert (await vats_api.client().get("/api/operator/migrations")).status_code == 401
