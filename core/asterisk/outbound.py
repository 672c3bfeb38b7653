"""Outbound calls from employees' phones: which number they show (caller-ID rules per tenant,
group, employee or SIP line, optionally by destination prefix), which destinations a line may
not call (bans), and whether the call is recorded (the employee's override, else the tenant's
default, where the tenant has the recording service)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

import msgspec
from vats.core.errors import NotFoundError, ValidationError

Scope = Literal["tenant", "group", "employee", "line"]
SPECIFICITY = {"line": 0, "employee": 1, "group": 2, "tenant": 3}
_PREFIX = re.compile(r"^(\+[0-9]{1,14})?$")


class CallerIdRuleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    scope: Scope
    scope_id: uuid.UUID | None = None  # group, employee or SIP line (terminal) id; none for the tenant
    prefix: Annotated[str, msgspec.Meta(examples=["+7495"], max_length=15)] = ""  # destinations it applies to
    number_id: uuid.UUID  # one of the tenant's numbers


class CallerIdRule(CallerIdRuleIn, kw_only=True):
    id: uuid.UUID


class BanIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    terminal_id: uuid.UUID
    prefix: Annotated[str, msgspec.Meta(examples=["+"], max_length=15)]  # "+" bans every outside call


class Ban(BanIn, kw_only=True):
    id: uuid.UUID


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    destination: str
    allowed: bool
    why: str
    caller_id: str | None = None  # E.164 shown to the called party
    record: bool = False


def normalise_destination(dialled: str) -> str:
    """What a Russian user dials, as E.164: 8 495 ... and 7 495 ... become +7 495 ..."""
    digits = "".join(ch for ch in dialled if ch.isdigit())
    if dialled.startswith("+"):
        return f"+{digits}"
    if len(digits) == 11 and digits[0] in "78":
        return f"+7{digits[1:]}"
    if len(digits) == 10 and digits[0] == "9":
        return f"+7{digits}"
    return f"+{digits}" if len(digits) > 10 else digits


async def check_rule(conn: Any, tenant_id: uuid.UUID, rule: CallerIdRuleIn) -> None:
    if not _PREFIX.match(rule.prefix):
        raise ValidationError("a prefix is + and digits, e.g. +7495", field="prefix")
    table = {"group": "groups", "employee": "employees", "line": "terminals"}.get(rule.scope)
    if table is None:
        if rule.scope_id is not None:
            raise ValidationError("a tenant-wide rule names no scope_id", field="scope_id")
    elif rule.scope_id is None or not await conn.fetchval(
        # FOR KEY SHARE: a deletion of the employee, group or line waits for this rule and then
        # finds it among its references (scope_id has no foreign key: it names one of three tables).
        f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE", tenant_id, rule.scope_id
    ):
        raise NotFoundError(f"no such {rule.scope}", field="scope_id")
    if not await conn.fetchval("SELECT true FROM numbers WHERE tenant_id = $1 AND id = $2", tenant_id, rule.number_id):
        raise NotFoundError("no such number in this PBX", field="number_id")


async def add_rule(conn: Any, tenant_id: uuid.UUID, rule: CallerIdRuleIn) -> CallerIdRule:
    await check_rule(conn, tenant_id, rule)
    row = await conn.fetchrow(
        "INSERT INTO outbound_caller_ids (tenant_id, scope, scope_id, prefix, number_id) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (tenant_id, scope, scope_id, prefix) DO UPDATE SET number_id = EXCLUDED.number_id RETURNING *",
        tenant_id, rule.scope, rule.scope_id, rule.prefix, rule.number_id,
    )  # fmt: skip
    return _rule(row)


async def list_rules(conn: Any, tenant_id: uuid.UUID) -> list[CallerIdRule]:
    rows = await conn.fetch(
        "SELECT * FROM outbound_caller_ids WHERE tenant_id = $1 ORDER BY scope, prefix, id", tenant_id
    )
    return [_rule(r) for r in rows]


async def delete_rule(conn: Any, tenant_id: uuid.UUID, rule_id: uuid.UUID) -> None:
    if not await conn.fetchval(
        "DELETE FROM outbound_caller_ids WHERE tenant_id = $1 AND id = $2 RETURNING true", tenant_id, rule_id
    ):
        raise NotFoundError("no such caller-ID rule", field="rule_id")


def _rule(row: Any) -> CallerIdRule:
    return CallerIdRule(
        id=row["id"], scope=row["scope"], scope_id=row["scope_id"], prefix=row["prefix"], number_id=row["number_id"]
    )


async def add_ban(conn: Any, tenant_id: uuid.UUID, ban: BanIn) -> Ban:
    if not re.match(r"^\+[0-9]{0,14}$", ban.prefix):
        raise ValidationError("a prefix is + and digits; + alone bans every outside call", field="prefix")
    if not await conn.fetchval(
        "SELECT true FROM terminals WHERE tenant_id = $1 AND id = $2 AND sip_login IS NOT NULL",
        tenant_id,
        ban.terminal_id,
    ):
        raise NotFoundError("no such SIP line", field="terminal_id")
    row = await conn.fetchrow(
        "INSERT INTO outbound_bans (tenant_id, terminal_id, prefix) VALUES ($1, $2, $3)"
        " ON CONFLICT (tenant_id, terminal_id, prefix) DO UPDATE SET prefix = EXCLUDED.prefix RETURNING *",
        tenant_id, ban.terminal_id, ban.prefix,
    )  # fmt: skip
    return Ban(id=row["id"], terminal_id=row["terminal_id"], prefix=row["prefix"])


async def list_bans(conn: Any, tenant_id: uuid.UUID) -> list[Ban]:
    rows = await conn.fetch("SELECT * FROM outbound_bans WHERE tenant_id = $1 ORDER BY terminal_id, prefix", tenant_id)
    return [Ban(id=r["id"], terminal_id=r["terminal_id"], prefix=r["prefix"]) for r in rows]


async def delete_ban(conn: Any, tenant_id: uuid.UUID, ban_id: uuid.UUID) -> None:
    if not await conn.fetchval(
        "DELETE FROM outbound_bans WHERE tenant_id = $1 AND id = $2 RETURNING true", tenant_id, ban_id
    ):
        raise NotFoundError("no such ban", field="ban_id")


async def decide(conn: Any, login: str, dialled: str) -> Decision | None:
    """The decision for a call the SIP line ``login`` makes to ``dialled`` (system scope:
    the line tells the tenant). None for an unknown line."""
    line = await conn.fetchrow(
        "SELECT t.id, t.tenant_id, t.employee_id, e.recording, s.settings FROM terminals t"
        " JOIN employees e ON (e.tenant_id, e.id) = (t.tenant_id, t.employee_id)"
        " JOIN tenants s ON s.id = t.tenant_id WHERE t.sip_login = $1",
        login,
    )
    if line is None:
        return None
    destination = normalise_destination(dialled)
    tenant_id, employee_id = line["tenant_id"], line["employee_id"]
    base = {"tenant_id": tenant_id, "employee_id": employee_id, "destination": destination}
    bans = await conn.fetch(
        "SELECT prefix FROM outbound_bans WHERE tenant_id = $1 AND terminal_id = $2", tenant_id, line["id"]
    )
    for ban in bans:
        if destination.startswith(ban["prefix"]):
            return Decision(**base, allowed=False, why=f"calls to {ban['prefix']}... are banned on this line")
    rules = await conn.fetch(
        "SELECT r.scope, r.prefix, n.e164 FROM outbound_caller_ids r"
        " JOIN numbers n ON (n.tenant_id, n.id) = (r.tenant_id, r.number_id)"
        " WHERE r.tenant_id = $1 AND (r.scope = 'tenant' OR (r.scope = 'line' AND r.scope_id = $2)"
        " OR (r.scope = 'employee' AND r.scope_id = $3) OR (r.scope = 'group' AND r.scope_id IN"
        "   (SELECT group_id FROM group_members WHERE tenant_id = $1 AND employee_id = $3)))",
        tenant_id, line["id"], employee_id,
    )  # fmt: skip
    matching = [r for r in rules if destination.startswith(r["prefix"])]
    matching.sort(key=lambda r: (SPECIFICITY[r["scope"]], -len(r["prefix"])))
    caller_id = matching[0]["e164"] if matching else None
    settings = line["settings"] or {}
    record = bool(settings.get("recording_enabled")) and (
        line["recording"] == "on" or (line["recording"] == "default" and bool(settings.get("recording_default")))
    )
    why = f"caller ID {caller_id} by the {matching[0]['scope']} rule" if matching else "no caller-ID rule"
    return Decision(**base, allowed=True, why=why, caller_id=caller_id, record=record)
