"""Real calls through a real Asterisk 22 and the router."""

from __future__ import annotations

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
    assert record["path"] == ["default", "handling:Forward"]
    assert record["answered_at"] is not None and record["intents"] == []
