"""Real calls through a real Asterisk 22 and the router."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx

DID = "+74951110001"


async def _logins(pbx: Pbx, tenant: TenantCreated, employee_id: Any) -> set[str]:
    snapshot = await pbx.kernel.snapshots.get(tenant.tenant_id)  # type: ignore[union-attr]
    return {t.sip_login for t in snapshot.employees[employee_id].terminals if t.sip_login}


async def test_default_scenario_rings_the_admin_who_answers(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    await pbx.kernel.directory.assign_number(vats_tenant.tenant_id, DID)
    await pbx.kernel.directory.set_availability(vats_tenant.tenant_id, vats_tenant.admin_id, "available")
    await pbx.apply()
    lines = {f"sip/{x}" for x in await _logins(pbx, vats_tenant, vats_tenant.admin_id)}
    await pbx.call(DID.lstrip("+"), hold=3)  # the DID arrives without "+"
    (record,) = await pbx.records(1)
    assert record["number"] == DID
    assert record["caller"] == "+79165551234"
    assert record["answered_by"] in lines  # the admin's three SIP lines ring together
    assert {p["address"] for p in record["participants"]} == lines
    assert [p["outcome"] for p in record["participants"]].count("answered") == 1
    assert {p["employee_id"] for p in record["participants"]} == {str(vats_tenant.admin_id)}
    assert record["path"] == ["default", "handling:forward"]
    assert record["answered_at"] is not None and record["intents"] == []


async def test_a_sequential_employees_phones_ring_one_after_another_each_for_its_ring_time(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    from vats.core.directory import employees as employees_repo
    from vats.core.directory.models import EmployeeUpdate, TerminalUpdate

    d = pbx.kernel.directory
    tid, admin = vats_tenant.tenant_id, vats_tenant.admin_id
    await d.assign_number(tid, DID)
    await d.set_availability(tid, admin, "available")
    await d.update_employee(tid, admin, EmployeeUpdate(ring_mode="sequential"))
    snapshot = await pbx.kernel.snapshots.get(tid)  # type: ignore[union-attr]
    first, second, third = sorted(snapshot.employees[admin].terminals, key=lambda t: t.position)
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tid) as conn:  # the desk rings 5 s, then the next phone
        await employees_repo.update_terminal(conn, tid, admin, first.id, TerminalUpdate(ring_time_s=5))
    await pbx.apply()
    await pbx.phones.set(first.sip_login or "", "noanswer")  # the first phone would ring on; the second answers
    await pbx.call(DID, hold=10)
    (record,) = await pbx.records(1)
    assert record["answered_by"] == f"sip/{second.sip_login}"
    assert f"sip/{third.sip_login}" not in {p["address"] for p in record["participants"]}  # its turn never came
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.system() as conn:
        events = await conn.fetch(
            "SELECT eventtype, channame, eventtime FROM cel WHERE linkedid = $1"
            " AND eventtype IN ('CHAN_START', 'HANGUP') AND channame LIKE 'Local/%@vats-test-phones%;2'",
            record["linkedid"],
        )
    times = {(r["eventtype"], r["channame"].split("@")[0].split("/")[-1]): r["eventtime"] for r in events}
    started_first, started_second = times[("CHAN_START", first.sip_login)], times[("CHAN_START", second.sip_login)]
    assert (started_second - started_first).total_seconds() >= 4.9  # after the desk's 5 s
    assert times[("HANGUP", first.sip_login)] <= started_second + dt.timedelta(seconds=0.5)  # the desk stopped
