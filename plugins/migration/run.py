"""The operator's import of many customers: a dry run that plans and checks every customer,
then the real run that creates them.

The real run reads the files twice, never holding them: the first pass is the dry run (a
file's broken customer number 900 must stop the run before customer 1 is created: nothing is
created when anything is wrong), the second creates each customer in its own transaction. Across
customers only small fingerprints are kept (to find the same number or log-in in two customers
of one run), so memory stays flat in the number of customers.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec
from vats.core.errors import VatsError
from vats.core.migration_export import ExportSource
from vats.core.protocols import KernelAPI
from vats.plugins.migration.create import create_customer, invite_everyone
from vats.plugins.migration.plan import CustomerPlan, Problem, check_against_database, everyone, plan_customer
from vats.plugins.migration.reading import customers


class CustomerReport(msgspec.Struct, kw_only=True):
    """One customer's line in the dry run's report."""

    file: str
    customer_id: str
    name: str
    employees: int
    without_email: int
    lines: int
    numbers: int
    problems: list[Problem]
    imported_tenant: uuid.UUID | None


class DryRun(msgspec.Struct, kw_only=True):
    customers: int = 0
    with_problems: int = 0
    already_imported: int = 0
    employees: int = 0
    lines: int = 0
    numbers: int = 0

    @property
    def ok(self) -> bool:
        return self.with_problems == 0


class Outcome(msgspec.Struct, kw_only=True):
    created: int = 0
    already_imported: int = 0
    skipped_with_problems: int = 0
    failed: list[str] = []  # "customer id: error"
    employees: int = 0
    lines: int = 0
    numbers: int = 0
    invitations: int = 0
    seconds: float = 0.0


class _Seen:
    """Fingerprints (8 bytes each) of the numbers, log-ins and e-mails of the customers read so
    far in this run, to report the same one in two customers."""

    def __init__(self) -> None:
        self._owners: dict[bytes, str] = {}

    def claim(self, kind: str, value: str, owner: str) -> str | None:
        key = hashlib.blake2b(f"{kind}:{value.lower()}".encode(), digest_size=8).digest()
        first = self._owners.setdefault(key, owner)
        return None if first == owner else first


def _cross_customer(plan: CustomerPlan, seen: _Seen) -> None:
    for number in plan.numbers:
        if (other := seen.claim("number", number.e164, plan.customer_id)) is not None:
            plan.problems.append(
                Problem(place="numbers", message=f"{number.e164} is also a number of customer {other}")
            )
    for person in everyone(plan):
        for line in person.lines:
            if (other := seen.claim("login", line.login, plan.customer_id)) is not None:
                message = f"the SIP log-in {line.login} (line of {person.full_name}) is also customer {other}'s"
                plan.problems.append(Problem(place="lines", message=message))
        if not person.placeholder_email and (other := seen.claim("email", person.email, plan.customer_id)):
            plan.problems.append(
                Problem(place="employees", message=f"the e-mail {person.email} is also customer {other}'s")
            )


def _report(path: Path, plan: CustomerPlan) -> CustomerReport:
    people = list(everyone(plan))
    return CustomerReport(
        file=path.name, customer_id=plan.customer_id, name=plan.name, employees=len(people),
        without_email=sum(p.placeholder_email for p in people), lines=plan.line_count, numbers=len(plan.numbers),
        problems=plan.problems, imported_tenant=plan.imported_tenant,
    )  # fmt: skip


async def dry_run(
    kernel: KernelAPI,
    source: ExportSource,
    paths: Sequence[Path],
    limit_mb: float,
    on_customer: Callable[[CustomerReport], None] = lambda _r: None,
) -> DryRun:
    """Plan and check every customer of the files; ``on_customer`` gets each one's report as
    soon as it is checked. Creates nothing. Raises SourceError or ValidationError for a file
    that cannot be read (too big, broken)."""
    summary = DryRun()
    seen = _Seen()
    async with kernel.db.system() as conn:
        for path, customer in customers(source, paths, limit_mb):
            plan = plan_customer(source.name, customer)
            await check_against_database(conn, plan)
            if plan.imported_tenant is None:
                _cross_customer(plan, seen)
            summary.customers += 1
            if plan.imported_tenant is not None:
                summary.already_imported += 1
            elif plan.problems:
                summary.with_problems += 1
            else:
                summary.employees += 1 + len(plan.employees)
                summary.lines += plan.line_count
                summary.numbers += len(plan.numbers)
            on_customer(_report(path, plan))
    return summary


async def migrate(
    kernel: KernelAPI,
    source: ExportSource,
    paths: Sequence[Path],
    limit_mb: float,
    *,
    skip_problems: bool = False,
    invite: bool = False,
    on_customer: Callable[[CustomerReport], None] = lambda _r: None,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> tuple[DryRun, Outcome | None]:
    """The dry run, then (if it found no problem, or ``skip_problems``) the creation of every
    customer not imported before. Returns the dry run and the outcome (None: refused, nothing
    created). ``progress(done, total)`` after each customer of the second pass."""
    checked = await dry_run(kernel, source, paths, limit_mb, on_customer)
    if not checked.ok and not skip_problems:
        return checked, None
    outcome = Outcome()
    started = time.monotonic()
    seen = _Seen()
    done = 0
    for _path, customer in customers(source, paths, limit_mb):
        plan = plan_customer(source.name, customer)
        async with kernel.db.system() as conn:
            await check_against_database(conn, plan)
        if plan.imported_tenant is None:
            _cross_customer(plan, seen)
        if plan.imported_tenant is not None:
            outcome.already_imported += 1
        elif plan.problems:
            outcome.skipped_with_problems += 1
        else:
            try:
                tenant_id = await create_customer(kernel, source.name, plan)
            except VatsError as exc:
                outcome.failed.append(f"{plan.customer_id}: {exc}")
            else:
                if tenant_id is None:
                    outcome.already_imported += 1
                else:
                    if invite:
                        outcome.invitations += await invite_everyone(kernel, tenant_id)
                    outcome.created += 1
                    outcome.employees += 1 + len(plan.employees)
                    outcome.lines += plan.line_count
                    outcome.numbers += len(plan.numbers)
        done += 1
        progress(done, checked.customers)
    outcome.seconds = time.monotonic() - started
    return checked, outcome
