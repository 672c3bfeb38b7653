"""Transfers from a real SIP phone (baresip) on the real Asterisk: the call record says who
transferred the call to whom, and the history follows the last party."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.directory.models import EmployeeCreate, EmployeeUpdate, ForwardTarget
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

DID = "+74954440077"


async def _by_refer(pbx: Pbx, phone: SipPhone, boris_lines: list[Any]) -> None:
    phone.command("/transfer 302")


async def _anna_transfers_to_302(
    pbx: Pbx, tenant: TenantCreated, *, boris_phones: str, hold: float,
    how: Callable[[Pbx, SipPhone, list[Any]], Awaitable[None]] = _by_refer, boris_settings: EmployeeUpdate | None = None,
    **variables: str,
) -> Any:  # fmt: skip
    """Анна (301, a baresip phone) takes a call to the DID and hands it to 302 (Борис, whose
    dialplan phones behave as ``boris_phones`` says, his card as ``boris_settings``), by REFER
    unless ``how`` says otherwise; the call's record, Анна's line and the two employees."""
    d, tid = pbx.kernel.directory, tenant.tenant_id
    await d.assign_number(tid, DID)
    anna, anna_lines = await d.create_employee(tid, EmployeeCreate(
        full_name="Анна", email="anna@t.example", extension="301", availability="available"))  # fmt: skip
    boris, boris_lines = await d.create_employee(tid, EmployeeCreate(
        full_name="Борис", email="boris@t.example", extension="302", availability="available"))  # fmt: skip
    if boris_settings is not None:
        await d.update_employee(tid, boris.id, boris_settings)
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
    for boris_line in boris_lines:
        await pbx.phones.set(boris_line.sip_login, boris_phones)
    await pbx.phones.set(line.sip_login, "pjsip")
    phone = SipPhone(pbx.sandbox.root, line.sip_login, line.sip_password, pbx.sandbox.sip_port)  # type: ignore[attr-defined]
    phone.start()
    try:
        started = time.monotonic()
        while not pbx.ami.live.registered.get(line.sip_login):
            assert time.monotonic() - started < 20, f"not registered: {phone.output()[-1500:]}"
            await asyncio.sleep(0.2)
        await pbx.call(DID, hold=hold, **variables)
        await asyncio.to_thread(phone.wait_for, "answer")
        await asyncio.sleep(1)
        await how(pbx, phone, boris_lines)
        (record,) = await pbx.records(1)
    finally:
        phone.stop()
    return record, line, anna, (boris, boris_lines)


async def call_page(pbx: Pbx, tenant: TenantCreated, call_id: str) -> str:
    """The call's page in the cabinet, as the PBX's admin sees it."""
    page = CabinetClient(create_app(pbx.kernel))
    try:
        email = await give_password(pbx.kernel, tenant.tenant_id, tenant.admin_id)
        assert (await page.sign_in(email, TEST_PASSWORD)).status_code == 303
        return (await page.http.get(f"/cabinet/history/{call_id}")).text
    finally:
        await page.close()


async def _tasks(pbx: Pbx, tenant_id: uuid.UUID) -> list[Any]:
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tenant_id) as conn:
        return list(await conn.fetch("SELECT kind, assignee_kind, assignee_id FROM crm_tasks"))


async def test_a_blind_transfer_by_refer_hands_the_caller_to_a_colleague(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    tid = vats_tenant.tenant_id
    record, line, anna, (boris, boris_lines) = await _anna_transfers_to_302(
        pbx, vats_tenant, boris_phones="ring:0.5", hold=8
    )
    # An inbound call still, from the caller, through the scenario; Анна handed it to 302 (Борис),
    # who took it: the history shows Борис as the one who answered.
    assert record["direction"] == "inbound" and record["caller"] == "+79165551234" and record["path"]
    assert record["transfers"] == [{
        "kind": "blind", "by": f"sip/{line.sip_login}", "by_employee_id": str(anna.id), "to": "302",
        "to_employee_id": str(boris.id), "answered": True,
    }]  # fmt: skip
    answered = [p["employee_id"] for p in record["participants"] if p["outcome"] == "answered"]
    assert answered[0] == str(anna.id) and answered[-1] == str(boris.id)
    assert record["answered_by"] in {f"sip/{x.sip_login}" for x in boris_lines}
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tid) as conn:
        took = await conn.fetchval("SELECT answered_by FROM crm_calls WHERE id = $1", uuid.UUID(record["id"]))
    assert took == boris.id
    assert await _tasks(pbx, tid) == []  # Борис took it: no missed call
    # The history's card says so, in people's words.
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    detail = (await admin.get(f"/api/history/{record['id']}")).json()
    assert detail["transfers"][0]["to"] == "302" and detail["call"]["answered_by"] == str(boris.id)
    shown = await call_page(pbx, vats_tenant, record["id"])
    assert "Анна перевёл(а) звонок на 302 (без консультации)</li>" in shown


async def test_a_call_transferred_to_a_colleague_who_does_not_answer_is_his_missed_call(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    # Борис's phones ring and ring; the caller gives up 6 s after the transfer
    record, _, anna, (boris, _) = await _anna_transfers_to_302(pbx, vats_tenant, boris_phones="noanswer", hold=8)
    (transfer,) = record["transfers"]
    assert (transfer["by_employee_id"], transfer["to"], transfer["to_employee_id"], transfer["answered"]) == (
        str(anna.id), "302", str(boris.id), False
    )  # fmt: skip
    assert {p["outcome"] for p in record["participants"] if p["employee_id"] == str(boris.id)} == {"missed"}
    # The missed call is Борис's (the last party), not Анна's, who took the call first.
    tasks = await _tasks(pbx, vats_tenant.tenant_id)
    assert [(t["kind"], t["assignee_kind"], t["assignee_id"]) for t in tasks] == [("missed", "employee", boris.id)]
    shown = await call_page(pbx, vats_tenant, record["id"])
    assert "Анна перевёл(а) звонок на 302 (без консультации): никто не ответил</li>" in shown


async def test_a_call_transferred_to_a_colleague_who_takes_no_calls_leaves_a_message_that_is_his_task(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    # Борис takes no calls and sends callers to his voicemail: the transfer follows his own rule,
    # as a call dialled to 302 would, and the message the caller leaves is his to hear.
    away = EmployeeUpdate(availability="unavailable", off_hours=ForwardTarget(action="voicemail"))
    record, _, anna, (boris, _) = await _anna_transfers_to_302(
        pbx, vats_tenant, boris_phones="noanswer", hold=12, boris_settings=away  # the prompt takes 5.6 s
    )
    (transfer,) = record["transfers"]
    assert (transfer["by_employee_id"], transfer["to"], transfer["answered"]) == (str(anna.id), "302", False)
    assert not any(p["employee_id"] == str(boris.id) for p in record["participants"])  # his phones never rang
    assert record["voicemail"]  # the caller was asked for a message
    assert {"kind": "voicemail", "assignee_kind": "employee", "assignee_id": str(boris.id)} in record["intents"]
    tasks = await _tasks(pbx, vats_tenant.tenant_id)
    assert [(t["kind"], t["assignee_kind"], t["assignee_id"]) for t in tasks] == [("voicemail", "employee", boris.id)]
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT voicemail FROM crm_tasks") == record["voicemail"]


async def _by_the_keypad(pbx: Pbx, phone: SipPhone, boris_lines: list[Any]) -> None:
    """*2 and the extension, then hang up once the colleague has answered. Asterisk's Atxfer action
    puts exactly those keypad digits on Анна's channel, where the bridge's feature detection reads
    them as from her phone (baresip drops fast DTMF)."""
    text = await pbx.ami.command("core show channels concise")
    (channel,) = [line.split("!")[0] for line in text.splitlines() if line.startswith("PJSIP/")]
    # panoramisk waits for a second message after "...successfully queued" unless Async is false
    reply = await pbx.ami.action({"Action": "Atxfer", "Channel": channel, "Exten": "302", "Async": "false"})
    assert reply.get("Response") == "Success", reply
    deadline = time.monotonic() + 15
    while True:  # Борис's phone answered the consultation (it says something)
        text = await pbx.ami.command("core show channels concise")
        if any(
            line.startswith(f"Local/{b.sip_login}@") and "!MusicOnHold!" in line
            for b in boris_lines
            for line in text.splitlines()
        ):
            break
        assert time.monotonic() < deadline, text
        await asyncio.sleep(0.2)
    phone.hang_up()  # Анна hangs up: the caller and Борис talk


async def test_an_attended_transfer_by_the_keypad_code_hands_the_caller_to_the_colleague(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    record, line, anna, (boris, boris_lines) = await _anna_transfers_to_302(
        pbx, vats_tenant, boris_phones="ring:0.5", hold=12, how=_by_the_keypad, _VATS_TEST_TALK="30"
    )
    assert record["transfers"] == [{
        "kind": "attended", "by": f"sip/{line.sip_login}", "by_employee_id": str(anna.id), "to": "302",
        "to_employee_id": str(boris.id), "answered": True,
    }]  # fmt: skip
    answered = [p["employee_id"] for p in record["participants"] if p["outcome"] == "answered"]
    assert answered[0] == str(anna.id) and answered[-1] == str(boris.id)
    assert record["answered_by"] in {f"sip/{x.sip_login}" for x in boris_lines}
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(vats_tenant.tenant_id) as conn:
        took = await conn.fetchval("SELECT answered_by FROM crm_calls WHERE id = $1", uuid.UUID(record["id"]))
    assert took == boris.id and await _tasks(pbx, vats_tenant.tenant_id) == []
