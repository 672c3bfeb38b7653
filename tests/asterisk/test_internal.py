"""Calls between colleagues on the real Asterisk: an extension dialled from a phone follows the
callee's reception settings (as a direct call from outside does), a group's extension rings the
group by its strategy, and with the router stopped the callee's lines still ring plainly."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from vats.core.asterisk.render import context_of
from vats.core.directory import employees as employees_repo
from vats.core.directory.models import AbsenceCreate, EmployeeCreate, EmployeeUpdate, ForwardTarget, GroupCreate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone


async def dial_extension(pbx: Pbx, tenant: TenantCreated, extension: str, *, caller: str = "100",
                         hold: float = 8) -> None:  # fmt: skip
    """A colleague (extension ``caller``) dials ``extension`` from a phone of the tenant."""
    await pbx.ami.originate(
        f"Local/{extension}@{context_of(tenant.tenant_id)}", context="vats-test-caller", exten="s",
        caller_id=f'"Коллега" <{caller}>', variables={"HOLD": str(hold), "PRE": "0.2", "DIGITS": ""},
    )  # fmt: skip


async def _people(pbx: Pbx, tenant: TenantCreated, *extensions: str) -> dict[str, Any]:
    """Available employees with these extensions; their SIP logins by extension."""
    d = pbx.kernel.directory
    found = {}
    for ext in extensions:
        emp, _ = await d.create_employee(
            tenant.tenant_id,
            EmployeeCreate(full_name=f"Сотрудник {ext}", email=f"e{ext}@t.example", extension=ext,
                           availability="available"),
        )  # fmt: skip
        found[ext] = emp
    return found


async def _absent(pbx: Pbx, tenant: TenantCreated, employee_id: Any, data: AbsenceCreate) -> None:
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tenant.tenant_id) as conn:
        await employees_repo.add_absence(conn, tenant.tenant_id, employee_id, data)


async def _lines(pbx: Pbx, tenant: TenantCreated, employee_id: Any) -> list[str]:
    snapshot = await pbx.kernel.snapshots.get(tenant.tenant_id)  # type: ignore[union-attr]
    return [t.sip_login for t in snapshot.terminals(snapshot.employees[employee_id]) if t.sip_login]


async def test_internal_call_to_an_absent_colleague_goes_where_their_absence_says(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    people = await _people(pbx, vats_tenant, "301", "302")
    today = dt.date.today()
    await _absent(
        pbx, vats_tenant, people["301"].id,
        AbsenceCreate(kind="vacation", starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=1),
                      forward=ForwardTarget(action="employee", employee_id=people["302"].id)),
    )  # fmt: skip
    await pbx.apply()
    await dial_extension(pbx, vats_tenant, "301")
    (record,) = await pbx.records(1)
    assert record["direction"] == "internal"
    assert record["number"] == "301" and record["caller"] == "100"
    absent = set(await _lines(pbx, vats_tenant, people["301"].id))
    deputy = set(await _lines(pbx, vats_tenant, people["302"].id))
    assert record["answered_by"].split("/")[1] in deputy
    assert not any(p["address"].split("/")[1] in absent for p in record["participants"])  # never rang
    assert "internal:forward to employee by the reception settings" in record["path"]


async def test_internal_call_when_the_colleague_takes_no_calls_follows_their_off_hours_rule(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    people = await _people(pbx, vats_tenant, "301")
    await pbx.kernel.directory.update_employee(
        vats_tenant.tenant_id, people["301"].id,
        EmployeeUpdate(availability="unavailable", off_hours=ForwardTarget(action="voicemail")),
    )  # fmt: skip
    await pbx.apply()
    await dial_extension(pbx, vats_tenant, "301", hold=8)  # the prompt takes 5.6 s
    (record,) = await pbx.records(1)
    assert record["participants"] == []  # a plain dial would have rung their three lines
    assert record["voicemail"]  # the caller was asked for a message
    assert record["intents"] == [
        {"kind": "voicemail", "assignee_kind": "employee", "assignee_id": str(people["301"].id)}
    ]


async def test_group_extension_dialled_internally_rings_the_members_one_by_one(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    people = await _people(pbx, vats_tenant, "301", "302")
    group = await pbx.kernel.directory.create_group(
        vats_tenant.tenant_id,
        GroupCreate(name="Продажи", extension="300", strategy="one_by_one", step_delay_s=2,
                    member_ids=[people["301"].id, people["302"].id]),
    )  # fmt: skip
    await pbx.apply()
    first = await _lines(pbx, vats_tenant, people["301"].id)
    second = await _lines(pbx, vats_tenant, people["302"].id)
    for login in first:
        await pbx.phones.set(login, "noanswer")
    await dial_extension(pbx, vats_tenant, "300")
    (record,) = await pbx.records(1)
    assert record["direction"] == "internal" and record["number"] == "300"
    assert record["answered_by"].split("/")[1] in second
    rung = [p["address"].split("/")[1] for p in record["participants"]]
    assert set(rung[: len(first)]) == set(first)  # the first member rang first, alone
    assert {p["outcome"] for p in record["participants"] if p["address"].split("/")[1] in first} == {"missed"}
    assert record["groups"] == [str(group.id)]


async def test_with_the_router_stopped_an_internal_call_dials_the_callees_lines_plainly(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    people = await _people(pbx, vats_tenant, "301", "302")
    await pbx.kernel.directory.create_group(
        vats_tenant.tenant_id, GroupCreate(name="Все", extension="300", member_ids=[people["302"].id])
    )
    today = dt.date.today()
    await _absent(  # the router would drop the call; the fallback cannot know
        pbx, vats_tenant, people["301"].id,
        AbsenceCreate(kind="vacation", starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=1),
                      forward=ForwardTarget(action="drop")),
    )  # fmt: skip
    await pbx.apply()
    await pbx.telephony.router.stop()
    await dial_extension(pbx, vats_tenant, "301", hold=4)
    await dial_extension(pbx, vats_tenant, "300", hold=4)
    records = {r["number"]: r for r in await pbx.records(2)}
    own = set(await _lines(pbx, vats_tenant, people["301"].id))
    member = set(await _lines(pbx, vats_tenant, people["302"].id))
    assert {p["address"].split("/")[1] for p in records["301"]["participants"]} == own
    assert records["301"]["answered_by"].split("/")[1] in own
    assert records["300"]["answered_by"].split("/")[1] in member
    assert all(r["direction"] == "internal" for r in records.values())


async def test_a_real_phone_dials_a_colleagues_extension_and_their_real_phone_answers(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    d = pbx.kernel.directory
    tid = vats_tenant.tenant_id
    caller, caller_lines = await d.create_employee(
        tid, EmployeeCreate(full_name="Звонящий", email="a@t.example", extension="401", availability="available")
    )
    callee, callee_lines = await d.create_employee(
        tid, EmployeeCreate(full_name="Отвечающий", email="b@t.example", extension="402", availability="available")
    )
    await pbx.apply()
    for other in callee_lines[1:]:
        await pbx.phones.set(other.sip_login, "unavailable")
    await pbx.phones.set(callee_lines[0].sip_login, "pjsip")  # this line is the real phone
    port = pbx.sandbox.sip_port  # type: ignore[attr-defined]
    phones = [SipPhone(pbx.sandbox.root, x.sip_login, x.sip_password, port) for x in (caller_lines[0], callee_lines[0])]
    for phone in phones:
        phone.start()
    try:
        started = time.monotonic()
        while not all(pbx.ami.live.registered.get(x.sip_login) for x in (caller_lines[0], callee_lines[0])):
            assert time.monotonic() - started < 20, [p.output()[-800:] for p in phones]
            await asyncio.sleep(0.2)
        phones[0].dial(f"sip:402@127.0.0.1:{port}")
        await asyncio.to_thread(phones[1].wait_for, "answer")  # the colleague's phone rang and picked up
        await asyncio.sleep(2)
        phones[0].hang_up()
        (record,) = await pbx.records(1)
    finally:
        for phone in phones:
            phone.stop()
    assert record["direction"] == "internal" and record["number"] == "402" and record["caller"] == "401"
    assert record["answered_by"] == f"sip/{callee_lines[0].sip_login}"
    assert record["caller_employee_id"] == str(caller.id)
    assert record["path"] == ["internal"]  # the router's direct-call logic took it
    assert {p["employee_id"] for p in record["participants"]} == {str(callee.id)}
