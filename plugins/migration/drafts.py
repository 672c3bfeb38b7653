"""The migration wizard's data (seed 000): a draft per old customer, its employee list proposed
from the forwarding addressees, saved at any step (even incomplete), checked, and finally
created ("Создать ЛК ВАТС") the way ``vats migrate`` creates a customer.

Drafts are the operator's (system scope): before creation the customer has no tenant in vats.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ConflictError, NotFoundError, ValidationError
from vats.core.migration_export import LineBinding, OldCustomer, OldEmployee
from vats.core.protocols import KernelAPI
from vats.plugins.migration.create import create_customer, invite_everyone, refill_customer
from vats.plugins.migration.plan import (
    Problem,
    check_against_database,
    import_key,
    phone_or_none,
    plan_customer,
    propose,
)


class WizardEmployee(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One row of the wizard's employee step. Every field may still be empty: the admin saves
    whenever they like; the check and the creation say what is missing."""

    full_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    role: Literal["admin", "user"] = "user"
    extension: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    lines: list[LineBinding] = []
    external_numbers: list[Annotated[str, msgspec.Meta(max_length=40)]] = []
    caller_id: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class EmployeesIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    employees: Annotated[list[WizardEmployee], msgspec.Meta(max_length=1000)]


class DraftView(msgspec.Struct, kw_only=True):
    """What the wizard shows: the employee rows (as saved, or as proposed), what they choose
    from (the customer's lines, the outside numbers it forwarded to, its numbers), and the
    problems that would stop the creation now."""

    id: uuid.UUID
    key: str
    customer_id: str
    name: str
    status: Literal["draft", "created"]
    tenant_id: uuid.UUID | None
    saved: bool  # False: the rows are the proposal, never saved
    saved_at: dt.datetime
    employees: list[WizardEmployee]
    lines: list[str]
    addressees: list[str]
    numbers: list[str]
    problems: list[Problem]


class DraftSummary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    key: str
    name: str
    status: Literal["draft", "created"]


class Created(msgspec.Struct, kw_only=True):
    tenant_id: uuid.UUID
    employees: int
    lines: int
    numbers: int
    invitations_sent: int  # to every employee with a real e-mail (seed 000)


async def add_drafts(conn: Connection, source: str, customers: list[OldCustomer]) -> list[DraftSummary]:
    """A draft per customer; a customer already drafted keeps its draft (and what was saved)."""
    out = []
    for customer in customers:
        key = import_key(source, customer.id)
        row = await conn.fetchrow(
            "INSERT INTO migration_drafts (key, source, customer) VALUES ($1, $2, $3)"
            " ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING id, tenant_id, reopened",
            key, source, msgspec.to_builtins(customer),
        )  # fmt: skip
        assert row is not None
        status = _status(row)
        out.append(DraftSummary(id=row["id"], key=key, name=customer.name, status=status))
    return out


async def list_drafts(conn: Connection) -> list[DraftSummary]:
    rows = await conn.fetch(
        "SELECT id, key, customer->>'name' AS name, tenant_id, reopened FROM migration_drafts ORDER BY key"
    )
    return [DraftSummary(id=r["id"], key=r["key"], name=r["name"], status=_status(r)) for r in rows]


def _status(row: Any) -> Literal["draft", "created"]:
    """A draft whose PBX exists is "created", unless «Пересоздать» reopened it: then it is at
    the employee step again and creating it fills that PBX again."""
    return "created" if row["tenant_id"] is not None and not row["reopened"] else "draft"


async def _load(conn: Connection, draft_id: uuid.UUID, *, lock: bool = False) -> Any:
    row = await conn.fetchrow(
        "SELECT * FROM migration_drafts WHERE id = $1" + (" FOR UPDATE" if lock else ""), draft_id
    )
    if row is None:
        raise NotFoundError("no such migration draft", field="draft_id")
    return row


def _rows_of(row: Any, customer: OldCustomer) -> tuple[list[WizardEmployee], bool]:
    if row["employees"] is not None:
        return msgspec.convert(row["employees"], list[WizardEmployee]), True
    proposed = propose(customer, [])
    return [msgspec.convert(msgspec.to_builtins(p), WizardEmployee) for p in proposed], False


def _with_rows(customer: OldCustomer, rows: list[WizardEmployee]) -> tuple[OldCustomer, list[Problem]]:
    """The customer with the wizard's rows as its employees; rows without a name are problems
    (named by their row) and stand in as "#n" so that every other check still runs."""
    problems = []
    people = []
    for i, row in enumerate(rows):
        name = row.full_name.strip()
        if not name:
            problems.append(Problem(place=f"employees[{i}].full_name", message="the employee needs a name"))
            name = f"#{i + 1}"
        people.append(OldEmployee(
            full_name=name, email=row.email or None, role=row.role, extension=row.extension or None,
            lines=row.lines, external_numbers=row.external_numbers, caller_id=row.caller_id or None,
        ))  # fmt: skip
    return msgspec.structs.replace(customer, employees=people), problems


