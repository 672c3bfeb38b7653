"""Announcing CRM changes to other plugins: ``task_created``/``task_assigned`` (the Telegram bot)
and ``crm_event`` (integrations that push calls, contacts and tasks to an external CRM, with
each employee's external user id from the CRM mapping)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.protocols import KernelAPI
from vats.core.tasks import TaskNotice

EMPLOYEE_FIELDS = ("answered_by", "made_by", "manager_id", "assignee_id", "responsible_id", "created_by")


async def announce_task(conn: Connection, kernel: KernelAPI, hook: str, notice: TaskNotice) -> None:
    await kernel.plugins.emit(hook, tenant_id=notice.tenant_id, conn=conn, task=notice)
    await push(conn, kernel, notice.tenant_id, "task", {"event": hook, **msgspec.to_builtins(notice)})


async def push(conn: Connection, kernel: KernelAPI, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> None:
    """``crm_event`` with the employees' external CRM ids added; nothing to do without listeners."""
    if not kernel.plugins.implemented("crm_event"):
        return
    payload = msgspec.to_builtins(payload)
    named = [payload.get(f) for f in EMPLOYEE_FIELDS if payload.get(f)]
    if payload.get("assignee_kind") == "group":
        named.remove(payload["assignee_id"])
    if named:
        rows = await conn.fetch(
            "SELECT employee_id, external_id FROM crm_user_map WHERE tenant_id = $1 AND employee_id = ANY($2::uuid[])",
            tenant_id, [uuid.UUID(str(n)) for n in named],
        )  # fmt: skip
        external = {str(r["employee_id"]): r["external_id"] for r in rows}
        for f in EMPLOYEE_FIELDS:
            if f == "assignee_id" and payload.get("assignee_kind") == "group":
                continue
            if payload.get(f) and str(payload[f]) in external:
                payload[f"{f.removesuffix('_id')}_external_id"] = external[str(payload[f])]
    await kernel.plugins.emit("crm_event", tenant_id=tenant_id, conn=conn, kind=kind, payload=payload)
