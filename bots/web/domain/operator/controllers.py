"""The PBX operator's API (not a tenant's): create and suspend tenants, assign numbers, give a
PBX a new admin, change its seats.
Authorised by ``Authorization: Bearer <VATS_OPERATOR_TOKEN>``; every action is recorded in the
operator audit log as done by ``token`` (core/operators/actions.py: the portal's actions too)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from vats.bots.web.kit import OPERATOR, Limit, Offset, OperatorDep
from vats.core.directory.models import Employee, Number, Tenant
from vats.core.directory.service import TenantCreated
from vats.core.operators.audit import AuditEntry, entries


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


class SeatsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    seats_max: Annotated[int, msgspec.Meta(ge=1, le=10_000, examples=[20])]


class OperatorController(Controller):
    path = "/api/operator"
    tags = ["operator"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @post("/tenants", operation_id="operatorCreateTenant", summary="Create a tenant with its first admin")
    async def create_tenant(self, operator: OperatorDep, data: JSONBody[TenantIn]) -> TenantCreated:
        """Answers the admin's one-time password: hand it over, it is not stored readable."""
        return await operator.actions.create_tenant(
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
        return await operator.actions.set_suspended(tenant_id, True)

    @post(
        "/tenants/{tenant_id:uuid}/resume",
        operation_id="operatorResumeTenant",
        summary="Lift a suspension",
        status_code=200,
    )
    async def resume(self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID]) -> Tenant:
        return await operator.actions.set_suspended(tenant_id, False)

    @put(
        "/tenants/{tenant_id:uuid}/seats",
        operation_id="operatorSetSeats",
        summary="The PBX's seat maximum (not below its employees or its tariff's included seats)",
    )
    async def set_seats(self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[SeatsIn]) -> Tenant:
        return await operator.actions.set_seats(tenant_id, data.seats_max)

    @get("/audit", operation_id="operatorListAudit", summary="Who did what as an operator, newest first")
    async def audit(
        self, operator: OperatorDep, limit: Limit = 100, offset: Offset = 0, tenant_id: FromQuery[uuid.UUID | None] = None
    ) -> list[AuditEntry]:
        async with operator.system() as conn:
            return await entries(conn, tenant_id=tenant_id, limit=limit, offset=offset)

    @post(
        "/tenants/{tenant_id:uuid}/numbers",
        operation_id="operatorAssignNumber",
        summary="Assign a number (unique across the system)",
    )
    async def assign_number(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[NumberIn]
    ) -> Number:
        return await operator.actions.assign_number(tenant_id, data.number, data.name)

    @post(
        "/tenants/{tenant_id:uuid}/admins",
        operation_id="operatorPromoteAdmin",
        summary="Make an employee (by e-mail) an admin of the PBX; audited",
        status_code=200,
    )
    async def promote_admin(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[AdminIn]
    ) -> Employee:
        return await operator.actions.promote_admin(tenant_id, data.email)
