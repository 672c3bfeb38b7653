"""Billing test helpers: call records of a tenant, and posting in a tenant transaction."""

from __future__ import annotations

import datetime as dt
import uuid

from vats.core.calls import records as stored
from vats.core.calls.records import CallRecord, Participant
from vats.core.kernel import Kernel

NOON = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def call(
    tenant_id: uuid.UUID,
    direction: str,
    number: str,
    *,
    talk_s: float = 0,
    answered_by: str | None = None,
    record_id: uuid.UUID | None = None,
    simulated: bool = False,
) -> CallRecord:
    answered = NOON + dt.timedelta(seconds=5) if talk_s else None
    ended = (answered or NOON) + dt.timedelta(seconds=talk_s or 20)
    address = answered_by or (f"tel/{number}" if direction == "outbound" else "sip/x201")
    return CallRecord(
        id=record_id or uuid.uuid4(), tenant_id=tenant_id, direction=direction,  # type: ignore[arg-type]
        number=number, caller="201" if direction != "inbound" else "+79031234567",
        started_at=NOON, answered_at=answered, ended_at=ended, answered_by=address if talk_s else None,
        participants=[Participant(address=address, outcome="answered" if talk_s else "missed")],
        simulated=simulated,
    )  # fmt: skip


async def announce(kernel: Kernel, *records: CallRecord) -> None:
    """Hand records of one tenant to the plugins as the kernel does (``calls_ended`` for the batch,
    then ``call_ended`` each, in a tenant transaction), without storing them: a replay after a
    restart looks the same."""
    async with kernel.db.tenant(records[0].tenant_id) as conn:
        await stored.announce(conn, kernel.plugins, records[0].tenant_id, records)


async def balance(kernel: Kernel, tenant_id: uuid.UUID) -> int:
    async with kernel.db.tenant(tenant_id) as conn:
        return int(await conn.fetchval("SELECT coalesce(sum(amount_kop), 0) FROM billing_ledger") or 0)