async def view(conn: Connection, draft_id: uuid.UUID) -> DraftView:
    row = await _load(conn, draft_id)
    customer = msgspec.convert(row["customer"], OldCustomer)
    rows, saved = _rows_of(row, customer)
    problems: list[Problem] = []
    if _status(row) == "draft":
        planned_customer, problems = _with_rows(customer, rows)
        plan = plan_customer(row["source"], planned_customer)
        await check_against_database(conn, plan, refill=row["tenant_id"])
        problems += plan.problems
    addressees: list[str] = []
    for number in customer.numbers:
        for step in [*number.forwarding, *number.off_hours, *(s for v in number.vip_lists for s in v.forwarding)]:
            e164 = phone_or_none(step.to)
            if e164 is not None and e164 not in addressees:
                addressees.append(e164)
    return DraftView(
        id=row["id"], key=row["key"], customer_id=customer.id, name=customer.name,
        status=_status(row), tenant_id=row["tenant_id"], saved=saved,
        saved_at=row["saved_at"], employees=rows, lines=[line.login for line in customer.lines],
        addressees=addressees, numbers=[e for n in customer.numbers if (e := phone_or_none(n.number))],
        problems=problems,
    )  # fmt: skip


async def save_employees(conn: Connection, draft_id: uuid.UUID, rows: list[WizardEmployee]) -> DraftView:
    """Save the employee step as it is (seed 000: «Сохранить» at any step, even incomplete)."""
    row = await _load(conn, draft_id, lock=True)
    if _status(row) == "created":
        raise ConflictError("this customer's PBX was already created; change it in its cabinet", field="draft_id")
    await conn.execute(
        "UPDATE migration_drafts SET employees = $2, saved_at = now() WHERE id = $1",
        draft_id, msgspec.to_builtins(rows),
    )  # fmt: skip
    return await view(conn, draft_id)


async def create(kernel: KernelAPI, draft_id: uuid.UUID) -> Created:
    """«Создать ЛК ВАТС»: refused naming the first problem (and counting the others) while
    there is any; otherwise the PBX is created as ``vats migrate`` creates a customer."""
    async with kernel.db.system() as conn:
        row = await _load(conn, draft_id)
        if _status(row) == "created":
            raise ConflictError("this customer's PBX was already created", field="draft_id")
        customer = msgspec.convert(row["customer"], OldCustomer)
        rows, _ = _rows_of(row, customer)
        planned_customer, problems = _with_rows(customer, rows)
        plan = plan_customer(row["source"], planned_customer)
        await check_against_database(conn, plan, refill=row["tenant_id"])
        problems += plan.problems
    if row["tenant_id"] is not None:  # reopened by «Пересоздать»: fill that PBX again
        if problems:
            _refuse(problems)
        async with kernel.db.system() as conn:  # one re-creation at a time
            locked = await conn.fetchrow("SELECT reopened FROM migration_drafts WHERE id = $1 FOR UPDATE", draft_id)
            if locked is None or not locked["reopened"]:
                raise ConflictError("this customer's PBX was already created", field="draft_id")
            first_admin = await refill_customer(kernel, plan, row["tenant_id"])
            await conn.execute("UPDATE migration_drafts SET reopened = false WHERE id = $1", draft_id)
        invited = await invite_everyone(kernel, row["tenant_id"], besides=first_admin)
        return Created(
            tenant_id=row["tenant_id"], employees=1 + len(plan.employees), lines=plan.line_count,
            numbers=len(plan.numbers), invitations_sent=invited,
        )  # fmt: skip
    if plan.imported_tenant is not None:  # by vats migrate, or a creation that stopped before marking the draft
        async with kernel.db.system() as conn:
            await conn.execute(
                "UPDATE migration_drafts SET tenant_id = $2 WHERE id = $1", draft_id, plan.imported_tenant
            )
        raise ConflictError("this customer was already imported", field="draft_id")
    if problems:
        _refuse(problems)
    tenant_id = await create_customer(kernel, row["source"], plan)
    if tenant_id is None:
        raise ConflictError("this customer was already imported (vats migrate)", field="draft_id")
    async with kernel.db.system() as conn:
        await conn.execute("UPDATE migration_drafts SET tenant_id = $2 WHERE id = $1", draft_id, tenant_id)
    invited = await invite_everyone(kernel, tenant_id)
    return Created(
        tenant_id=tenant_id, employees=1 + len(plan.employees), lines=plan.line_count, numbers=len(plan.numbers),
        invitations_sent=invited,
    )  # fmt: skip


def _refuse(problems: list[Problem]) -> None:
    first = problems[0]
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    raise ValidationError(f"{first.message}{more}", field=first.place)


async def short_numbers(conn: Connection, draft_id: uuid.UUID) -> dict[str, str]:
    """The old short numbers of a draft's customer by addressee key (a line's log-in in lower
    case, or E.164), first one wins: the wizard prefills an employee's extension from them."""
    row = await _load(conn, draft_id)
    customer = msgspec.convert(row["customer"], OldCustomer)
    found: dict[str, str] = {}
    for short in customer.short_numbers:
        found.setdefault(phone_or_none(short.to) or short.to.strip().lower(), short.extension)
    return found


class Preview(msgspec.Struct, kw_only=True):
    """What «Создать ЛК ВАТС» would create now: the first admin counts among the employees
    (added when no row has the export's admin e-mail), invitations go to real e-mails only."""

    employees: int
    lines: int
    numbers: int
    admin: str  # the PBX's first admin's e-mail
    invited: list[str]


async def preview(conn: Connection, draft_id: uuid.UUID) -> Preview:
    row = await _load(conn, draft_id)
    customer = msgspec.convert(row["customer"], OldCustomer)
    rows, _ = _rows_of(row, customer)
    planned_customer, _ = _with_rows(customer, rows)
    plan = plan_customer(row["source"], planned_customer)
    people = [plan.admin, *plan.employees]
    return Preview(
        employees=len(people), lines=plan.line_count, numbers=len(plan.numbers), admin=plan.admin.email,
        invited=[p.email for p in people if not p.placeholder_email],
    )  # fmt: skip
