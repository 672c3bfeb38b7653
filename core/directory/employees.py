"""Employees with their terminals (SIP lines and external numbers), absences and extra periods.

Every query is scoped by ``tenant_id``; the connection comes from ``Database.tenant()``, so
row-level security backs each WHERE clause.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import msgspec
from msgspec import UNSET
from vats.core.db.database import Connection
from vats.core.directory._sql import changes, lock_row, lock_tenant, translated_errors, update_row
from vats.core.directory.forwarding import check_target, save_rule
from vats.core.directory.models import (
    SIP_LINE_KINDS,
    Absence,
    AbsenceCreate,
    Availability,
    Employee,
    EmployeeCreate,
    EmployeeListItem,
    EmployeeUpdate,
    ExtraPeriod,
    ExtraPeriodCreate,
    SipLineCreate,
    Tenant,
    Terminal,
    TerminalSecret,
    TerminalUpdate,
)
from vats.core.directory.schedules import default_calendar_id, default_schedule_id
from vats.core.directory.secrets import generate_password
from vats.core.directory.validation import (
    check_email,
    check_extension,
    check_name,
    check_range,
    check_sip_login,
    check_sip_password,
    check_time_zone,
    next_free_extension,
    normalise_phone,
)
from vats.core.errors import ConflictError, LimitError, NotFoundError, ValidationError

_EMPLOYEE_COLUMNS = {
    "full_name", "email", "role", "position", "extension", "dial_through",
    "time_zone", "schedule_id", "calendar_id", "availability", "recording", "ring_mode",
    "no_answer_after_s", "language",
}  # fmt: skip
_TERMINAL_COLUMNS = {"active", "is_primary", "schedule_id", "ring_delay_s", "ring_time_s", "channels", "position"}


def _terminal(r: Any) -> Terminal:
    return Terminal(
        id=r["id"], kind=r["kind"], sip_login=r["sip_login"], external_number=r["external_number"],
        active=r["active"], is_primary=r["is_primary"], schedule_id=r["schedule_id"],
        ring_delay_s=r["ring_delay_s"], ring_time_s=r["ring_time_s"], channels=r["channels"],
        position=r["position"],
    )  # fmt: skip


_EMPLOYEE = msgspec.json.Decoder(Employee)


async def get_employee(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> Employee:
    # The database builds the whole employee as JSON (vats_employee_json): one round trip.
    data = await conn.fetchval(
        "SELECT vats_employee_json(e) FROM employees e WHERE e.tenant_id = $1 AND e.id = $2", tenant_id, employee_id
    )
    if data is None:
        raise NotFoundError("no such employee", field="employee_id")
    return _EMPLOYEE.decode(data)


async def list_employees(conn: Connection, tenant_id: uuid.UUID) -> list[Employee]:
    """Every employee of the tenant with all details (for exports and the routing snapshot)."""
    data = await conn.fetchval(
        "SELECT coalesce(json_agg(vats_employee_json(e) ORDER BY e.full_name), '[]') FROM employees e"
        " WHERE e.tenant_id = $1",
        tenant_id,
    )
    return msgspec.json.decode(data, type=list[Employee])


# The sorts vats_employee_page knows (SQL migration 0003).
EMPLOYEE_SORTS = ("full_name", "-full_name", "extension", "-extension", "created_at", "-created_at")


async def employee_page_json(
    db_or_conn: Any,
    tenant_id: uuid.UUID,
    *,
    only_ids: set[uuid.UUID] | None = None,
    q: str | None = None,
    role: str | None = None,
    group_id: uuid.UUID | None = None,
    availability: str | None = None,
    sort: str = "full_name",
    limit: int = 50,
    offset: int = 0,
) -> str:
    """A page of the employee list as EmployeePage JSON ({"items", "total", "limit", "offset"}).

    One statement (vats_employee_page sets the tenant scope itself), so it runs on a pool or a
    connection without an explicit transaction: the list is the cabinet's busiest read.
    ``q`` matches name, e-mail, extension or position; ``only_ids`` limits to what the caller
    may see; ``sort`` is one of EMPLOYEE_SORTS.
    """
    if sort not in EMPLOYEE_SORTS:
        raise ValidationError(f"sort is one of {', '.join(EMPLOYEE_SORTS)}", field="sort")
    page: str = await db_or_conn.fetchval(
        "SELECT vats_employee_page($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        tenant_id, list(only_ids) if only_ids is not None else None, q or None, role, group_id, availability,
        sort, limit, offset,
    )  # fmt: skip
    return page


class EmployeePage(msgspec.Struct, kw_only=True):
    items: list[EmployeeListItem]
    total: int
    limit: int
    offset: int


# SIP lines one employee may have: one per device, a few devices each, with room to spare.
MAX_SIP_LINES = 20
_LOGIN_CONSTRAINTS = frozenset({"terminals_sip_login_key", "terminals_sip_login_ci"})


async def _new_sip_login(conn: Connection) -> str:
    """The next generated log-in ('005' + seven digits from one sequence) that no PBX uses: a
    log-in brought from another system may have taken a number the sequence reaches later."""
    while True:
        n = await conn.fetchval("SELECT nextval('sip_login_seq')")
        login = f"005{n:07d}"
        if not await conn.fetchval("SELECT vats_sip_login_taken($1)", login):
            return login


def login_taken_message(login: str) -> str:
    return f"the SIP log-in {login} is already used by another line (in this or another PBX)"


async def _insert_sip_line(
    conn: Connection,
    tenant_id: uuid.UUID,
    employee_id: uuid.UUID,
    line: SipLineCreate,
    position: int,
    field: str,
) -> TerminalSecret:
    """Insert one SIP line; ``field`` names the line in errors (e.g. ``sip_lines[3]``; empty
    when the input is the line itself).

    A given log-in that another line has (in any PBX) is a ConflictError naming the line. A
    generated one that a concurrent insert took between the check and the insert is drawn
    again, inside a savepoint so the transaction goes on."""
    password = line.sip_password or generate_password()
    for _attempt in range(5):
        login = line.sip_login or await _new_sip_login(conn)
        try:
            async with conn.transaction():
                terminal_id: uuid.UUID = await conn.fetchval(
                    "INSERT INTO terminals (tenant_id, employee_id, kind, sip_login, sip_password, position)"
                    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    tenant_id, employee_id, line.kind, login, password, position,
                )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name not in _LOGIN_CONSTRAINTS:
                raise
            if line.sip_login is not None:
                raise ConflictError(login_taken_message(login), field=_in(field, "sip_login")) from exc
            continue
        return TerminalSecret(terminal_id=terminal_id, sip_login=login, sip_password=password)
    raise ConflictError("no free SIP log-in could be drawn; try again", field=_in(field, "sip_login"))


def _in(prefix: str, name: str) -> str:
    """A field's name inside an input part (``sip_lines[2].sip_login``), or alone."""
    return f"{prefix}.{name}" if prefix else name


