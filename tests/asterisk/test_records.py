"""No call record is lost when the AMI connection drops, or vats is down, while calls are up."""

from __future__ import annotations

import asyncio
import time

from vats.core.asterisk.cel import CelRecords
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx

DID = "+74953330003"
CALLS = 50


async def _bridged(pbx: Pbx) -> int:
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.system() as conn:
        return int(await conn.fetchval(
            "SELECT count(DISTINCT linkedid) FROM cel WHERE eventtype = 'BRIDGE_ENTER'"
            " AND linkedid NOT IN (SELECT linkedid FROM cel WHERE eventtype = 'LINKEDID_END')"
        ))  # fmt: skip


async def test_ami_cut_and_vats_down_with_50_bridged_calls_lose_no_record(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    await pbx.kernel.directory.assign_number(vats_tenant.tenant_id, DID)
    await pbx.kernel.directory.set_availability(vats_tenant.tenant_id, vats_tenant.admin_id, "available")
    await pbx.apply()
    await pbx.ami.action({"Action": "Setvar", "Variable": "VATS_TEST_TALK", "Value": "10"})  # phones talk 10 s
    for i in range(CALLS):
        await pbx.call(DID, caller=f"+7916777{i:04d}", hold=30)
    deadline = time.monotonic() + 40
    while await _bridged(pbx) < CALLS:
        assert time.monotonic() < deadline, f"only {await _bridged(pbx)} calls bridged"
        await asyncio.sleep(0.2)
    # Everything at once while all 50 are bridged: the AMI connection drops, and vats'
    # record-maker is down (as in a restart).
    await pbx.telephony.records.stop()
    assert pbx.ami.manager is not None and pbx.ami.manager.protocol is not None
    pbx.ami.manager.protocol.transport.abort()
    assert pbx.kernel.db is not None
    while True:  # the calls end while vats is away
        async with pbx.kernel.db.system() as conn:
            ended = await conn.fetchval("SELECT count(*) FROM cel WHERE eventtype = 'LINKEDID_END'")
            stored = await conn.fetchval("SELECT count(*) FROM call_records")
        assert stored == 0
        if ended >= CALLS:
            break
        assert time.monotonic() < deadline + 40, f"{ended} calls ended"
        await asyncio.sleep(0.5)
    # vats is back: the queue is swept, every call gets exactly one record
    pbx.telephony.records = CelRecords(pbx.kernel)
    await pbx.telephony.records.start()
    records = await pbx.records(CALLS)
    await pbx.ami.wait_logged_in(15)  # and the AMI connection came back by itself
    assert pbx.ami.reconnects >= 1
    async with pbx.kernel.db.system() as conn:
        cel = await conn.fetch(
            "SELECT linkedid, min(eventtime) AS started, max(eventtime) AS ended,"
            " count(*) FILTER (WHERE eventtype = 'BRIDGE_ENTER') AS bridged FROM cel GROUP BY linkedid"
        )
        pending = await conn.fetchval("SELECT count(*) FROM cel_pending")
    by_linkedid = {r["linkedid"]: r for r in cel}
    assert len(records) == len(by_linkedid) == CALLS and pending == 0
    callers = set()
    for record in records:
        own = by_linkedid[record["linkedid"]]
        assert own["bridged"] >= 2  # Asterisk says it was answered...
        assert record["answered_by"] is not None  # ...and so does the record
        assert record["answered_at"] is not None
        assert record["started_at"].startswith(own["started"].isoformat()[:19])
        assert record["ended_at"].startswith(own["ended"].isoformat()[:19])
        callers.add(record["caller"])
    assert len(callers) == CALLS
