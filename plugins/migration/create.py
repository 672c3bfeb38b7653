"""Create a planned customer: the tenant, its admin, employees with their kept SIP lines and
outside numbers, and its numbers, in one transaction with the import's key, so a customer is
either wholly created once or not at all."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.directory import employees as employees_repo
from vats.core.directory import numbers as numbers_repo
from vats.core.directory.models import EmployeeCreate, EmployeeUpdate, Interval, ScheduleCreate, SipLineCreate
from vats.core.directory.schedules import create_schedule
from vats.core.directory.service import load_tenant
from vats.core.engine.scenarios import create_scenario
from vats.core.errors import ConflictError
from vats.core.protocols import KernelAPI
from vats.plugins.migration import invitations
from vats.plugins.migration.legacy_rules import TAG
from vats.plugins.migration.plan import (
    PLACEHOLDER_DOMAIN,
    CustomerPlan,
    PlannedEmployee,
    PlannedNumber,
    PlannedStep,
    everyone,
)


def _lines(person: PlannedEmployee) -> list[SipLineCreate]:
    return [SipLineCreate(kind=line.kind, sip_login=line.login, sip_password=line.password) for line in person.lines]  # type: ignore[arg-type]


async def create_customer(kernel: KernelAPI, source: str, plan: CustomerPlan) -> uuid.UUID | None:
    """Create the customer; None if an earlier (or concurrent) run already did. Raises the
    directory's error (naming the field) if a rule fails: the transaction, key included, is
    rolled back."""
    db = kernel.db
    async with db.system() as conn:
        # Claim the key first: a concurrent run of the same file waits here for this
        # transaction, then finds the key taken and creates nothing.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", plan.key)
        if await conn.fetchval("SELECT true FROM migration_imports WHERE key = $1", plan.key):
            return None
        admin = plan.admin
        created = await kernel.directory.create_tenant_in(
            conn, name=plan.name, admin_email=admin.email, admin_name=admin.full_name, time_zone=plan.time_zone,
            seats_max=max(50, len(plan.employees) + 1), admin_lines=_lines(admin),
            admin_extension=admin.extension,
        )  # fmt: skip
        tid = created.tenant_id
        # create_tenant_in gives the first admin a password nobody here will ever see (it is for
        # an operator creating a PBX by hand): a migrated admin sets their own through the
        # invitation, like every other employee.
        await conn.execute(
            "UPDATE employees SET password_hash = NULL, invitation_accepted_at = NULL WHERE tenant_id = $1 AND id = $2",
            tid, created.admin_id,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO migration_imports (key, tenant_id, source, customer_id) VALUES ($1, $2, $3, $4)",
            plan.key, tid, source, plan.customer_id,
        )  # fmt: skip
        number_ids = {}
        for number in plan.numbers:
            assigned = await numbers_repo.assign_number(conn, tid, number.e164, number.name)
            number_ids[number.e164] = assigned.id
            await kernel.plugins.emit("number_assigned", tenant_id=tid, conn=conn, number=assigned)
        tenant = await load_tenant(conn, tid)
        owners: dict[str, uuid.UUID] = {}  # addressee key -> the employee who answers for it
        _own(owners, admin, created.admin_id)
        for external in admin.external_numbers:
            await employees_repo.add_external_number(conn, tid, created.admin_id, external)
        if admin.caller_id:
            await employees_repo.update_employee(
                conn, tenant, created.admin_id, EmployeeUpdate(caller_id_number_id=number_ids[admin.caller_id])
            )
        for person in plan.employees:
            employee, _ = await employees_repo.create_employee(
                conn,
                tenant,
                EmployeeCreate(
                    full_name=person.full_name, email=person.email, role=person.role,  # type: ignore[arg-type]
                    extension=person.extension, external_numbers=person.external_numbers,
                    sip_lines=_lines(person),
                    caller_id_number_id=number_ids.get(person.caller_id) if person.caller_id else None,
                ),
            )  # fmt: skip
            await kernel.plugins.emit(
                "employee_changed", tenant_id=tid, conn=conn, employee_id=employee.id, change="created"
            )
            _own(owners, person, employee.id)
        await conn.execute(
            "INSERT INTO migration_states (tenant_id, source, import_key, admin_id, tariff)"
            " VALUES ($1, $2, $3, $4, $5)",
            tid, source, plan.key, created.admin_id, plan.tariff,
        )  # fmt: skip
        await build_scenarios(kernel, conn, tid, plan, number_ids, owners, created.admin_id)
        if plan.contacts:  # the CRM (if any) keeps them: the VIP lists become contact tags
            await kernel.plugins.emit("import_contacts", tenant_id=tid, conn=conn, contacts=plan.contacts)
        return tid


async def refill_customer(kernel: KernelAPI, plan: CustomerPlan, tenant_id: uuid.UUID) -> uuid.UUID:
    """After «Пересоздать»: fill the customer's PBX again from the wizard's rows, in one
    transaction. The tenant, its numbers (still on their old rules) and its first admin stay;
    the kept SIP lines, parked on that admin, move to the employees they are bound to now (the
    same terminal rows: log-ins, passwords and the phones' registrations carry on); the new
    scenarios are built again."""
    async with kernel.db.tenant(tenant_id) as conn:
        state = await conn.fetchrow(
            "SELECT admin_id, status FROM migration_states WHERE tenant_id = $1 FOR UPDATE", tenant_id
        )
        if state is None or state["status"] != "pending":
            raise ConflictError("the migration of this PBX is being completed or was completed", field="draft_id")
        admin_id = state["admin_id"]
        tenant = await load_tenant(conn, tenant_id)
        number_ids = {
            r["e164"]: r["id"] for r in await conn.fetch("SELECT id, e164 FROM numbers WHERE tenant_id = $1", tenant_id)
        }
        owners: dict[str, uuid.UUID] = {}
        admin = plan.admin
        await _bind_lines(conn, tenant_id, admin_id, admin)
        await employees_repo.update_employee(
            conn, tenant, admin_id,
            EmployeeUpdate(
                full_name=admin.full_name, extension=admin.extension or msgspec.UNSET,
                caller_id_number_id=number_ids.get(admin.caller_id) if admin.caller_id else None,
            ),
        )  # fmt: skip
        for external in admin.external_numbers:
            await employees_repo.add_external_number(conn, tenant_id, admin_id, external)
        _own(owners, admin, admin_id)
        for person in plan.employees:
            employee, _ = await employees_repo.create_employee(
                conn,
                tenant,
                EmployeeCreate(
                    full_name=person.full_name, email=person.email, role=person.role,  # type: ignore[arg-type]
                    extension=person.extension, sip_lines=[],
                    caller_id_number_id=number_ids.get(person.caller_id) if person.caller_id else None,
                ),
            )  # fmt: skip
            await _bind_lines(conn, tenant_id, employee.id, person)
            for external in person.external_numbers:
                await employees_repo.add_external_number(conn, tenant_id, employee.id, external)
            await kernel.plugins.emit(
                "employee_changed", tenant_id=tenant_id, conn=conn, employee_id=employee.id, change="created"
            )
            _own(owners, person, employee.id)
        await build_scenarios(kernel, conn, tenant_id, plan, number_ids, owners, admin_id, old_rules=False)
        return admin_id  # type: ignore[no-any-return]


async def _bind_lines(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, person: PlannedEmployee) -> None:
    """The person's kept lines, with their kinds, onto the employee (the same terminal rows); a
    line the PBX does not hold (none should be missing) is created with its log-in and password."""
    for line in person.lines:
        moved = await conn.fetchval(
            "UPDATE terminals SET employee_id = $3, kind = $4, schedule_id = NULL, position ="
            " (SELECT coalesce(max(position) + 1, 0) FROM terminals WHERE tenant_id = $1 AND employee_id = $3)"
            " WHERE tenant_id = $1 AND lower(sip_login) = lower($2) RETURNING id",
            tenant_id, line.login, employee_id, line.kind,
        )  # fmt: skip
        if moved is None:
            await employees_repo.add_sip_line(
                conn, tenant_id, employee_id,
                SipLineCreate(kind=line.kind, sip_login=line.login, sip_password=line.password),  # type: ignore[arg-type]
            )  # fmt: skip


async def build_scenarios(
    kernel: KernelAPI,
    conn: Connection,
    tenant_id: uuid.UUID,
    plan: CustomerPlan,
    number_ids: dict[str, uuid.UUID],
    owners: dict[str, uuid.UUID],
    admin_id: uuid.UUID,
    *,
    old_rules: bool = True,
) -> None:
    """Two scenarios per number (seed 000): its old rules, bound to it now, and the new one the
    admin reviews, bound at completion (``completion.py``). With ``old_rules=False`` (after
    «Пересоздать») only the new ones are built again: the old rules stay as they were."""
    lines = {line.login.lower() for person in everyone(plan) for line in person.lines}
    insurance = {"type": "voicemail", "task_for": "employee", "assignee_id": str(admin_id)}
    has_insurance = "voicemail" in kernel.blocks.by_tag
    for number in plan.numbers:
        number_id = number_ids[number.e164]
        new_id = None
        if {"forward", "voicemail"} <= kernel.blocks.by_tag.keys():
            new_id = await _scenario(kernel, conn, tenant_id, number, owners, admin_id)
        if not old_rules:
            await conn.execute(
                "UPDATE migration_numbers SET new_scenario_id = $3 WHERE tenant_id = $1 AND number_id = $2",
                tenant_id, number_id, new_id,
            )  # fmt: skip
            continue
        body: dict[str, Any] = {"default": {"handling": _old_rules(number, lines)}}
        if has_insurance:
            body["default"]["insurance"] = insurance
        old = await create_scenario(
            conn, tenant_id, f"Старые правила {number.e164} (до завершения миграции)", body, kernel.blocks
        )
        await conn.execute(
            "UPDATE numbers SET scenario_id = $3 WHERE tenant_id = $1 AND id = $2", tenant_id, number_id, old.id
        )
        await conn.execute(
            "INSERT INTO migration_numbers (tenant_id, number_id, e164, old_scenario_id, new_scenario_id)"
            " VALUES ($1, $2, $3, $4, $5)",
            tenant_id, number_id, number.e164, old.id, new_id,
        )  # fmt: skip


def _old_rules(number: PlannedNumber, lines: set[str]) -> dict[str, Any]:
    """The number's old configuration as the old-rules block (``legacy_rules.py``) holds it."""

    def addressees(steps: list[PlannedStep]) -> list[dict[str, Any]]:
        return [
            {"line": step.to, "ring_s": step.ring_s} if step.to in lines else {"number": step.to, "ring_s": step.ring_s}
            for step in steps
        ]

    return {
        "type": TAG,
        "number": number.e164,
        "hours": [{"day": day - 1, "start": i.start, "end": i.end} for i in number.schedule for day in i.days],
        "forwarding": addressees(number.forwarding),
        "off_hours": addressees(number.off_hours),
        "vip": [
            {"name": name, "callers": number.vip_callers.get(name, []), "forwarding": addressees(steps)}
            for name, steps in number.vip_lists
        ],
    }


async def invite_everyone(kernel: KernelAPI, tenant_id: uuid.UUID, *, besides: uuid.UUID | None = None) -> int:
    """Send the migration's invitation (seed 000: the new cabinet's link and a temporary
    password, ``invitations.py``) to every employee of a migrated PBX who has a real e-mail (not
    a placeholder) and has not accepted an invitation yet, ``besides`` one (the first admin after
    «Пересоздать»: they have signed in, a new temporary password would replace theirs); returns
    how many were sent."""
    async with kernel.db.tenant(tenant_id) as conn:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM employees WHERE tenant_id = $1 AND invitation_accepted_at IS NULL"
                " AND lower(email) NOT LIKE $2 AND id IS DISTINCT FROM $3 ORDER BY created_at, id",
                tenant_id, f"%@{PLACEHOLDER_DOMAIN}", besides,
            )
        ]  # fmt: skip
    return sum([await invitations.invite(kernel, tenant_id, employee_id) for employee_id in ids])


