"""The API's operator routes record who acted (the bearer token acts as ``token``) and share
their rules with the portal (core/operators/actions.py)."""

from __future__ import annotations

import asyncio
import uuid

from vats.bots.web.testing import ApiClients
from vats.core.directory.models import EmployeeCreate
from vats.core.errors import LimitError
from vats.core.kernel import Kernel


async def test_every_operator_route_with_the_bearer_token_is_audited_as_token(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    op = vats_api.operator()
    created = (await op.post("/api/operator/tenants", json={"name": "ООО Ромашка", "admin_email": "boss@r.example"}))
    assert created.status_code == 201, created.text
    tenant_id = created.json()["tenant_id"]
    assert (await op.post(f"/api/operator/tenants/{tenant_id}/suspend")).status_code == 200
    assert (await op.post(f"/api/operator/tenants/{tenant_id}/resume")).status_code == 200
    assert (await op.put(f"/api/operator/tenants/{tenant_id}/seats", json={"seats_max": 7})).status_code == 200
    number = await op.post(f"/api/operator/tenants/{tenant_id}/numbers", json={"number": "+74951112233"})
    assert number.status_code == 201
    assert (await op.post(f"/api/operator/tenants/{tenant_id}/admins", json={"email": "boss@r.example"})).is_success
    trunk = await op.post("/api/operator/trunks", json={"name": "main", "host": "sip.provider.example"})
    assert (await op.delete(f"/api/operator/trunks/{trunk.json()['id']}")).status_code == 204
    refused = await op.post(f"/api/operator/tenants/{tenant_id}/numbers", json={"number": "+74951112233"})
    assert refused.status_code == 409  # a refused action is not recorded

    log = (await op.get("/api/operator/audit")).json()
    assert [e["action"] for e in reversed(log)] == [
        "tenant_created", "tenant_suspended", "tenant_resumed", "seats_changed", "number_assigned",
        "admin_promoted", "trunk_created", "trunk_deleted",
    ]  # fmt: skip
    assert {e["actor"] for e in log} == {"token"}
    assert log[4]["detail"] == {"seats_max": 7, "was": 50}
    only = (await op.get("/api/operator/audit", params={"tenant_id": tenant_id})).json()
    assert len(only) == 6 and all(e["tenant_id"] == tenant_id for e in only)


async def test_seats_stay_between_the_employees_the_pbx_has_and_the_maximum(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    op = vats_api.operator()
    tenant_id = uuid.UUID(
        (await op.post("/api/operator/tenants", json={"name": "Малая", "admin_email": "a@m.example"})).json()["tenant_id"]
    )
    for n in range(3):  # with the admin: four employees
        await vats_kernel.directory.create_employee(tenant_id, EmployeeCreate(full_name=f"Сотрудник {n}",
                                                                              email=f"e{n}@m.example"))  # fmt: skip
    fewer = await op.put(f"/api/operator/tenants/{tenant_id}/seats", json={"seats_max": 3})
    assert fewer.status_code == 409 and fewer.json()["field"] == "seats_max"
    assert "already has 4 employees" in fewer.json()["detail"]
    small = await op.post("/api/operator/tenants", json={"name": "Крошка", "admin_email": "k@k.example", "seats_max": 2})
    assert small.status_code == 422 and small.json()["field"] == "seats_max"
    assert (await op.put(f"/api/operator/tenants/{tenant_id}/seats", json={"seats_max": 4})).json()["seats_max"] == 4


async def test_lowering_seats_while_employees_are_added_never_leaves_more_employees_than_seats(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    op = vats_api.operator()
    tenant_id = uuid.UUID(
        (await op.post("/api/operator/tenants", json={"name": "Гонка", "admin_email": "a@g.example"})).json()["tenant_id"]
    )

    async def add(n: int) -> None:
        try:
            await vats_kernel.directory.create_employee(tenant_id, EmployeeCreate(full_name=f"С {n}",
                                                                                  email=f"r{n}@g.example"))  # fmt: skip
        except LimitError:
            pass  # refused by the seat limit: that is allowed, more employees than seats is not

    answers = await asyncio.gather(
        *(add(n) for n in range(6)), op.put(f"/api/operator/tenants/{tenant_id}/seats", json={"seats_max": 4})
    )
    tenant = await vats_kernel.directory.get_tenant(tenant_id)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:
        employees = await conn.fetchval("SELECT count(*) FROM employees")
    assert employees <= tenant.seats_max
    assert answers[-1].status_code in (200, 409)