def _checked_lines(lines: list[SipLineCreate], field: str) -> list[SipLineCreate]:
    """The lines' own rules, before anything is written: log-in and password formats, no
    log-in twice in one request, at most MAX_SIP_LINES."""
    if len(lines) > MAX_SIP_LINES:
        raise LimitError(f"an employee has at most {MAX_SIP_LINES} SIP lines", field=field)
    seen: dict[str, int] = {}
    for i, line in enumerate(lines):
        if line.sip_login is not None:
            check_sip_login(line.sip_login, f"{field}[{i}].sip_login")
            if (first := seen.setdefault(line.sip_login.lower(), i)) != i:
                raise ValidationError(
                    f"the SIP log-in {line.sip_login} is given twice (lines {first} and {i})",
                    field=f"{field}[{i}].sip_login",
                )
        if line.sip_password is not None:
            check_sip_password(line.sip_password, f"{field}[{i}].sip_password")
    return lines


async def _add_external(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, number: str, position: int
) -> uuid.UUID:
    with translated_errors():
        terminal_id: uuid.UUID = await conn.fetchval(
            "INSERT INTO terminals (tenant_id, employee_id, kind, external_number, position, ring_delay_s)"
            " VALUES ($1, $2, 'external', $3, $4, 0) RETURNING id",
            tenant_id,
            employee_id,
            number,
            position,
        )
    return terminal_id


