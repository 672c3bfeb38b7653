"""Tariff options gate features (``tenant_may_use``): call recording only for the PBXs whose
tariff includes it or that took it, inbound (the engine), outbound (the router) and conference
rooms, the cabinet saying why nothing is recorded; without the billing plugin everything is
allowed."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.asterisk import wire
from vats.core.asterisk.agi import AgiRouter
from vats.core.conferences import rooms
from vats.core.conferences.models import RoomCreate
from vats.core.conferences.routing import ConferenceRouter
from vats.core.directory.service import TenantCreated
from vats.core.engine.context import CallFacts
from vats.core.engine.simulator import parse_at, parse_script, simulate
from vats.core.features import RECORDING, may_use
from vats.core.kernel import Kernel
from vats.plugins import billing

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

MAIN = "+74955550001"


async def _recording_pbx(kernel: Kernel, tenant: TenantCreated) -> None:
    """A PBX that asks for every call to be recorded, with a number ringing its admin."""
    d = kernel.directory
    await d.assign_number(tenant.tenant_id, MAIN)
    await d.set_availability(tenant.tenant_id, tenant.admin_id, "available")
    current = await d.get_tenant(tenant.tenant_id)
    settings = msgspec.structs.replace(current.settings, recording_enabled=True, recording_default=True)
    await d.update_tenant(tenant.tenant_id, settings=settings)


async def _inbound_ops(kernel: Kernel) -> tuple[list[str], list[str]]:
    """The primitives of a simulated inbound call to MAIN, and the engine's notes (the cabinet's
    call check shows them)."""
    facts = CallFacts(number=MAIN, caller="+79031112233", at=parse_at(None))
    sim = await simulate(kernel.engine, facts, parse_script(""))
    return [s.primitive["op"] for s in sim.steps], [e.decision for e in sim.trace]


async def _may(kernel: Kernel, tenant_id: uuid.UUID, feature: str) -> bool:
    async with kernel.db.tenant(tenant_id) as conn:
        return await may_use(kernel.plugins, tenant_id, feature, conn)


async def _take_recording(api: ApiClients, tenant_id: uuid.UUID) -> None:
    r = await api.operator().put(f"/api/operator/billing/tenants/{tenant_id}/options", json={"options": ["recording"]})
    assert r.status_code == 200, r.text


async def test_hook_tenant_may_use(vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients) -> None:
    tid = vats_tenant.tenant_id

    async def answer(feature: str) -> bool | None:
        async with vats_kernel.db.tenant(tid) as conn:
            found: bool | None = await vats_kernel.plugins.first(
                "tenant_may_use", tenant_id=tid, feature=feature, isolate_in=conn
            )
            return found

    assert await answer("recording") is False  # Start sells it for 500 ₽ a month; not taken
    assert await answer("crm") is False  # only Pro offers it
    assert await answer("webphone") is None  # no tariff sells it: not billing's to decide
    assert await _may(vats_kernel, tid, "webphone")
    await _take_recording(vats_api, tid)
    assert await answer("recording") is True
    r = await vats_api.operator().put(f"/api/operator/billing/tenants/{tid}/tariff", json={"tariff": "pro"})
    assert r.status_code == 200, r.text
    assert await answer("crm") is True  # Pro includes it at no price, nothing to take
    vats_kernel.plugins.unregister("billing")
    try:
        assert await answer("recording") is None
    finally:
        vats_kernel.plugins.register(billing, name="billing")


async def test_a_pbx_without_the_recording_option_is_not_recorded_until_it_takes_it(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    tid = vats_tenant.tenant_id
    await _recording_pbx(vats_kernel, vats_tenant)
    vats_kernel.snapshots.invalidate(tid)
    ops, notes = await _inbound_ops(vats_kernel)
    assert "record" not in ops and "dial" in ops  # the call still rings the admin
    assert notes.count("not recorded: the tariff has no call recording") == 1
    await _take_recording(vats_api, tid)
    # the option's change reaches the routing snapshot by the config notification, not a restart
    for _ in range(200):  # 10 s at most
        if RECORDING not in (await vats_kernel.snapshots.get(tid)).refused:
            break
        await asyncio.sleep(0.05)
    ops, notes = await _inbound_ops(vats_kernel)
    assert ops[0] == "record" and "dial" in ops and "record" in notes


async def test_outbound_calls_are_recorded_only_with_the_option(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    tid = vats_tenant.tenant_id
    await _recording_pbx(vats_kernel, vats_tenant)
    async with vats_kernel.db.system() as conn:  # calls to +7 495 are paid: money for them
        login = await conn.fetchval("SELECT sip_login FROM terminals WHERE tenant_id = $1 LIMIT 1", tid)
    r = await vats_api.operator().post(f"/api/operator/billing/tenants/{tid}/adjustments", json={
        "direction": "credit", "amount_kop": 100_000, "reason": "тест", "idempotency_key": "features"})  # fmt: skip
    assert r.status_code == 200, r.text
    router = AgiRouter(vats_kernel)
    unrecorded = await router.outbound(login, "84951234567", call_id="f1")
    assert unrecorded["VATS_ACTION"] == "outbound" and unrecorded["VATS_FILE"] == ""
    await _take_recording(vats_api, tid)
    recorded = await router.outbound(login, "84951234567", call_id="f2")
    assert recorded["VATS_FILE"].endswith(".wav") or "/recordings/" in recorded["VATS_FILE"]


async def test_without_the_billing_plugin_every_pbx_may_record(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tid = vats_tenant.tenant_id
    await _recording_pbx(vats_kernel, vats_tenant)
    vats_kernel.plugins.unregister("billing")
    try:
        assert await _may(vats_kernel, tid, RECORDING)
        vats_kernel.snapshots.invalidate(tid)
        ops, _ = await _inbound_ops(vats_kernel)
        assert ops[0] == "record"
        async with vats_kernel.db.system() as conn:
            login = await conn.fetchval("SELECT sip_login FROM terminals WHERE tenant_id = $1 LIMIT 1", tid)
        assert (await AgiRouter(vats_kernel).outbound(login, "84951234567", call_id="n1"))["VATS_FILE"]
    finally:
        vats_kernel.plugins.register(billing, name="billing")
        vats_kernel.snapshots.invalidate(tid)


async def test_the_pbx_settings_page_says_why_calls_are_not_recorded(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    client = CabinetClient(create_app(vats_kernel))
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    try:
        assert (await client.sign_in(email, TEST_PASSWORD)).status_code in (302, 303)
        page = await client.http.get("/cabinet/settings/pbx")
        assert page.status_code == 200 and 'id="recording-refused"' in page.text
        assert "не включает запись разговоров" in page.text
        await _take_recording(vats_api, vats_tenant.tenant_id)
        page = await client.http.get("/cabinet/settings/pbx")
        assert page.status_code == 200 and 'id="recording-refused"' not in page.text
    finally:
        await client.close()


async def test_a_conference_room_is_recorded_only_with_the_option(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    tid = vats_tenant.tenant_id
    current = await vats_kernel.directory.get_tenant(tid)  # the PBX's recording service is on
    await vats_kernel.directory.update_tenant(tid, settings=msgspec.structs.replace(current.settings, recording_enabled=True))
    async with vats_kernel.db.tenant(tid) as conn:
        room = await rooms.create_room(conn, tid, RoomCreate(name="Планёрка", extension="700", record=True))
    router = ConferenceRouter(vats_kernel)
    step = wire.StepRequest(did=wire.internal_did(tid, "700"), caller="201", start="0", state="", status="",
                            digits="", peer="", at_hangup=False)  # fmt: skip
    entered = await router.answer(step)
    assert entered is not None and entered["VATS_ACTION"] == "conference" and entered["VATS_FILE"] == ""
    await _take_recording(vats_api, tid)
    for _ in range(200):  # 10 s at most for the config notification
        if RECORDING not in (await vats_kernel.snapshots.get(tid)).refused:
            break
        await asyncio.sleep(0.05)
    entered = await router.answer(step)
    assert entered is not None and f"conf-{room.id.hex}-" in entered["VATS_FILE"]
