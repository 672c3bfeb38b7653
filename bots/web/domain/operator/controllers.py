"""The PBX operator's API (not a tenant's): create and suspend tenants, assign numbers, give a
PBX a new admin.
Authorised by ``Authorization: Bearer <VATS_OPERATOR_TOKEN>``."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from vats.bots.web.kit import OPERATOR, OperatorDep
from vats.core.directory.models import Employee, Number, Tenant
from vats.core.directory.service import TenantCreated


class TenantIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(examples=["ООО Ромашка"], max_length=200)]
    admin_email: Annotated[str, msgspec.Meta(examples=["boss@romashka.example"], max_length=254)]
    admin_phone: Annotated[str, msgspec.Meta(examples=["+7 916 123-45-67"], max_length=40)] | None = None
    admin_name: Annotated[str, msgspec.Meta(examples=["Ирина Директорова"], max_length=200)] = "Администратор"
    time_zone: Annotated[str, msgspec.Meta(examples=["Europe/Moscow"])] = "Europe/Moscow"
    seats_max: Annotated[int, msgspec.Meta(ge=1, le=10_000, examples=[50])] = 50


class NumberIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    number: Annotated[str, msgspec.Meta(examples=["+74951234567"], max_length=40)]
    name: Annotated[str, msgspec.Meta(examples=["Основной"], max_length=200)] = ""


class AdminIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(examples=["anna@romashka.example"], max_length=254)]


class OperatorController(Controller):
    path = "/api/operator"
    tags = ["operator"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @post("/tenants", operation_id="operatorCreateTenant", summary="Create a tenant with its first admin")
    async def create_tenant(self, operator: OperatorDep, data: JSONBody[TenantIn]) -> TenantCreated:
        """Answers the admin's one-time password: hand it over, it is not stored readable."""
        return await operator.kernel.directory.create_tenant(
            name=data.name, admin_email=data.admin_email, admin_phone=data.admin_phone,
            admin_name=data.admin_name, time_zone=data.time_zone, seats_max=data.seats_max,
        )  # fmt: skip

    @get("/tenants", operation_id="operatorListTenants", summary="All tenants")
    async def list_tenants(self, operator: OperatorDep) -> list[Tenant]:
        return await operator.kernel.directory.list_tenants()

    @post(
        "/tenants/{tenant_id:uuid}/suspend",
        operation_id="operatorSuspendTenant",
        summary="Suspend: nobody of the tenant can sign in",
        status_code=200,
    )
    async def suspend(self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID]) -> Tenant:
        return await operator.kernel.directory.set_suspended(tenant_id, True)

    @post(
        "/tenants/{tenant_id:uuid}/resume",
        operation_id="operatorResumeTenant",
        summary="Lift a suspension",
        status_code=200,
    )
    async def resume(self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID]) -> Tenant:
        return await operator.kernel.directory.set_suspended(tenant_id, False)

    @post(
        "/tenants/{tenant_id:uuid}/numbers",
        operation_id="operatorAssignNumber",
        summary="Assign a number (unique across the system)",
    )
    async def assign_number(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[NumberIn]
    ) -> Number:
        return await operator.kernel.directory.assign_number(tenant_id, data.number, data.name)

    @post(
        "/tenants/{tenant_id:uuid}/admins",
        operation_id="operatorPromoteAdmin",
        summary="Make an employee (by e-mail) an admin of the PBX; audited",
        status_code=200,
    )
    async def promote_admin(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[AdminIn]
    ) -> Employee:
        return await operator.kernel.directory.promote_to_admin(tenant_id, data.email)
