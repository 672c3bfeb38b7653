"""«Завершить миграцию» (seed 000): after it the migrated numbers follow the new scenarios.

``request_completion`` checks what the seed asks (money on the balance, the migration agreement
accepted, the e-mails confirmed by the admin) and marks the migration ``completing``; the
background job (``completion_worker``, run by ``vats serve``) then works through its steps, each
in one transaction that locks the migration's row and moves ``steps_done`` on:

* one step per migrated number: its new scenario is checked (it still compiles and everything
  it names exists), problems become warnings;
* the last step switches every number in ONE transaction (never half-switched): each number is
  bound to its new scenario (or keeps what the admin bound to it by hand), the old rules are
  retired, the migration is marked ``completed`` and ``migration_completed`` is fired inside
  that same transaction (the notifications plugin tells the admins).

A restart (even ``kill -9``) midway loses nothing: the steps done are committed with their
progress, the job resumes at ``steps_done``, and a step is never done twice (the row lock
serialises workers in several processes). Two requests at once start one job: the second finds
the migration ``completing`` and answers its state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Callable
from typing import Any, Literal

import msgspec
from vats.core.db.database import Connection
from vats.core.engine.scenarios import check_body, check_references
from vats.core.errors import ConflictError, NotFoundError, ValidationError, VatsError
from vats.core.protocols import KernelAPI
from vats.core.stopping import idle
from vats.plugins.migration.agreement import accepted_version
from vats.plugins.migration.plan import PLACEHOLDER_DOMAIN

log = logging.getLogger(__name__)

POLL_S = 2.0  # how often the worker looks for requested completions
MAX_BACKOFF_S = 600.0  # the longest a failing completion waits for its next try
# Tests pause the job between steps (to kill the process midway); never set in production.
STEP_PAUSE_ENV = "VATS_MIGRATION_STEP_PAUSE_S"

Status = Literal["pending", "completing", "completed"]


class MigratedNumber(msgspec.Struct, kw_only=True):
    e164: str
    follows: Literal["old_rules", "new_scenario", "other"]  # what its calls follow now
    new_scenario_id: uuid.UUID | None  # None: the admin deleted it
    new_scenario_name: str | None


class EmployeeEmail(msgspec.Struct, kw_only=True):
    """One row of the last list the admin checks before completing: who signs in with what."""

    employee_id: uuid.UUID
    full_name: str
    email: str | None  # None: a placeholder stands in (that employee cannot sign in yet)
    role: str


class MigrationState(msgspec.Struct, kw_only=True):
    status: Status
    source: str
    steps_done: int
    steps_total: int
    requested_at: dt.datetime | None
    completed_at: dt.datetime | None
    numbers: list[MigratedNumber]
    employees: list[EmployeeEmail]
    warnings: list[str]
    tariff: str | None


class CompleteIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The admin checked the list of e-mails (``GET /api/migration``'s ``employees``)."""

    emails_confirmed: bool = False


async def _row(conn: Connection, tenant_id: uuid.UUID, *, lock: bool = False) -> Any:
    row = await conn.fetchrow(
        "SELECT * FROM migration_states WHERE tenant_id = $1" + (" FOR UPDATE" if lock else ""), tenant_id
    )
    if row is None:
        raise NotFoundError("this PBX was not migrated", field="tenant_id")
    return row