def _own(owners: dict[str, uuid.UUID], person: PlannedEmployee, employee_id: uuid.UUID) -> None:
    for line in person.lines:
        owners[line.login.lower()] = employee_id
    for external in person.external_numbers:
        owners.setdefault(external, employee_id)


def _forward(steps: list[PlannedStep], owners: dict[str, uuid.UUID]) -> dict[str, Any]:
    """The old list as a forward block: each addressee's employee (or the outside number
    itself), in order; the old lists ring each addressee for its own time, the block for one:
    the longest of them, so nobody rings shorter than before. Nobody answering goes to the
    insurance."""
    targets: list[dict[str, Any]] = []
    for step in steps:
        target = (
            {"kind": "employee", "id": str(owners[step.to])}
            if step.to in owners
            else {"kind": "external", "number": step.to}
        )
        if target not in targets:
            targets.append(target)
    ring_s = max((step.ring_s for step in steps), default=20)
    return {"type": "forward", "targets": targets, "order": "sequential", "ring_s": ring_s}


async def _scenario(
    kernel: KernelAPI,
    conn: Connection,
    tenant_id: uuid.UUID,
    number: PlannedNumber,
    owners: dict[str, uuid.UUID],
    admin_id: uuid.UUID,
) -> uuid.UUID:
    """The new scenario of a number (seed 000): its forwarding list in working time (its schedule,
    if it had one) and its off-hours list outside it, each VIP list as a filter on a contact tag
    of the list's name, and an insurance block (voicemail, a task for the admin) so that no
    call is lost."""
    insurance = {"type": "voicemail", "task_for": "employee", "assignee_id": str(admin_id)}

    def branch(steps: list[PlannedStep]) -> dict[str, Any]:
        return {"handling": _forward(steps, owners), "insurance": insurance}

    body: dict[str, Any] = {"default": branch(number.forwarding)}
    if number.schedule:
        schedule = await create_schedule(
            conn, tenant_id, ScheduleCreate(
                name=f"График {number.e164}",
                intervals=[Interval(day=day - 1, start=i.start, end=i.end) for i in number.schedule for day in i.days],
            ),
        )  # fmt: skip
        body["schedule_id"] = str(schedule.id)
        body["off_hours"] = branch(number.off_hours or number.forwarding)
    body["filters"] = [
        {"name": name, "condition": {"type": "tags", "tags": [name]}, "working": branch(steps)}
        for name, steps in number.vip_lists
    ]
    scenario = await create_scenario(conn, tenant_id, f"{number.name or number.e164} (перенесён)", body, kernel.blocks)
    return scenario.id
