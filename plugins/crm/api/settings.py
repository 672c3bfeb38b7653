"""/api/crm: the CRM's settings (duplicate check) and the CRM mapping (each employee's user id
in the company's external CRM)."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from msgspec import UNSET
from vats.bots.web.kit import ADMIN, TenantDep
from vats.core.errors import NotFoundError
from vats.plugins.crm.models import CrmSettings, CrmSettingsUpdate, UserMapping, UserMappingIn


class CrmSettingsController(Controller):
    path = "/api/crm"
    tags = ["crm: settings"]
    opt = {"roles": ADMIN}

    @get("/settings", operation_id="getCrmSettings", summary="The CRM's settings")
    async def show(self, tx: TenantDep) -> CrmSettings:
        value = await tx.conn.fetchval("SELECT duplicate_check FROM crm_settings WHERE tenant_id = $1", tx.tenant.id)
        return CrmSettings(duplicate_check=True if value is None else value)

    @patch("/settings", operation_id="updateCrmSettings", summary="Change the CRM's settings")
    async def update(self, tx: TenantDep, data: JSONBody[CrmSettingsUpdate]) -> CrmSettings:
        if data.duplicate_check is not UNSET:
            await tx.conn.execute(
                "INSERT INTO crm_settings (tenant_id, duplicate_check) VALUES ($1, $2)"
                " ON CONFLICT (tenant_id) DO UPDATE SET duplicate_check = EXCLUDED.duplicate_check",
                tx.tenant.id, data.duplicate_check,
            )  # fmt: skip
        value = await tx.conn.fetchval("SELECT duplicate_check FROM crm_settings WHERE tenant_id = $1", tx.tenant.id)
        return CrmSettings(duplicate_check=True if value is None else value)

    @get("/users", operation_id="listCrmUsers", summary="Employees mapped to external CRM users")
    async def users(self, tx: TenantDep) -> list[UserMapping]:
        rows = await tx.conn.fetch(
            "SELECT employee_id, external_id FROM crm_user_map WHERE tenant_id = $1 ORDER BY external_id",
            tx.tenant.id,
        )
        return [UserMapping(employee_id=r["employee_id"], external_id=r["external_id"]) for r in rows]

    @put("/users/{employee_id:uuid}", operation_id="mapCrmUser", summary="Set an employee's external CRM user id")
    async def map_user(
        self, tx: TenantDep, employee_id: FromPath[uuid.UUID], data: JSONBody[UserMappingIn]
    ) -> UserMapping:
        if not await tx.conn.fetchval(
            "SELECT true FROM employees WHERE tenant_id = $1 AND id = $2", tx.tenant.id, employee_id
        ):
            raise NotFoundError("no such employee", field="employee_id")
        await tx.conn.execute(
            "INSERT INTO crm_user_map (tenant_id, employee_id, external_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (tenant_id, employee_id) DO UPDATE SET external_id = EXCLUDED.external_id",
            tx.tenant.id, employee_id, data.external_id.strip(),
        )  # fmt: skip
        return UserMapping(employee_id=employee_id, external_id=data.external_id.strip())

    @delete("/users/{employee_id:uuid}", operation_id="unmapCrmUser", summary="Forget an employee's external id",
            status_code=HTTP_204_NO_CONTENT)  # fmt: skip
    async def unmap_user(self, tx: TenantDep, employee_id: FromPath[uuid.UUID]) -> None:
        done = await tx.conn.execute(
            "DELETE FROM crm_user_map WHERE tenant_id = $1 AND employee_id = $2", tx.tenant.id, employee_id
        )
        if done == "DELETE 0":
            raise NotFoundError("the employee has no external CRM id", field="employee_id")
