"""A real SIP user agent: an employee added through vats registers within seconds and takes a call."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import asyncpg
from vats.bots.web.testing import ApiClients
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone

DID = "+74954440004"


async def test_new_employee_registers_in_seconds_and_answers_a_call(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    d = pbx.kernel.directory
    await d.assign_number(vats_tenant.tenant_id, DID)
    await pbx.apply()
    renders = pbx.telephony.renders
    employee, secrets = await d.create_employee(
        vats_tenant.tenant_id,
        EmployeeCreate(full_name="Новый сотрудник", email="new@t.example", extension="301", availability="available"),
    )
    line = secrets[0]
    started = time.monotonic()
    # nobody calls apply(): vats notices the new line, re-renders and reloads Asterisk by itself
    while pbx.telephony.renders == renders:
        assert time.monotonic() - started < 10, "vats did not re-render after the change"
        await asyncio.sleep(0.1)
    phone = SipPhone(pbx.sandbox.root, line.sip_login, line.sip_password, pbx.sandbox.sip_port)  # type: ignore[attr-defined]
    # open cabinet pages hear of the registration (channel vats_live, core/asterisk/line_events.py)
    announced: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    listening = await asyncpg.connect(pbx.kernel.owner_url)
    await listening.add_listener("vats_live", lambda *args: announced.put_nowait(json.loads(args[3])))
    phone.start()
    try:
        while not pbx.ami.live.registered.get(line.sip_login):
            assert time.monotonic() - started < 20, f"not registered: {phone.output()[-1500:]}"
            await asyncio.sleep(0.2)
        registered_after = time.monotonic() - started
        assert registered_after < 20
        async with asyncio.timeout(5):
            while True:
                event = await announced.get()
                if event["kind"] == "line" and event["data"]["sip_login"] == line.sip_login:
                    if event["data"]["registered"]:  # (its device state may come first)
                        break
        assert event["tenant"] == str(vats_tenant.tenant_id)
        assert event["data"]["employee_id"] == str(employee.id)
        # the default scenario forwards to the first admin: point the number at the new employee
        assert pbx.kernel.db is not None
        async with pbx.kernel.db.tenant(vats_tenant.tenant_id) as conn:
            scenario_id = await conn.fetchval(
                "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'new', $2) RETURNING id",
                vats_tenant.tenant_id,
                {
                    "default": {
                        "handling": {"type": "forward", "targets": [{"kind": "employee", "id": str(employee.id)}]}
                    }
                },
            )
            await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE e164 = $1", DID, scenario_id)
        for other in secrets[1:]:
            await pbx.phones.set(other.sip_login, "unavailable")
        await pbx.phones.set(line.sip_login, "pjsip")  # this line is the real phone
        await pbx.call(DID, hold=4)
        # while they talk, the cabinet shows the line registered and in use (live, from AMI)
        me = await vats_api.as_employee(vats_tenant.tenant_id, employee.id)
        deadline = time.monotonic() + 4
        while True:
            lines = {x["sip_login"]: x for x in (await me.get("/api/lines")).json()}
            if lines[line.sip_login]["state"] == "INUSE":
                break
            assert time.monotonic() < deadline, lines
            await asyncio.sleep(0.1)
        assert lines[line.sip_login]["registered"] is True
        assert not lines[secrets[1].sip_login]["registered"]
        # a second caller meanwhile: the employee is on a call, so routing skips them
        await pbx.call(DID, caller="+79167770000", hold=2)
        records = {r["caller"]: r for r in await pbx.records(2)}
        assert records["+79167770000"]["participants"] == []
        record = records["+79165551234"]
        assert record["answered_by"] == f"sip/{line.sip_login}"
        phone.wait_for("answer")  # baresip's own account of the call
    finally:
        phone.stop()
        await listening.close()
