"""Conference rooms on the real Asterisk: callers enter a room by its number after the PIN,
a wrong PIN keeps a caller out, the room's live list says who is in it, a colleague reaches
the room by its extension, a leader starts the room for those who wait, and the room's
recording is written where the call recordings live, for admins' ears only."""

from __future__ import annotations

import asyncio
import time
import uuid
import wave
from typing import Any

import msgspec
from vats.bots.web.testing import ApiClients
from vats.core.conferences.live import live_rooms
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.sip_phone import SipPhone
from tests.asterisk.test_internal import dial_extension

MAIN = "+74955550001"


async def _room(api: Any, **fields: Any) -> dict[str, Any]:
    answer = await api.post("/api/conferences", json={"name": "Планёрка", **fields})
    assert answer.status_code == 201, answer.text
    room: dict[str, Any] = answer.json()
    return room


async def _in_room(pbx: Pbx, tenant_id: uuid.UUID, count: int, timeout_s: float = 20.0) -> list[Any]:
    """Wait until the room's live list shows ``count`` people; return them."""
    assert pbx.kernel.db is not None
    deadline = time.monotonic() + timeout_s
    people: list[Any] = []
    while time.monotonic() < deadline:
        async with pbx.kernel.db.tenant(tenant_id) as conn:
            (room,) = await live_rooms(conn, tenant_id)
        people = room.participants
        if len(people) == count:
            return people
        await asyncio.sleep(0.2)
    raise AssertionError(f"{len(people)} of {count} in the room after {timeout_s} s: {people}")


async def _members(pbx: Pbx, tenant_id: uuid.UUID) -> list[Any]:
    """Asterisk's own list of the (only) room's participants."""
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tenant_id) as conn:
        (room,) = await live_rooms(conn, tenant_id)
    reply = await pbx.ami.action({"Action": "ConfbridgeList", "Conference": f"vats-{room.room_id.hex}"}, as_list=True)
    return [m for m in reply if m.get("Event") == "ConfbridgeList"]


async def test_three_callers_with_the_pin_meet_in_the_room_and_a_wrong_pin_stays_out(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    tid = vats_tenant.tenant_id
    await pbx.kernel.directory.assign_number(tid, MAIN)
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    room = await _room(admin, number=MAIN, pin="1234", record=True)
    options = f"/api/operator/billing/tenants/{tid}/options"  # recording: a paid option of the Start tariff
    assert (await vats_api.operator().put(options, json={"options": ["recording"]})).status_code == 200
    current = await pbx.kernel.directory.get_tenant(tid)  # the PBX's recording service is on
    await pbx.kernel.directory.update_tenant(tid, settings=msgspec.structs.replace(current.settings, recording_enabled=True))
    await pbx.apply()
    callers = ["+79165550001", "+79165550002", "+79165550003"]
    for caller in callers:
        await pbx.call(MAIN, caller=caller, digits="1234#", pre=1.0, hold=8)
    # a caller who types a wrong PIN three times is told so and never gets in
    await pbx.call(MAIN, caller="+79165550009", digits="9999#wwwwww9999#wwwwww9999#", pre=1.0, hold=30)
    people = await _in_room(pbx, tid, 3)
    assert sorted(p.caller for p in people) == callers
    live = (await admin.get("/api/conferences/live")).json()
    assert [len(r["participants"]) for r in live] == [3]
    records = await pbx.records(4)
    by_caller = {r["caller"]: r for r in records}
    for caller in callers:  # in history: answered by the room
        assert by_caller[caller]["path"] == ["conference: Планёрка"]
        assert by_caller[caller]["answered_at"] is not None
    refused = by_caller["+79165550009"]
    assert refused["answered_at"] is None and refused["path"] == ["conference: Планёрка"]
    # the history shows the room's calls as answered, without a recording of their own
    history = {c["peer"]: c for c in (await admin.get("/api/history")).json()["items"]}
    assert [history[c]["answered"] for c in callers] == [True, True, True]
    assert not history["+79165550009"]["answered"]
    assert not any(c["has_recording"] for c in history.values())
    await _in_room(pbx, tid, 0)
    # the room was recorded into the tenant's recordings folder, one file for the whole room
    listed = (await admin.get(f"/api/conferences/{room['id']}/recordings")).json()
    assert len(listed) == 1
    path = pbx.kernel.config.media_dir / "recordings" / str(tid) / f"{listed[0]['id']}.wav"
    with wave.open(str(path)) as w:
        assert w.getnframes() / w.getframerate() > 4  # the room's talk, not an empty file
    download = await admin.get(f"/api/conferences/{room['id']}/recordings/{listed[0]['id']}")
    assert download.status_code == 200 and download.content == path.read_bytes()
    # the callers' own call records carry no recording: a user never reaches it through history
    assert all(not r["recordings"] for r in records)
    user, _ = await pbx.kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Пользователь", email="user@t.example", role="user")
    )
    as_user = await vats_api.as_employee(tid, user.id)
    assert (await as_user.get(f"/api/conferences/{room['id']}/recordings")).status_code == 403
    assert (await as_user.get(f"/api/conferences/{room['id']}/recordings/{listed[0]['id']}")).status_code == 403