async def state(conn: Connection, tenant_id: uuid.UUID) -> MigrationState:
    row = await _row(conn, tenant_id)
    numbers = [
        MigratedNumber(
            e164=r["e164"], new_scenario_id=r["new_scenario_id"], new_scenario_name=r["name"],
            follows="old_rules" if r["bound"] == r["old_scenario_id"]
            else "new_scenario" if r["bound"] == r["new_scenario_id"] else "other",
        )
        for r in await conn.fetch(
            "SELECT m.e164, m.old_scenario_id, m.new_scenario_id, s.name, n.scenario_id AS bound"
            " FROM migration_numbers m JOIN numbers n ON n.tenant_id = m.tenant_id AND n.id = m.number_id"
            " LEFT JOIN scenarios s ON s.tenant_id = m.tenant_id AND s.id = m.new_scenario_id"
            " WHERE m.tenant_id = $1 ORDER BY m.e164",
            tenant_id,
        )
    ]  # fmt: skip
    employees = [
        EmployeeEmail(
            employee_id=r["id"], full_name=r["full_name"], role=r["role"],
            email=None if r["email"].lower().endswith(f"@{PLACEHOLDER_DOMAIN}") else r["email"],
        )
        for r in await conn.fetch(
            "SELECT id, full_name, email, role FROM employees WHERE tenant_id = $1 ORDER BY full_name, id", tenant_id
        )
    ]  # fmt: skip
    return MigrationState(
        status=row["status"], source=row["source"], steps_done=row["steps_done"], steps_total=row["steps_total"],
        requested_at=row["requested_at"], completed_at=row["completed_at"], numbers=numbers, employees=employees,
        warnings=list(row["warnings"]), tariff=row["tariff"],
    )  # fmt: skip


async def request_completion(
    kernel: KernelAPI, tenant_id: uuid.UUID, employee_id: uuid.UUID, *, emails_confirmed: bool
) -> MigrationState:
    """Start completing the migration (irreversible). Refused, naming why: already completed,
    the e-mails not confirmed, the agreement not accepted, no money (billing's balance; without
    billing no check), a number with no new scenario to switch to. A completion already under
    way is answered as it stands (one job, however many requests)."""
    async with kernel.db.tenant(tenant_id) as conn:
        row = await _row(conn, tenant_id)
        if row["status"] == "completed":
            raise ConflictError("the migration is already completed", field="status")
        if row["status"] == "completing":
            return await state(conn, tenant_id)
    if not emails_confirmed:
        raise ValidationError(
            "confirm the employees' e-mails (their log-ins) before completing the migration", field="emails_confirmed"
        )
    balance = await kernel.plugins.first("tenant_balance", tenant_id=tenant_id)
    if balance is not None and balance <= 0:
        raise ConflictError(
            f"the balance is {balance / 100:.2f} ₽: top it up before completing the migration", field="balance"
        )
    async with kernel.db.tenant(tenant_id) as conn:
        row = await _row(conn, tenant_id, lock=True)  # concurrent requests queue here
        if row["status"] == "completed":
            raise ConflictError("the migration is already completed", field="status")
        if row["status"] == "completing":
            return await state(conn, tenant_id)
        accepted = await accepted_version(conn, tenant_id)
        if accepted is None:
            raise ConflictError("accept the migration agreement before completing the migration", field="agreement")
        orphans = await conn.fetch(
            "SELECT m.e164 FROM migration_numbers m JOIN numbers n ON n.tenant_id = m.tenant_id AND n.id = m.number_id"
            " WHERE m.tenant_id = $1 AND m.new_scenario_id IS NULL AND n.scenario_id = m.old_scenario_id"
            " ORDER BY m.e164",
            tenant_id,
        )  # fmt: skip
        if orphans:
            numbers = ", ".join(r["e164"] for r in orphans)
            raise ConflictError(
                f"these numbers have no new scenario to switch to (it was deleted): {numbers};"
                " bind each to a scenario, then complete",
                field="numbers",
            )
        total = await conn.fetchval("SELECT count(*) FROM migration_numbers WHERE tenant_id = $1", tenant_id)
        await conn.execute(
            "UPDATE migration_states SET status = 'completing', steps_total = $2 + 1, steps_done = 0,"
            " requested_by = $3, requested_at = now(), warnings = '[]' WHERE tenant_id = $1",
            tenant_id, total, employee_id,
        )  # fmt: skip
        return await state(conn, tenant_id)


# --- the background job --------------------------------------------------------------------


