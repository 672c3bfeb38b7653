"""On a real Asterisk: a call to a migrated number follows the old cabinet's rules before
«Завершить миграцию» and the new scenario after it, and a real SIP phone (baresip) registered
with its old log-in and password keeps registering and answering across the switch."""

from __future__ import annotations

import asyncio
import time

import msgspec
from vats.bots.web.testing import ApiClients
from vats.core.migration_export import OldCustomer
from vats.plugins.migration.completion import complete_requested, request_completion
from vats.plugins.migration.drafts import add_drafts, create

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone
from tests.plugins.migration.test_completion import accept_agreement, top_up

DID = "+74954440019"
DESK, DESK_PASSWORD = "mg-desk.19", "Old-Desk-Phone-19"
ANNA = "mg-anna-19"

CUSTOMER = msgspec.convert(
    {
        "id": "AST-19", "name": "Василёк", "admin_email": "boss@vasilek.example",
        "lines": [{"login": DESK, "password": DESK_PASSWORD, "name": "Ресепшн"},
                  {"login": ANNA, "password": "Anna-Line-19", "name": "Анна"}],
        "numbers": [{"number": DID, "forwarding": [{"to": ANNA, "ring_s": 5}, {"to": DESK, "ring_s": 20}]}],
    },
    OldCustomer,
)  # fmt: skip


async def test_a_migrated_number_follows_the_old_rules_then_the_new_scenario_and_the_old_phone_keeps_working(
    pbx: Pbx, vats_api: ApiClients
) -> None:
    kernel = pbx.kernel
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        [draft] = await add_drafts(conn, "json", [CUSTOMER])
    made = await create(kernel, draft.id)
    tid = made.tenant_id
    async with kernel.db.tenant(tid) as conn:
        admin_id = await conn.fetchval("SELECT admin_id FROM migration_states WHERE tenant_id = $1", tid)
        # The admin's review of the new settings: the reception is always available.
        await conn.execute("UPDATE employees SET availability = 'available' WHERE tenant_id = $1", tid)
        desk_line = await conn.fetchval("SELECT id FROM terminals WHERE sip_login = $1", DESK)
    await pbx.apply()
    phone = SipPhone(pbx.sandbox.root, DESK, DESK_PASSWORD, pbx.sandbox.sip_port)  # type: ignore[attr-defined]
    phone.start()
    try:
        started = time.monotonic()
        while not pbx.ami.live.registered.get(DESK):
            assert time.monotonic() - started < 20, f"not registered: {phone.output()[-1500:]}"
            await asyncio.sleep(0.2)
        await pbx.phones.set(DESK, "pjsip")  # the reception's line is the real phone
        await pbx.phones.set(ANNA, "busy")

        # Before completion: the old rules (Анна's line, busy, then the reception's).
        await pbx.call(DID, hold=2)
        [before] = await pbx.records(1)
        assert "handling:migration_old_rules" in before["path"], before
        assert before["answered_by"] == f"sip/{DESK}", (before, phone.output()[-2000:])

        await top_up(vats_api, tid)
        await accept_agreement(kernel, tid)
        await request_completion(kernel, tid, admin_id, emails_confirmed=True)
        assert await complete_requested(kernel) == 1
        async with kernel.db.tenant(tid) as conn:
            new_id = await conn.fetchval("SELECT new_scenario_id FROM migration_numbers WHERE tenant_id = $1", tid)
        started = time.monotonic()  # the routers hear of the switch by notification
        while (await kernel.snapshots.get(tid)).numbers[DID].scenario_id != new_id:
            assert time.monotonic() - started < 10, "the router never saw the switch"
            await asyncio.sleep(0.1)

        # After: the new scenario (a forward block to the employees), and the same phone answers.
        assert pbx.ami.live.registered.get(DESK)
        await pbx.call(DID, hold=2)
        [_, after] = await pbx.records(2)
        assert "handling:forward" in after["path"] and "handling:migration_old_rules" not in after["path"], after
        assert after["scenario_id"] == str(new_id)
        assert after["answered_by"] == f"sip/{DESK}", (after, phone.output()[-2000:])
        async with kernel.db.tenant(tid) as conn:
            assert await conn.fetchval("SELECT id FROM terminals WHERE sip_login = $1", DESK) == desk_line
    finally:
        phone.stop()
