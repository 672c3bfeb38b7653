"""Ring-strategy state from call records: when each employee last finished an answered call
("uniform" rings the one idle longest first). Kept in memory per process, fed by
``call_ended`` and seeded from the stored records at start-up, so a routing step never queries
the database for it. Who is busy right now comes from telephony's live state (issue 5)."""

from __future__ import annotations

import uuid

from vats.core.calls.records import CallRecord
from vats.core.db.database import Database

# tenant -> employee -> when they last hung up an answered call (epoch seconds)
LAST_FINISHED: dict[uuid.UUID, dict[uuid.UUID, float]] = {}


def remember(record: CallRecord) -> None:
    if record.answered_at is None:
        return
    ended = record.ended_at.timestamp()
    per_tenant = LAST_FINISHED.setdefault(record.tenant_id, {})
    for participant in record.participants:
        if participant.outcome == "answered" and participant.employee_id is not None:
            per_tenant[participant.employee_id] = max(ended, per_tenant.get(participant.employee_id, 0.0))


async def load(db: Database) -> None:
    """Seed from the last day's records (one query at start-up)."""
    async with db.system() as conn:
        rows = await conn.fetch(
            "SELECT r.tenant_id, (p->>'employee_id')::uuid AS employee_id, max(r.ended_at) AS ended"
            " FROM call_records r, jsonb_array_elements(r.record->'participants') p"
            " WHERE r.ended_at > now() - interval '1 day'"
            " AND p->>'outcome' = 'answered' AND p->>'employee_id' IS NOT NULL"
            " GROUP BY 1, 2"
        )
    for r in rows:
        LAST_FINISHED.setdefault(r["tenant_id"], {})[r["employee_id"]] = r["ended"].timestamp()
