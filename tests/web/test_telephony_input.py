"""Bad input to the telephony endpoints: a 4xx naming the field, and nothing written."""

from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated


async def test_trunks_refuse_bad_input_and_never_show_the_password(vats_api: ApiClients) -> None:
    op = vats_api.operator()
    for body, field in (
        ({"name": "Bad Name", "host": "sip.example"}, "name"),
        ({"name": "ok", "host": "sip example!"}, "host"),
        ({"name": "ok", "host": "sip.example", "password": "x"}, "username"),
    ):
        r = await op.post("/api/operator/trunks", json=body)
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    r = await op.post(
        "/api/operator/trunks", json={"name": "ok", "host": "sip.example", "username": "u", "password": "s3cret"}
    )
    assert r.status_code == 201 and r.json()["has_password"] is True and "s3cret" not in r.text
    again = await op.post("/api/operator/trunks", json={"name": "ok", "host": "other.example"})
    assert again.status_code == 409 and again.json()["field"] == "name"
    listed = (await op.get("/api/operator/trunks")).json()
    assert [t["host"] for t in listed] == ["sip.example"] and "s3cret" not in str(listed)


async def test_caller_id_rules_refuse_bad_input(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    number = await vats_api.kernel.directory.assign_number(vats_tenant.tenant_id, "+74957770001")
    for body, status, field in (
        ({"scope": "tenant", "prefix": "7495", "number_id": str(number.id)}, 422, "prefix"),
        ({"scope": "tenant", "scope_id": str(number.id), "number_id": str(number.id)}, 422, "scope_id"),
        ({"scope": "group", "scope_id": str(number.id), "number_id": str(number.id)}, 404, "scope_id"),
        ({"scope": "tenant", "number_id": str(vats_tenant.admin_id)}, 404, "number_id"),
    ):
        r = await admin.post("/api/outbound/caller-ids", json=body)
        assert r.status_code == status and r.json()["field"] == field, r.text
    assert (await admin.get("/api/outbound/caller-ids")).json() == []
    r = await admin.post("/api/calls", json={"to": "call me maybe"})
    assert r.status_code == 422 and r.json()["field"] == "to"
    r = await admin.post("/api/calls", json={"to": "+79161234567"})  # no Asterisk connected here
    assert r.status_code == 409 and r.json()["title"] == "Telephony unavailable"
