"""The signed-in employee's own profile: availability, forwarding to their own mobile, SIP
credentials and password. Every role has these."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.domain.employees.controllers import AvailabilityIn, ExternalNumberIn
from vats.bots.web.kit import KernelDep, MeDep, TenantDep
from vats.core.directory import employees as repo
from vats.core.directory.models import (
    Employee,
    EmployeeUpdate,
    Language,
    RingMode,
    RoleSettings,
    Terminal,
    TerminalSecret,
    TerminalUpdate,
)
from vats.core.errors import NotFoundError


class Me(msgspec.Struct, kw_only=True):
    employee: Employee
    tenant_name: Annotated[str, msgspec.Meta(examples=["Demo company"])]
    rights: RoleSettings | None  # None for admins: they may do everything


class MeUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    position: Annotated[str, msgspec.Meta(examples=["Менеджер"], max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    time_zone: Annotated[str, msgspec.Meta(examples=["Asia/Yekaterinburg"])] | msgspec.UnsetType | None = msgspec.UNSET
    ring_mode: RingMode | msgspec.UnsetType = msgspec.UNSET
    # My language everywhere (cabinet, bot, e-mails); null: each browser's own.
    language: Language | msgspec.UnsetType | None = msgspec.UNSET


class OwnTerminalUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What an employee may change on their own terminals (e.g. ring the mobile after 5 s)."""

    active: bool | msgspec.UnsetType = msgspec.UNSET
    ring_delay_s: Annotated[int, msgspec.Meta(examples=[5])] | msgspec.UnsetType = msgspec.UNSET
    ring_time_s: Annotated[int, msgspec.Meta(examples=[20])] | msgspec.UnsetType = msgspec.UNSET


class PasswordChangeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: Annotated[str, msgspec.Meta(examples=["old-Passw0rd"], max_length=128)]
    new_password: Annotated[str, msgspec.Meta(examples=["new-Passw0rd!"], max_length=128)]


class MeController(Controller):
    path = "/api/me"
    tags = ["me"]

    @get(operation_id="getMe", summary="My profile and my role's rights")
    async def get_me(self, tx: TenantDep) -> Me:
        employee = await repo.get_employee(tx.conn, tx.tenant.id, tx.me.employee_id)
        rights = None if tx.me.role == "admin" else getattr(tx.tenant.settings.roles, tx.me.role)
        return Me(employee=employee, tenant_name=tx.tenant.name, rights=rights)

    @patch(operation_id="updateMe", summary="Change my position, time zone, ring mode or language")
    async def update_me(self, kernel: KernelDep, me: MeDep, data: JSONBody[MeUpdate]) -> Employee:
        update = EmployeeUpdate(**{f: getattr(data, f) for f in data.__struct_fields__})
        return await kernel.directory.update_employee(me.tenant_id, me.employee_id, update)

    @put(
        "/availability",
        operation_id="setMyAvailability",
        summary="Set my availability: unavailable, by_schedule or available",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def set_availability(self, kernel: KernelDep, me: MeDep, data: JSONBody[AvailabilityIn]) -> None:
        await kernel.directory.set_availability(me.tenant_id, me.employee_id, data.mode)

    @post(
        "/password",
        operation_id="changeMyPassword",
        summary="Change my password (signs out my other sessions)",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def change_password(self, kernel: KernelDep, me: MeDep, data: JSONBody[PasswordChangeIn]) -> None:
        await kernel.accounts.change_password(me, data.current_password, data.new_password)

    @get("/sip-credentials", operation_id="getMySipCredentials", summary="My SIP log-ins and passwords")
    async def sip_credentials(self, tx: TenantDep) -> list[TerminalSecret]:
        return await repo.sip_secrets(tx.conn, tx.tenant.id, tx.me.employee_id)

    @post("/external-numbers", operation_id="addMyExternalNumber", summary="Forward my calls to my own mobile too")
    async def add_external(self, tx: TenantDep, data: JSONBody[ExternalNumberIn]) -> Terminal:
        return await repo.add_external_number(tx.conn, tx.tenant.id, tx.me.employee_id, data.number)

    @delete(
        "/terminals/{terminal_id:uuid}",
        operation_id="removeMyExternalNumber",
        summary="Stop forwarding to one of my external numbers",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove_external(self, tx: TenantDep, terminal_id: FromPath[uuid.UUID]) -> None:
        await repo.remove_external_number(tx.conn, tx.tenant.id, tx.me.employee_id, terminal_id)

    @patch(
        "/terminals/{terminal_id:uuid}",
        operation_id="updateMyTerminal",
        summary="Switch my terminal on/off or change its delay and ring time",
    )
    async def update_terminal(
        self, tx: TenantDep, terminal_id: FromPath[uuid.UUID], data: JSONBody[OwnTerminalUpdate]
    ) -> Terminal:
        update = TerminalUpdate(**{f: getattr(data, f) for f in data.__struct_fields__})
        return await repo.update_terminal(tx.conn, tx.tenant.id, tx.me.employee_id, terminal_id, update)

    @post(
        "/terminals/{terminal_id:uuid}/password",
        operation_id="resetMySipPassword",
        summary="New password for one of my SIP lines",
        status_code=200,
    )
    async def reset_sip_password(self, tx: TenantDep, terminal_id: FromPath[uuid.UUID]) -> TerminalSecret:
        try:
            return await repo.reset_sip_password(tx.conn, tx.tenant.id, tx.me.employee_id, terminal_id)
        except NotFoundError:
            raise NotFoundError("no such terminal of yours", field="terminal_id") from None