async def test_a_colleague_dials_the_rooms_extension_and_waits_with_music_for_the_leader(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    tid = vats_tenant.tenant_id
    d = pbx.kernel.directory
    boss, _ = await d.create_employee(
        tid, EmployeeCreate(full_name="Руководитель", email="b@t.example", extension="201")
    )
    await d.create_employee(tid, EmployeeCreate(full_name="Сотрудник", email="s@t.example", extension="202"))
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    await _room(admin, extension="700", starts="leaders", leader_ids=[str(boss.id)])
    await pbx.apply()
    await dial_extension(pbx, vats_tenant, "700", caller="202", hold=12)
    (waiting,) = await _in_room(pbx, tid, 1)
    assert waiting.caller == "202" and waiting.employee_id is not None
    (alone,) = await _members(pbx, tid)
    assert alone["Waiting"] == "Yes" and alone["MarkedUser"] == "No"  # music until a leader comes
    await dial_extension(pbx, vats_tenant, "700", caller="201", hold=6)
    people = await _in_room(pbx, tid, 2)
    assert {p.caller for p in people} == {"201", "202"}
    assert {p.employee_id for p in people if p.caller == "201"} == {boss.id}
    members = {m["CallerIDNum"]: m for m in await _members(pbx, tid)}
    assert members["201"]["MarkedUser"] == "Yes"  # known as a leader by the phone he called from
    assert members["202"]["Waiting"] == "No"  # the room started
    records = await pbx.records(2)
    assert {r["direction"] for r in records} == {"internal"} and {r["number"] for r in records} == {"700"}


async def test_a_leader_on_a_real_phone_starts_the_room_for_a_caller_who_waits(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    tid = vats_tenant.tenant_id
    d = pbx.kernel.directory
    await d.assign_number(tid, MAIN)
    boss, lines = await d.create_employee(tid, EmployeeCreate(full_name="Руководитель", email="b@t.example",
                                                              extension="201"))  # fmt: skip
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    await _room(admin, number=MAIN, extension="700", pin="55", starts="leaders", leader_ids=[str(boss.id)])
    await pbx.apply()
    await pbx.call(MAIN, caller="+79165550001", digits="55#", pre=1.0, hold=25)  # an outside caller waits
    (waiting,) = await _in_room(pbx, tid, 1)
    assert waiting.caller == "+79165550001" and waiting.employee_id is None
    line = lines[0]
    port = pbx.sandbox.sip_port  # type: ignore[attr-defined]
    phone = SipPhone(pbx.sandbox.root, line.sip_login, line.sip_password, port)
    phone.start()
    try:
        started = time.monotonic()
        while not pbx.ami.live.registered.get(line.sip_login):
            assert time.monotonic() - started < 20, phone.output()[-800:]
            await asyncio.sleep(0.2)
        phone.dial(f"sip:700@127.0.0.1:{port}")  # the leader needs no PIN from his own phone
        people = await _in_room(pbx, tid, 2)
        members = {m["CallerIDNum"]: m for m in await _members(pbx, tid)}
        phone.hang_up()
    finally:
        phone.stop()
    (leader,) = [p for p in people if p.channel.startswith("PJSIP/")]
    assert leader.employee_id == boss.id and leader.channel.startswith(f"PJSIP/{line.sip_login}-")
    assert members["201"]["MarkedUser"] == "Yes" and members["+79165550001"]["Waiting"] == "No"
    await _in_room(pbx, tid, 1)  # the leader hung up: the list follows
