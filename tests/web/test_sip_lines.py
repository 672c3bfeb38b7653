"""SIP lines as seeds 000, 002 and 004 describe them, through the real API and database: more
lines than three, each of a kind chosen when it is created, moved to another kind or employee,
log-ins generated or given (unique across all PBXs, the error naming the line), and a cabinet
password an admin generates and sees once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from vats.bots.web.testing import ApiClients
from vats.core.directory.models import EmployeeCreate, SipLineCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel


async def _employee(kernel: Kernel, tenant_id: uuid.UUID, name: str, email: str) -> uuid.UUID:
    employee, _ = await kernel.directory.create_employee(tenant_id, EmployeeCreate(full_name=name, email=email))
    return employee.id


async def _terminals(client: httpx.AsyncClient, employee_id: uuid.UUID) -> list[dict[str, Any]]:
    r = await client.get(f"/api/employees/{employee_id}")
    assert r.status_code == 200, r.text
    terminals: list[dict[str, Any]] = r.json()["terminals"]
    return terminals


async def test_an_employee_gets_a_fourth_and_fifth_line_of_the_kinds_chosen(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna = await _employee(vats_kernel, tid, "Анна", "anna@t.example")
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    fourth = await admin.post(f"/api/employees/{anna}/sip-lines", json={"kind": "mobile_app"})
    assert fourth.status_code == 201, fourth.text
    generated = fourth.json()["credentials"]["sip_login"]
    assert generated.startswith("005") and len(generated) == 10 and generated.isdigit()
    fifth = await admin.post(
        f"/api/employees/{anna}/sip-lines",
        json={"kind": "softphone", "sip_login": "office-desk-7", "sip_password": "Old-Phone-42"},
    )
    assert fifth.status_code == 201, fifth.text
    assert fifth.json()["credentials"] == {
        "terminal_id": fifth.json()["terminal"]["id"], "sip_login": "office-desk-7", "sip_password": "Old-Phone-42",
    }  # fmt: skip
    lines = await _terminals(admin, anna)
    assert [(t["kind"], t["position"]) for t in lines][-2:] == [("mobile_app", 3), ("softphone", 4)]
    assert len([t for t in lines if t["sip_login"]]) == 5
    # The owner sees the new line's credentials on their own page too.
    own = await vats_api.as_employee(tid, anna)
    logins = [c["sip_login"] for c in (await own.get("/api/me/sip-credentials")).json()]
    assert "office-desk-7" in logins and generated in logins


async def test_an_employee_created_with_chosen_lines_gets_exactly_those(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    r = await admin.post(
        "/api/employees",
        json={
            "full_name": "Борис", "email": "boris@t.example",
            "sip_lines": [{"kind": "softphone", "sip_login": "2001", "sip_password": "s3cret-2001"},
                          {"kind": "softphone"}, {"kind": "mobile_app"}, {"kind": "softphone"}],
        },
    )  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert [t["kind"] for t in body["employee"]["terminals"]] == ["softphone", "softphone", "mobile_app", "softphone"]
    assert body["sip_lines"][0]["sip_login"] == "2001"
    assert body["sip_lines"][0]["sip_password"] == "s3cret-2001"


async def test_a_log_in_used_by_another_pbx_is_refused_naming_the_line_and_nothing_is_created(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    other = await vats_kernel.directory.create_tenant(name="Чужая", admin_email="x@other.example")
    await vats_kernel.directory.create_employee(
        other.tenant_id,
        EmployeeCreate(full_name="Чужой", email="c@other.example", sip_lines=[SipLineCreate(sip_login="Shared-101")]),
    )
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    refused = await admin.post(
        "/api/employees",
        json={"full_name": "Вера", "email": "vera@t.example",
              "sip_lines": [{"kind": "mobile_app"}, {"kind": "softphone", "sip_login": "shared-101"}]},
    )  # fmt: skip
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["field"] == "sip_lines[1].sip_login" and "shared-101" in problem["detail"]
    names = [e["full_name"] for e in (await admin.get("/api/employees")).json()["items"]]
    assert "Вера" not in names  # the employee and the first line went with the refusal
    # Adding a line and renaming a line to it are refused the same way.
    anna = await _employee(vats_kernel, vats_tenant.tenant_id, "Анна", "anna@t.example")
    added = await admin.post(f"/api/employees/{anna}/sip-lines", json={"sip_login": "SHARED-101"})
    assert added.status_code == 409 and added.json()["field"] == "sip_login", added.text
    line = (await _terminals(admin, anna))[0]
    renamed = await admin.patch(f"/api/employees/{anna}/terminals/{line['id']}", json={"sip_login": "Shared-101"})
    assert renamed.status_code == 409 and renamed.json()["field"] == "sip_login", renamed.text
    assert "Shared-101" in renamed.json()["detail"]


async def test_log_ins_and_passwords_that_break_the_rules_are_refused_naming_the_field(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    cases = [
        ({"sip_login": "a b"}, "sip_lines[0].sip_login"),
        ({"sip_login": "trunk-main"}, "sip_lines[0].sip_login"),
        ({"sip_login": "anonymous"}, "sip_lines[0].sip_login"),
        ({"sip_login": "ok-login", "sip_password": "has;semicolon"}, "sip_lines[0].sip_password"),
        ({"sip_login": "ok-login", "sip_password": "short"}, "sip_lines[0].sip_password"),
    ]
    for line, field in cases:
        r = await admin.post("/api/employees", json={"full_name": "Гена", "email": "g@t.example", "sip_lines": [line]})
        assert r.status_code == 422 and r.json()["field"] == field, (line, r.text)
    twice = await admin.post(
        "/api/employees",
        json={"full_name": "Гена", "email": "g@t.example", "sip_lines": [{"sip_login": "dup1"}, {"sip_login": "DUP1"}]},
    )
    assert twice.status_code == 422 and twice.json()["field"] == "sip_lines[1].sip_login", twice.text
    many = await admin.post(
        "/api/employees", json={"full_name": "Гена", "email": "g@t.example", "sip_lines": [{}] * 21}
    )
    assert many.status_code in (409, 422) and many.json()["field"] == "sip_lines", many.text


async def test_a_line_moves_to_another_kind_and_another_employee_keeping_its_credentials(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna = await _employee(vats_kernel, tid, "Анна", "anna@t.example")
    boris = await _employee(vats_kernel, tid, "Борис", "boris@t.example")
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    softphone = next(t for t in await _terminals(admin, anna) if t["kind"] == "softphone")
    creds = {c["terminal_id"]: c for c in (await admin.get(f"/api/employees/{anna}/sip-credentials")).json()}
    r = await admin.patch(f"/api/employees/{anna}/terminals/{softphone['id']}", json={"kind": "mobile_app"})
    assert r.status_code == 200 and r.json()["kind"] == "mobile_app", r.text
    moved = await admin.patch(f"/api/employees/{anna}/terminals/{softphone['id']}", json={"employee_id": str(boris)})
    assert moved.status_code == 200, moved.text
    assert moved.json()["position"] == 3  # after Boris's own three lines
    assert softphone["id"] not in [t["id"] for t in await _terminals(admin, anna)]
    boris_creds = {c["terminal_id"]: c for c in (await admin.get(f"/api/employees/{boris}/sip-credentials")).json()}
    assert boris_creds[softphone["id"]] == creds[softphone["id"]]  # the phone keeps registering
    # An employee of another PBX is not a place to move to; an external number is not a SIP line.
    other = await vats_kernel.directory.create_tenant(name="Чужая", admin_email="x@other.example")
    foreign = await admin.patch(
        f"/api/employees/{boris}/terminals/{softphone['id']}", json={"employee_id": str(other.admin_id)}
    )
    assert foreign.status_code == 404 and foreign.json()["field"] == "employee_id", foreign.text
    external = await admin.post(f"/api/employees/{boris}/external-numbers", json={"number": "+79161112233"})
    wrong = await admin.patch(f"/api/employees/{boris}/terminals/{external.json()['id']}", json={"kind": "softphone"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "kind", wrong.text
    unknown_kind = await admin.patch(f"/api/employees/{boris}/terminals/{softphone['id']}", json={"kind": "fax"})
    assert unknown_kind.status_code == 400 or unknown_kind.status_code == 422, unknown_kind.text


async def test_a_generated_log_in_skips_numbers_an_imported_line_already_took(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    assert vats_kernel.db is not None
    other = await vats_kernel.directory.create_tenant(name="Чужая", admin_email="x@other.example")
    next_value = await vats_kernel.db.fetchval(
        "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM sip_login_seq"
    )
    taken = f"005{next_value:07d}"
    await vats_kernel.directory.create_employee(
        other.tenant_id,
        EmployeeCreate(full_name="Старый", email="old@other.example", sip_lines=[SipLineCreate(sip_login=taken)]),
    )
    _, lines = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Новый", email="new@t.example")
    )
    assert len(lines) == 3 and taken not in [s.sip_login for s in lines]


async def test_the_same_log_in_given_in_two_pbxs_at_once_goes_to_exactly_one(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    for round_ in range(4):  # a lost race would show in one round or another
        pbxs = [
            await vats_kernel.directory.create_tenant(name=f"АТС {round_}-{i}", admin_email=f"a{i}@r{round_}.example")
            for i in range(3)
        ]
        clients = [await vats_api.as_employee(p.tenant_id, p.admin_id) for p in pbxs]
        login = f"race-{round_}"
        answers = await asyncio.gather(*(
            c.post(f"/api/employees/{p.admin_id}/sip-lines", json={"kind": "softphone", "sip_login": login})
            for c, p in zip(clients, pbxs, strict=True)
        ))  # fmt: skip
        codes = sorted(r.status_code for r in answers)
        assert codes == [201, 409, 409], [(r.status_code, r.text) for r in answers]
        assert all(r.json()["field"] == "sip_login" for r in answers if r.status_code == 409)
        assert vats_kernel.db is not None
        assert await vats_kernel.db.fetchval("SELECT count(*) FROM terminals WHERE lower(sip_login) = $1", login) == 1


async def test_an_admin_generates_a_cabinet_password_that_works_once_shown(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna = await _employee(vats_kernel, tid, "Анна", "anna@t.example")
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    r = await admin.post(f"/api/employees/{anna}/password")
    assert r.status_code == 200, r.text
    password = r.json()["password"]
    assert len(password) >= 16
    signed_in = await vats_api.login("anna@t.example", password)
    assert (await signed_in.get("/api/me")).status_code == 200
    # Only the hash is kept: the password cannot be read back, and a second one replaces it
    # and signs the employee out.
    assert vats_kernel.db is not None
    stored = await vats_kernel.db.fetchval("SELECT password_hash FROM employees WHERE id = $1", anna)
    assert password not in stored and stored.startswith("$argon2")
    again = await admin.post(f"/api/employees/{anna}/password")
    assert again.json()["password"] != password
    assert (await signed_in.get("/api/me")).status_code == 401
    user = await vats_api.as_employee(tid, anna)
    assert (await user.post(f"/api/employees/{vats_tenant.admin_id}/password")).status_code == 403
    missing = await admin.post(f"/api/employees/{uuid.uuid4()}/password")
    assert missing.status_code == 404 and missing.json()["field"] == "employee_id"
