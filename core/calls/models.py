"""The call record: one per call (who was rung and how each ended, the path through the
scenario, IVR input, task intents). A leaf module, so hook specifications and plugins can name
it without importing how records are stored."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec
from vats.core.calls.intents import TaskIntent

ParticipantOutcome = Literal["answered", "missed", "busy", "unavailable", "cancelled"]


class Participant(msgspec.Struct, frozen=True, kw_only=True):
    address: str  # sip/<login> or tel/<E.164>
    employee_id: uuid.UUID | None = None
    outcome: ParticipantOutcome


class Transfer(msgspec.Struct, frozen=True, kw_only=True):
    """Who handed the call on, to whom: ``blind`` (REFER or the blind-transfer code: ``to`` is
    the extension or number dialled) or ``attended`` (``to`` is the address that took it)."""

    kind: Literal["blind", "attended"]
    by: str  # the transferring phone's address (sip/<login>)
    by_employee_id: uuid.UUID | None = None
    to: str
    to_employee_id: uuid.UUID | None = None  # the first employee rung after the transfer (who took an attended one)
    # Whether anyone answered after the transfer (the colleague, or whoever their scenario rang,
    # the transferring employee too): a call handed on to nobody is a missed call of the last party.
    answered: bool = True


class CallRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID = msgspec.field(default_factory=uuid.uuid4)
    tenant_id: uuid.UUID
    direction: Literal["inbound", "outbound", "internal"] = "inbound"
    number: str  # the DID called
    caller: str
    started_at: dt.datetime
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime
    answered_by: str | None = None
    path: list[str] = []
    ivr_input: list[str] = []
    participants: list[Participant] = []
    intents: list[TaskIntent] = []
    caller_hung_up: bool = False  # while it rang: a missed call all the same
    simulated: bool = False
    linkedid: str | None = None  # the Asterisk call it came from (None: simulated)
    recordings: list[str] = []  # files under VATS_MEDIA_DIR
    voicemail: str | None = None
    scenario_id: uuid.UUID | None = None  # the scenario that handled an inbound call
    groups: list[uuid.UUID] = []  # groups the scenario rang (their members were addressed)
    caller_employee_id: uuid.UUID | None = None  # the employee who made an outbound or internal call
    fallback: bool = False  # the router did not answer (at once or mid-call): the DID's static fallback took it
    transfers: list[Transfer] = []  # in order; the last party is the one who answered last

    @property
    def talk_s(self) -> float:
        return (self.ended_at - self.answered_at).total_seconds() if self.answered_at else 0.0
