"""From an old customer to what vats would create, and every problem on the way.

``plan_customer`` is pure: it proposes the employees (seed 000: every SIP line or outside number
used as a forwarding addressee counts as an employee, unless the export gives the employees),
binds every existing line, prefills extensions from the short numbers and checks the
directory's rules, naming the place of each problem in the customer (``numbers[1].number``).
``check_against_database`` adds what only the database knows: numbers, log-ins and e-mails
already used by any tenant, and whether the customer was already imported.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.directory.validation import (
    check_email,
    extension_problem,
    normalise_phone,
    sip_login_problem,
    sip_password_problem,
)
from vats.core.errors import ValidationError
from vats.core.migration_export import Interval, LineBinding, OldCustomer, OldEmployee, Step

# Employees the old cabinet knew only as an addressee have no e-mail yet; the wizard (or the
# admin, before completion) sets the real one. Until then a unique address under the reserved
# top-level domain .invalid (RFC 2606) stands in: it can never receive mail or sign in.
PLACEHOLDER_DOMAIN = "migration.invalid"


class MigrationProblem(msgspec.Struct, frozen=True, kw_only=True):
    """Named so in the API's schema: ``Problem`` there is RFC 9457's problem details."""

    place: str  # where in the customer (a path) the problem is
    message: str


Problem = MigrationProblem


class PlannedLine(msgspec.Struct, frozen=True, kw_only=True):
    login: str
    password: str
    kind: str


class PlannedEmployee(msgspec.Struct, frozen=True, kw_only=True):
    full_name: str
    email: str
    placeholder_email: bool
    role: str
    extension: str | None
    lines: list[PlannedLine]
    external_numbers: list[str]
    caller_id: str | None


class PlannedStep(msgspec.Struct, frozen=True, kw_only=True):
    to: str  # a line's log-in (lower case) or an E.164 number: the addressee's key
    ring_s: int


class PlannedNumber(msgspec.Struct, frozen=True, kw_only=True):
    """A number and its old rules, with addressees as keys (see ``addressee_key``)."""

    e164: str
    name: str
    schedule: list[Interval] = []
    forwarding: list[PlannedStep] = []
    off_hours: list[PlannedStep] = []
    vip_lists: list[tuple[str, list[PlannedStep]]] = []
    vip_callers: dict[str, list[str]] = {}  # VIP list name -> its callers (E.164), for the old rules


def addressee_key(to: str) -> str:
    """The same key for an addressee wherever it is written: a log-in in lower case, or E.164."""
    return phone_or_none(to) or to.strip().lower()


def _steps(steps: list[Step]) -> list[PlannedStep]:
    return [PlannedStep(to=addressee_key(step.to), ring_s=step.ring_s) for step in steps]


class CustomerPlan(msgspec.Struct, kw_only=True):
    key: str  # "<source>:<customer id>": what makes an import idempotent
    customer_id: str
    name: str
    time_zone: str
    admin_email: str
    admin: PlannedEmployee  # the tenant's first admin (one of the employees, or an added one)
    employees: list[PlannedEmployee]  # the others
    numbers: list[PlannedNumber]
    problems: list[Problem]
    imported_tenant: uuid.UUID | None = None  # set when an earlier run already created it
    tariff: str | None = None  # the old tariff's name (billing maps it to a legacy tariff)
    # The old contacts and VIP callers as the ``import_contacts`` hook takes them: name, numbers
    # (E.164), tags (the VIP lists they are on, which the new scenarios' tag filters match).
    contacts: list[dict[str, Any]] = []

    @property
    def line_count(self) -> int:
        return sum(len(e.lines) for e in [self.admin, *self.employees])


def import_key(source: str, customer_id: str) -> str:
    return f"{source}:{customer_id}"


def _placeholder(key: str, n: int) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"employee-{n}.{digest}@{PLACEHOLDER_DOMAIN}"


def phone_or_none(text: str) -> str | None:
    try:
        return normalise_phone(text)
    except ValidationError:
        return None


def propose(customer: OldCustomer, problems: list[Problem]) -> list[OldEmployee]:
    """Seed 000's proposal: one employee per forwarding addressee (a line, or an outside
    number), in the order they first appear, then one per line no list used (every line must be
    bound). Unknown addressees are problems."""
    logins = {line.login.lower(): line for line in customer.lines}
    proposed: dict[str, OldEmployee] = {}

    def add(to: str, place: str) -> None:
        key = to.strip().lower()
        if key in proposed:
            return
        if key in logins:
            line = logins[key]
            name = line.name.strip() or f"Сотрудник {line.login}"
            proposed[key] = OldEmployee(full_name=name, lines=[LineBinding(login=line.login)])
        elif (e164 := phone_or_none(to)) is not None:
            if e164 not in proposed:
                proposed[e164] = OldEmployee(full_name=f"Сотрудник {e164}", external_numbers=[e164])
            proposed[key] = proposed[e164]
        else:
            problems.append(
                Problem(
                    place=place, message=f"unknown addressee {to!r}: neither a line of this customer nor a phone number"
                )
            )

    for n, number in enumerate(customer.numbers):
        lists = [("forwarding", number.forwarding), ("off_hours", number.off_hours)]
        lists += [(f"vip_lists[{v}].forwarding", vip.forwarding) for v, vip in enumerate(number.vip_lists)]
        for list_name, steps in lists:
            for s, step in enumerate(steps):
                add(step.to, f"numbers[{n}].{list_name}[{s}].to")
    for i, short in enumerate(customer.short_numbers):
        add(short.to, f"short_numbers[{i}].to")
    for line in customer.lines:
        add(line.login, "lines")
    unique: list[OldEmployee] = []
    for employee in proposed.values():
        if not any(employee is seen for seen in unique):
            unique.append(employee)
    return unique


def plan_customer(source: str, customer: OldCustomer) -> CustomerPlan:
    """What would be created for the customer, with every problem found without the database."""
    key = import_key(source, customer.id)
    problems: list[Problem] = []
    people = customer.employees if customer.employees is not None else propose(customer, problems)
    explicit = customer.employees is not None
    where = "employees" if explicit else "proposed employees"

    lines = {}
    for i, line in enumerate(customer.lines):
        place = f"lines[{i}]"
        if (problem := sip_login_problem(line.login)) is not None:
            problems.append(Problem(place=f"{place}.login", message=problem))
        if (problem := sip_password_problem(line.password)) is not None:
            problems.append(Problem(place=f"{place}.password", message=f"line {line.login}: {problem}"))
        if line.login.lower() in lines:
            problems.append(Problem(place=f"{place}.login", message=f"the log-in {line.login} is listed twice"))
        lines[line.login.lower()] = line

    numbers: list[PlannedNumber] = []
    for i, number in enumerate(customer.numbers):
        e164 = phone_or_none(number.number)
        if e164 is None:
            problems.append(
                Problem(place=f"numbers[{i}].number", message=f"{number.number!r} is not a valid phone number")
            )
        elif any(n.e164 == e164 for n in numbers):
            problems.append(Problem(place=f"numbers[{i}].number", message=f"duplicate number {e164}"))
        else:
            for k, interval in enumerate(number.schedule):
                if interval.end != "24:00" and interval.start >= interval.end:
                    problems.append(
                        Problem(place=f"numbers[{i}].schedule[{k}]", message="the interval ends before it starts")
                    )
            numbers.append(PlannedNumber(
                e164=e164, name=number.name, schedule=number.schedule, forwarding=_steps(number.forwarding),
                off_hours=_steps(number.off_hours),
                vip_lists=[(vip.name, _steps(vip.forwarding)) for vip in number.vip_lists],
                vip_callers={vip.name: [p for c in vip.callers if (p := phone_or_none(c))] for vip in number.vip_lists},
            ))  # fmt: skip
    own_numbers = {n.e164 for n in numbers}
    if explicit:  # the proposal (``propose``) reports unknown addressees itself
        for i, number in enumerate(customer.numbers):
            lists = [("forwarding", number.forwarding), ("off_hours", number.off_hours)]
            lists += [(f"vip_lists[{v}].forwarding", vip.forwarding) for v, vip in enumerate(number.vip_lists)]
            for list_name, steps in lists:
                for s, step in enumerate(steps):
                    if step.to.strip().lower() not in lines and phone_or_none(step.to) is None:
                        message = f"unknown addressee {step.to!r}: neither a line of this customer nor a phone number"
                        problems.append(Problem(place=f"numbers[{i}].{list_name}[{s}].to", message=message))

    short_of: dict[str, str] = {}
    for i, short in enumerate(customer.short_numbers):
        if (problem := extension_problem(short.extension)) is not None:
            problems.append(Problem(place=f"short_numbers[{i}].extension", message=f"{short.extension}: {problem}"))
            continue
        target = short.to.strip().lower()
        target = phone_or_none(short.to) or target
        short_of.setdefault(target, short.extension)

    planned: list[PlannedEmployee] = []
    bound: dict[str, str] = {}
    externals: dict[str, str] = {}
    extensions: dict[str, str] = {}
    for e, person in enumerate(people):
        place = f"{where}[{e}]"
        p_lines: list[PlannedLine] = []
        for b, binding in enumerate(person.lines):
            login = binding.login.lower()
            if login not in lines:
                problems.append(
                    Problem(place=f"{place}.lines[{b}]", message=f"{binding.login} is not a line of this customer")
                )
                continue
            if login in bound:
                problems.append(
                    Problem(
                        place=f"{place}.lines[{b}]", message=f"line {binding.login} is already bound to {bound[login]}"
                    )
                )
                continue
            bound[login] = person.full_name
            p_lines.append(PlannedLine(login=lines[login].login, password=lines[login].password, kind=binding.kind))
        p_externals = []
        for x, text in enumerate(person.external_numbers):
            e164 = phone_or_none(text)
            if e164 is None:
                problems.append(
                    Problem(place=f"{place}.external_numbers[{x}]", message=f"{text!r} is not a valid phone number")
                )
            elif e164 in externals:
                problems.append(
                    Problem(
                        place=f"{place}.external_numbers[{x}]",
                        message=f"{e164} is already an outside number of {externals[e164]}",
                    )
                )
            else:
                externals[e164] = person.full_name
                p_externals.append(e164)
        extension = person.extension
        if extension is None:  # prefilled from the old short numbers (seed 000)
            extension = next(
                (short_of[k] for k in [ln.login.lower() for ln in p_lines] + p_externals if k in short_of), None
            )
        if extension is not None:
            if (problem := extension_problem(extension)) is not None:
                problems.append(Problem(place=f"{place}.extension", message=f"{extension}: {problem}"))
                extension = None
            elif extension in extensions:
                problems.append(
                    Problem(
                        place=f"{place}.extension",
                        message=f"extension {extension} is already {extensions[extension]}'s",
                    )
                )
                extension = None
            else:
                extensions[extension] = person.full_name
        email, placeholder = _email_of(person, key, e, place, problems)
        caller_id = None
        if person.caller_id is not None:
            caller_id = phone_or_none(person.caller_id)
            if caller_id not in own_numbers:
                problems.append(
                    Problem(
                        place=f"{place}.caller_id", message=f"{person.caller_id} is not one of this customer's numbers"
                    )
                )
                caller_id = None
        planned.append(PlannedEmployee(
            full_name=person.full_name.strip(), email=email, placeholder_email=placeholder, role=person.role,
            extension=extension, lines=p_lines, external_numbers=p_externals, caller_id=caller_id,
        ))  # fmt: skip
    if explicit:
        unbound = [line.login for key_, line in lines.items() if key_ not in bound]
        if unbound:
            problems.append(Problem(place="lines", message=f"lines bound to no employee: {', '.join(unbound)}"))
    _check_unique(planned, "full_name", where, "another employee has this name", problems)
    _check_unique(planned, "email", where, "another employee has this e-mail", problems)

    try:
        admin_email = check_email(customer.admin_email, field="admin_email")
    except ValidationError as exc:
        problems.append(Problem(place="admin_email", message=exc.message))
        admin_email = customer.admin_email
    admin = next((p for p in planned if p.email == admin_email), None)
    if admin is not None:
        planned.remove(admin)
        admin = msgspec.structs.replace(admin, role="admin")
    else:
        name = "Администратор"
        if any(p.full_name == name for p in planned):
            name = f"Администратор ({admin_email})"
        admin = PlannedEmployee(
            full_name=name, email=admin_email, placeholder_email=False, role="admin", extension=None, lines=[],
            external_numbers=[], caller_id=None,
        )  # fmt: skip
    return CustomerPlan(
        key=key, customer_id=customer.id, name=customer.name, time_zone=customer.time_zone, admin_email=admin_email,
        admin=admin, employees=planned, numbers=numbers, problems=problems,
        tariff=customer.tariff.name if customer.tariff is not None else None, contacts=_contacts(customer),
    )  # fmt: skip


def _contacts(customer: OldCustomer) -> list[dict[str, Any]]:
    """Every old contact with the VIP lists it is on as tags, and every VIP caller who was no
    contact as one named by their number; unreadable numbers are left out."""
    by_number: dict[str, dict[str, Any]] = {}
    for contact in customer.contacts:
        numbers = [e164 for n in contact.numbers if (e164 := phone_or_none(n))]
        if numbers:
            entry: dict[str, Any] = {
                "name": contact.name,
                "numbers": numbers,
                "tags": list(dict.fromkeys(contact.vip_lists)),
            }
            for e164 in numbers:
                by_number.setdefault(e164, entry)
    for number in customer.numbers:
        for vip in number.vip_lists:
            for caller in vip.callers:
                e164 = phone_or_none(caller)
                if e164 is None:
                    continue
                entry = by_number.setdefault(e164, {"name": e164, "numbers": [e164], "tags": []})
                tags: list[str] = entry["tags"]
                if vip.name not in tags:
                    tags.append(vip.name)
    unique: list[dict[str, Any]] = []
    for entry in by_number.values():
        if not any(entry is seen for seen in unique):
            unique.append(entry)
    return unique


def _email_of(person: OldEmployee, key: str, n: int, place: str, problems: list[Problem]) -> tuple[str, bool]:
    if person.email is None or not person.email.strip():
        return _placeholder(key, n), True
    try:
        return check_email(person.email), False
    except ValidationError as exc:
        problems.append(Problem(place=f"{place}.email", message=exc.message))
        return _placeholder(key, n), True


def _check_unique(planned: list[PlannedEmployee], attr: str, where: str, message: str, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for i, person in enumerate(planned):
        value = str(getattr(person, attr)).lower()
        if value in seen:
            problems.append(Problem(place=f"{where}[{i}].{attr}", message=f"{message}: {getattr(person, attr)}"))
        seen.add(value)


def everyone(plan: CustomerPlan) -> Iterable[PlannedEmployee]:
    yield plan.admin
    yield from plan.employees


async def check_against_database(conn: Connection, plan: CustomerPlan, *, refill: uuid.UUID | None = None) -> None:
    """Add what only the database knows, in a system-scoped transaction: whether this customer
    was imported already (then nothing else matters), and numbers, log-ins and e-mails that any
    tenant uses. ``refill``: the customer's own PBX, filled again after «Пересоздать»: what it
    holds itself (its numbers, its kept lines, its admin) is no problem."""
    if refill is None:
        plan.imported_tenant = await conn.fetchval("SELECT tenant_id FROM migration_imports WHERE key = $1", plan.key)
        if plan.imported_tenant is not None:
            return
    other = refill or uuid.UUID(int=0)
    numbers = [n.e164 for n in plan.numbers]
    elsewhere = {r["e164"] for r in await conn.fetch(
        "SELECT e164 FROM numbers WHERE e164 = ANY($1::text[]) AND tenant_id <> $2", numbers, other
    )}  # fmt: skip
    for e164 in numbers:
        if e164 in elsewhere:
            plan.problems.append(Problem(place="numbers", message=f"{e164} is already assigned to a PBX"))
    if refill is not None:  # filled again, it keeps its numbers: one taken back since cannot be rebuilt
        held = {r["e164"] for r in await conn.fetch(
            "SELECT e164 FROM numbers WHERE e164 = ANY($1::text[]) AND tenant_id = $2", numbers, refill
        )}  # fmt: skip
        for e164 in numbers:
            if e164 not in held and e164 not in elsewhere:
                plan.problems.append(Problem(place="numbers", message=f"{e164} is no longer a number of this PBX"))
    logins = {line.login.lower(): (person.full_name, line.login) for person in everyone(plan) for line in person.lines}
    for row in await conn.fetch(
        "SELECT lower(sip_login) AS login FROM terminals WHERE lower(sip_login) = ANY($1::text[]) AND tenant_id <> $2",
        list(logins),
        other,
    ):
        owner, login = logins[row["login"]]
        plan.problems.append(Problem(
            place="lines", message=f"the SIP log-in {login} (line of {owner}) is already used by another PBX's line",
        ))  # fmt: skip
    emails = [person.email for person in everyone(plan) if not person.placeholder_email]
    for row in await conn.fetch(
        "SELECT lower(email) AS email FROM employees WHERE lower(email) = ANY($1::text[])"
        " AND NOT (tenant_id = $2 AND role = 'admin' AND lower(email) = lower($3))",
        emails,
        other,
        plan.admin_email,
    ):
        plan.problems.append(
            Problem(place="employees", message=f"the e-mail {row['email']} is already an account's log-in")
        )
