"""Tasks: created from call records (missed calls, the scenario's intents, failed outbound
calls) and by hand; assigned to an employee or a group; a duplicate (same kind, same assignee,
same client, still open) raises the open task's counter instead of making a new one. Every new
or reassigned task is announced (``task_created`` / ``task_assigned``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from msgspec import UNSET
from vats.core.db.database import Connection
from vats.core.directory.models import Reference
from vats.core.directory.validation import normalise_phone
from vats.core.errors import ConflictError, NotFoundError
from vats.core.protocols import KernelAPI
from vats.core.tasks import TaskNotice
from vats.plugins.crm import cards, events
from vats.plugins.crm.contacts import Forbidden
from vats.plugins.crm.models import Task, TaskIn, TaskUpdate
from vats.plugins.crm.viewer import Viewer

TITLES = {
    "missed": "Пропущенный звонок",
    "voicemail": "Голосовое сообщение",
    "callback": "Перезвонить клиенту",
    "failed_forwarding": "Звонок не принят",
    "failed_outbound": "Неуспешный исходящий звонок",
}
OPEN = ("open", "in_progress")
COLUMNS = (
    "t.id, t.kind, t.title, t.status, t.assignee_kind, t.assignee_id, t.contact_id, t.number, t.deadline,"
    " t.repeats, t.voicemail, t.created_by, t.created_at, t.updated_at"
)


def _task(r: Any) -> Task:
    return Task(
        id=r["id"], kind=r["kind"], title=r["title"], status=r["status"], assignee_kind=r["assignee_kind"],
        assignee_id=r["assignee_id"], contact_id=r["contact_id"], number=r["number"], deadline=r["deadline"],
        repeats=r["repeats"], has_voicemail=r["voicemail"] is not None, created_by=r["created_by"],
        created_at=r["created_at"], updated_at=r["updated_at"],
    )  # fmt: skip


async def check_assignee(conn: Connection, tenant_id: uuid.UUID, kind: str, assignee_id: uuid.UUID) -> bool:
    """Whether the assignee exists, holding it (FOR KEY SHARE) until the transaction ends: a
    deletion running meanwhile (it locks the row FOR UPDATE) either waits and then finds the
    task among the references, or goes first and this answers False."""
    table = "employees" if kind == "employee" else "groups"
    return bool(
        await conn.fetchval(
            f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE", tenant_id, assignee_id
        )
    )


async def notice_of(
    conn: Connection, tenant_id: uuid.UUID, task_id: uuid.UUID, call_id: uuid.UUID | None
) -> TaskNotice:
    r = await conn.fetchrow(
        f"SELECT {COLUMNS}, c.name AS contact_name FROM crm_tasks t LEFT JOIN crm_contacts c"
        " ON c.tenant_id = t.tenant_id AND c.id = t.contact_id WHERE t.tenant_id = $1 AND t.id = $2",
        tenant_id, task_id,
    )  # fmt: skip
    assert r is not None
    return TaskNotice(
        id=r["id"], tenant_id=tenant_id, kind=r["kind"], title=r["title"], assignee_kind=r["assignee_kind"],
        assignee_id=r["assignee_id"], number=r["number"], contact_name=r["contact_name"] or None, call_id=call_id,
        voicemail=r["voicemail"], deadline=r["deadline"], created_at=r["created_at"],
    )  # fmt: skip


async def open_task(
    conn: Connection,
    kernel: KernelAPI,
    tenant_id: uuid.UUID,
    *,
    kind: str,
    assignee_kind: str,
    assignee_id: uuid.UUID,
    title: str | None = None,
    number: str | None = None,
    contact_id: uuid.UUID | None = None,
    call_id: uuid.UUID | None = None,
    voicemail: str | None = None,
    deadline: dt.datetime | None = None,
    created_by: uuid.UUID | None = None,
) -> tuple[uuid.UUID, bool]:
    """Create a task (announced), or count a duplicate on the open one. (id, created)."""
    duplicate_check = await conn.fetchval(
        "SELECT coalesce((SELECT duplicate_check FROM crm_settings WHERE tenant_id = $1), true)", tenant_id
    )
    if duplicate_check and kind != "manual":
        # Two missed calls from one number at once must not both find no open task and both
        # insert one: the check and the insert are serialised per (assignee, kind, number).
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            f"crm_task:{tenant_id}:{kind}:{assignee_kind}:{assignee_id}:{number}",
        )
        existing = await conn.fetchval(
            "SELECT id FROM crm_tasks WHERE tenant_id = $1 AND kind = $2 AND assignee_kind = $3 AND assignee_id = $4"
            " AND number IS NOT DISTINCT FROM $5 AND status IN ('open', 'in_progress')"
            " ORDER BY created_at LIMIT 1 FOR UPDATE",
            tenant_id, kind, assignee_kind, assignee_id, number,
        )  # fmt: skip
        if existing is not None:
            await conn.execute(
                "UPDATE crm_tasks SET repeats = repeats + 1, updated_at = now(),"
                " voicemail = coalesce($3, voicemail) WHERE tenant_id = $1 AND id = $2",
                tenant_id, existing, voicemail,
            )  # fmt: skip
            if call_id is not None:
                await cards.attach(conn, tenant_id, "task", existing, "call", call_id)
            return existing, False
    task_id = await conn.fetchval(
        "INSERT INTO crm_tasks (tenant_id, kind, title, assignee_kind, assignee_id, contact_id, number, deadline,"
        " voicemail, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        tenant_id, kind, title or f"{TITLES.get(kind, 'Задача')}{f' {number}' if number else ''}", assignee_kind,
        assignee_id, contact_id, number, deadline, voicemail, created_by,
    )  # fmt: skip
    if call_id is not None:
        await cards.attach(conn, tenant_id, "task", task_id, "call", call_id)
    await events.announce_task(conn, kernel, "task_created", await notice_of(conn, tenant_id, task_id, call_id))
    return task_id, True


# --- what a person sees and does -----------------------------------------------------------


def visibility(viewer: Viewer, args: list[Any]) -> str:
    """Tasks for a viewer: admins all; the company scope all but personal contacts' tasks;
    otherwise tasks assigned to them (or their department) or their groups, and tasks they made.
    An assignee always sees their task."""
    if viewer.is_admin:
        return "true"
    args.append(viewer.employee_id)
    me = f"${len(args)}"
    if viewer.company:
        return (
            f"(t.assignee_id = {me} OR NOT EXISTS (SELECT 1 FROM crm_contacts c WHERE c.tenant_id = t.tenant_id"
            " AND c.id = t.contact_id AND c.kind = 'personal'))"
        )
    args.append(list(viewer.people))
    people = f"${len(args)}::uuid[]"
    args.append(list(viewer.groups))
    groups = f"${len(args)}::uuid[]"
    return (
        f"(t.created_by = {me} OR (t.assignee_kind = 'employee' AND t.assignee_id = ANY({people}))"
        f" OR (t.assignee_kind = 'group' AND t.assignee_id = ANY({groups})))"
    )


async def get(conn: Connection, viewer: Viewer, task_id: uuid.UUID) -> Task:
    args: list[Any] = [viewer.tenant_id, task_id]
    condition = visibility(viewer, args)
    r = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM crm_tasks t WHERE t.tenant_id = $1 AND t.id = $2 AND {condition}", *args
    )
    if r is None:
        raise NotFoundError("no such task", field="task_id")
    return _task(r)


async def listing(
    conn: Connection,
    viewer: Viewer,
    *,
    since: dt.datetime,
    until: dt.datetime,
    status: str | None,
    assignee_id: uuid.UUID | None,
    kind: str | None,
    limit: int,
    offset: int,
    contact_id: uuid.UUID | None = None,
    overdue: bool = False,
) -> tuple[list[Task], int]:
    """``overdue``: still open and past the deadline."""
    args: list[Any] = [viewer.tenant_id, since, until]
    where = ["t.tenant_id = $1", "t.created_at >= $2", "t.created_at < $3", visibility(viewer, args)]
    if status == "open_any":
        where.append("t.status IN ('open', 'in_progress')")
    elif status:
        args.append(status)
        where.append(f"t.status = ${len(args)}")
    if assignee_id:
        args.append(assignee_id)
        where.append(f"t.assignee_id = ${len(args)}")
    if kind:
        args.append(kind)
        where.append(f"t.kind = ${len(args)}")
    if contact_id:
        args.append(contact_id)
        where.append(f"t.contact_id = ${len(args)}")
    if overdue:
        where.append("t.status IN ('open', 'in_progress') AND t.deadline < now()")
    condition = " AND ".join(where)
    total = await conn.fetchval(f"SELECT count(*) FROM crm_tasks t WHERE {condition}", *args)
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM crm_tasks t WHERE {condition} ORDER BY t.created_at DESC, t.id"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return [_task(r) for r in rows], int(total)


async def create_by_hand(conn: Connection, kernel: KernelAPI, viewer: Viewer, data: TaskIn) -> Task:
    assignee_id = data.assignee_id or viewer.employee_id
    kind = data.assignee_kind if data.assignee_id else "employee"
    if not await check_assignee(conn, viewer.tenant_id, kind, assignee_id):
        raise NotFoundError(f"no such {kind}", field="assignee_id")
    number = normalise_phone(data.number, "number") if data.number else None
    contact_id = None
    if number:
        contact_id = await conn.fetchval(
            "SELECT id FROM crm_contacts WHERE tenant_id = $1 AND number = $2", viewer.tenant_id, number
        )
    task_id, _ = await open_task(
        conn, kernel, viewer.tenant_id, kind="manual", title=data.title.strip(), assignee_kind=kind,
        assignee_id=assignee_id, number=number, contact_id=contact_id, deadline=data.deadline,
        created_by=viewer.employee_id,
    )  # fmt: skip
    return await get(conn, viewer, task_id)


async def update(conn: Connection, kernel: KernelAPI, viewer: Viewer, task_id: uuid.UUID, data: TaskUpdate) -> Task:
    current = await get(conn, viewer, task_id)
    if viewer.role == "restricted" and current.assignee_id != viewer.employee_id:
        raise Forbidden("restricted users change only their own tasks", field="task_id")
    assignee_kind = current.assignee_kind if data.assignee_kind is UNSET else data.assignee_kind
    assignee_id = current.assignee_id if data.assignee_id is UNSET else data.assignee_id
    reassigned = (assignee_kind, assignee_id) != (current.assignee_kind, current.assignee_id)
    if reassigned and not await check_assignee(conn, viewer.tenant_id, assignee_kind, assignee_id):
        raise NotFoundError(f"no such {assignee_kind}", field="assignee_id")
    await conn.execute(
        "UPDATE crm_tasks SET title = $3, status = $4, deadline = $5, assignee_kind = $6, assignee_id = $7,"
        " updated_at = now() WHERE tenant_id = $1 AND id = $2",
        viewer.tenant_id, task_id,
        current.title if data.title is UNSET else data.title.strip(),
        current.status if data.status is UNSET else data.status,
        current.deadline if data.deadline is UNSET else data.deadline,
        assignee_kind, assignee_id,
    )  # fmt: skip
    if reassigned:
        notice = msgspec.structs.replace(
            await notice_of(conn, viewer.tenant_id, task_id, None), assigned_by=viewer.employee_id
        )
        await events.announce_task(conn, kernel, "task_assigned", notice)
    args: list[Any] = [viewer.tenant_id, task_id]
    r = await conn.fetchrow(f"SELECT {COLUMNS} FROM crm_tasks t WHERE t.tenant_id = $1 AND t.id = $2", *args)
    return _task(r)


async def take(conn: Connection, kernel: KernelAPI, viewer: Viewer, task_id: uuid.UUID) -> Task:
    """ "Take it": the task goes to the viewer, in progress. The row is locked first, so of two
    people taking the same task at once one gets it and the other is told who has it (a plain
    update would let the later one silently take it over)."""
    await get(conn, viewer, task_id)
    row = await conn.fetchrow(
        "SELECT status, assignee_kind, assignee_id FROM crm_tasks WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        viewer.tenant_id, task_id,
    )  # fmt: skip
    assert row is not None
    if row["status"] not in OPEN:
        raise ConflictError("the task is closed", field="status")
    mine = row["assignee_kind"] == "employee" and row["assignee_id"] == viewer.employee_id
    if row["status"] == "in_progress" and row["assignee_kind"] == "employee" and not mine:
        holder = await conn.fetchval(
            "SELECT full_name FROM employees WHERE tenant_id = $1 AND id = $2", viewer.tenant_id, row["assignee_id"]
        )
        raise ConflictError(f"{holder} has already taken the task", field="assignee_id")
    change = TaskUpdate(status="in_progress", assignee_kind="employee", assignee_id=viewer.employee_id)
    return await update(conn, kernel, viewer, task_id, change)


async def voicemail_file(conn: Connection, viewer: Viewer, task_id: uuid.UUID) -> str:
    await get(conn, viewer, task_id)
    path = await conn.fetchval(
        "SELECT voicemail FROM crm_tasks WHERE tenant_id = $1 AND id = $2", viewer.tenant_id, task_id
    )
    if not path:
        raise NotFoundError("the task has no voicemail", field="task_id")
    return str(path)


# --- when an assignee is deleted ----------------------------------------------------------


async def open_tasks_of(conn: Connection, tenant_id: uuid.UUID, kind: str, assignee_id: uuid.UUID) -> list[Reference]:
    """What of the CRM's still needs an employee or group about to be deleted: open tasks
    assigned to them and, for an employee, the contacts they manage as personal manager and the
    open deals they are responsible for."""
    if kind not in ("employee", "group"):
        return []
    rows = await conn.fetch(
        "SELECT id, title FROM crm_tasks WHERE tenant_id = $1 AND assignee_kind = $2 AND assignee_id = $3"
        " AND status IN ('open', 'in_progress') ORDER BY created_at",
        tenant_id, kind, assignee_id,
    )  # fmt: skip
    refs = [Reference(kind="crm_task", id=str(r["id"]), description=f"open task «{r['title']}»") for r in rows]
    if kind == "employee":
        contacts = await conn.fetch(
            "SELECT id, name, number FROM crm_contacts WHERE tenant_id = $1 AND manager_id = $2"
            " ORDER BY name, number",
            tenant_id, assignee_id,
        )  # fmt: skip
        refs += [
            Reference(kind="crm_contact", id=str(r["id"]), description=f"manager of {r['name'] or r['number']}")
            for r in contacts
        ]
        deals = await conn.fetch(
            "SELECT id, title FROM crm_deals WHERE tenant_id = $1 AND responsible_id = $2"
            " AND status IN ('new', 'in_progress') ORDER BY created_at",
            tenant_id, assignee_id,
        )  # fmt: skip
        refs += [
            Reference(kind="crm_deal", id=str(r["id"]), description=f"responsible for open deal «{r['title']}»")
            for r in deals
        ]
    return refs


async def hand_over_open_tasks(conn: Connection, tenant_id: uuid.UUID, kind: str, assignee_id: uuid.UUID) -> None:
    """A forced deletion: the work still has to be done, so the open tasks go to the PBX's first
    admin (the longest-serving one other than the deleted employee). The contacts they managed
    lose their personal manager (their calls take the scenario's common list) and their deals
    their responsible (both by the foreign keys' ON DELETE SET NULL)."""
    if kind not in ("employee", "group"):
        return
    admin = await conn.fetchval(
        "SELECT id FROM employees WHERE tenant_id = $1 AND role = 'admin' AND id <> $2 ORDER BY created_at, id LIMIT 1",
        tenant_id, assignee_id,
    )  # fmt: skip
    if admin is None:  # the last admin cannot be deleted; nothing else to hand the tasks to
        return
    await conn.execute(
        "UPDATE crm_tasks SET assignee_kind = 'employee', assignee_id = $4, updated_at = now()"
        " WHERE tenant_id = $1 AND assignee_kind = $2 AND assignee_id = $3 AND status IN ('open', 'in_progress')",
        tenant_id, kind, assignee_id, admin,
    )  # fmt: skip
