"""Domain models of the directory: tenants, employees, terminals, groups, schedules, calendars,
numbers and tags. Frozen msgspec Structs; the ``*Create``/``*Update`` Structs are the inputs
that the CLI and the API decode (``UNSET`` in an update means "leave as it is").
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Literal, Protocol

import msgspec
from msgspec import UNSET, Struct, UnsetType

if TYPE_CHECKING:
    from vats.core.db.database import Connection

Role = Literal["admin", "head", "user", "restricted"]
Availability = Literal["unavailable", "by_schedule", "available"]
RecordingOverride = Literal["default", "on", "off"]
RingMode = Literal["parallel", "sequential"]
TerminalKind = Literal["mobile_app", "softphone", "webphone", "external"]
SipLineKind = Literal["mobile_app", "softphone", "webphone"]
GroupStrategy = Literal["all", "uniform", "one_by_one", "incremental", "least_busy"]
ForwardAction = Literal["drop", "employee", "group", "voicemail", "external"]
AbsenceKind = Literal["vacation", "sick_leave", "other"]
TagKind = Literal["contact", "call", "number"]
DayKind = Literal["day_off", "working"]
Language = Literal["ru", "en"]  # what vats speaks: a PBX's default and a person's choice

SIP_LINE_KINDS: tuple[SipLineKind, ...] = ("mobile_app", "softphone", "webphone")


class Model(Struct, frozen=True, kw_only=True):
    """Base of the stored domain objects."""


class Input(Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of inputs: unknown fields are an error, not silently ignored."""


# --- tenant -------------------------------------------------------------------------------


HistoryScope = Literal["own", "department", "company"]
MissedCallManager = Literal["none", "first", "last_unanswered", "random", "default"]


