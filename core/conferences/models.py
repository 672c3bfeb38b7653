"""Conference rooms as the API and the cabinet see them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec

# Who starts a room: until a leader is in, the others wait with music.
#   anyone:  nobody waits;
#   admins:  the tenant's admins lead it;
#   leaders: the employees listed in ``leader_ids`` lead it.
# A leader is known by the SIP line they call from (an internal call: no PIN asked), or by the leader PIN,
# which anyone may type instead of the room's PIN to enter as a leader (e.g. from a mobile).
Starts = Literal["anyone", "admins", "leaders"]
STARTS: tuple[str, ...] = ("anyone", "admins", "leaders")


class Room(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    number: str | None = None  # one of the tenant's numbers (E.164) that leads into the room
    extension: str | None = None  # dialled from the tenant's phones
    pin: str | None = None  # digits every participant types first (none: the room is open)
    leader_pin: str | None = None  # digits that enter as a leader
    starts: Starts = "anyone"
    leader_ids: list[uuid.UUID] = []
    record: bool = False  # the room's conversation is recorded (admins listen to it in history)
    created_at: dt.datetime | None = None


class RoomCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    number: str | None = None
    extension: str | None = None
    pin: str | None = None
    leader_pin: str | None = None
    starts: Starts = "anyone"
    leader_ids: list[uuid.UUID] = []
    record: bool = False


class RoomUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial change: only the fields given change (null clears number, extension, PINs)."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    number: str | msgspec.UnsetType | None = msgspec.UNSET
    extension: str | msgspec.UnsetType | None = msgspec.UNSET
    pin: str | msgspec.UnsetType | None = msgspec.UNSET
    leader_pin: str | msgspec.UnsetType | None = msgspec.UNSET
    starts: Starts | msgspec.UnsetType = msgspec.UNSET
    leader_ids: list[uuid.UUID] | msgspec.UnsetType = msgspec.UNSET
    record: bool | msgspec.UnsetType = msgspec.UNSET


class Participant(msgspec.Struct, frozen=True, kw_only=True):
    """Someone in a room now."""

    channel: str
    caller: str  # the number they call from (an extension for a colleague)
    caller_name: str = ""
    employee_id: uuid.UUID | None = None
    joined_at: dt.datetime


class LiveRoom(msgspec.Struct, frozen=True, kw_only=True):
    room_id: uuid.UUID
    name: str
    participants: list[Participant]
