"""Create a planned customer: the tenant, its admin, employees with their kept SIP lines and
outside numbers, and its numbers, in one transaction with the import's key, so a customer is
either wholly created once or not at all."""

from __future__ import annotations

import uuid

from vats.core.directory import employees as employees_repo
from vats.core.directory import numbers as numbers_repo
from vats.core.directory.models import EmployeeCreate, EmployeeUpdate, SipLineCreate
from vats.core.directory.service import load_tenant
from vats.core.protocols import KernelAPI
from vats.plugins.migration.plan import CustomerPlan, PlannedEmployee


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
        return tid
