"""The old cabinet's export format (version 1) and the contract of a migration source.

An old-style virtual PBX customer (seed 000) has numbers, each with a schedule and a list of
forwarding addressees (the customer's SIP lines or outside numbers, rung in order, each for a
time), VIP lists (callers who get their own forwarding), short numbers, SIP lines with their
log-ins and passwords, contacts and a tariff. This module is that data as msgspec Structs: the
JSON export decodes into them as it is (``docs/migration-export.schema.json`` is generated
from them), and every other source (``register_migration_sources``) converts its own format
into the same Structs, so the migration plugin plans and creates from one shape whatever the
origin.

The kernel only defines the shape; reading, planning and creating live in plugins/migration.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal, Protocol

import msgspec

FORMAT = "vats-old-cabinet-export"
VERSION = 1

Login = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="a SIP line's log-in")]
Phone = Annotated[str, msgspec.Meta(min_length=1, max_length=40, description="a phone number, E.164 or national")]
HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", examples=["09:00"])]


class Part(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the format's parts: a field the format does not know is an error, so a typo in
    an export is reported instead of silently dropping data."""


class Interval(Part, frozen=True, kw_only=True):
    """Working hours on some weekdays (1 = Monday ... 7 = Sunday), in the customer's time zone."""

    days: Annotated[list[Annotated[int, msgspec.Meta(ge=1, le=7)]], msgspec.Meta(min_length=1)]
    start: HHMM
    end: HHMM


class Step(Part, frozen=True, kw_only=True):
    """One addressee of a forwarding list: a SIP line of the customer (by log-in) or an outside
    phone number, rung for ``ring_s`` seconds before the next one."""

    to: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    ring_s: Annotated[int, msgspec.Meta(ge=5, le=300)] = 20


class VipList(Part, frozen=True, kw_only=True):
    """Callers whose calls go first to their own forwarding list (the old VIP list)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    callers: list[Phone]
    forwarding: list[Step]


class OldNumber(Part, frozen=True, kw_only=True):
    """An inbound number with its schedule and forwarding lists. An empty schedule means round
    the clock; ``off_hours`` is the list outside the schedule (empty: the same list)."""

    number: Phone
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    schedule: list[Interval] = []
    forwarding: Annotated[list[Step], msgspec.Meta(min_length=1)]
    off_hours: list[Step] = []
    vip_lists: list[VipList] = []


class OldLine(Part, frozen=True, kw_only=True):
    """A SIP line the customer's phones register with; it keeps its log-in and password."""

    login: Login
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""


class ShortNumber(Part, frozen=True, kw_only=True):
    """A short (extension) number and the addressee it rang."""

    extension: Annotated[str, msgspec.Meta(min_length=1, max_length=10)]
    to: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class OldContact(Part, frozen=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    numbers: Annotated[list[Phone], msgspec.Meta(min_length=1)]
    vip_lists: list[str] = []  # names of the VIP lists the contact is on


class OldTariff(Part, frozen=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    monthly_fee_kop: Annotated[int, msgspec.Meta(ge=0)] = 0


LineKind = Literal["mobile_app", "softphone", "webphone"]


class LineBinding(Part, frozen=True, kw_only=True):
    """An existing line bound to an employee as one kind of terminal."""

    login: Login
    kind: LineKind = "softphone"


class OldEmployee(Part, frozen=True, kw_only=True):
    """An employee as the wizard plans them (or as a source that knows people, like FreePBX's
    users, gives them). Without ``employees`` in a customer, the employee list is proposed from
    the forwarding addressees (seed 000)."""

    full_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    role: Literal["admin", "user"] = "user"
    extension: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    lines: list[LineBinding] = []
    external_numbers: list[Phone] = []
    caller_id: Phone | None = None  # one of the customer's numbers, shown on outbound calls


class OldCustomer(Part, frozen=True, kw_only=True):
    """One customer of the old cabinet: ``id`` is its key there (the contract number), which
    makes an import idempotent."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["Д-2024-0117"])]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    admin_email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    time_zone: str = "Europe/Moscow"
    lines: list[OldLine] = []
    numbers: list[OldNumber] = []
    short_numbers: list[ShortNumber] = []
    contacts: list[OldContact] = []
    tariff: OldTariff | None = None
    employees: list[OldEmployee] | None = None


class OldCabinetExport(Part, frozen=True, kw_only=True):
    """The whole export file: a header naming the format and its version, then the customers."""

    format: Literal["vats-old-cabinet-export"]
    version: Literal[1]
    exported_at: str | None = None
    customers: list[OldCustomer]


class SourceError(Exception):
    """A source file cannot be read: ``place`` says where (a line, a JSON path), ``message``
    what is wrong, in words an operator acts on."""

    def __init__(self, place: str, message: str) -> None:
        super().__init__(f"{place}: {message}")
        self.place = place
        self.message = message


class ExportSource(Protocol):
    """A migration source, as the ``register_migration_sources`` hook returns it.

    ``name`` is what the operator chooses it by (``vats migrate --source NAME``);
    ``description`` one line for ``--help``; ``read`` yields the file's customers one by one as
    it parses (never the whole file in memory), raising SourceError naming the place of the
    first problem. The caller has already checked the file's size against the operator's limit.
    """

    name: str
    description: str

    def read(self, path: Path) -> Iterator[OldCustomer]: ...


def json_schema() -> dict[str, object]:
    """The export format's JSON Schema (docs/migration-export.schema.json is this, committed)."""
    schema = msgspec.json.schema(OldCabinetExport)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://vats.example/schemas/migration-export-v1.json",
        "title": "vats: the old cabinet's export, version 1",
        **schema,
    }
