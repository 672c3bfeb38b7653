"""A line brought from another system keeps its log-in and password: a real SIP phone registers
with a log-in that is not vats's '005' + seven digits (letters, a dot and a dash) and takes a
call to the employee it was moved to."""

from __future__ import annotations

import asyncio
import time

from vats.core.directory import employees as repo
from vats.core.directory.models import EmployeeCreate, SipLineCreate, TerminalUpdate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone

DID = "+74954440014"
LOGIN, PASSWORD = "office-desk.7", "Old-Phone-42"


async def test_a_phone_registers_with_an_imported_log_in_after_its_line_moved(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    d = pbx.kernel.directory
    tid = vats_tenant.tenant_id
    await d.assign_number(tid, DID)
    anna, _ = await d.create_employee(
        tid,
        EmployeeCreate(full_name="Анна", email="anna@t.example", extension="311",
                       sip_lines=[SipLineCreate(kind="mobile_app", sip_login=LOGIN, sip_password=PASSWORD)]),
    )  # fmt: skip
    boris, _ = await d.create_employee(
        tid, EmployeeCreate(full_name="Борис", email="boris@t.example", extension="312", availability="available",
                            sip_lines=[])
    )  # fmt: skip
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tid) as conn:  # the line moves to Boris as his softphone
        await repo.update_terminal(
            conn, tid, anna.id, anna.terminals[0].id, TerminalUpdate(kind="softphone", employee_id=boris.id)
        )
    await pbx.apply()
    phone = SipPhone(pbx.sandbox.root, LOGIN, PASSWORD, pbx.sandbox.sip_port)  # type: ignore[attr-defined]
    phone.start()
    try:
        started = time.monotonic()
        while not pbx.ami.live.registered.get(LOGIN):
            assert time.monotonic() - started < 20, f"not registered: {phone.output()[-1500:]}"
            await asyncio.sleep(0.2)
        async with pbx.kernel.db.tenant(tid) as conn:
            scenario_id = await conn.fetchval(
                "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'imported', $2) RETURNING id",
                tid,
                {"default": {"handling": {"type": "forward", "targets": [{"kind": "employee", "id": str(boris.id)}]}}},
            )
            await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE e164 = $1", DID, scenario_id)
        await pbx.phones.set(LOGIN, "pjsip")  # this line is the real phone
        await pbx.call(DID, hold=2)
        [record] = await pbx.records(1)
        assert record["answered_by"] == f"sip/{LOGIN}", (record, phone.output()[-2000:])
        phone.wait_for("answer")
    finally:
        phone.stop()
