"""The migration agreement through the real API: the operator's versions (every save a new one,
old texts kept), a PBX admin accepting the version in force, the record of who accepted which
version when, and what another tenant or a plain employee may not see or do."""

from __future__ import annotations

from vats.bots.web.testing import ApiClients
from vats.core.directory import employees as employees_repo
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated, load_tenant
from vats.core.kernel import Kernel

URL = "/api/operator/migration-agreement"


async def test_every_save_is_a_new_version_and_the_old_texts_stay(vats_api: ApiClients) -> None:
    operator = vats_api.operator()
    first = await operator.post(f"{URL}/versions", json={"title": "Оферта", "body": "Условия 1"})
    assert first.status_code == 201, first.text
    assert (first.json()["version"], first.json()["published_by"]) == (1, "token")
    second = await operator.post(f"{URL}/versions", json={"title": "Оферта", "body": "Условия 2"})
    assert second.json()["version"] == 2
    listed = (await operator.get(f"{URL}/versions")).json()
    assert [v["version"] for v in listed] == [2, 1]
    assert (await operator.get(f"{URL}/versions/1")).json()["body"] == "Условия 1"
    assert (await operator.get(f"{URL}/versions/9")).status_code == 404
    assert (await operator.get(f"{URL}/versions/99999999999")).status_code == 404  # past the column's range
    assert (await operator.get(f"{URL}/versions/-1")).status_code in (400, 404)


async def test_a_bad_version_is_refused_naming_the_field(vats_api: ApiClients) -> None:
    operator = vats_api.operator()
    for body, field in [
        ({"title": " ", "body": "Условия"}, "title"),
        ({"title": "Оферта", "body": ""}, "body"),
        ({"title": "Оферта"}, "body"),
        ({"title": "О" * 201, "body": "Условия"}, "title"),
        ({"title": "Оферта", "body": "Условия", "draft": True}, "draft"),
    ]:
        refused = await operator.post(f"{URL}/versions", json=body)
        assert 400 <= refused.status_code < 500 and refused.json()["field"] == field, (body, refused.text)
    assert (await operator.get(f"{URL}/versions")).json() == []
    assert (await vats_api.client().post(f"{URL}/versions", json={"title": "x", "body": "y"})).status_code == 401


async def test_an_admin_accepts_the_version_in_force_and_the_operator_sees_who_and_when(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    operator = vats_api.operator()
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    nothing = (await admin.get("/api/migration/agreement")).json()
    assert nothing["agreement"] is None and not nothing["state"]["needs_acceptance"]
    refused = await admin.post("/api/migration/agreement/accept", json={"version": 1})
    assert refused.status_code == 404 and refused.json()["field"] == "version"
    await operator.post(f"{URL}/versions", json={"title": "Оферта", "body": "Условия 1"})
    await operator.post(f"{URL}/versions", json={"title": "Оферта", "body": "Условия 2"})
    shown = (await admin.get("/api/migration/agreement")).json()
    assert shown["agreement"]["version"] == 2 and shown["agreement"]["body"] == "Условия 2"
    assert shown["state"]["needs_acceptance"] and shown["state"]["accepted_version"] is None
    stale = await admin.post("/api/migration/agreement/accept", json={"version": 1})
    assert stale.status_code == 409 and stale.json()["field"] == "version" and stale.json()["latest"] == 2
    for bad in [{"version": "два"}, {}, {"version": 2, "by": "x"}]:
        wrong = await admin.post("/api/migration/agreement/accept", json=bad)
        assert wrong.status_code == 400 and wrong.json()["field"] in {"version", "by"}, wrong.text
    accepted = await admin.post("/api/migration/agreement/accept", json={"version": 2})
    assert accepted.status_code == 201, accepted.text
    record = accepted.json()
    assert (record["version"], record["employee_id"], record["employee_email"]) == (
        2, str(vats_tenant.admin_id), "admin@test.example",
    )  # fmt: skip
    after = (await admin.get("/api/migration/agreement")).json()["state"]
    assert after["accepted_version"] == 2 and not after["needs_acceptance"]
    seen = (await operator.get(f"{URL}/acceptances", params={"tenant_id": str(vats_tenant.tenant_id)})).json()
    assert seen == [record]
    assert record["accepted_at"]


async def test_another_tenant_and_a_plain_employee_neither_see_nor_accept(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    assert vats_kernel.db is not None
    operator = vats_api.operator()
    await operator.post(f"{URL}/versions", json={"title": "Оферта", "body": "Условия"})
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="boss@other.example")
    other_admin = await vats_api.as_employee(other.tenant_id, other.admin_id)
    assert (await other_admin.post("/api/migration/agreement/accept", json={"version": 1})).status_code == 201
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    mine = (await admin.get("/api/migration/agreement")).json()["state"]
    assert mine["accepted_version"] is None and mine["acceptances"] == []
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        worker, _ = await employees_repo.create_employee(
            conn, await load_tenant(conn, vats_tenant.tenant_id),
            EmployeeCreate(full_name="Работник", email="worker@test.example", role="user"),
        )  # fmt: skip
    plain = await vats_api.as_employee(vats_tenant.tenant_id, worker.id)
    assert (await plain.get("/api/migration/agreement")).status_code == 403
    assert (await plain.post("/api/migration/agreement/accept", json={"version": 1})).status_code == 403
    assert (await admin.get(f"{URL}/versions")).status_code == 401  # a tenant's token is not the operator's
    everyone = (await operator.get(f"{URL}/acceptances")).json()
    assert [(a["tenant_id"], a["version"]) for a in everyone] == [(str(other.tenant_id), 1)]
