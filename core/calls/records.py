"""Call records: every call ends in one CallRecord (who was rung and how each ended, the path
through the scenario, IVR input, task intents), stored by the kernel and handed to plugins
through the ``call_ended`` hook. The simulator writes them too (``--record``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

import msgspec
from vats.core.db.database import Database
from vats.core.engine.context import TaskIntent

ParticipantOutcome = Literal["answered", "missed", "busy", "unavailable", "cancelled"]


class Participant(msgspec.Struct, frozen=True, kw_only=True):
    address: str  # sip/<login> or tel/<E.164>
    employee_id: uuid.UUID | None = None
    outcome: ParticipantOutcome


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

    @property
    def talk_s(self) -> float:
        return (self.ended_at - self.answered_at).total_seconds() if self.answered_at else 0.0


async def store_and_announce(db: Database, plugins: object, record: CallRecord) -> None:
    """Store the record and hand it to the plugins (``call_ended``) in the same transaction."""
    async with db.tenant(record.tenant_id) as conn:
        await store_in(conn, plugins, record)


async def store_in(conn: Any, plugins: object, record: CallRecord) -> bool:
    """Store and announce within the caller's tenant transaction; False if this Asterisk call
    already has its record (another vats process got there first)."""
    stored = await conn.fetchval(
        "INSERT INTO call_records (id, tenant_id, direction, number, caller, started_at, answered_at, ended_at,"
        " simulated, record, linkedid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (linkedid) DO NOTHING RETURNING true",
        record.id, record.tenant_id, record.direction, record.number, record.caller, record.started_at,
        record.answered_at, record.ended_at, record.simulated, msgspec.to_builtins(record), record.linkedid,
    )  # fmt: skip
    if not stored:
        return False
    await plugins.emit("call_ended", tenant_id=record.tenant_id, conn=conn, record=record)  # type: ignore[attr-defined]
    return True


async def call_records(db: Database, tenant_id: uuid.UUID, limit: int = 50) -> list[CallRecord]:
    async with db.tenant(tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT record FROM call_records WHERE tenant_id = $1 ORDER BY started_at DESC LIMIT $2", tenant_id, limit
        )
    return [msgspec.convert(r["record"], CallRecord) for r in rows]
