"""Requisites over real HTTP: a legal entity (ИНН of 10 digits with its check digit, КПП) or an
individual entrepreneur (ИНН of 12 digits, no КПП); a bad field answers 422 naming it and
writes nothing; the admin and the operator read and change them; tenants never see each
other's."""

from __future__ import annotations

from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

LEGAL = {"kind": "legal", "name": " ООО «Ромашка» ", "inn": "7707083893", "kpp": "773601001",
         "address": "г. Москва, ул. Вавилова, д. 19"}  # fmt: skip
INDIVIDUAL = {"kind": "individual", "name": "ИП Иванов Иван Иванович", "inn": "500100732259",
              "address": "Московская обл., г. Химки"}  # fmt: skip


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


async def test_a_legal_entity_and_an_individual_entrepreneur_are_saved_and_read_back(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    assert (await admin.get("/api/billing/requisites")).status_code == 404
    r = await admin.put("/api/billing/requisites", json=LEGAL)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["inn"], r.json()["kpp"]) == ("ООО «Ромашка»", "7707083893", "773601001")
    r = await admin.put("/api/billing/requisites", json=_with(INDIVIDUAL, inn="5001 0073 2259"))
    assert r.status_code == 200 and r.json()["kpp"] is None and r.json()["inn"] == "500100732259"
    assert (await admin.get("/api/billing/requisites")).json()["kind"] == "individual"


async def test_bad_requisites_answer_422_naming_the_field_and_write_nothing(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    bad = [
        (_with(LEGAL, inn="7707083894"), "inn"),  # a wrong check digit
        (_with(LEGAL, inn="500100732259"), "inn"),  # an entrepreneur's ИНН for a company
        (_with(INDIVIDUAL, inn="500100732258"), "inn"),
        (_with(INDIVIDUAL, inn="7707083893"), "inn"),
        (_with(LEGAL, inn="77070838x3"), "inn"),
        (_with(LEGAL, kpp=None), "kpp"),
        (_with(LEGAL, kpp="77360100"), "kpp"),
        (_with(INDIVIDUAL, kpp="773601001"), "kpp"),
        (_with(LEGAL, name="   "), "name"),
        (_with(LEGAL, address=""), "address"),
        (_with(LEGAL, kind="company"), "kind"),
        ({k: v for k, v in LEGAL.items() if k != "inn"}, "inn"),
    ]
    for body, field in bad:
        r = await admin.put("/api/billing/requisites", json=body)
        assert r.status_code in (400, 422) and r.json()["field"] == field, (body, r.text)
    assert (await admin.get("/api/billing/requisites")).status_code == 404


async def test_the_operator_gives_requisites_and_tenants_never_see_each_others(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    operator = vats_api.operator()
    url = f"/api/operator/billing/tenants/{vats_tenant.tenant_id}/requisites"
    r = await operator.put(url, json=_with(LEGAL, inn="7707083893"))
    assert r.status_code == 200, r.text
    assert (await operator.get(url)).json()["inn"] == "7707083893"
    r = await operator.put(url, json=_with(LEGAL, kpp="12"))
    assert r.status_code == 422 and r.json()["field"] == "kpp"
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="a@other.example")
    stranger = await vats_api.as_employee(other.tenant_id, other.admin_id)
    assert (await stranger.get("/api/billing/requisites")).status_code == 404
    mine = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    assert (await mine.get("/api/billing/requisites")).json()["name"] == "ООО «Ромашка»"
