"""A task as announced to plugins (``task_created`` / ``task_assigned``).

The CRM plugin owns tasks; frontends such as the Telegram bot listen to these hooks and read
this shape without importing the CRM.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec

TaskKind = Literal["missed", "voicemail", "callback", "failed_forwarding", "failed_outbound", "manual"]


class TaskNotice(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: TaskKind
    title: str
    assignee_kind: Literal["employee", "group"]
    assignee_id: uuid.UUID
    number: str | None = None  # the client's number (E.164), when the task is about a call
    contact_name: str | None = None
    call_id: uuid.UUID | None = None  # the call that caused it
    voicemail: str | None = None  # the message's file under VATS_MEDIA_DIR
    deadline: dt.datetime | None = None
    created_at: dt.datetime
    assigned_by: uuid.UUID | None = None  # who reassigned it (task_assigned); they need no alert