class RoleSettings(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What one role may see ("Система прав"): history scope and rights on history/recordings."""

    history_scope: HistoryScope = "department"
    may_download_history: bool = True
    may_play_recordings: bool = True


class RolesSettings(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per-role settings; admins always see everything, restricted users only their own calls."""

    head: RoleSettings = RoleSettings(history_scope="department")
    user: RoleSettings = RoleSettings(history_scope="own")
    restricted: RoleSettings = RoleSettings(history_scope="own", may_download_history=False, may_play_recordings=False)


class PersonalManagerRules(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who becomes a new contact's personal manager: a default employee, and on a missed call
    the first addressee, the last one who did not answer, a random addressee or the default."""

    default_employee_id: uuid.UUID | None = None
    on_missed_call: MissedCallManager = "none"


class TenantSettings(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Tenant-wide settings ("Настройки ВАТС"). Vendor rules from the seeds are settings, off by default."""

    # E-mail domains refused for employees (e.g. ["ru"] refuses every *.ru address).
    denied_email_domains: list[str] = []
    recording_enabled: bool = False  # the tenant has the call-recording service
    recording_default: bool = False  # record calls unless a more specific setting says otherwise
    # The media a number's recording warning plays (a media chain's id or standard:<name>);
    # None: the standard warning.
    recording_warning_media: str | None = None
    # Recordings and voicemail are deleted after this many days; None: the operator's default
    # (VATS_RETENTION_DAYS).
    retention_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None
    tasks_for_failed_outbound: bool = False
    auto_deals: bool = False
    personal_manager: PersonalManagerRules = PersonalManagerRules()
    roles: RolesSettings = RolesSettings()


class Tenant(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    time_zone: str
    seats_max: int
    settings: TenantSettings
    suspended: bool
    created_at: dt.datetime
    language: Language = "ru"  # e-mails, the bot and the cabinet when a person chose nothing


# --- schedules and calendars --------------------------------------------------------------


class Interval(Struct, frozen=True, kw_only=True):
    """Working time on one weekday (0 = Monday), ``start`` < ``end``, "HH:MM"; "24:00" ends a day."""

    day: int
    start: str
    end: str


class Schedule(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    is_default: bool
    intervals: list[Interval]


class ScheduleCreate(Input, kw_only=True):
    name: str
    intervals: list[Interval] = []
    is_default: bool = False


class ScheduleUpdate(Input, kw_only=True):
    name: str | UnsetType = UNSET
    intervals: list[Interval] | UnsetType = UNSET
    is_default: bool | UnsetType = UNSET


class CalendarDay(Model, frozen=True, kw_only=True):
    day: dt.date
    kind: DayKind
    origin: Literal["official", "custom"]
    note: str = ""


class Calendar(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    is_default: bool
    official_country: str | None
    weekend_schedule_id: uuid.UUID | None


class CalendarCreate(Input, kw_only=True):
    name: str
    official_country: str | None = "RU"
    weekend_schedule_id: uuid.UUID | None = None


class CalendarUpdate(Input, kw_only=True):
    name: str | UnsetType = UNSET
    weekend_schedule_id: uuid.UUID | UnsetType | None = UNSET
    is_default: bool | UnsetType = UNSET


class CalendarOverride(Input, kw_only=True):
    """Mark one day or an inclusive range of days as days off or working days."""

    starts_on: dt.date
    ends_on: dt.date | None = None
    kind: DayKind
    note: str = ""


# --- numbers and tags ---------------------------------------------------------------------


class Number(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    tenant_id: uuid.UUID
    e164: str
    name: str
    recording: RecordingOverride = "default"  # "default": the PBX's default (a branch's own choice comes first)
    number_as_caller_id: bool
    recording_warning: bool = False  # warn the caller when the call is recorded (the tenant's default media)
    scenario_id: uuid.UUID | None
    tag_ids: list[uuid.UUID] = []


class NumberUpdate(Input, kw_only=True):
    name: str | UnsetType = UNSET
    recording: RecordingOverride | UnsetType = UNSET
    recording_warning: bool | UnsetType = UNSET
    number_as_caller_id: bool | UnsetType = UNSET
    scenario_id: uuid.UUID | UnsetType | None = UNSET
    tag_ids: list[uuid.UUID] | UnsetType = UNSET


class Tag(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: TagKind
    name: str
    color: str


class TagCreate(Input, kw_only=True):
    kind: TagKind
    name: str
    color: str = ""


# --- forwarding, terminals, absences --------------------------------------------------------


class ForwardTarget(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where a direct call goes: dropped, a colleague, a group, voicemail or an outside number."""

    action: ForwardAction
    employee_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    external_number: str | None = None


class Terminal(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: TerminalKind
    sip_login: str | None
    external_number: str | None
    active: bool
    is_primary: bool
    schedule_id: uuid.UUID | None
    ring_delay_s: int
    ring_time_s: int
    channels: int
    position: int


class TerminalSecret(Model, frozen=True, kw_only=True):
    """A SIP line's credentials: shown only to the line's owner and to admins."""

    terminal_id: uuid.UUID
    sip_login: str
    sip_password: str


class SipLineCreate(Input, kw_only=True):
    """A SIP line to create: its kind (one per device) and, for lines brought from elsewhere,
    the log-in and password the phone already uses (generated when not given)."""

    kind: SipLineKind = "softphone"
    sip_login: str | None = None
    sip_password: str | None = None


class TerminalUpdate(Input, kw_only=True):
    # A SIP line may become another kind of device or move to another employee of the PBX, and
    # take a log-in of the admin's choosing (unique across all PBXs).
    kind: SipLineKind | UnsetType = UNSET
    employee_id: uuid.UUID | UnsetType = UNSET
    sip_login: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    is_primary: bool | UnsetType = UNSET
    schedule_id: uuid.UUID | UnsetType | None = UNSET
    ring_delay_s: int | UnsetType = UNSET
    ring_time_s: int | UnsetType = UNSET
    channels: int | UnsetType = UNSET
    position: int | UnsetType = UNSET


class Absence(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: AbsenceKind
    starts_on: dt.date
    ends_on: dt.date
    forward: ForwardTarget


class AbsenceCreate(Input, kw_only=True):
    kind: AbsenceKind
    starts_on: dt.date
    ends_on: dt.date
    forward: ForwardTarget = ForwardTarget(action="drop")


class ExtraPeriod(Model, frozen=True, kw_only=True):
    """Extra availability (``available``) or unavailability for an instant range."""

    id: uuid.UUID
    available: bool
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str = ""


class ExtraPeriodCreate(Input, kw_only=True):
    available: bool
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str = ""


# --- employees and groups -----------------------------------------------------------------


class Employee(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    tenant_id: uuid.UUID
    full_name: str
    email: str
    role: Role
    position: str
    extension: str
    dial_through: bool
    caller_id_number_id: uuid.UUID | None
    time_zone: str | None
    schedule_id: uuid.UUID
    calendar_id: uuid.UUID
    availability: Availability
    recording: RecordingOverride
    ring_mode: RingMode
    no_answer_after_s: int
    invitation_accepted: bool
    on_no_answer: ForwardTarget | None = None
    off_hours: ForwardTarget | None = None
    terminals: list[Terminal] = []
    absences: list[Absence] = []
    extra_periods: list[ExtraPeriod] = []
    group_ids: list[uuid.UUID] = []


class EmployeeListItem(Model, frozen=True, kw_only=True):
    """An employee as the list shows them; GET one employee for terminals, absences, forwarding."""

    id: uuid.UUID
    full_name: str
    email: str
    role: Role
    position: str
    extension: str
    availability: Availability
    dial_through: bool
    invitation_accepted: bool
    group_ids: list[uuid.UUID] = []
    external_numbers: list[str] = []


class EmployeeCreate(Input, kw_only=True):
    full_name: str
    email: str
    role: Role = "user"
    position: str = ""
    extension: str | None = None
    dial_through: bool = False
    caller_id_number_id: uuid.UUID | None = None
    time_zone: str | None = None
    schedule_id: uuid.UUID | None = None
    calendar_id: uuid.UUID | None = None
    availability: Availability = "by_schedule"
    recording: RecordingOverride = "default"
    ring_mode: RingMode = "parallel"
    no_answer_after_s: int = 20
    external_numbers: list[str] = []
    # None: the three default lines (mobile app, softphone, webphone); a list: exactly these.
    sip_lines: list[SipLineCreate] | None = None
    group_ids: list[uuid.UUID] = []
    on_no_answer: ForwardTarget | None = None
    off_hours: ForwardTarget | None = None


class EmployeeUpdate(Input, kw_only=True):
    full_name: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    position: str | UnsetType = UNSET
    extension: str | UnsetType = UNSET
    dial_through: bool | UnsetType = UNSET
    caller_id_number_id: uuid.UUID | UnsetType | None = UNSET
    time_zone: str | UnsetType | None = UNSET
    schedule_id: uuid.UUID | UnsetType = UNSET
    calendar_id: uuid.UUID | UnsetType = UNSET
    availability: Availability | UnsetType = UNSET
    recording: RecordingOverride | UnsetType = UNSET
    ring_mode: RingMode | UnsetType = UNSET
    no_answer_after_s: int | UnsetType = UNSET
    on_no_answer: ForwardTarget | UnsetType | None = UNSET
    off_hours: ForwardTarget | UnsetType | None = UNSET
    language: Language | UnsetType | None = UNSET  # None: the browser's (or the PBX's) language


class Group(Model, frozen=True, kw_only=True):
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    extension: str
    dial_through: bool
    strategy: GroupStrategy
    ring_time_s: int
    step_delay_s: int
    no_answer_after_s: int
    on_no_answer: ForwardTarget | None = None
    member_ids: list[uuid.UUID] = []


class GroupCreate(Input, kw_only=True):
    name: str
    extension: str | None = None
    dial_through: bool = False
    strategy: GroupStrategy = "all"
    ring_time_s: int = 30
    step_delay_s: int = 10
    no_answer_after_s: int = 60
    member_ids: list[uuid.UUID] = []
    on_no_answer: ForwardTarget | None = None


class GroupUpdate(Input, kw_only=True):
    name: str | UnsetType = UNSET
    extension: str | UnsetType = UNSET
    dial_through: bool | UnsetType = UNSET
    strategy: GroupStrategy | UnsetType = UNSET
    ring_time_s: int | UnsetType = UNSET
    step_delay_s: int | UnsetType = UNSET
    no_answer_after_s: int | UnsetType = UNSET
    member_ids: list[uuid.UUID] | UnsetType = UNSET
    on_no_answer: ForwardTarget | UnsetType | None = UNSET


# --- deletion -----------------------------------------------------------------------------


class Reference(Struct, frozen=True, kw_only=True):
    """Something that still points at an object being deleted (shown in the refusal)."""

    kind: str  # e.g. "group_member", "forward_rule", "scenario"
    id: str
    description: str


class ReferenceFinder(Protocol):
    """Finds and removes what refers to an object about to be deleted (the kernel's
    ``References``: scenarios and every plugin); ``kind`` is ``"employee"``, ``"group"``,
    ``"schedule"``, ``"calendar"`` or ``"media"``. A protocol here so that the repositories
    that delete take it without importing the engine."""

    async def collect(
        self, conn: Connection, tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID
    ) -> list[Reference]: ...

    async def drop(self, conn: Connection, tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID) -> None: ...


def to_builtins(obj: object) -> object:
    """JSON-ready builtins of a Struct (UUIDs and dates as strings)."""
    return msgspec.to_builtins(obj)
