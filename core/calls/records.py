"""Call records: every call ends in one CallRecord (who was rung and how each ended, the path
through the scenario, IVR input, task intents), stored by the kernel and handed to plugins
through the ``calls_ended`` hook (a tenant's batch at once) and the ``call_ended`` hook (each
record). The simulator writes them too (``--record``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import msgspec
from vats.core.calls.models import CallRecord as CallRecord  # re-exported: where plugins import it from
from vats.core.calls.models import Participant as Participant
from vats.core.calls.models import ParticipantOutcome as ParticipantOutcome
from vats.core.db.database import Database

_json = msgspec.json.Encoder()

if TYPE_CHECKING:
    from vats.core.plugins import PluginHost


async def store_and_announce(db: Database, plugins: PluginHost, record: CallRecord) -> None:
    """Store the record and hand it to the plugins (``calls_ended``, ``call_ended``) in the same transaction."""
    async with db.tenant(record.tenant_id) as conn:
        await store_batch(conn, plugins, record.tenant_id, [record])


async def store_in(
    conn: Any, plugins: PluginHost, record: CallRecord, disabled: Collection[str] | None = None
) -> bool:
    """Store and announce one record within the caller's tenant transaction; False if this
    Asterisk call already has its record (another vats process got there first)."""
    return bool(await store_batch(conn, plugins, record.tenant_id, [record], disabled))


_STORE = """
INSERT INTO call_records (id, tenant_id, direction, number, caller, started_at, answered_at, ended_at, simulated,
                          record, linkedid)
SELECT r.id, $1, r.direction, r.number, r.caller, r.started_at, r.answered_at, r.ended_at, r.simulated,
       r.record::jsonb, r.linkedid
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[],
            $8::timestamptz[], $9::bool[], $10::text[], $11::text[])
     AS r(id, direction, number, caller, started_at, answered_at, ended_at, simulated, record, linkedid)
ON CONFLICT (linkedid) DO NOTHING
RETURNING id
"""


async def store_batch(
    conn: Any,
    plugins: PluginHost,
    tenant_id: uuid.UUID,
    records: Sequence[CallRecord],
    disabled: Collection[str] | None = None,
) -> list[CallRecord]:
    """Store one tenant's records with one statement and announce the stored ones, within the
    caller's tenant transaction: ``calls_ended`` once for the batch, then ``call_ended`` for
    each record (each plugin in its own savepoint). A record whose Asterisk call already has
    one (another vats process got there first) is neither stored nor announced. ``disabled``:
    the plugins the tenant switched off, when the caller read them already. The stored ones."""
    if not records:
        return []
    if any(r.tenant_id != tenant_id for r in records):
        raise ValueError("a batch of call records belongs to one tenant")
    rows = await conn.fetch(
        _STORE, tenant_id, [r.id for r in records], [r.direction for r in records],
        [r.number for r in records], [r.caller for r in records], [r.started_at for r in records],
        [r.answered_at for r in records], [r.ended_at for r in records], [r.simulated for r in records],
        [_json.encode(r).decode() for r in records], [r.linkedid for r in records],
    )  # fmt: skip
    stored_ids = {row["id"] for row in rows}
    stored = [r for r in records if r.id in stored_ids]
    await announce(conn, plugins, tenant_id, stored, disabled)
    return stored


async def announce(
    conn: Any,
    plugins: PluginHost,
    tenant_id: uuid.UUID,
    records: Sequence[CallRecord],
    disabled: Collection[str] | None = None,
) -> None:
    """Hand stored records of one tenant to the plugins: ``calls_ended`` once for the batch (one
    savepoint per plugin per batch), then ``call_ended`` per record (one per plugin per record)."""
    if not records:
        return
    if disabled is None:
        disabled = await plugins.switched_off(conn, tenant_id, "calls_ended", "call_ended")
    await plugins.emit_batch(
        "calls_ended", tenant_id=tenant_id, conn=conn, batch_arg="records", batch=records, disabled=disabled
    )
    if plugins.implemented("call_ended"):
        for record in records:
            await plugins.emit("call_ended", tenant_id=tenant_id, conn=conn, record=record, disabled=disabled)


async def call_records(db: Database, tenant_id: uuid.UUID, limit: int = 50) -> list[CallRecord]:
    async with db.tenant(tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT record FROM call_records WHERE tenant_id = $1 ORDER BY started_at DESC LIMIT $2", tenant_id, limit
        )
    return [msgspec.convert(r["record"], CallRecord) for r in rows]

