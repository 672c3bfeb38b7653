"""Concurrent requests against the real app and database: the directory's read-check-write
rules hold when requests that contradict or repeat each other arrive at the same moment."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.db.database import Connection
from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel


async def _admins(kernel: Kernel, tenant_id: uuid.UUID) -> int:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM employees WHERE tenant_id = $1 AND role = 'admin'", tenant_id
        )
        return count


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    for round_ in range(4):  # a lost race would show in one round or another
        pbx = await vats_kernel.directory.create_tenant(name=f"АТС {round_}", admin_email=f"a@r{round_}.example")
        tid = pbx.tenant_id
        second, _ = await vats_kernel.directory.create_employee(
            tid, EmployeeCreate(full_name="Второй", email=f"b@r{round_}.example", role="admin")
        )
        a = await vats_api.as_employee(tid, pbx.admin_id)
        b = await vats_api.as_employee(tid, second.id)
        answers = await asyncio.gather(
            a.patch(f"/api/employees/{second.id}", json={"role": "user"}),
            b.patch(f"/api/employees/{pbx.admin_id}", json={"role": "user"}),
        )
        codes = sorted(r.status_code for r in answers)
        assert codes[0] == 200 and codes[1] in (403, 422), [(r.status_code, r.text) for r in answers]
        assert await _admins(vats_kernel, tid) == 1


async def test_the_operator_promotes_an_employee_to_admin_and_it_is_audited(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Анна", email="anna@test.example"))
    operator = vats_api.operator()
    r = await operator.post(f"/api/operator/tenants/{tid}/admins", json={"email": "ANNA@test.example "})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == str(anna.id) and r.json()["role"] == "admin"
    assert await _admins(vats_kernel, tid) == 2
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    audit = (await admin.get("/api/audit")).json()
    assert {"subject": "employee", "subject_id": str(anna.id), "change": "promoted_by_operator"} in [
        {k: e[k] for k in ("subject", "subject_id", "change")} for e in audit
    ]
    missing = await operator.post(f"/api/operator/tenants/{tid}/admins", json={"email": "nobody@test.example"})
    assert missing.status_code == 404 and missing.json()["field"] == "email"
    # Another PBX's employee cannot be promoted through this one.
    other = await vats_kernel.directory.create_tenant(name="Чужая", admin_email="x@other.example")
    foreign = await operator.post(f"/api/operator/tenants/{other.tenant_id}/admins", json={"email": "anna@test.example"})
    assert foreign.status_code == 404
    anonymous = await vats_api.client().post(f"/api/operator/tenants/{tid}/admins", json={"email": "anna@test.example"})
    assert anonymous.status_code == 401


async def test_identical_concurrent_member_replacements_both_succeed(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    ids = []
    for i in range(4):
        employee, _ = await vats_kernel.directory.create_employee(
            tid, EmployeeCreate(full_name=f"Сотрудник {i}", email=f"e{i}@test.example")
        )
        ids.append(str(employee.id))
    group = await vats_kernel.directory.create_group(tid, GroupCreate(name="Продажи", member_ids=[uuid.UUID(ids[0])]))
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    for order in (ids, list(reversed(ids)), ids[1:3]):
        answers = await asyncio.gather(
            *(admin.put(f"/api/groups/{group.id}/members", json={"member_ids": order}) for _ in range(8))
        )
        assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers if r.status_code != 200]
        assert all(r.json()["member_ids"] == order for r in answers)
        assert (await admin.get(f"/api/groups/{group.id}")).json()["member_ids"] == order


class _Deletions:
    """Counts the deletion events plugins receive."""

    def __init__(self) -> None:
        self.deleted: list[uuid.UUID] = []

    @hookimpl
    def employee_changed(self, employee_id: uuid.UUID, change: str, conn: Connection) -> None:
        if change == "deleted":
            self.deleted.append(employee_id)


async def test_fifty_concurrent_deletions_delete_audit_and_announce_once(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    tid = vats_tenant.tenant_id
    events = _Deletions()
    vats_register_plugin(events)
    doomed, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Уходящий", email="gone@test.example")
    )
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    answers = await asyncio.gather(*(admin.delete(f"/api/employees/{doomed.id}") for _ in range(50)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [404] * 49, codes
    assert all(r.json()["field"] == "employee_id" for r in answers if r.status_code == 404)
    assert events.deleted == [doomed.id]
    audit = (await admin.get("/api/audit", params={"limit": 500})).json()
    assert [e["change"] for e in audit if e["subject_id"] == str(doomed.id)] == ["deleted", "created"]


def _new_employee(kernel: Kernel, tenant_id: uuid.UUID) -> Callable[[int], Awaitable[uuid.UUID]]:
    async def create(round_: int) -> uuid.UUID:
        anna, _ = await kernel.directory.create_employee(
            tenant_id, EmployeeCreate(full_name=f"Анна {round_}", email=f"anna{round_}@test.example")
        )
        return anna.id

    return create


def _menu_routing_to(kind: str) -> Callable[[int, uuid.UUID], dict[str, Any]]:
    def menu(round_: int, target_id: uuid.UUID) -> dict[str, Any]:
        item = {"key": "1", "do": {"action": "route", "target": {"kind": kind, "id": str(target_id)}}}
        return {
            "name": f"Меню {round_}",
            "body": {"instruction": ["standard:greeting"], "items": [{"key": "0", "do": {"action": "repeat"}}, item]},
        }

    return menu


async def _race_a_write_against_deleting_what_it_names(
    admin: httpx.AsyncClient,
    kind: str,
    create: Callable[[int], Awaitable[uuid.UUID]],
    path: str,
    body: Callable[[int, uuid.UUID], dict[str, Any]],
) -> None:
    """Six rounds: a new employee or group (``kind``) is deleted while ``body`` naming it is
    posted to ``path``; the write is refused (404) or the deletion is (409), never both accepted."""
    for round_ in range(6):
        target_id = await create(round_)
        saved, deleted = await asyncio.gather(
            admin.post(path, json=body(round_, target_id)), admin.delete(f"/api/{kind}s/{target_id}")
        )
        assert (saved.status_code, deleted.status_code) in ((201, 409), (404, 200)), (saved.text, deleted.text)


async def test_a_menu_saved_while_its_employee_is_deleted_never_names_a_deleted_employee(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """Saving checks what the menu names, then writes; deleting looks for references, then
    deletes. Run at once, one must see the other: the menu is refused (404) or the deletion
    is (409, listing the menu), never both accepted."""
    tid = vats_tenant.tenant_id
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    await _race_a_write_against_deleting_what_it_names(
        admin, "employee", _new_employee(vats_kernel, tid), "/api/ivr-menus", _menu_routing_to("employee")
    )


async def test_two_trunks_of_one_name_created_at_once_one_is_refused_with_409(vats_api: ApiClients) -> None:
    operator = vats_api.operator()
    trunk = {"name": "provider", "host": "sip.provider.example"}
    answers = await asyncio.gather(*(operator.post("/api/operator/trunks", json=trunk) for _ in range(4)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409, 409, 409], [r.text for r in answers]
    assert all(r.json()["field"] == "name" for r in answers if r.status_code == 409)


async def test_a_menu_saved_while_its_group_is_deleted_never_names_a_deleted_group(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)

    async def create(round_: int) -> uuid.UUID:
        return (await vats_kernel.directory.create_group(tid, GroupCreate(name=f"Отдел {round_}"))).id

    await _race_a_write_against_deleting_what_it_names(
        admin, "group", create, "/api/ivr-menus", _menu_routing_to("group")
    )


async def test_a_scenario_saved_while_its_employee_is_deleted_never_names_a_deleted_employee(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """As with menus: a scenario write checks the employees it names in the transaction that
    writes it, under the tenant's lock a deletion holds too."""
    tid = vats_tenant.tenant_id
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)

    def scenario(round_: int, employee_id: uuid.UUID) -> dict[str, Any]:
        handling = {"type": "forward", "targets": [{"kind": "employee", "id": str(employee_id)}]}
        return {"name": f"Сценарий {round_}", "body": {"default": {"handling": handling}}}

    await _race_a_write_against_deleting_what_it_names(
        admin, "employee", _new_employee(vats_kernel, tid), "/api/scenarios", scenario
    )
