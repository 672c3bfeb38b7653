"""The router's answers for a conference room's call, step by step (the PIN stays in Python:
the dialplan only reads digits): the prompt, a retry, the refusal after three wrong PINs, the
leader PIN, and the room's bridge with the participant's part."""

from __future__ import annotations

import uuid

import msgspec
from vats.core.asterisk import wire
from vats.core.conferences import rooms
from vats.core.conferences.models import RoomCreate, RoomUpdate
from vats.core.conferences.routing import ConferenceRouter, bridge_name
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import catalogue

MAIN = "+74955550001"


def _step(did: str, state: str = "", status: str = "", digits: str = "", hangup: bool = False) -> wire.StepRequest:
    return wire.StepRequest(did=did, caller="+79165550001", start="0", state=state, status=status, digits=digits,
                            peer="", at_hangup=hangup)  # fmt: skip


async def test_a_room_asks_for_the_pin_lets_the_right_one_in_and_refuses_after_three_wrong(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    await vats_kernel.directory.assign_number(tid, MAIN)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        room = await rooms.create_room(
            conn, tid, RoomCreate(name="Совет", number=MAIN, pin="1234", leader_pin="9876", starts="admins")
        )
    router = ConferenceRouter(vats_kernel)
    assert await router.answer(_step("+74950000000")) is None  # not a room's number: the scenario's
    assert await router.answer(_step(MAIN, state="c2NlbmFyaW8")) is None  # the engine's own state
    first = await router.answer(_step("74955550001"))  # dialled without the +
    assert first is not None and first["VATS_ACTION"] == "collect" and first["VATS_MEDIA"] == "conf-getpin"
    assert "1234" not in str(first)  # the PIN never goes to Asterisk
    state = first["VATS_STATE"]
    for _ in range(2):
        again = await router.answer(_step(MAIN, state=state, status="OK", digits="1111"))
        assert again is not None and again["VATS_ACTION"] == "collect"
        assert again["VATS_MEDIA"] == "conf-invalidpin&conf-getpin"
        state = again["VATS_STATE"]
    refused = await router.answer(_step(MAIN, state=state, status="OK", digits="1111"))
    assert refused is not None and refused["VATS_ACTION"] == "play" and "conf-invalidpin" in refused["VATS_MEDIA"]
    done = await router.answer(_step(MAIN, state=refused["VATS_STATE"]))
    assert done is not None and done["VATS_ACTION"] == "hangup" and done["VATS_SUMMARY"]
    entered = await router.answer(_step(MAIN, state=first["VATS_STATE"], status="OK", digits="1234"))
    assert entered is not None and entered["VATS_ACTION"] == "conference"
    assert entered["VATS_DIAL"] == bridge_name(room.id) and entered["VATS_DIALOPTS"] == "wait"
    assert entered["VATS_FILE"] == ""  # not recorded
    leader = await router.answer(_step(MAIN, state=first["VATS_STATE"], status="OK", digits="9876"))
    assert leader is not None and leader["VATS_DIALOPTS"] == "leader"
    summary = wire.decode_summary(entered["VATS_SUMMARY"])
    assert summary.path == ["conference: Совет"] and summary.number == MAIN and summary.direction == "inbound"


async def _recording_service(kernel: Kernel, tenant_id: uuid.UUID, on: bool) -> None:
    current = await kernel.directory.get_tenant(tenant_id)
    await kernel.directory.update_tenant(
        tenant_id, settings=msgspec.structs.replace(current.settings, recording_enabled=on)
    )
    kernel.snapshots.invalidate(tenant_id)  # type: ignore[union-attr]


async def test_a_changed_room_routes_by_its_new_settings(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tid = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        room = await rooms.create_room(conn, tid, RoomCreate(name="Открытая", extension="700", record=True))
        await catalogue.set_options(conn, tid, ["recording"])  # a paid option of the Start tariff
    await _recording_service(vats_kernel, tid, True)
    router = ConferenceRouter(vats_kernel)
    open_room = await router.answer(_step(wire.internal_did(tid, "700")))
    assert open_room is not None and open_room["VATS_ACTION"] == "conference"  # no PIN: straight in
    assert open_room["VATS_DIALOPTS"] == "" and f"conf-{room.id.hex}-" in open_room["VATS_FILE"]
    async with vats_kernel.db.tenant(tid) as conn:
        await rooms.update_room(conn, tid, room.id, RoomUpdate(extension="701"))
    router.rooms._on_change("conference_rooms")  # what the vats_config notification does
    assert await router.answer(_step(wire.internal_did(tid, "700"))) is None
    assert await router.answer(_step(wire.internal_did(tid, "701"))) is not None


async def test_an_admin_dialling_a_rooms_extension_leads_it_without_the_pin(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        await rooms.create_room(conn, tid, RoomCreate(name="Совет", extension="700", pin="1234", starts="admins"))
        admin_extension = await conn.fetchval("SELECT extension FROM employees WHERE id = $1", vats_tenant.admin_id)
    router = ConferenceRouter(vats_kernel)
    step = _step(wire.internal_did(tid, "700"))
    by_admin = await router.answer(msgspec.structs.replace(step, caller=admin_extension))
    assert by_admin is not None and by_admin["VATS_ACTION"] == "conference" and by_admin["VATS_DIALOPTS"] == "leader"
    by_stranger = await router.answer(msgspec.structs.replace(step, caller="999"))  # no such colleague: the PIN
    assert by_stranger is not None and by_stranger["VATS_ACTION"] == "collect"


async def test_a_recorded_room_of_a_pbx_without_the_recording_service_records_nothing(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    # the PBX's recording service (Settings → АТС) is off: like its calls, its rooms are not recorded
    tid = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        await rooms.create_room(conn, tid, RoomCreate(name="Планёрка", extension="700", record=True))
        await catalogue.set_options(conn, tid, ["recording"])  # the tariff would allow it
    await _recording_service(vats_kernel, tid, False)
    router = ConferenceRouter(vats_kernel)
    entered = await router.answer(_step(wire.internal_did(tid, "700")))
    assert entered is not None and entered["VATS_ACTION"] == "conference" and entered["VATS_FILE"] == ""
    await _recording_service(vats_kernel, tid, True)
    entered = await router.answer(_step(wire.internal_did(tid, "700")))
    assert entered is not None and entered["VATS_FILE"]