async def _claim_extension(conn: Connection, tenant_id: uuid.UUID, extension: str | None, field: str) -> str:
    if extension is None:
        taken = [
            r["extension"] for r in await conn.fetch("SELECT extension FROM extensions WHERE tenant_id = $1", tenant_id)
        ]
        return next_free_extension(taken)
    return check_extension(extension, field)


async def create_employee(
    conn: Connection, tenant: Tenant, data: EmployeeCreate
) -> tuple[Employee, list[TerminalSecret]]:
    """Create an employee with their SIP lines (by default three: mobile app, softphone,
    webphone; or the lines given, with their kinds and possibly their own log-ins) and the given
    external numbers; returns the employee and the new lines' credentials."""
    tid = tenant.id
    # Serialise creations per tenant so the seat count and the next free extension hold.
    seats_max = (await lock_tenant(conn, tid))["seats_max"]
    count = await conn.fetchval("SELECT count(*) FROM employees WHERE tenant_id = $1", tid)
    if count >= seats_max:
        raise LimitError(f"the tariff allows at most {seats_max} employees", field="seats")
    full_name = check_name(data.full_name, "full_name")
    email = check_email(data.email, tenant.settings.denied_email_domains)
    extension = await _claim_extension(conn, tid, data.extension, "extension")
    if data.time_zone is not None:
        check_time_zone(data.time_zone)
    check_range(data.no_answer_after_s, 5, 600, "no_answer_after_s")
    externals = [normalise_phone(n, f"external_numbers[{i}]") for i, n in enumerate(data.external_numbers)]
    lines = (
        [SipLineCreate(kind=kind) for kind in SIP_LINE_KINDS]
        if data.sip_lines is None
        else _checked_lines(data.sip_lines, "sip_lines")
    )
    with translated_errors():
        row = await conn.fetchrow(
            "INSERT INTO employees (tenant_id, full_name, email, role, position, extension, dial_through,"
            " time_zone, schedule_id, calendar_id, availability, recording,"
            " ring_mode, no_answer_after_s)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            tid,
            full_name,
            email,
            data.role,
            data.position.strip(),
            extension,
            data.dial_through,
            data.time_zone,
            data.schedule_id or await default_schedule_id(conn, tid),
            data.calendar_id or await default_calendar_id(conn, tid),
            data.availability,
            data.recording,
            data.ring_mode,
            data.no_answer_after_s,
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        employee_id: uuid.UUID = row["id"]
        await conn.execute(
            "INSERT INTO extensions (tenant_id, extension, employee_id) VALUES ($1, $2, $3)",
            tid,
            extension,
            employee_id,
        )
    secrets_ = [
        await _insert_sip_line(conn, tid, employee_id, line, position, f"sip_lines[{position}]")
        for position, line in enumerate(lines)
    ]
    for i, number in enumerate(externals):
        await _add_external(conn, tid, employee_id, number, len(lines) + i)
    if data.caller_id_number_id is not None:
        await set_caller_id(conn, tid, employee_id, data.caller_id_number_id)
    for group_id in data.group_ids:
        await add_membership(conn, tid, group_id, employee_id)
    await save_rule(conn, tid, "employee", employee_id, "no_answer", data.on_no_answer)
    await save_rule(conn, tid, "employee", employee_id, "off_hours", data.off_hours)
    return await get_employee(conn, tid, employee_id), secrets_


async def add_membership(conn: Connection, tenant_id: uuid.UUID, group_id: uuid.UUID, employee_id: uuid.UUID) -> None:
    """Append the employee to the end of the group's order (no-op if already a member)."""
    with translated_errors():
        await conn.execute(
            "INSERT INTO group_members (tenant_id, group_id, employee_id, position)"
            " SELECT $1, $2, $3, coalesce(max(position) + 1, 0) FROM group_members"
            " WHERE tenant_id = $1 AND group_id = $2 ON CONFLICT DO NOTHING",
            tenant_id,
            group_id,
            employee_id,
        )


async def update_employee(conn: Connection, tenant: Tenant, employee_id: uuid.UUID, data: EmployeeUpdate) -> Employee:
    tid = tenant.id
    if data.role is not msgspec.UNSET and data.role != "admin":
        # A demotion counts the other admins: two admins demoting each other at once must not
        # both see the other one still there (the tenant lock comes before the row's, as in
        # every path that takes both).
        await lock_tenant(conn, tid)
    await lock_row(conn, "employees", tid, employee_id, "employee_id")
    current = await get_employee(conn, tid, employee_id)
    values = changes(data, _EMPLOYEE_COLUMNS)
    if "full_name" in values:
        values["full_name"] = check_name(values["full_name"], "full_name")
    if "email" in values:
        values["email"] = check_email(values["email"], tenant.settings.denied_email_domains)
        if values["email"] != current.email and current.invitation_accepted:
            raise ValidationError(
                "the e-mail is the log-in and cannot change after the invitation was accepted",
                field="email",
            )
    if values.get("time_zone") is not None:
        check_time_zone(values["time_zone"])
    if "no_answer_after_s" in values:
        check_range(values["no_answer_after_s"], 5, 600, "no_answer_after_s")
    if "role" in values and current.role == "admin" and values["role"] != "admin":
        await _keep_one_admin(conn, tid, employee_id)
    if "extension" in values and values["extension"] != current.extension:
        values["extension"] = check_extension(values["extension"])
        with translated_errors():
            await conn.execute(
                "UPDATE extensions SET extension = $3 WHERE tenant_id = $1 AND employee_id = $2",
                tid,
                employee_id,
                values["extension"],
            )
    await update_row(conn, "employees", tid, employee_id, values)
    if data.caller_id_number_id is not msgspec.UNSET:
        await set_caller_id(conn, tid, employee_id, data.caller_id_number_id)
    for field, situation in (("on_no_answer", "no_answer"), ("off_hours", "off_hours")):
        target = getattr(data, field)
        if target is not msgspec.UNSET:
            await save_rule(conn, tid, "employee", employee_id, situation, target)
    return await get_employee(conn, tid, employee_id)


async def set_caller_id(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, number_id: uuid.UUID | None
) -> None:
    """The caller ID of the employee card: their own outbound caller-ID rule without a prefix
    (the one source of truth outbound calls read; a prefix rule of theirs is more specific and
    wins for its destinations). None removes it: a group's or the PBX's rule applies again."""
    if number_id is None:
        await conn.execute(
            "DELETE FROM outbound_caller_ids WHERE tenant_id = $1 AND scope = 'employee' AND scope_id = $2"
            " AND prefix = ''",
            tenant_id, employee_id,
        )  # fmt: skip
        return
    if not await conn.fetchval("SELECT true FROM numbers WHERE tenant_id = $1 AND id = $2", tenant_id, number_id):
        raise NotFoundError("no such number in this PBX", field="caller_id_number_id")
    await conn.execute(
        "INSERT INTO outbound_caller_ids (tenant_id, scope, scope_id, prefix, number_id)"
        " VALUES ($1, 'employee', $2, '', $3)"
        " ON CONFLICT (tenant_id, scope, scope_id, prefix) DO UPDATE SET number_id = EXCLUDED.number_id",
        tenant_id, employee_id, number_id,
    )  # fmt: skip


async def _keep_one_admin(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> None:
    """Refuse to lose the tenant's last admin; the caller holds ``lock_tenant``."""
    others = await conn.fetchval(
        "SELECT count(*) FROM employees WHERE tenant_id = $1 AND role = 'admin' AND id <> $2",
        tenant_id,
        employee_id,
    )
    if not others:
        raise ValidationError("a PBX keeps at least one admin", field="role")


async def languages(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> tuple[str | None, str]:
    """The employee's own language (None: the browser's) and the PBX's, in one read."""
    row = await conn.fetchrow(
        "SELECT e.language, t.language AS tenant_language FROM employees e JOIN tenants t ON t.id = e.tenant_id"
        " WHERE e.tenant_id = $1 AND e.id = $2",
        tenant_id,
        employee_id,
    )
    if row is None:
        raise NotFoundError("no such employee", field="employee_id")
    return row["language"], row["tenant_language"]


async def set_availability(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, mode: Availability) -> None:
    await update_row(conn, "employees", tenant_id, employee_id, {"availability": mode})


async def lock_for_deletion(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> None:
    """The locks a deletion holds from its checks to its DELETE: the tenant's (the last admin
    rule) and the employee's row, so of concurrent deletions one wins and the others find
    nothing (404) instead of each deleting, auditing and announcing it again. Refuses the
    last admin."""
    await lock_tenant(conn, tenant_id)
    await lock_row(conn, "employees", tenant_id, employee_id, "employee_id")
    await _keep_one_admin_if_admin(conn, tenant_id, employee_id)  # before references: forcing cannot help


async def promote_to_admin(conn: Connection, tenant_id: uuid.UUID, email: str) -> uuid.UUID:
    """Make the tenant's employee with this e-mail an admin (the operator's way back when a PBX
    needs a new admin); returns their id."""
    employee_id: uuid.UUID | None = await conn.fetchval(
        "UPDATE employees SET role = 'admin' WHERE tenant_id = $1 AND lower(email) = lower($2) RETURNING id",
        tenant_id,
        email.strip(),
    )
    if employee_id is None:
        raise NotFoundError("the PBX has no employee with this e-mail", field="email")
    return employee_id


async def delete_employee_row(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> None:
    """Remove the row (children cascade); callers hold ``lock_for_deletion`` and have dealt with
    the references (Directory._delete)."""
    await conn.execute("DELETE FROM employees WHERE tenant_id = $1 AND id = $2", tenant_id, employee_id)


async def _keep_one_admin_if_admin(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> None:
    role = await conn.fetchval("SELECT role FROM employees WHERE tenant_id = $1 AND id = $2", tenant_id, employee_id)
    if role is None:
        raise NotFoundError("no such employee", field="employee_id")
    if role == "admin":
        await _keep_one_admin(conn, tenant_id, employee_id)


# --- terminals ----------------------------------------------------------------------------


async def add_external_number(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, number: str) -> Terminal:
    await lock_row(conn, "employees", tenant_id, employee_id, "employee_id")  # one position each
    e164 = normalise_phone(number, "external_number")
    position = await conn.fetchval(
        "SELECT coalesce(max(position) + 1, 0) FROM terminals WHERE tenant_id = $1 AND employee_id = $2",
        tenant_id,
        employee_id,
    )
    terminal_id = await _add_external(conn, tenant_id, employee_id, e164, position)
    return await get_terminal(conn, tenant_id, employee_id, terminal_id)


async def get_terminal(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, terminal_id: uuid.UUID
) -> Terminal:
    row = await conn.fetchrow(
        "SELECT * FROM terminals WHERE tenant_id = $1 AND employee_id = $2 AND id = $3",
        tenant_id,
        employee_id,
        terminal_id,
    )
    if row is None:
        raise NotFoundError("no such terminal", field="terminal_id")
    return _terminal(row)


async def update_terminal(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, terminal_id: uuid.UUID, data: TerminalUpdate
) -> Terminal:
    terminal = await get_terminal(conn, tenant_id, employee_id, terminal_id)
    values = changes(data, _TERMINAL_COLUMNS)
    for field, (low, high) in {"ring_delay_s": (0, 300), "ring_time_s": (5, 300), "channels": (1, 100)}.items():
        if field in values:
            check_range(values[field], low, high, field)
    line_change = {f: getattr(data, f) for f in ("kind", "employee_id", "sip_login") if getattr(data, f) is not UNSET}
    if line_change and terminal.sip_login is None:
        raise ValidationError("an external number is not a SIP line", field=next(iter(line_change)))
    if "kind" in line_change:
        values["kind"] = line_change["kind"]
    if "sip_login" in line_change and line_change["sip_login"] != terminal.sip_login:
        values["sip_login"] = check_sip_login(line_change["sip_login"])
    owner = employee_id
    if "employee_id" in line_change and line_change["employee_id"] != employee_id:
        owner = line_change["employee_id"]
        values.update(await _moved_line_place(conn, tenant_id, employee_id, owner))
    try:
        await update_row(conn, "terminals", tenant_id, terminal_id, values)
    except ConflictError as exc:
        if exc.field == "sip_login":
            raise ConflictError(login_taken_message(values["sip_login"]), field="sip_login") from exc
        raise
    return await get_terminal(conn, tenant_id, owner, terminal_id)


async def _moved_line_place(
    conn: Connection, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> dict[str, Any]:
    """The columns that move a SIP line to another employee of the PBX: the new owner, and the
    end of their terminal order. Both employees are locked (in id order, so two moves in opposite
    directions cannot deadlock); the new owner's line count is checked."""
    for locked in sorted((from_id, to_id)):
        await lock_row(conn, "employees", tenant_id, locked, "employee_id" if locked == to_id else "id")
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE sip_login IS NOT NULL) AS lines, coalesce(max(position) + 1, 0) AS next"
        " FROM terminals WHERE tenant_id = $1 AND employee_id = $2",
        tenant_id,
        to_id,
    )
    assert row is not None
    if row["lines"] >= MAX_SIP_LINES:
        raise LimitError(f"an employee has at most {MAX_SIP_LINES} SIP lines", field="employee_id")
    # The schedule belongs to the line's old owner's way of working; the new owner starts clean.
    return {"employee_id": to_id, "position": row["next"], "schedule_id": None}


async def add_sip_line(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, line: SipLineCreate
) -> tuple[Terminal, TerminalSecret]:
    """One more SIP line for the employee, of the given kind, with the given or a generated
    log-in; returns the line and its credentials (shown once)."""
    await lock_row(conn, "employees", tenant_id, employee_id, "employee_id")  # count and position hold
    if line.sip_login is not None:
        check_sip_login(line.sip_login)
    if line.sip_password is not None:
        check_sip_password(line.sip_password)
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE sip_login IS NOT NULL) AS lines, coalesce(max(position) + 1, 0) AS next"
        " FROM terminals WHERE tenant_id = $1 AND employee_id = $2",
        tenant_id,
        employee_id,
    )
    assert row is not None
    if row["lines"] >= MAX_SIP_LINES:
        raise LimitError(f"an employee has at most {MAX_SIP_LINES} SIP lines", field="kind")
    secret = await _insert_sip_line(conn, tenant_id, employee_id, line, row["next"], "")
    return await get_terminal(conn, tenant_id, employee_id, secret.terminal_id), secret


async def remove_external_number(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, terminal_id: uuid.UUID
) -> None:
    terminal = await get_terminal(conn, tenant_id, employee_id, terminal_id)
    if terminal.kind != "external":
        raise ValidationError("SIP lines cannot be removed, only switched off", field="terminal_id")
    await conn.execute("DELETE FROM terminals WHERE tenant_id = $1 AND id = $2", tenant_id, terminal_id)


async def sip_secrets(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> list[TerminalSecret]:
    rows = await conn.fetch(
        "SELECT id, sip_login, sip_password FROM terminals WHERE tenant_id = $1 AND employee_id = $2"
        " AND sip_login IS NOT NULL ORDER BY position",
        tenant_id,
        employee_id,
    )
    return [TerminalSecret(terminal_id=r["id"], sip_login=r["sip_login"], sip_password=r["sip_password"]) for r in rows]


async def webphone_line(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> TerminalSecret | None:
    """The employee's webphone line (the cabinet's browser phone), if it is switched on."""
    row = await conn.fetchrow(
        "SELECT id, sip_login, sip_password FROM terminals WHERE tenant_id = $1 AND employee_id = $2"
        " AND kind = 'webphone' AND active AND sip_login IS NOT NULL AND sip_password IS NOT NULL"
        " ORDER BY position LIMIT 1",
        tenant_id,
        employee_id,
    )
    if row is None:
        return None
    return TerminalSecret(terminal_id=row["id"], sip_login=row["sip_login"], sip_password=row["sip_password"])


async def reset_sip_password(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, terminal_id: uuid.UUID
) -> TerminalSecret:
    terminal = await get_terminal(conn, tenant_id, employee_id, terminal_id)
    if terminal.sip_login is None:
        raise ValidationError("an external number has no SIP password", field="terminal_id")
    password = generate_password()
    await conn.execute(
        "UPDATE terminals SET sip_password = $3 WHERE tenant_id = $1 AND id = $2", tenant_id, terminal_id, password
    )
    return TerminalSecret(terminal_id=terminal_id, sip_login=terminal.sip_login, sip_password=password)


# --- absences and extra periods -----------------------------------------------------------


async def add_absence(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, data: AbsenceCreate) -> Absence:
    await get_employee(conn, tenant_id, employee_id)
    if data.ends_on < data.starts_on:
        raise ValidationError("the absence ends before it starts", field="ends_on")
    target = check_target(data.forward, "forward")
    if target.employee_id == employee_id:
        raise ValidationError("an absent employee cannot take their own calls", field="forward.employee_id")
    with translated_errors():
        absence_id = await conn.fetchval(
            "INSERT INTO absences (tenant_id, employee_id, kind, starts_on, ends_on, action,"
            " target_employee_id, target_group_id, external_number)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            tenant_id,
            employee_id,
            data.kind,
            data.starts_on,
            data.ends_on,
            target.action,
            target.employee_id,
            target.group_id,
            target.external_number,
        )
    return Absence(id=absence_id, kind=data.kind, starts_on=data.starts_on, ends_on=data.ends_on, forward=target)


async def delete_absence(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, absence_id: uuid.UUID) -> None:
    await _delete_child(conn, "absences", tenant_id, employee_id, absence_id, "absence_id")


async def _delete_child(
    conn: Connection, table: str, tenant_id: uuid.UUID, employee_id: uuid.UUID, row_id: uuid.UUID, field: str
) -> None:
    """Delete one row an employee owns (absence, extra period); 404 if it is not theirs."""
    status = await conn.execute(
        f"DELETE FROM {table} WHERE tenant_id = $1 AND employee_id = $2 AND id = $3", tenant_id, employee_id, row_id
    )
    if status.endswith(" 0"):
        raise NotFoundError(f"no such {field.removesuffix('_id')}", field=field)


async def add_extra_period(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, data: ExtraPeriodCreate
) -> ExtraPeriod:
    await get_employee(conn, tenant_id, employee_id)
    for field in ("starts_at", "ends_at"):
        if getattr(data, field).tzinfo is None:
            raise ValidationError("give a time zone offset, e.g. 2026-01-10T09:00:00+03:00", field=field)
    if data.ends_at <= data.starts_at:
        raise ValidationError("the period ends before it starts", field="ends_at")
    if data.ends_at - data.starts_at > dt.timedelta(days=366):
        raise ValidationError("a period lasts at most a year", field="ends_at")
    period_id = await conn.fetchval(
        "INSERT INTO extra_periods (tenant_id, employee_id, available, starts_at, ends_at, note)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        tenant_id,
        employee_id,
        data.available,
        data.starts_at,
        data.ends_at,
        data.note,
    )
    return ExtraPeriod(
        id=period_id, available=data.available, starts_at=data.starts_at, ends_at=data.ends_at, note=data.note
    )


async def delete_extra_period(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, period_id: uuid.UUID
) -> None:
    await _delete_child(conn, "extra_periods", tenant_id, employee_id, period_id, "period_id")