class Backoff:
    """When a tenant's completion may be tried again after it failed: ``POLL_S`` doubling with
    each failure in a row up to ``MAX_BACKOFF_S``, so a completion that keeps failing (a bug, a
    plugin's hook raising) is retried now and then, not on every pass, and never holds up the
    others. Kept by the worker in memory: a restart tries every completion again at once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failed: dict[uuid.UUID, tuple[int, float]] = {}  # tenant -> (failures in a row, retry at)

    def due(self, tenant_id: uuid.UUID) -> bool:
        failed = self._failed.get(tenant_id)
        return failed is None or self._clock() >= failed[1]

    def failed(self, tenant_id: uuid.UUID) -> float:
        """Note a failure; the seconds until the next try."""
        failures = self._failed.get(tenant_id, (0, 0.0))[0] + 1
        delay = min(MAX_BACKOFF_S, POLL_S * 2.0 ** min(failures, 20))
        self._failed[tenant_id] = (failures, self._clock() + delay)
        return delay

    def succeeded(self, tenant_id: uuid.UUID) -> None:
        self._failed.pop(tenant_id, None)


async def completion_worker(kernel: KernelAPI) -> None:
    """The job ``vats serve`` runs (``register_workers``): completes every requested migration,
    resuming those a stopped process left midway."""
    backoff = Backoff()
    while True:
        await complete_requested(kernel, backoff)
        await idle(POLL_S)


async def complete_requested(kernel: KernelAPI, backoff: Backoff | None = None) -> int:
    """Run every requested completion to its end; how many were completed. One that fails is
    logged and left for later (``backoff``: not before its time comes again); the others go on."""
    backoff = backoff if backoff is not None else Backoff()
    async with kernel.db.system() as conn:
        tenants = [r["tenant_id"] for r in await conn.fetch(
            "SELECT tenant_id FROM migration_states WHERE status = 'completing' ORDER BY requested_at"
        )]  # fmt: skip
    done = 0
    for tenant_id in tenants:
        if not backoff.due(tenant_id):
            continue
        try:
            completed = await run_completion(kernel, tenant_id)
        except Exception:  # the step's transaction rolled back: nothing half-done, tried again later
            delay = backoff.failed(tenant_id)
            log.exception("the completion of tenant %s's migration failed; tried again in %.0f s", tenant_id, delay)
            continue
        backoff.succeeded(tenant_id)
        done += completed
    return done


async def run_completion(kernel: KernelAPI, tenant_id: uuid.UUID) -> bool:
    """Step until the migration is completed; True if this call completed it."""
    pause = float(os.environ.get(STEP_PAUSE_ENV) or 0)
    while True:
        outcome = await _step(kernel, tenant_id)
        if outcome != "stepped":
            return outcome == "completed"
        if pause:
            await asyncio.sleep(pause)


async def _step(kernel: KernelAPI, tenant_id: uuid.UUID) -> Literal["stepped", "completed", "idle"]:
    async with kernel.db.tenant(tenant_id) as conn:
        row = await conn.fetchrow("SELECT * FROM migration_states WHERE tenant_id = $1 FOR UPDATE", tenant_id)
        if row is None or row["status"] != "completing":
            return "idle"  # another process finished it meanwhile
        numbers = await conn.fetch(
            "SELECT m.*, n.scenario_id AS bound FROM migration_numbers m"
            " JOIN numbers n ON n.tenant_id = m.tenant_id AND n.id = m.number_id"
            " WHERE m.tenant_id = $1 ORDER BY m.e164",
            tenant_id,
        )  # fmt: skip
        done = row["steps_done"]
        if done < len(numbers) and done < row["steps_total"] - 1:
            warnings = await _check_number(kernel, conn, tenant_id, numbers[done])
            await conn.execute(
                "UPDATE migration_states SET steps_done = steps_done + 1, warnings = warnings || $2::jsonb"
                " WHERE tenant_id = $1",
                tenant_id, warnings,
            )  # fmt: skip
            return "stepped"
        await _switch(kernel, conn, row, numbers)
        return "completed"


def _target(number: Any) -> uuid.UUID | None:
    """The scenario a number follows after completion: the new one, unless the admin bound the
    number to another scenario by hand meanwhile (their choice stands)."""
    if number["bound"] is not None and number["bound"] != number["old_scenario_id"]:
        return number["bound"]  # type: ignore[no-any-return]
    return number["new_scenario_id"]  # type: ignore[no-any-return]


async def _check_number(kernel: KernelAPI, conn: Connection, tenant_id: uuid.UUID, number: Any) -> list[str]:
    target = _target(number)
    if target is None:
        return [f"{number['e164']}: no scenario to switch to; it will keep no scenario"]
    body = await conn.fetchval("SELECT body FROM scenarios WHERE tenant_id = $1 AND id = $2", tenant_id, target)
    if body is None:
        return [f"{number['e164']}: its scenario no longer exists"]
    try:
        await check_references(conn, tenant_id, check_body(body, kernel.blocks))
    except VatsError as exc:
        return [f"{number['e164']}: its new scenario has a problem: {exc}"]
    return []


async def _switch(kernel: KernelAPI, conn: Connection, row: Any, numbers: list[Any]) -> None:
    """The last step, in one transaction: every number to its scenario, the old rules retired,
    the migration completed and announced."""
    tenant_id = row["tenant_id"]
    warnings: list[str] = list(row["warnings"])
    for number in numbers:
        await conn.execute(
            "UPDATE numbers SET scenario_id = $3 WHERE tenant_id = $1 AND id = $2",
            tenant_id, number["number_id"], _target(number),
        )  # fmt: skip
    await conn.execute("UPDATE migration_numbers SET switched = true WHERE tenant_id = $1", tenant_id)
    # The old rules are the migration's: retired with it (the read-only trigger lets this
    # transaction through). A number the admin bound to them by hand... cannot exist: they are
    # the migration's numbers' only, and every one was just rebound.
    await conn.execute("SELECT set_config('vats.migration_switch', 'on', true)")
    await conn.execute(
        "DELETE FROM scenarios s USING migration_numbers m WHERE m.tenant_id = $1 AND s.tenant_id = m.tenant_id"
        " AND s.id = m.old_scenario_id AND NOT EXISTS"
        " (SELECT 1 FROM numbers n WHERE n.tenant_id = s.tenant_id AND n.scenario_id = s.id)",
        tenant_id,
    )  # fmt: skip
    await conn.execute("SELECT set_config('vats.migration_switch', '', true)")
    placeholders = await conn.fetchval(
        "SELECT count(*) FROM employees WHERE tenant_id = $1 AND lower(email) LIKE $2",
        tenant_id, f"%@{PLACEHOLDER_DOMAIN}",
    )  # fmt: skip
    if placeholders:
        warnings.append(f"{placeholders} employees have no e-mail yet and cannot sign in")
    counts = dict(
        await conn.fetchrow(
            "SELECT (SELECT count(*) FROM employees WHERE tenant_id = $1) AS employees,"
            " (SELECT count(*) FROM terminals WHERE tenant_id = $1 AND sip_login IS NOT NULL) AS lines,"
            " (SELECT count(*) FROM migration_numbers WHERE tenant_id = $1) AS numbers,"
            " (SELECT count(*) FROM scenarios WHERE tenant_id = $1) AS scenarios",
            tenant_id,
        )
        or {}
    )
    summary = {"source": row["source"], "counts": counts, "warnings": warnings, "tariff": row["tariff"]}
    await conn.execute(
        "UPDATE migration_states SET status = 'completed', steps_done = steps_total, completed_at = now(),"
        " warnings = $2::jsonb, summary = $3::jsonb WHERE tenant_id = $1",
        tenant_id, warnings, summary,
    )  # fmt: skip
    await kernel.plugins.emit("migration_completed", tenant_id=tenant_id, conn=conn, summary=summary, kernel=kernel)
    log.info("migration of tenant %s completed: %s", tenant_id, counts)
