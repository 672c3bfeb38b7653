"""«Пересоздать» of a PBX that has no wizard draft to go back to (imported by ``vats migrate``):
refused before anything is wiped, its employees, groups and scenarios intact. (With a draft it
wipes and reopens it: tests/web/cabinet/test_migration_banner_pages.py.)"""

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
