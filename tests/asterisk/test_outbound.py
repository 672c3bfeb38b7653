"""Outbound calls: click-to-call through the API, caller-ID rules, bans, recording."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
from vats.bots.telegram.testing import FakeTelegram, running_bot
from vats.bots.web.testing import ApiClients
from vats.core.directory.models import GroupCreate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.bots.test_telegram import link

MAIN, MOSCOW_LINE = "+74955550001", "+74955550002"


async def _setup(pbx: Pbx, tenant: TenantCreated, api: ApiClients) -> Any:
    d = pbx.kernel.directory
    main = await d.assign_number(tenant.tenant_id, MAIN)
    moscow = await d.assign_number(tenant.tenant_id, MOSCOW_LINE)
    await d.set_availability(tenant.tenant_id, tenant.admin_id, "available")
    group = await d.create_group(tenant.tenant_id, GroupCreate(name="Офис", member_ids=[tenant.admin_id]))
    admin = await api.as_employee(tenant.tenant_id, tenant.admin_id)
    # outside calls are paid, and a new PBX has no money (prepaid, plugins/billing): top it up
    r = await api.operator().post(f"/api/operator/billing/tenants/{tenant.tenant_id}/adjustments", json={
        "direction": "credit", "amount_kop": 100_000, "reason": "тест", "idempotency_key": "outbound-tests"})  # fmt: skip
    assert r.status_code == 200, r.text
    await pbx.apply()
    return {"admin": admin, "main": main, "moscow": moscow, "group": group}


async def _cel(pbx: Pbx, linkedid: str) -> list[Any]:
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.system() as conn:
        return list(await conn.fetch("SELECT * FROM cel WHERE linkedid = $1 ORDER BY id", linkedid))


async def test_click_to_call_rings_me_then_the_number_with_the_rules_caller_id(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    s = await _setup(pbx, vats_tenant, vats_api)
    admin = s["admin"]
    # tenant-wide: the main number; for Moscow destinations the group's rule shows the Moscow line
    r = await admin.post("/api/outbound/caller-ids", json={"scope": "tenant", "number_id": str(s["main"].id)})
    assert r.status_code == 201, r.text
    r = await admin.post("/api/outbound/caller-ids", json={
        "scope": "group", "scope_id": str(s["group"].id), "prefix": "+7495", "number_id": str(s["moscow"].id)})  # fmt: skip
    assert r.status_code == 201, r.text
    r = await admin.post("/api/calls", json={"to": "8 (495) 111-22-33"})
    assert r.status_code == 201, r.text
    first = r.json()["line"]
    r = await admin.post("/api/calls", json={"to": "+79161112233"})
    assert r.status_code == 201, r.text
    records = await pbx.records(2)
    by_number = {rec["number"]: rec for rec in records}
    moscow_call, mobile_call = by_number["+74951112233"], by_number["+79161112233"]
    for record, shown in ((moscow_call, MOSCOW_LINE), (mobile_call, MAIN)):
        assert record["direction"] == "outbound"
        assert record["caller"] == first
        assert record["answered_by"] == f"tel/{record['number']}"
        dialled = [row for row in await _cel(pbx, record["linkedid"]) if row["eventtype"] == "HANGUP"
                   and (row["channame"] or "").startswith(f"Local/{record['number'].lstrip('+')}@")
                   and row["channame"].endswith(";2")]  # the called side of the helper channel  # fmt: skip
        assert dialled and {row["cid_num"] for row in dialled} == {shown}  # what the called party sees


async def test_a_banned_destination_is_refused_and_recorded_as_such(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    s = await _setup(pbx, vats_tenant, vats_api)
    admin = s["admin"]
    line = (await admin.get("/api/me/sip-credentials")).json()[0]
    r = await admin.post("/api/outbound/bans", json={"terminal_id": line["terminal_id"], "prefix": "+44"})
    assert r.status_code == 201, r.text
    r = await admin.post("/api/outbound/bans", json={"terminal_id": line["terminal_id"], "prefix": "44"})
    assert r.status_code == 422 and r.json()["field"] == "prefix"
    r = await admin.post("/api/calls", json={"to": "+442071234567", "terminal_id": line["terminal_id"]})
    assert r.status_code == 201, r.text
    (record,) = await pbx.records(1)
    assert record["answered_by"] is None
    assert record["participants"] == []
    assert "banned" in record["path"][0]


async def test_outbound_calls_are_recorded_where_the_tenant_records(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    s = await _setup(pbx, vats_tenant, vats_api)
    tenant = await pbx.kernel.directory.get_tenant(vats_tenant.tenant_id)
    settings = msgspec.structs.replace(tenant.settings, recording_enabled=True, recording_default=True)
    await pbx.kernel.directory.update_tenant(vats_tenant.tenant_id, settings=settings)
    options = f"/api/operator/billing/tenants/{vats_tenant.tenant_id}/options"
    taken = await vats_api.operator().put(options, json={"options": ["recording"]})  # a paid option of Start
    assert taken.status_code == 200, taken.text
    r = await s["admin"].post("/api/calls", json={"to": "+79161112233"})
    assert r.status_code == 201, r.text
    (record,) = await pbx.records(1)
    (recording,) = record["recordings"]
    path = Path(recording)
    assert path.is_relative_to(pbx.kernel.config.media_dir)
    assert (await asyncio.to_thread(path.stat)).st_size > 1000  # a real WAV with the conversation in it


async def test_an_internal_call_by_extension_rings_the_colleague(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    from vats.core.directory.models import EmployeeCreate

    s = await _setup(pbx, vats_tenant, vats_api)
    colleague, lines = await pbx.kernel.directory.create_employee(
        vats_tenant.tenant_id,
        EmployeeCreate(full_name="Коллега", email="c@t.example", extension="301", availability="available"),
    )  # (by schedule, their reception settings would turn a call at night away)
    await pbx.apply()
    r = await s["admin"].post("/api/calls", json={"to": "301"})
    assert r.status_code == 201, r.text
    (record,) = await pbx.records(1)
    assert record["direction"] == "internal"
    assert record["answered_by"] in {f"sip/{x.sip_login}" for x in lines}
    assert {p["employee_id"] for p in record["participants"]} == {str(colleague.id)}


async def test_call_back_button_of_a_task_alert_rings_me_then_the_client(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients, fake_telegram: FakeTelegram
) -> None:
    """The Telegram alert's "call back" button is click-to-call for real: my line, then the client."""
    s = await _setup(pbx, vats_tenant, vats_api)
    async with running_bot(pbx.kernel, fake_telegram):
        await link(fake_telegram, s["admin"], 777)
        r = await s["admin"].post("/api/tasks", json={"title": "Перезвонить", "number": "+79161112233"})
        assert r.status_code == 201, r.text
        alert = await fake_telegram.wait_for(
            lambda: next((m for m in fake_telegram.shown(777) if "+79161112233" in m.get("text", "")), None)
        )
        fake_telegram.press(777, alert, fake_telegram.buttons(alert)["📞 Перезвонить"])
        answer = await fake_telegram.wait_for(lambda: fake_telegram.sent("answerCallbackQuery"))
        assert answer[0]["text"] == "Звоним на ваш телефон, затем клиенту +79161112233"
        (record,) = await pbx.records(1)
    first_line = (await s["admin"].get("/api/me/sip-credentials")).json()[0]["sip_login"]
    assert record["direction"] == "outbound" and record["number"] == "+79161112233"
    assert record["caller"] == first_line and record["answered_by"] == "tel/+79161112233"
