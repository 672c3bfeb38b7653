"""The CRM's data: contacts, history rows, tasks, deals, comments, and their API inputs.

Inputs forbid unknown fields; ``UNSET`` in an update means "leave as it is".
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType
from vats.core.calls.models import Transfer
from vats.core.tasks import TaskKind

ContactKind = Literal["unsaved", "business", "personal"]
TaskStatus = Literal["open", "in_progress", "done", "cancelled"]
DealStatus = Literal["new", "in_progress", "won", "lost"]
AssigneeKind = Literal["employee", "group"]
Direction = Literal["inbound", "outbound", "internal"]

Name = Annotated[str, msgspec.Meta(max_length=200)]
# No minimum length: an empty number reaches normalise_phone, which asks for it ("a phone number is required").
Phone = Annotated[str, msgspec.Meta(max_length=40, examples=["+79161234567"])]


class Input(Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of API inputs."""


# --- contacts -----------------------------------------------------------------------------


class Contact(Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    number: str
    name: str
    kind: ContactKind
    company: str
    manager_id: uuid.UUID | None
    tag_ids: list[uuid.UUID]
    created_at: dt.datetime


class ContactIn(Input, kw_only=True):
    number: Phone
    name: Name = ""
    kind: Literal["business", "personal"] = "business"
    company: Name = ""
    manager_id: uuid.UUID | None = None  # business contacts only; default: the tenant's default manager
    tag_ids: list[uuid.UUID] = []


class ContactUpdate(Input, kw_only=True):
    name: Name | UnsetType = UNSET
    kind: Literal["business", "personal"] | UnsetType = UNSET  # saving an "unsaved" contact
    company: Name | UnsetType = UNSET
    manager_id: uuid.UUID | UnsetType | None = UNSET
    tag_ids: list[uuid.UUID] | UnsetType = UNSET


class BulkContacts(Input, kw_only=True):
    """One operation on many contacts: make personal, set company, set manager, or delete."""

    contact_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=1000)]
    action: Literal["make_personal", "set_company", "set_manager", "delete"]
    company: Name | None = None
    manager_id: uuid.UUID | None = None


class BulkResult(Struct, kw_only=True):
    changed: int


class ImportRowError(Struct, kw_only=True):
    row: int  # line number in the file (the header is line 1)
    field: str
    detail: str


class ImportReport(Struct, kw_only=True):
    imported: int
    updated: int
    skipped: int
    errors: list[ImportRowError]


# --- history ------------------------------------------------------------------------------


class HistoryCall(Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    started_at: dt.datetime
    direction: Direction
    number: str  # our side
    peer: str  # the client (or colleague) on the other side
    contact_id: uuid.UUID | None
    contact_name: str | None
    manager_id: uuid.UUID | None  # the contact's personal manager
    answered: bool
    answered_by: uuid.UUID | None
    made_by: uuid.UUID | None
    talk_s: int
    tag_ids: list[uuid.UUID]
    has_recording: bool
    has_voicemail: bool


class Ring(Struct, frozen=True, kw_only=True):
    address: str
    employee_id: uuid.UUID | None
    outcome: str  # answered, missed, busy, unavailable, cancelled


class CallDetail(Struct, frozen=True, kw_only=True):
    call: HistoryCall
    scenario_id: uuid.UUID | None
    scenario_name: str | None
    path: list[str]  # branch and blocks, e.g. ["filter:VIP:working", "menu:ivr"] (stage:block tag)
    ivr_input: list[str]
    rang: list[Ring]
    groups: list[uuid.UUID]
    recordings: int
    voicemail: bool
    transfers: list[Transfer] = []  # who handed the call on, to whom (the last party took it)


class CallTagsIn(Input, kw_only=True):
    tag_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=50)]


# --- tasks --------------------------------------------------------------------------------


class Task(Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: TaskKind
    title: str
    status: TaskStatus
    assignee_kind: AssigneeKind
    assignee_id: uuid.UUID
    contact_id: uuid.UUID | None
    number: str | None
    deadline: dt.datetime | None
    repeats: int
    has_voicemail: bool
    created_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


class TaskIn(Input, kw_only=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    assignee_kind: AssigneeKind = "employee"
    assignee_id: uuid.UUID | None = None  # default: me
    number: Phone | None = None  # the client's number: links the task to its contact
    deadline: dt.datetime | None = None


class TaskUpdate(Input, kw_only=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] | UnsetType = UNSET
    status: TaskStatus | UnsetType = UNSET
    deadline: dt.datetime | UnsetType | None = UNSET
    assignee_kind: AssigneeKind | UnsetType = UNSET
    assignee_id: uuid.UUID | UnsetType = UNSET


class Comment(Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    author_id: uuid.UUID | None
    text: str
    created_at: dt.datetime


class CommentIn(Input, kw_only=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class AttachIn(Input, kw_only=True):
    kind: Literal["call", "task"]
    id: uuid.UUID


class Attachments(Struct, kw_only=True):
    calls: list[uuid.UUID]
    tasks: list[uuid.UUID]


class TaskCard(Struct, kw_only=True):
    task: Task
    comments: list[Comment]
    attachments: Attachments


# --- deals --------------------------------------------------------------------------------


class Deal(Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    contact_id: uuid.UUID
    title: str
    status: DealStatus
    responsible_id: uuid.UUID | None
    private: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class DealIn(Input, kw_only=True):
    contact_id: uuid.UUID
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    responsible_id: uuid.UUID | None = None  # default: me
    private: bool = False


class DealUpdate(Input, kw_only=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] | UnsetType = UNSET
    status: DealStatus | UnsetType = UNSET
    responsible_id: uuid.UUID | UnsetType = UNSET
    private: bool | UnsetType = UNSET


class DealCard(Struct, kw_only=True):
    deal: Deal
    comments: list[Comment]
    attachments: Attachments


# --- settings and mapping -----------------------------------------------------------------


class CrmSettings(Struct, kw_only=True):
    duplicate_check: bool = True  # a task of the same kind for the same assignee and client raises a counter


class CrmSettingsUpdate(Input, kw_only=True):
    duplicate_check: bool | UnsetType = UNSET


class UserMapping(Struct, kw_only=True):
    employee_id: uuid.UUID
    external_id: str


class UserMappingIn(Input, kw_only=True):
    external_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
