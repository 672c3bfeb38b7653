"""A multichannel SIP line (its ``channels`` count) is not busy until all its channels are in use:
a second caller still reaches an employee who is talking on it; a one-channel line is skipped
(tests/asterisk/test_sip_phone.py proves that half)."""

from __future__ import annotations

import asyncio
import time

from vats.core.directory import employees as employees_repo
from vats.core.directory.models import EmployeeCreate, TerminalUpdate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone

DID = "+74954440005"


async def test_a_two_channel_line_in_a_call_still_takes_a_second_call(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    d = pbx.kernel.directory
    tid = vats_tenant.tenant_id
    await d.assign_number(tid, DID)
    employee, secrets = await d.create_employee(
        tid, EmployeeCreate(full_name="Оператор", email="op@t.example", extension="301", availability="available")
    )
    line = secrets[0]
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tid) as conn:
        terminal_id = next(t.id for t in employee.terminals if t.sip_login == line.sip_login)
        await employees_repo.update_terminal(conn, tid, employee.id, terminal_id, TerminalUpdate(channels=2))
        scenario_id = await conn.fetchval(
            "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'op', $2) RETURNING id", tid,
            {"default": {"handling": {"type": "forward", "targets": [{"kind": "employee", "id": str(employee.id)}]}}},
        )  # fmt: skip
        await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE e164 = $1", DID, scenario_id)
    await pbx.apply()
    for other in secrets[1:]:
        await pbx.phones.set(other.sip_login, "unavailable")
    await pbx.phones.set(line.sip_login, "pjsip")  # this line is the real phone
    phone = SipPhone(pbx.sandbox.root, line.sip_login, line.sip_password, pbx.sandbox.sip_port)  # type: ignore[attr-defined]
    phone.start()
    try:
        started = time.monotonic()
        while not pbx.ami.live.registered.get(line.sip_login):
            assert time.monotonic() - started < 20, f"not registered: {phone.output()[-1500:]}"
            await asyncio.sleep(0.2)
        await pbx.call(DID, hold=10)
        while pbx.ami.live.device.get(line.sip_login) != "INUSE":
            assert time.monotonic() - started < 30, pbx.ami.live.device
            await asyncio.sleep(0.1)
        await pbx.call(DID, caller="+79167770000", hold=3)  # while the first call goes on
        records = {r["caller"]: r for r in await pbx.records(2)}
    finally:
        phone.stop()
    assert records["+79165551234"]["answered_by"] == f"sip/{line.sip_login}"
    second = records["+79167770000"]
    assert f"sip/{line.sip_login}" in {p["address"] for p in second["participants"]}  # one channel was free
