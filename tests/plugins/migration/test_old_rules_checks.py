"""The old-rules block (``migration_old_rules``) is an ordinary scenario block any admin can write
through the scenarios API, and its lines and numbers become Asterisk dial strings: what would
split the router's comma-joined reply, dial another tenant's context or break the AGI's quoting
is refused with a 4xx naming the field, and nothing is saved. A scenario stored before the check
reaches the router, which refuses the dial string and hands the call to the static fallback
instead of dialling it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from vats.bots.web.testing import ApiClients
from vats.core.asterisk import wire
from vats.core.asterisk.agi import AgiRouter
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

NUMBER = "+74951230077"
WHERE = "body.default.handling"


def old_rules(**fields: Any) -> dict[str, Any]:
    rules = {"type": "migration_old_rules", "number": NUMBER, "forwarding": [{"number": "+79161230077"}], **fields}
    return {"name": "Старые правила", "body": {"default": {"handling": rules}}}


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"forwarding": [{"number": "1,1,G(ctx^s^1)"}]}, f"{WHERE}.forwarding[0].number"),
        ({"forwarding": [{"number": "+79161230077"}, {"number": "1@vats-t-other&Local/2"}]},
         f"{WHERE}.forwarding[1].number"),
        ({"off_hours": [{"number": '+7916"123'}]}, f"{WHERE}.off_hours[0].number"),
        ({"forwarding": [{"line": "anna,1,G(x)"}]}, f"{WHERE}.forwarding[0].line"),
        ({"forwarding": [{"line": "anna&PJSIP/boss"}]}, f"{WHERE}.forwarding[0].line"),
        ({"vip": [{"name": "VIP", "callers": ["+74957770001"], "forwarding": [{"number": "2&Local/3"}]}]},
         f"{WHERE}.vip[0].forwarding[0].number"),
        ({"vip": [{"name": "VIP", "callers": ["x"], "forwarding": []}]}, f"{WHERE}.vip[0].callers[0]"),
        ({"forwarding": [{"number": "8 495 123-00-77"}]}, f"{WHERE}.forwarding[0].number"),  # not E.164
        ({"number": "x"}, f"{WHERE}.number"),
    ],
)  # fmt: skip
async def test_an_old_rules_block_with_a_number_or_line_outside_the_dialable_is_a_422_naming_it_and_nothing_is_saved(
    vats_api: ApiClients, vats_tenant: TenantCreated, rules: dict[str, Any], field: str
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    before = (await admin.get("/api/scenarios")).json()
    response = await admin.post("/api/scenarios", json=old_rules(**rules))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert (await admin.get("/api/scenarios")).json() == before


async def test_an_old_rules_block_with_e164_numbers_and_sip_logins_is_saved(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    rules = old_rules(forwarding=[{"line": "mb-anna.2_x", "ring_s": 15}, {"number": "+79161230077"}])
    assert (await admin.post("/api/scenarios", json=rules)).status_code == 201


async def test_a_dial_string_stored_before_the_check_is_not_dialled_the_call_goes_to_the_static_fallback(
    vats_kernel: Kernel, vats_tenant: TenantCreated, caplog: pytest.LogCaptureFixture
) -> None:
    tenant_id = vats_tenant.tenant_id
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="admin@other.example")
    await vats_kernel.directory.assign_number(tenant_id, NUMBER, "Офис")
    injected = f"1@vats-t-{other.tenant_id.hex}&Local/2"
    body = old_rules(forwarding=[{"number": injected}])["body"]
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:  # written as an older version let it be
        scenario_id = await conn.fetchval(
            "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'Старые', $2) RETURNING id", tenant_id, body
        )
        await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE tenant_id = $1", tenant_id, scenario_id)
    assert vats_kernel.snapshots is not None
    vats_kernel.snapshots.invalidate(tenant_id)

    router = AgiRouter(vats_kernel)
    with caplog.at_level(logging.ERROR, logger="vats.core.asterisk.agi"):
        reply = await router.answer({"agi_arg_1": NUMBER, "agi_arg_2": "+79031234567", "agi_arg_3": "1780000000"})
    assert reply == {"VATS_ACTION": wire.FALLBACK}
    assert any(injected in r.getMessage() for r in caplog.records)


async def test_the_wizard_names_an_addressee_that_is_neither_a_line_nor_a_number_and_creates_nothing(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    export = {"format": "vats-old-cabinet-export", "version": 1, "customers": [{
        "id": "OR-1", "name": "Склад и Ко", "admin_email": "boss@sklad.example",
        "lines": [{"login": "or-anna", "password": "Anna-Line-1", "name": "Анна"}],
        "numbers": [{"number": NUMBER, "forwarding": [{"to": "or-anna"}, {"to": "1,1,G(x)"}]}]}]}  # fmt: skip
    operator = vats_api.operator()
    [draft] = (await operator.post("/api/operator/migrations", json=export)).json()
    url = f"/api/operator/migrations/{draft['id']}"
    rows = [{"full_name": "Анна", "email": "anna@sklad.example", "lines": [{"login": "or-anna"}]}]
    saved = (await operator.put(f"{url}/employees", json={"employees": rows})).json()
    places = {p["place"]: p["message"] for p in saved["problems"]}
    assert "1,1,G(x)" in places.get("numbers[0].forwarding[1].to", ""), places
    refused = await operator.post(f"{url}/create")
    assert refused.status_code == 422, refused.text
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert not await conn.fetchval("SELECT count(*) FROM tenants WHERE name = 'Склад и Ко'")
