"""/api/crm: the CRM's settings (duplicate check) and the CRM mapping (each employee's user id
in the company's external CRM)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from msgspec import UNSET
from vats.core.errors import NotFoundError
from vats.plugins.crm.api.common import ADMIN, scope
from vats.plugins.crm.models import CrmSettings, CrmSettingsUpdate, UserMapping, UserMappingIn


class CrmSettingsController(Controller):
    path = "/api/crm"
    tags = ["crm: settings"]
    opt = {"roles": ADMIN}

    @get("/settings", operation_id="getCrmSettings", summary="The CRM's settings")
    async def show(self, request: Request[Any, Any, Any]) -> CrmSettings:
        async with scope(request) as s:
            value = await s.conn.fetchval("SELECT duplicate_check FROM crm_settings WHERE tenant_id = $1", s.tenant.id)
        return CrmSettings(duplicate_check=True if value is None else value)

    @patch("/settings", operation_id="updateCrmSettings", summary="Change the CRM's settings")
    async def update(self, request: Request[Any, Any, Any], data: JSONBody[CrmSettingsUpdate]) -> CrmSettings:
        async with scope(request) as s:
            if data.duplicate_check is not UNSET:
                await s.conn.execute(
                    "INSERT INTO crm_settings (tenant_id, duplicate_check) VALUES ($1, $2)"
                    " ON CONFLICT (tenant_id) DO UPDATE SET duplicate_check = EXCLUDED.duplicate_check",
                    s.tenant.id, data.duplicate_check,
                )  # fmt: skip
            value = await s.conn.fetchval("SELECT duplicate_check FROM crm_settings WHERE tenant_id = $1", s.tenant.id)
        return CrmSettings(duplicate_check=True if value is None else value)

    @get("/users", operation_id="listCrmUsers", summary="Employees mapped to external CRM users")
    async def users(self, request: Request[Any, Any, Any]) -> list[UserMapping]:
        async with scope(request) as s:
            rows = await s.conn.fetch(
                "SELECT employee_id, external_id FROM crm_user_map WHERE tenant_id = $1 ORDER BY external_id",
                s.tenant.id,
            )
        return [UserMapping(employee_id=r["employee_id"], external_id=r["external_id"]) for r in rows]

    @put("/users/{employee_id:uuid}", operation_id="mapCrmUser", summary="Set an employee's external CRM user id")
    async def map_user(
        self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID], data: JSONBody[UserMappingIn]
    ) -> UserMapping:
        async with scope(request) as s:
            if not await s.conn.fetchval(
                "SELECT true FROM employees WHERE tenant_id = $1 AND id = $2", s.tenant.id, employee_id
            ):
                raise NotFoundError("no such employee", field="employee_id")
            await s.conn.execute(
                "INSERT INTO crm_user_map (tenant_id, employee_id, external_id) VALUES ($1, $2, $3)"
                " ON CONFLICT (tenant_id, employee_id) DO UPDATE SET external_id = EXCLUDED.external_id",
                s.tenant.id, employee_id, data.external_id.strip(),
            )  # fmt: skip
        return UserMapping(employee_id=employee_id, external_id=data.external_id.strip())

    @delete("/users/{employee_id:uuid}", operation_id="unmapCrmUser", summary="Forget an employee's external id",
            status_code=HTTP_204_NO_CONTENT)  # fmt: skip
    async def unmap_user(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> None:
        async with scope(request) as s:
            done = await s.conn.execute(
                "DELETE FROM crm_user_map WHERE tenant_id = $1 AND employee_id = $2", s.tenant.id, employee_id
            )
        if done == "DELETE 0":
            raise NotFoundError("the employee has no external CRM id", field="employee_id")
