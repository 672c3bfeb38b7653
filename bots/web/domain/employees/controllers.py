"""Employees: directory CRUD, terminals, absences, extra periods, invitations (admins), and
read access for heads within their scope."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Response, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, PathParameter
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from vats.bots.web.kit import (
    ADMIN,
    EVERYONE,
    MANAGERS,
    KernelDep,
    Limit,
    MeDep,
    Offset,
    TenantDep,
)
from vats.core.accounts.service import Principal
from vats.core.directory import employees as repo
from vats.core.directory.employees import EmployeePage
from vats.core.directory.models import (
    Absence,
    AbsenceCreate,
    Availability,
    Employee,
    EmployeeCreate,
    EmployeeUpdate,
    ExtraPeriod,
    ExtraPeriodCreate,
    Reference,
    Role,
    SipLineCreate,
    Terminal,
    TerminalSecret,
    TerminalUpdate,
)
from vats.core.directory.visibility import visible_employee_ids
from vats.core.errors import NotFoundError


class EmployeeCreated(msgspec.Struct, kw_only=True):
    """The new employee, the credentials of their three SIP lines, and whether the invitation
    e-mail went out."""

    employee: Employee
    sip_lines: list[TerminalSecret]
    invitation_sent: bool


class SipLineCreated(msgspec.Struct, kw_only=True):
    """The new line and its credentials (the password is shown here and on the line's owner's
    and admins' credential pages)."""

    terminal: Terminal
    credentials: TerminalSecret


class GeneratedPassword(msgspec.Struct, kw_only=True):
    """A new cabinet password, shown once: only its hash is stored."""

    password: str


class AvailabilityIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    mode: Annotated[Availability, msgspec.Meta(examples=["unavailable"])]


class ExternalNumberIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    number: Annotated[str, msgspec.Meta(examples=["+7 916 123-45-67"], max_length=40)]


class DeletedOut(msgspec.Struct, kw_only=True):
    removed_references: list[Reference]


def shown(employee: Employee, viewer: Principal) -> Employee:
    """SIP log-ins are credentials: only the owner and admins see them."""
    if viewer.role == "admin" or viewer.employee_id == employee.id:
        return employee
    return msgspec.structs.replace(
        employee, terminals=[msgspec.structs.replace(t, sip_login=None) for t in employee.terminals]
    )


async def load_visible(tx: TenantDep, employee_id: FromPath[uuid.UUID]) -> Employee:
    allowed = await visible_employee_ids(tx.conn, tx.tenant.id, tx.tenant.settings, tx.me.role, tx.me.employee_id)
    if allowed is not None and employee_id not in allowed:
        raise NotFoundError("no such employee", field="employee_id")
    return shown(await repo.get_employee(tx.conn, tx.tenant.id, employee_id), tx.me)


EmployeeId = Annotated[uuid.UUID, PathParameter(description="employee id")]


class EmployeeController(Controller):
    path = "/api/employees"
    tags = ["employees"]

    @get(
        operation_id="listEmployees",
        summary="List employees (everyone sees the whole list; only admins change it)",
        opt={"roles": EVERYONE},
        cache=True,  # per caller, dropped on any change to the tenant's data (bots/web/response_cache.py)
    )
    async def list_employees(
        self,
        kernel: KernelDep,
        me: MeDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Annotated[
            str | None, Parameter(description="search name, e-mail, extension, position", max_length=100)
        ] = None,
        role: FromQuery[Role | None] = None,
        group_id: FromQuery[uuid.UUID | None] = None,
        availability: FromQuery[Availability | None] = None,
        sort: Annotated[
            str, Parameter(description="full_name, extension, created_at; '-' for descending")
        ] = "full_name",
    ) -> EmployeePage:
        db = kernel.db
        assert db is not None
        # The database writes the page's JSON (it matches EmployeePage; tests decode it strictly),
        # so it goes out as it comes for admins: no decoding into 100 Structs and encoding them again.
        page = await repo.employee_page_json(
            db.pool, me.tenant_id, q=q, role=role, group_id=group_id,
            availability=availability, sort=sort, limit=limit, offset=offset,
        )  # fmt: skip
        if me.role != "admin":  # the company's phone book (seed 001), without colleagues' own mobiles
            listing = msgspec.json.decode(page, type=EmployeePage)
            listing.items = [e if e.id == me.employee_id else msgspec.structs.replace(e, external_numbers=[])
                             for e in listing.items]  # fmt: skip
            return listing
        return Response(content=page.encode(), media_type=MediaType.JSON)  # type: ignore[return-value]

    @post(
        operation_id="createEmployee",
        summary="Create an employee (three SIP lines, invitation e-mail)",
        opt={"roles": ADMIN},
    )
    async def create_employee(self, kernel: KernelDep, me: MeDep, data: JSONBody[EmployeeCreate]) -> EmployeeCreated:
        employee, lines = await kernel.directory.create_employee(me.tenant_id, data)
        await kernel.accounts.invite(me.tenant_id, employee.id)
        return EmployeeCreated(employee=employee, sip_lines=lines, invitation_sent=True)

    @get("/{employee_id:uuid}", operation_id="getEmployee", summary="One employee", opt={"roles": MANAGERS})
    async def get_employee(self, tx: TenantDep, employee_id: EmployeeId) -> Employee:
        return await load_visible(tx, employee_id)

    @patch("/{employee_id:uuid}", operation_id="updateEmployee", summary="Change an employee", opt={"roles": ADMIN})
    async def update_employee(
        self, kernel: KernelDep, me: MeDep, employee_id: EmployeeId, data: JSONBody[EmployeeUpdate]
    ) -> Employee:
        return await kernel.directory.update_employee(me.tenant_id, employee_id, data)

    @delete(
        "/{employee_id:uuid}",
        operation_id="deleteEmployee",
        summary="Delete an employee; refused (409, with the references) while referenced unless force=true",
        opt={"roles": ADMIN},
        status_code=200,
    )
    async def delete_employee(
        self, kernel: KernelDep, me: MeDep, employee_id: EmployeeId, force: FromQuery[bool] = False
    ) -> DeletedOut:
        removed = await kernel.directory.delete_employee(me.tenant_id, employee_id, force=force)
        return DeletedOut(removed_references=removed)

    @post(
        "/{employee_id:uuid}/invitation",
        operation_id="sendInvitation",
        summary="(Re)send the invitation e-mail",
        opt={"roles": ADMIN},
        status_code=HTTP_202_ACCEPTED,
    )
    async def send_invitation(self, kernel: KernelDep, me: MeDep, employee_id: EmployeeId) -> None:
        await kernel.accounts.invite(me.tenant_id, employee_id)

    @put(
        "/{employee_id:uuid}/availability",
        operation_id="setEmployeeAvailability",
        summary="Set an employee's availability mode",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def set_availability(
        self, kernel: KernelDep, me: MeDep, employee_id: EmployeeId, data: JSONBody[AvailabilityIn]
    ) -> None:
        await kernel.directory.set_availability(me.tenant_id, employee_id, data.mode)

    # --- terminals ----------------------------------------------------------------------

    @get(
        "/{employee_id:uuid}/sip-credentials",
        operation_id="getSipCredentials",
        summary="An employee's SIP log-ins and passwords (admins; employees see their own at /api/me)",
        opt={"roles": ADMIN},
    )
    async def sip_credentials(self, tx: TenantDep, employee_id: EmployeeId) -> list[TerminalSecret]:
        await repo.get_employee(tx.conn, tx.tenant.id, employee_id)
        return await repo.sip_secrets(tx.conn, tx.tenant.id, employee_id)

    @post(
        "/{employee_id:uuid}/terminals/{terminal_id:uuid}/password",
        operation_id="resetSipPassword",
        summary="Generate a new SIP line password (admins; employees use /api/me)",
        opt={"roles": ADMIN},
        status_code=200,
    )
    async def reset_sip_password(
        self, tx: TenantDep, employee_id: EmployeeId, terminal_id: FromPath[uuid.UUID]
    ) -> TerminalSecret:
        return await repo.reset_sip_password(tx.conn, tx.tenant.id, employee_id, terminal_id)

    @post(
        "/{employee_id:uuid}/sip-lines",
        operation_id="addSipLine",
        summary="Add a SIP line of the given kind, with a generated or the given log-in (unique in all PBXs)",
        opt={"roles": ADMIN},
    )
    async def add_sip_line(
        self, tx: TenantDep, employee_id: EmployeeId, data: JSONBody[SipLineCreate]
    ) -> SipLineCreated:
        terminal, secret = await repo.add_sip_line(tx.conn, tx.tenant.id, employee_id, data)
        return SipLineCreated(terminal=terminal, credentials=secret)

    @post(
        "/{employee_id:uuid}/password",
        operation_id="generateCabinetPassword",
        summary="Generate a new cabinet password for the employee (shown once; their sessions end)",
        opt={"roles": ADMIN},
        status_code=200,
    )
    async def generate_password(self, kernel: KernelDep, me: MeDep, employee_id: EmployeeId) -> GeneratedPassword:
        return GeneratedPassword(password=await kernel.accounts.generate_password(me.tenant_id, employee_id))

    @patch(
        "/{employee_id:uuid}/terminals/{terminal_id:uuid}",
        operation_id="updateTerminal",
        summary="Terminal settings: active, primary, schedule, delays; a SIP line's kind, log-in or owner",
        opt={"roles": ADMIN},
    )
    async def update_terminal(
        self,
        tx: TenantDep,
        employee_id: EmployeeId,
        terminal_id: FromPath[uuid.UUID],
        data: JSONBody[TerminalUpdate],
    ) -> Terminal:
        return await repo.update_terminal(tx.conn, tx.tenant.id, employee_id, terminal_id, data)

    @post(
        "/{employee_id:uuid}/external-numbers",
        operation_id="addExternalNumber",
        summary="Add an external number (e.g. a mobile) as a terminal",
        opt={"roles": ADMIN},
    )
    async def add_external_number(
        self, tx: TenantDep, employee_id: EmployeeId, data: JSONBody[ExternalNumberIn]
    ) -> Terminal:
        return await repo.add_external_number(tx.conn, tx.tenant.id, employee_id, data.number)

    @delete(
        "/{employee_id:uuid}/terminals/{terminal_id:uuid}",
        operation_id="removeExternalNumber",
        summary="Remove an external number",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove_external_number(
        self, tx: TenantDep, employee_id: EmployeeId, terminal_id: FromPath[uuid.UUID]
    ) -> None:
        await repo.remove_external_number(tx.conn, tx.tenant.id, employee_id, terminal_id)

    # --- absences and extra periods ------------------------------------------------------

    @post(
        "/{employee_id:uuid}/absences",
        operation_id="addAbsence",
        summary="Record a vacation or sick leave and where calls go meanwhile",
        opt={"roles": ADMIN},
    )
    async def add_absence(self, tx: TenantDep, employee_id: EmployeeId, data: JSONBody[AbsenceCreate]) -> Absence:
        return await repo.add_absence(tx.conn, tx.tenant.id, employee_id, data)

    @delete(
        "/{employee_id:uuid}/absences/{absence_id:uuid}",
        operation_id="deleteAbsence",
        summary="Remove an absence",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_absence(self, tx: TenantDep, employee_id: EmployeeId, absence_id: FromPath[uuid.UUID]) -> None:
        await repo.delete_absence(tx.conn, tx.tenant.id, employee_id, absence_id)

    @post(
        "/{employee_id:uuid}/extra-periods",
        operation_id="addExtraPeriod",
        summary="Add an extra availability or unavailability period",
        opt={"roles": ADMIN},
    )
    async def add_extra_period(
        self, tx: TenantDep, employee_id: EmployeeId, data: JSONBody[ExtraPeriodCreate]
    ) -> ExtraPeriod:
        return await repo.add_extra_period(tx.conn, tx.tenant.id, employee_id, data)

    @delete(
        "/{employee_id:uuid}/extra-periods/{period_id:uuid}",
        operation_id="deleteExtraPeriod",
        summary="Remove an extra period",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_extra_period(self, tx: TenantDep, employee_id: EmployeeId, period_id: FromPath[uuid.UUID]) -> None:
        await repo.delete_extra_period(tx.conn, tx.tenant.id, employee_id, period_id)
