"""From a call record (``call_ended``) to the CRM: the caller's contact, its personal manager,
the history row, tasks and the deal, in the transaction that stores the record.

Decisions where the seeds are silent:

* the client is the caller of an inbound call and the destination of an outbound one; internal
  calls make no contact;
* a missed inbound call makes a "missed" task unless the scenario already asked for one
  (voicemail, callback, failed forwarding, manager's task). Its assignee: the contact's
  personal manager if they were addressed, else the first group rung, else the first employee
  rung; a call nobody was rung for (the caller left in the greeting) makes no task;
* a call transferred to a colleague whom nobody answered after (the caller hung up while it
  rang) is missed by the last party: the task is the colleague's (the first employee rung after
  the transfer), although the call was answered before; once anyone answered after the
  transfer (the colleague, or the call came back to someone), there is no missed task;
* employees whose phones were unavailable take no part in the personal-manager choice; an
  outside number that belongs to an employee counts as that employee (the record says so).
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from vats.core.calls.records import CallRecord
from vats.core.db.database import Connection
from vats.core.directory.service import load_tenant
from vats.core.protocols import KernelAPI
from vats.plugins.crm import cards, deals, events, tasks
from vats.plugins.crm.contacts import default_manager


def client_number(record: CallRecord) -> str | None:
    if record.direction == "inbound":
        number = record.caller
    elif record.direction == "outbound":
        number = record.number
    else:
        return None
    return number if number.startswith("+") and number[1:].isdigit() else None


def addressees(record: CallRecord) -> list[uuid.UUID]:
    """Employees rung, in the order they were rung, without those whose phones were unavailable."""
    seen: dict[uuid.UUID, None] = {}
    for p in record.participants:
        if p.employee_id is not None and p.outcome != "unavailable":
            seen.setdefault(p.employee_id, None)
    return list(seen)


def answerer(record: CallRecord) -> uuid.UUID | None:
    """Who took the call: the last employee who answered (a transferred call follows its last party)."""
    took = [p.employee_id for p in record.participants if p.outcome == "answered" and p.employee_id]
    return took[-1] if took else None


def manager_for_missed(
    rule: str, rung: list[uuid.UUID], record: CallRecord, default: uuid.UUID | None
) -> uuid.UUID | None:
    """The personal-manager rule on a missed call ("Если вызов пропущен")."""
    if rule == "default":
        return default
    if not rung:
        return None
    if rule == "first":
        return rung[0]
    if rule == "last_unanswered":
        missed = [p.employee_id for p in record.participants if p.employee_id in rung and p.outcome != "answered"]
        return missed[-1] if missed else None
    if rule == "random":
        return random.choice(rung)
    return None


async def on_call_ended(conn: Connection, kernel: KernelAPI, tenant_id: uuid.UUID, record: CallRecord) -> None:
    tenant = await load_tenant(conn, tenant_id)
    settings = tenant.settings
    number = client_number(record)
    rung = addressees(record)
    took = answerer(record)
    answered = record.answered_at is not None
    contact = None
    if number is not None:
        contact, created = await _contact_of(conn, tenant_id, number)
        if created:
            await events.push(conn, kernel, tenant_id, "contact", {"event": "created", **dict(contact)})
        if (
            contact["kind"] != "personal"
            and contact["manager_id"] is None
            and not answered
            and record.direction == "inbound"
        ):
            rule = settings.personal_manager.on_missed_call
            manager = manager_for_missed(rule, rung, record, await default_manager(conn, tenant_id, settings))
            if manager is not None:
                await conn.execute(
                    "UPDATE crm_contacts SET manager_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2",
                    tenant_id, contact["id"], manager,
                )  # fmt: skip
                contact = {**dict(contact), "manager_id": manager}
    made_by = record.caller_employee_id
    members: set[uuid.UUID] = set()
    if record.groups:  # who was rung as a member of a group, not personally (visibility follows the group)
        rows = await conn.fetch(
            "SELECT employee_id FROM group_members WHERE tenant_id = $1 AND group_id = ANY($2::uuid[])",
            tenant_id, record.groups,
        )  # fmt: skip
        members = {r["employee_id"] for r in rows}
    await conn.execute(
        "INSERT INTO crm_calls (id, tenant_id, started_at, direction, number, peer, contact_id, answered,"
        " answered_by, made_by, talk_s, addressed, personally, missed_by, groups, scenario_id, personal,"
        " has_recording, has_voicemail)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        " ON CONFLICT DO NOTHING",
        record.id, tenant_id, record.started_at, record.direction,
        record.number if record.direction == "inbound" else record.caller,
        record.caller if record.direction == "inbound" else record.number,
        contact["id"] if contact else None, answered, took, made_by, int(record.talk_s), rung,
        [e for e in rung if e not in members], [e for e in rung if e != took], record.groups, record.scenario_id,
        bool(contact and contact["kind"] == "personal"), bool(record.recordings), record.voicemail is not None,
    )  # fmt: skip
    await events.push(conn, kernel, tenant_id, "call", _call_payload(record, took, made_by, contact))
    task_ids = await _tasks(conn, kernel, tenant_id, record, contact, number, rung, took, settings)
    if settings.auto_deals and contact is not None and contact["kind"] != "personal":
        responsible = contact["manager_id"] or took or made_by or (rung[0] if rung else None)
        deal_id = await deals.auto_deal(conn, tenant_id, contact["id"], number or "", responsible)
        await cards.attach(conn, tenant_id, "deal", deal_id, "call", record.id)
        for task_id in task_ids:
            await cards.attach(conn, tenant_id, "deal", deal_id, "task", task_id)


async def _contact_of(conn: Connection, tenant_id: uuid.UUID, number: str) -> tuple[Any, bool]:
    row = await conn.fetchrow(
        "INSERT INTO crm_contacts (tenant_id, number) VALUES ($1, $2) ON CONFLICT (tenant_id, number) DO NOTHING"
        " RETURNING id, number, name, kind, manager_id",
        tenant_id, number,
    )  # fmt: skip
    if row is not None:
        return row, True
    row = await conn.fetchrow(
        "SELECT id, number, name, kind, manager_id FROM crm_contacts WHERE tenant_id = $1 AND number = $2",
        tenant_id, number,
    )  # fmt: skip
    return row, False


def _call_payload(
    record: CallRecord, took: uuid.UUID | None, made_by: uuid.UUID | None, contact: Any
) -> dict[str, Any]:
    return {
        "id": record.id, "direction": record.direction, "number": record.number, "caller": record.caller,
        "started_at": record.started_at, "answered_at": record.answered_at, "ended_at": record.ended_at,
        "talk_s": int(record.talk_s), "answered_by": took, "made_by": made_by,
        "contact_id": contact["id"] if contact else None, "manager_id": contact["manager_id"] if contact else None,
    }  # fmt: skip


async def _tasks(
    conn: Connection,
    kernel: KernelAPI,
    tenant_id: uuid.UUID,
    record: CallRecord,
    contact: Any,
    number: str | None,
    rung: list[uuid.UUID],
    took: uuid.UUID | None,
    settings: Any,
) -> list[uuid.UUID]:
    wanted: list[tuple[str, str, uuid.UUID]] = []
    for intent in record.intents:
        if await tasks.check_assignee(conn, tenant_id, intent.assignee_kind, intent.assignee_id):
            wanted.append((intent.kind, intent.assignee_kind, intent.assignee_id))
    answered = record.answered_at is not None
    handed_on = record.transfers[-1] if record.transfers else None
    if record.direction == "inbound" and handed_on is not None and not handed_on.answered and not wanted:
        # handed on to a colleague who did not answer (nor anyone after them): the call is theirs
        # to return, as the history follows the last party; a transfer someone took makes none
        if handed_on.to_employee_id is not None:
            wanted.append(("missed", "employee", handed_on.to_employee_id))
    elif record.direction == "inbound" and not answered and not wanted:
        manager = contact["manager_id"] if contact else None
        if manager is not None and manager in rung:
            wanted.append(("missed", "employee", manager))
        elif record.groups and await tasks.check_assignee(conn, tenant_id, "group", record.groups[0]):
            wanted.append(("missed", "group", record.groups[0]))
        elif rung:
            wanted.append(("missed", "employee", rung[0]))
    if (
        record.direction == "outbound"
        and not answered
        and settings.tasks_for_failed_outbound
        and record.caller_employee_id
    ):
        wanted.append(("failed_outbound", "employee", record.caller_employee_id))
    task_ids = []
    for kind, assignee_kind, assignee_id in wanted:
        task_id, _ = await tasks.open_task(
            conn, kernel, tenant_id, kind=kind, assignee_kind=assignee_kind, assignee_id=assignee_id, number=number,
            contact_id=contact["id"] if contact else None, call_id=record.id,
            voicemail=record.voicemail if kind == "voicemail" else None,
        )  # fmt: skip
        task_ids.append(task_id)
    return task_ids
