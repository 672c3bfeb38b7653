"""Transfers from a real SIP phone (baresip) on the real Asterisk: the call record says who
transferred the call to whom, and the history follows the last party."""

from __future__ import annotations

import asyncio
import time
import uuid

from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

DID = "+74954440077"


async def test_a_blind_transfer_by_refer_hands_the_caller_to_a_colleague(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    d, tid = pbx.kernel.directory, vats_tenant.tenant_id
    await d.assign_number(tid, DID)
    anna, anna_lines = await d.create_employee(tid, EmployeeCreate(
        full_name="Анна", email="anna@t.example", extension="301", availability="available"))  # fmt: skip
    boris, boris_lines = await d.create_employee(tid, EmployeeCreate(
        full_name="Борис", email="boris@t.example", extension="302", availability="available"))  # fmt: skip
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tid) as conn:
        scenario_id = await conn.fetchval(
            "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'anna', $2) RETURNING id", tid,
            {"default": {"handling": {"type": "forward", "targets": [{"kind": "employee", "id": str(anna.id)}]}}},
        )  # fmt: skip
        await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE e164 = $1", DID, scenario_id)
    await pbx.apply()
    line = anna_lines[0]
    for other in anna_lines[1:]:
        await pbx.phones.set(other.sip_login, "unavailable")
    await pbx.phones.set(line.sip_login, "pjsip")
    phone = SipPhone(pbx.sandbox.root, line.sip_login, line.sip_password, pbx.sandbox.sip_port)  # type: ignore[attr-defined]
    phone.start()
    try:
        started = time.monotonic()
        while not pbx.ami.live.registered.get(line.sip_login):
            assert time.monotonic() - started < 20, f"not registered: {phone.output()[-1500:]}"
            await asyncio.sleep(0.2)
        await pbx.call(DID, hold=8)
        await asyncio.to_thread(phone.wait_for, "answer")
        await asyncio.sleep(1)
        phone.command("/transfer 302")
        (record,) = await pbx.records(1)
    finally:
        phone.stop()
    # An inbound call still, from the caller, through the scenario; Анна handed it to 302 (Борис),
    # who took it: the history shows Борис as the one who answered.
    assert record["direction"] == "inbound" and record["caller"] == "+79165551234" and record["path"]
    assert record["transfers"] == [
        {"kind": "blind", "by": f"sip/{line.sip_login}", "by_employee_id": str(anna.id), "to": "302"}
    ]
    answered = [p["employee_id"] for p in record["participants"] if p["outcome"] == "answered"]
    assert answered[0] == str(anna.id) and answered[-1] == str(boris.id)
    assert record["answered_by"] in {f"sip/{x.sip_login}" for x in boris_lines}
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tid) as conn:
        took = await conn.fetchval("SELECT answered_by FROM crm_calls WHERE id = $1", uuid.UUID(record["id"]))
    assert took == boris.id
    # The history's card says so, in people's words.
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    detail = (await admin.get(f"/api/history/{record['id']}")).json()
    assert detail["transfers"][0]["to"] == "302" and detail["call"]["answered_by"] == str(boris.id)
    page = CabinetClient(create_app(pbx.kernel))
    try:
        email = await give_password(pbx.kernel, tid, vats_tenant.admin_id)
        assert (await page.sign_in(email, TEST_PASSWORD)).status_code == 303
        shown = (await page.http.get(f"/cabinet/history/{record['id']}")).text
        assert "Анна перевёл(а) звонок на 302 (без консультации)" in shown
    finally:
        await page.close()

