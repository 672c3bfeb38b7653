"""Calls the static fallback handled (the router is down) still get a true record, built from
Asterisk's own events: an inbound call from the caller to the DID, who rang and who answered,
marked as handled by the fallback; a missed one makes a missed-call task like any other."""

from __future__ import annotations

import uuid

from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx

DID = "+74956660007"


async def _admin_lines(pbx: Pbx, tenant: TenantCreated) -> set[str]:
    snapshot = await pbx.kernel.snapshots.get(tenant.tenant_id)  # type: ignore[union-attr]
    return {t.sip_login for t in snapshot.employees[tenant.admin_id].terminals if t.sip_login}


async def test_with_the_router_stopped_the_fallbacks_call_is_an_inbound_call_from_the_caller(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    await pbx.kernel.directory.assign_number(vats_tenant.tenant_id, DID)
    await pbx.apply()
    lines = await _admin_lines(pbx, vats_tenant)
    await pbx.telephony.router.stop()
    await pbx.call(DID.lstrip("+"), caller="+79165550001", hold=3)  # the DID may arrive without +
    (record,) = await pbx.records(1)
    assert record["direction"] == "inbound"
    assert record["number"] == DID and record["caller"] == "+79165550001"
    assert record["fallback"] is True and record["path"] == ["fallback"]
    assert {p["address"] for p in record["participants"]} == {f"sip/{x}" for x in lines}
    assert record["answered_by"] in {f"sip/{x}" for x in lines}
    assert {p["employee_id"] for p in record["participants"]} == {str(vats_tenant.admin_id)}


async def test_a_call_the_fallback_missed_makes_a_missed_call_task(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    await pbx.kernel.directory.assign_number(vats_tenant.tenant_id, DID)
    await pbx.apply()
    for login in await _admin_lines(pbx, vats_tenant):
        await pbx.phones.set(login, "noanswer")
    await pbx.telephony.router.stop()
    await pbx.call(DID, caller="+79165550002", hold=3)  # gives up after 3 s of ringing
    (record,) = await pbx.records(1)
    assert record["direction"] == "inbound" and record["fallback"] is True
    assert record["answered_by"] is None
    assert {p["outcome"] for p in record["participants"]} == {"missed"}
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(vats_tenant.tenant_id) as conn:
        tasks = await conn.fetch("SELECT kind, assignee_id FROM crm_tasks WHERE tenant_id = $1", vats_tenant.tenant_id)
        call = await conn.fetchrow("SELECT direction, peer FROM crm_calls WHERE id = $1", uuid.UUID(record["id"]))
    assert [(t["kind"], t["assignee_id"]) for t in tasks] == [("missed", vats_tenant.admin_id)]
    assert call["direction"] == "inbound" and call["peer"] == "+79165550002"  # in history as the caller's call


async def test_a_call_the_router_routed_is_not_marked_as_the_fallbacks(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    await pbx.kernel.directory.assign_number(vats_tenant.tenant_id, DID)
    await pbx.kernel.directory.set_availability(vats_tenant.tenant_id, vats_tenant.admin_id, "available")
    await pbx.apply()
    await pbx.call(DID, hold=3)
    (record,) = await pbx.records(1)
    assert record["fallback"] is False and record["path"] == ["default", "handling:forward"]
