"""Call records: every call ends in one CallRecord (who was rung and how each ended, the path
through the scenario, IVR input, task intents), stored by the kernel and handed to plugins
through the ``call_ended`` hook. The simulator writes them too (``--record``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import msgspec
from vats.core.calls.models import CallRecord as CallRecord  # re-exported: where plugins import it from
from vats.core.calls.models import Participant as Participant
from vats.core.calls.models import ParticipantOutcome as ParticipantOutcome
from vats.core.db.database import Database

if TYPE_CHECKING:
    from vats.core.plugins import PluginHost


async def store_and_announce(db: Database, plugins: PluginHost, record: CallRecord) -> None:
    """Store the record and hand it to the plugins (``call_ended``) in the same transaction."""
    async with db.tenant(record.tenant_id) as conn:
        await store_in(conn, plugins, record)


async def store_in(
    conn: Any, plugins: PluginHost, record: CallRecord, disabled: Collection[str] | None = None
) -> bool:
    """Store and announce within the caller's tenant transaction; False if this Asterisk call
    already has its record (another vats process got there first). ``disabled``: the plugins
    the tenant switched off, when the caller read them once for a batch of its records."""
    stored = await conn.fetchval(
        "INSERT INTO call_records (id, tenant_id, direction, number, caller, started_at, answered_at, ended_at,"
        " simulated, record, linkedid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (linkedid) DO NOTHING RETURNING true",
        record.id, record.tenant_id, record.direction, record.number, record.caller, record.started_at,
        record.answered_at, record.ended_at, record.simulated, msgspec.to_builtins(record), record.linkedid,
    )  # fmt: skip
    if not stored:
        return False
    await plugins.emit("call_ended", tenant_id=record.tenant_id, conn=conn, record=record, disabled=disabled)
    return True


async def call_records(db: Database, tenant_id: uuid.UUID, limit: int = 50) -> list[CallRecord]:
    async with db.tenant(tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT record FROM call_records WHERE tenant_id = $1 ORDER BY started_at DESC LIMIT $2", tenant_id, limit
        )
    return [msgspec.convert(r["record"], CallRecord) for r in rows]

