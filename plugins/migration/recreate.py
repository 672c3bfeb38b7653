"""«Пересоздать» (seed 000): wipe the new settings of a migrated PBX and go back to the wizard's
employee step, while the calls keep following the old rules and the phones keep registering.

What is wiped (everything the new configuration consists of):

* every employee but the PBX's first admin (the one the migration created, who signs in and
  pressed the button), with what refers to them (group memberships, CRM owners, ... through the
  directory's forced deletion);
* every group;
* every scenario that no number uses and that is not the PBX's default, so the migration's new
  scenarios and any the admin made; each migrated number goes back to its old rules first;
* the schedules the migration made for the new scenarios («График +7…»), where nothing else
  uses them.

What stays: the tenant, its numbers on their old rules (read-only, untouched), the first admin,
and every SIP line: the lines of the deleted employees are parked on the first admin (the same
terminal rows, so log-ins, passwords and the phones' registrations carry on; the usual limit of
lines per employee does not apply to this parking) until «Создать ЛК ВАТС» binds them again.
The wizard's draft is reopened at the employee step with its rows as last saved; creating it
again fills this PBX (``create.refill_customer``), not a new one.

Refused once the completion was requested. Running it again after an interruption finishes
the wipe (each part finds what is left).
"""

from __future__ import annotations

import uuid

import asyncpg
import msgspec
from vats.core.errors import ConflictError, NotFoundError
from vats.core.protocols import KernelAPI


class Recreated(msgspec.Struct, kw_only=True):
    draft_id: uuid.UUID  # the wizard's draft, back at the employee step
    employees_removed: int
    groups_removed: int
    scenarios_removed: int
    lines_kept: int  # parked on the first admin


async def recreate(kernel: KernelAPI, tenant_id: uuid.UUID) -> Recreated:
    # The wizard's draft is found and locked before anything is deleted (a PBX imported by
    # `vats migrate` has none: refused with everything intact), and held until it is reopened,
    # so no «Создать ЛК ВАТС» of that draft runs halfway through the wipe. The draft, then the
    # PBX's migration state: the order ``drafts.create`` locks them in too.
    async with kernel.db.system() as drafts:
        draft_id = await drafts.fetchval(
            "SELECT id FROM migration_drafts WHERE tenant_id = $1 FOR UPDATE", tenant_id
        )
        employees, groups, scenarios, lines = await _wipe(kernel, tenant_id, has_draft=draft_id is not None)
        await drafts.execute("UPDATE migration_drafts SET reopened = true WHERE id = $1", draft_id)
    return Recreated(
        draft_id=draft_id, employees_removed=employees, groups_removed=groups, scenarios_removed=scenarios,
        lines_kept=lines,
    )  # fmt: skip


async def _wipe(kernel: KernelAPI, tenant_id: uuid.UUID, *, has_draft: bool) -> tuple[int, int, int, int]:
    """Employees, groups and scenarios removed, SIP lines kept (see the module's docstring)."""
    async with kernel.db.tenant(tenant_id) as conn:
        state = await conn.fetchrow("SELECT * FROM migration_states WHERE tenant_id = $1 FOR UPDATE", tenant_id)
        if state is None:
            raise NotFoundError("this PBX was not migrated", field="tenant_id")
        if state["status"] != "pending":
            raise ConflictError(
                "the completion of the migration was requested: it can no longer be recreated", field="status"
            )
        if not has_draft:  # imported by `vats migrate`: the operator adds its export as a draft
            raise ConflictError(
                "this PBX was imported without the wizard: the operator adds its export as a draft first",
                field="draft_id",
            )
        admin_id = state["admin_id"]
        await conn.execute(
            "UPDATE numbers n SET scenario_id = m.old_scenario_id FROM migration_numbers m"
            " WHERE m.tenant_id = $1 AND n.tenant_id = m.tenant_id AND n.id = m.number_id",
            tenant_id,
        )
        await conn.execute(
            "UPDATE terminals t SET employee_id = $2, schedule_id = NULL, position = 1000 + p.n"
            " FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS n FROM terminals"
            " WHERE tenant_id = $1 AND sip_login IS NOT NULL AND employee_id <> $2) p WHERE t.id = p.id",
            tenant_id, admin_id,
        )  # fmt: skip
        total_lines = await conn.fetchval(
            "SELECT count(*) FROM terminals WHERE tenant_id = $1 AND sip_login IS NOT NULL", tenant_id
        )
        scenarios = await conn.fetchval(
            "WITH gone AS (DELETE FROM scenarios s WHERE s.tenant_id = $1 AND NOT s.is_default AND NOT EXISTS"
            " (SELECT 1 FROM numbers n WHERE n.tenant_id = s.tenant_id AND n.scenario_id = s.id) RETURNING 1)"
            " SELECT count(*) FROM gone",
            tenant_id,
        )  # fmt: skip
        names = [f"График {r['e164']}" for r in await conn.fetch(
            "SELECT e164 FROM migration_numbers WHERE tenant_id = $1", tenant_id
        )]  # fmt: skip
        for name in names:
            try:
                async with conn.transaction():  # a savepoint: a schedule something else uses stays
                    await conn.execute(
                        "DELETE FROM schedules WHERE tenant_id = $1 AND name = $2 AND NOT is_default", tenant_id, name
                    )
            except asyncpg.ForeignKeyViolationError:
                pass
        groups = [r["id"] for r in await conn.fetch("SELECT id FROM groups WHERE tenant_id = $1", tenant_id)]
        employees = [
            r["id"]
            for r in await conn.fetch("SELECT id FROM employees WHERE tenant_id = $1 AND id <> $2", tenant_id, admin_id)
        ]
        await conn.execute("UPDATE migration_states SET recreated = recreated + 1 WHERE tenant_id = $1", tenant_id)
    for group_id in groups:
        await kernel.directory.delete_group(tenant_id, group_id, force=True)
    for employee_id in employees:
        await kernel.directory.delete_employee(tenant_id, employee_id, force=True)
    return len(employees), len(groups), scenarios, total_lines
