"""Attended transfer from real SIP phones (baresip) on the real Asterisk: the employee who took
an outside call consults a colleague on a second call, then hands the caller over to them by a
REFER with Replaces (RFC 3891/5589), as a desk phone's "transfer" key does.

baresip 1.1.0 (the chroot's) has no attended-transfer command, and it crashes when it puts its
first call on hold to dial a second one; so the employee's second line places the consultation
and the first line sends the REFER naming that dialog in Replaces. For Asterisk this is the same
request a phone sends: the REFER arrives on the caller's dialog and replaces the consultation.
The phone knows its dialog's Call-ID and tags; the test reads them from Asterisk's side of the
same dialog (CHANNEL(pjsip,...)).
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import uuid

from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone
from tests.asterisk.test_transfers import call_page

DID = "+74954440078"


async def _registered(pbx: Pbx, phone: SipPhone, login: str) -> None:
    started = time.monotonic()
    while not pbx.ami.live.registered.get(login):
        assert time.monotonic() - started < 20, f"not registered: {phone.output()[-1500:]}"
        await asyncio.sleep(0.2)


async def _talking(pbx: Pbx, one: str, other: str) -> None:
    """Wait until the channels named ``one...`` and ``other...`` talk in a bridge of their own
    (Asterisk has moved the Local helper channels out): a transfer needs both calls bridged."""
    deadline = time.monotonic() + 10
    while True:
        text = await pbx.ami.command("core show channels concise")
        fields = [line.split("!") for line in text.splitlines() if line.count("!") >= 13]
        bridges = [{f[12] for f in fields if f[0].startswith(name) and f[12]} for name in (one, other)]
        shared = bridges[0] & bridges[1]
        if shared and sum(1 for f in fields if f[12] in shared) == 2:
            return
        assert time.monotonic() < deadline, text
        await asyncio.sleep(0.2)


async def _replaces(pbx: Pbx, login: str) -> str:
    """The Replaces header value naming the call the phone ``login`` placed (Asterisk's side:
    its local tag is the dialog's to-tag, the phone's tag the from-tag), URI-escaped."""
    text = await pbx.ami.command("core show channels concise")
    # the phone's own call runs a dialplan application; the calls it was rung on run AppDial
    placed = [
        line.split("!")[0]
        for line in text.splitlines()
        if line.startswith(f"PJSIP/{login}-") and line.split("!")[5] != "AppDial"
    ]
    assert len(placed) == 1, text
    ids = {}
    for key in ("call-id", "local_tag", "remote_tag"):
        reply = await pbx.ami.action({"Action": "Getvar", "Channel": placed[0], "Variable": f"CHANNEL(pjsip,{key})"})
        ids[key] = reply.get("Value")
        assert ids[key], reply
    value = f"{ids['call-id']};to-tag={ids['local_tag']};from-tag={ids['remote_tag']}"
    return urllib.parse.quote(value, safe="")


async def test_an_attended_transfer_hands_the_caller_to_the_consulted_colleague(
    pbx: Pbx, vats_tenant: TenantCreated
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
    desk, second, boris_desk = anna_lines[0], anna_lines[1], boris_lines[0]
    for other in anna_lines[1:] + boris_lines[1:]:
        await pbx.phones.set(other.sip_login, "unavailable")
    await pbx.phones.set(desk.sip_login, "pjsip")
    await pbx.phones.set(boris_desk.sip_login, "pjsip")
    port = pbx.sandbox.sip_port  # type: ignore[attr-defined]
    phones = {
        line.sip_login: SipPhone(pbx.sandbox.root, line.sip_login, line.sip_password, port, talk_repeats=6)
        for line in (desk, second, boris_desk)
    }  # fmt: skip
    for phone in phones.values():
        phone.start()
    try:
        for login, phone in phones.items():
            await _registered(pbx, phone, login)
        await pbx.call(DID, hold=12)  # the caller hangs up 12 s after the call starts
        await asyncio.to_thread(phones[desk.sip_login].wait_for, "Call established")
        await _talking(pbx, f"PJSIP/{desk.sip_login}-", f"Local/{DID}@vats-in-")
        phones[second.sip_login].dial("302")  # Анна consults Борис
        await asyncio.to_thread(phones[boris_desk.sip_login].wait_for, "Call established")
        await _talking(pbx, f"PJSIP/{second.sip_login}-", f"PJSIP/{boris_desk.sip_login}-")
        replaces = await _replaces(pbx, second.sip_login)
        phones[desk.sip_login].command(f"/transfer sip:302@127.0.0.1:{port}?Replaces={replaces}")
        # the caller and Борис talk (until the caller hangs up); Анна's phones are out of the call
        await _talking(pbx, f"Local/{DID}@vats-in-", f"PJSIP/{boris_desk.sip_login}-")
        records = await pbx.records(2)
    finally:
        for phone in phones.values():
            phone.stop()
    consultation, (record,) = (
        [r for r in records if r["direction"] == "internal"],
        [r for r in records if r["direction"] == "inbound"],
    )
    assert consultation and consultation[0]["answered_by"] == f"sip/{boris_desk.sip_login}"
    # The caller's record: Анна took it and handed it to Борис after talking to him.
    assert record["caller"] == "+79165551234" and record["path"]
    assert record["transfers"] == [{
        "kind": "attended", "by": f"sip/{desk.sip_login}", "by_employee_id": str(anna.id),
        "to": f"sip/{boris_desk.sip_login}", "to_employee_id": str(boris.id), "answered": True,
    }]  # fmt: skip
    answered = [p["employee_id"] for p in record["participants"] if p["outcome"] == "answered"]
    assert answered == [str(anna.id), str(boris.id)]
    assert record["answered_by"] == f"sip/{boris_desk.sip_login}"
    async with pbx.kernel.db.tenant(tid) as conn:
        took = await conn.fetchval("SELECT answered_by FROM crm_calls WHERE id = $1", uuid.UUID(record["id"]))
        tasks = await conn.fetchval("SELECT count(*) FROM crm_tasks")
    assert took == boris.id  # the history follows the last party
    assert tasks == 0  # a call someone took makes no missed-call task
    shown = await call_page(pbx, vats_tenant, record["id"])
    assert "Анна перевёл(а) звонок на Борис (с консультацией)</li>" in shown
