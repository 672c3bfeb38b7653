"""The simulator's scenarios replayed for real: the same calls end where the simulator said."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.directory.service import TenantCreated
from vats.core.engine.context import CallFacts
from vats.core.engine.dialing import Target
from vats.core.engine.simulator import parse_script, simulate
from vats.plugins.ivr.menus import create_menu
from vats.plugins.ivr.models import Item, MenuBody, MenuIn, Repeat, Route

from tests.asterisk.conftest import Pbx

DID = "+74952220002"


async def _sales_company(pbx: Pbx, tenant: TenantCreated, strategy: str = "one_by_one") -> dict[str, Any]:
    """IVR: 1 -> the sales group (3 people, one after another), insurance voicemail to the admin."""
    d = pbx.kernel.directory
    tid = tenant.tenant_id
    people = []
    for i in range(3):
        emp, _ = await d.create_employee(
            tid, EmployeeCreate(full_name=f"Продавец {i}", email=f"s{i}@t.example", extension=str(201 + i),
                                availability="available")
        )  # fmt: skip
        people.append(emp)
    group = await d.create_group(
        tid,
        GroupCreate(name="Продажи", extension="200", strategy=strategy, member_ids=[p.id for p in people]),  # type: ignore[arg-type]
    )
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tid) as conn:
        menu = await create_menu(conn, tid, MenuIn(name="Главное", level=1, body=MenuBody(
            instruction=["standard:greeting"], repeat_timeout_s=6, next_timeout_s=12,
            items=[Item(key="0", do=Repeat()), Item(key="1", do=Route(target=Target(kind="group", id=group.id)))])))  # fmt: skip
        body = {"default": {"menu": {"type": "ivr", "menu_id": str(menu.id)},
                            "handling": {"type": "forward", "targets": [{"kind": "group", "id": str(group.id)}]},
                            "insurance": {"type": "voicemail", "assignee_id": str(tenant.admin_id)}}}  # fmt: skip
        scenario_id = await conn.fetchval(
            "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'ivr', $2) RETURNING id", tid, body
        )
    number = await d.assign_number(tid, DID)
    async with pbx.kernel.db.tenant(tid) as conn:
        await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE id = $1", number.id, scenario_id)
    await pbx.apply()
    snapshot = await pbx.kernel.snapshots.get(tid)  # type: ignore[union-attr]
    logins = {p.extension: [t.sip_login for t in snapshot.employees[p.id].terminals if t.sip_login] for p in people}
    return {"people": people, "group": group, "logins": logins}


async def _simulated(pbx: Pbx, script: str) -> Any:
    facts = CallFacts(number=DID, caller="+79165551234", at=dt.datetime.now(dt.UTC))
    return await simulate(pbx.kernel.engine, facts, parse_script(script))


async def test_ivr_to_group_first_busy_second_answers_as_simulated(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    company = await _sales_company(pbx, vats_tenant)
    for login in company["logins"]["201"]:
        await pbx.phones.set(login, "busy")
    expected = await _simulated(pbx, "press 1, 201 busy, 202 answers")
    await pbx.call(DID, digits="1", pre=1.0, hold=6)
    (record,) = await pbx.records(1)
    assert record["path"] == expected.path
    assert record["answered_by"] in {f"sip/{x}" for x in company["logins"]["202"]}
    assert expected.answered_by is not None and expected.answered_by.startswith("sip/")
    assert record["ivr_input"] == ["1"]
    outcomes = {p["address"].split("/")[1]: p["outcome"] for p in record["participants"]}
    assert {outcomes[x] for x in company["logins"]["201"]} == {"busy"}
    assert "answered" in {outcomes[x] for x in company["logins"]["202"]}
    assert not any(x in outcomes for x in company["logins"]["203"])  # never rung


async def test_nobody_answers_then_voicemail_is_recorded_with_a_task(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    company = await _sales_company(pbx, vats_tenant)
    for logins in company["logins"].values():
        for login in logins:
            await pbx.phones.set(login, "unavailable")
    expected = await _simulated(pbx, "press 1, 201 unavailable, 202 unavailable, 203 unavailable")
    await pbx.call(DID, digits="1", pre=1.0, hold=12)
    (record,) = await pbx.records(1)
    assert (
        record["path"] == expected.path == ["default", "menu:ivr", "handling:forward", "insurance:voicemail"]
    )
    assert record["answered_by"] is None
    assert {p["outcome"] for p in record["participants"]} == {"unavailable"}
    assert record["intents"] == [
        {"kind": "voicemail", "assignee_kind": "employee", "assignee_id": str(vats_tenant.admin_id)}
    ]
    assert record["voicemail"] and record["voicemail"].startswith(str(pbx.kernel.config.media_dir))
    assert uuid.UUID(record["tenant_id"]) == vats_tenant.tenant_id


async def test_router_down_mid_call_every_call_reaches_the_static_fallback(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    company = await _sales_company(pbx, vats_tenant)
    admin_lines = {f"sip/{t}" for t in (await _admin_logins(pbx, vats_tenant))}
    for i in range(5):  # they sit in the IVR prompt, having taken one step each
        await pbx.call(DID, caller=f"+7916555000{i}", hold=20)
    await _wait_for_steps(pbx, 5)
    port = pbx.telephony.agi_port
    await pbx.telephony.router.stop()
    records = await pbx.records(5, timeout_s=60)
    for record in records:
        assert record["path"] == ["default", "menu:ivr"]  # what the router had said before it went
        assert record["answered_by"] in admin_lines  # the DID's fallback: the first admin
    # back up: new calls route normally again
    await pbx.telephony.router.start("127.0.0.1", port)
    await pbx.call(DID, digits="1", pre=1.0, hold=4)
    records = await pbx.records(6)
    assert records[-1]["ivr_input"] == ["1"]  # the menu routed it to the group, as before
    assert records[-1]["answered_by"] in {f"sip/{x}" for x in company["logins"]["201"]}


async def _admin_logins(pbx: Pbx, tenant: TenantCreated) -> list[str]:
    snapshot = await pbx.kernel.snapshots.get(tenant.tenant_id)  # type: ignore[union-attr]
    return [t.sip_login for t in snapshot.employees[tenant.admin_id].terminals if t.sip_login]


async def _wait_for_steps(pbx: Pbx, count: int, timeout_s: float = 20) -> None:
    import asyncio
    import time

    deadline = time.monotonic() + timeout_s
    while pbx.telephony.router.steps < count:
        assert time.monotonic() < deadline, f"only {pbx.telephony.router.steps} steps"
        await asyncio.sleep(0.1)
