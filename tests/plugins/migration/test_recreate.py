"""«Пересоздать» of a PBX that has no wizard draft to go back to (imported by ``vats migrate``):
refused before anything is wiped, its employees, groups and scenarios intact. (With a draft it
wipes and reopens it: tests/web/cabinet/test_migration_banner_pages.py.) A number taken back
from the PBX after «Пересоздать» is a problem the wizard names, not a server error on creating."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.bots.web.testing import ApiClients
from vats.core.directory.models import GroupCreate
from vats.core.kernel import Kernel
from vats.core.migration_export import OldCustomer
from vats.plugins.migration.create import create_customer
from vats.plugins.migration.plan import plan_customer

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_operator_pages import portal, sign_in

__all__ = ["portal"]

CUSTOMER: dict[str, Any] = {
    "id": "RC-1", "name": "Василёк", "admin_email": "boss@vasilek.example",
    "lines": [{"login": "rc-anna", "password": "Anna-Line-1", "name": "Анна"},
              {"login": "rc-boris", "password": "Boris-Line-2", "name": "Борис"}],
    "numbers": [{"number": "+74951238001", "forwarding": [{"to": "rc-anna"}, {"to": "rc-boris"}]}],
}  # fmt: skip


async def _what_it_has(kernel: Kernel, tenant_id: uuid.UUID) -> dict[str, list[str]]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        return {
            table: sorted(r["name"] for r in await conn.fetch(f"SELECT {column} AS name FROM {table}"))
            for table, column in [("employees", "full_name"), ("groups", "name"), ("scenarios", "name"),
                                  ("schedules", "name")]
        }  # fmt: skip


async def test_recreate_of_a_pbx_imported_without_the_wizard_is_a_409_and_wipes_nothing(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    plan = plan_customer("json", msgspec.convert(CUSTOMER, OldCustomer))
    assert plan.problems == []
    tenant_id = await create_customer(vats_kernel, "json", plan)  # as `vats migrate` does: no draft
    assert tenant_id is not None
    await vats_kernel.directory.create_group(tenant_id, GroupCreate(name="Продажи", extension="300"))
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:
        admin_id = await conn.fetchval("SELECT admin_id FROM migration_states WHERE tenant_id = $1", tenant_id)
    before = await _what_it_has(vats_kernel, tenant_id)
    assert len(before["employees"]) == 3 and before["groups"] == ["Продажи"] and len(before["scenarios"]) >= 2

    admin = await vats_api.as_employee(tenant_id, admin_id)
    refused = await admin.post("/api/migration/recreate")
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "draft_id"
    assert await _what_it_has(vats_kernel, tenant_id) == before
    async with vats_kernel.db.tenant(tenant_id) as conn:
        assert await conn.fetchval("SELECT recreated FROM migration_states WHERE tenant_id = $1", tenant_id) == 0


EXPORT: dict[str, Any] = {"format": "vats-old-cabinet-export", "version": 1, "customers": [{
    "id": "RC-2", "name": "Ромашка", "admin_email": "boss@romashka-rc.example",
    "lines": [{"login": "rc2-anna", "password": "Anna-Line-1", "name": "Анна"}],
    "numbers": [{"number": "+74951238101", "forwarding": [{"to": "rc2-anna"}]},
                {"number": "+74951238102", "forwarding": [{"to": "rc2-anna"}]}]}]}  # fmt: skip


async def test_a_number_taken_back_after_recreate_is_a_problem_of_the_draft_and_creating_it_again_is_a_422(
    vats_api: ApiClients, vats_kernel: Kernel, portal: CabinetClient
) -> None:
    operator = vats_api.operator()
    [draft] = (await operator.post("/api/operator/migrations", json=EXPORT)).json()
    url = f"/api/operator/migrations/{draft['id']}"
    created = await operator.post(f"{url}/create")
    assert created.status_code == 201, created.text
    tenant_id = uuid.UUID(created.json()["tenant_id"])
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:
        admin_id = await conn.fetchval("SELECT admin_id FROM migration_states WHERE tenant_id = $1", tenant_id)
    admin = await vats_api.as_employee(tenant_id, admin_id)
    assert (await admin.post("/api/migration/recreate")).status_code == 200
    async with vats_kernel.db.system() as conn:  # the operator takes one number back from the PBX
        await conn.execute("DELETE FROM numbers WHERE tenant_id = $1 AND e164 = '+74951238102'", tenant_id)

    shown = (await operator.get(url)).json()
    assert {"place": "numbers", "message": "+74951238102 is no longer a number of this PBX"} in shown["problems"]
    refused = await operator.post(f"{url}/create")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "numbers" and "+74951238102" in refused.json()["detail"]
    async with vats_kernel.db.tenant(tenant_id) as conn:  # nothing was filled in
        assert await conn.fetchval("SELECT count(*) FROM employees") == 1
    # The operator's wizard page, back at the employee step (not the summary of the PBX created
    # before «Пересоздать»), says it in Russian.
    await sign_in(portal)
    page = await portal.http.get(f"/operator/migrations/{draft['id']}")
    assert page.status_code == 200
    assert 'id="employees-form"' in page.text and 'id="created"' not in page.text
    assert "Номер +74951238102 больше не подключён к этой ВАТС" in page.text
