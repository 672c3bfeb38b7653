"""The billing API over real HTTP: the operator's tariffs, rate plans (CSV import with a per-row
report, all or nothing), tariff assignment and adjustments; a tenant admin's balance and ledger.
Bad input answers 4xx naming the field and writes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger

from tests.plugins.billing.conftest import announce, balance, call

BASE = "/api/operator/billing"
SEEDED_PLAN = "7b0a1c2e-0000-4000-8000-000000000001"


def csv(text: str) -> dict[str, Any]:
    return {"file": ("rates.csv", text.encode(), "text/csv")}


def adjustment(amount: Any = 10_000, key: str = "adj-1", direction: str = "credit") -> dict[str, Any]:
    return {"direction": direction, "amount_kop": amount, "reason": "Компенсация", "idempotency_key": key}


async def test_start_and_pro_are_seeded_with_fees_seats_options_and_a_rate_plan(vats_api: ApiClients) -> None:
    tariffs = (await vats_api.operator().get(f"{BASE}/tariffs")).json()
    assert [t["code"] for t in tariffs] == ["start", "pro"]
    start = tariffs[0]
    assert (start["monthly_fee_kop"], start["seats_included"], start["extra_seat_kop"]) == (99000, 3, 39000)
    assert start["options"][0]["code"] == "recording" and start["rate_plan_id"] == SEEDED_PLAN


async def test_the_operator_creates_and_changes_a_tariff(vats_api: ApiClients) -> None:
    operator = vats_api.operator()
    body = {"code": "biz", "name": "Бизнес", "monthly_fee_kop": 499000, "seats_included": 20, "extra_seat_kop": 25000}
    assert (await operator.post(f"{BASE}/tariffs", json=body)).status_code == 201
    again = await operator.post(f"{BASE}/tariffs", json=body)
    assert again.status_code == 409 and again.json()["field"] == "code"
    del body["code"]
    changed = await operator.put(f"{BASE}/tariffs/biz", json={**body, "monthly_fee_kop": 450000})
    assert changed.status_code == 200 and changed.json()["monthly_fee_kop"] == 450000


@pytest.mark.parametrize(
    ("change", "field"),
    [({"monthly_fee_kop": -1}, "monthly_fee_kop"), ({"monthly_fee_kop": 1.5}, "monthly_fee_kop"),
     ({"extra_seat_kop": 10**15}, "extra_seat_kop"), ({"rate_plan_id": "00000000-0000-4000-8000-000000000000"}, "rate_plan_id"),
     ({"name": "   "}, "name")],
)  # fmt: skip
async def test_a_bad_tariff_is_refused_naming_the_field(
    vats_api: ApiClients, change: dict[str, Any], field: str
) -> None:
    body = {"code": "bad", "name": "Плохой", "monthly_fee_kop": 1, "seats_included": 1, "extra_seat_kop": 1, **change}
    r = await vats_api.operator().post(f"{BASE}/tariffs", json=body)
    assert 400 <= r.status_code < 500 and r.json()["field"] == field, r.text
    codes = [t["code"] for t in (await vats_api.operator().get(f"{BASE}/tariffs")).json()]
    assert "bad" not in codes


async def test_assigning_a_tenant_a_tariff(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    url = f"{BASE}/tenants/{vats_tenant.tenant_id}/tariff"
    r = await vats_api.operator().put(url, json={"tariff": "pro"})
    assert r.status_code == 200 and r.json()["tariff"] == "pro"
    unknown = await vats_api.operator().put(url, json={"tariff": "gold"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "tariff"
    assert (await vats_api.operator().get(f"{BASE}/tenants/{vats_tenant.tenant_id}/balance")).json()["tariff"] == "pro"


GOOD_CSV = "prefix,name,price_per_min_kop,connect_fee_kop,first_s,next_s\n+7495,Москва,300,10,1,1\n7,Россия,500,,,\n"


async def test_a_csv_with_bad_rows_names_each_and_writes_nothing(vats_api: ApiClients) -> None:
    operator = vats_api.operator()
    plan = (await operator.post(f"{BASE}/rate-plans", json={"name": "Новый"})).json()
    text = (
        "prefix,name,price_per_min_kop,connect_fee_kop,first_s,next_s\n"
        "7495,Москва,300,0,60,60\n"
        "74x9,Плохой префикс,300,0,60,60\n"
        "7812,Питер,-5,0,60,60\n"
        "7813,Питер,1.5,0,60,60\n"
        "7495,Дубль,300,0,60,60\n"
        "7814,Питер,300,0,0,60\n"
        "7815,Мало ячеек\n"
    )
    r = await operator.post(f"{BASE}/rate-plans/{plan['id']}/import", files=csv(text))
    assert r.status_code == 422
    report = r.json()
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (3, "prefix"), (4, "price_per_min_kop"), (5, "price_per_min_kop"), (6, "prefix"), (7, "first_s"), (8, "row"),
    ]  # fmt: skip
    assert (report["rows"], report["good"], report["written"]) == (7, 1, 0)
    assert (await operator.get(f"{BASE}/rate-plans/{plan['id']}/rates")).json() == []


async def test_a_dry_run_reports_and_writes_nothing_then_the_import_replaces_the_plan(vats_api: ApiClients) -> None:
    operator = vats_api.operator()
    url = f"{BASE}/rate-plans/{SEEDED_PLAN}"
    dry = await operator.post(f"{url}/import?dry_run=true", files=csv(GOOD_CSV))
    assert dry.status_code == 200 and (dry.json()["good"], dry.json()["written"]) == (2, 0)
    assert len((await operator.get(f"{url}/rates")).json()) == 4  # the seeded ones
    done = await operator.post(f"{url}/import", files=csv(GOOD_CSV))
    assert done.status_code == 200 and done.json()["written"] == 2
    rates = (await operator.get(f"{url}/rates")).json()
    assert [(r["prefix"], r["price_per_min_kop"], r["first_s"]) for r in rates] == [("7", 500, 60), ("7495", 300, 1)]


async def test_calls_are_rated_by_the_imported_plan_at_once(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await announce(vats_kernel, call(tenant, "outbound", "+74951234567", talk_s=10))  # seeded: 100/min, 60/60
    await vats_api.operator().post(f"{BASE}/rate-plans/{SEEDED_PLAN}/import", files=csv(GOOD_CSV))
    await announce(vats_kernel, call(tenant, "outbound", "+74951234567", talk_s=10))  # now 10 + 300/min per second
    assert await balance(vats_kernel, tenant) == -(100 + 10 + 50)


async def test_adjustments_move_the_balance_once_per_key_and_admins_see_the_ledger(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    url = f"{BASE}/tenants/{vats_tenant.tenant_id}/adjustments"
    first = await vats_api.operator().post(url, json=adjustment(15_000, "k1"))
    repeat = await vats_api.operator().post(url, json=adjustment(15_000, "k1"))
    debit = await vats_api.operator().post(url, json=adjustment(5_000, "k2", "debit"))
    assert first.status_code == repeat.status_code == debit.status_code == 200
    assert first.json()["created"] and not repeat.json()["created"]
    assert repeat.json()["movement"] == first.json()["movement"]
    assert (debit.json()["before_kop"], debit.json()["after_kop"]) == (15_000, 10_000)
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    assert (await admin.get("/api/billing/balance")).json()["balance_kop"] == 10_000
    ledger = (await admin.get("/api/billing/ledger", params={"limit": 1})).json()
    assert ledger["total"] == 2 and len(ledger["items"]) == 1
    newest = ledger["items"][0]
    assert (newest["amount_kop"], newest["kind"], newest["actor"]) == (-5_000, "adjustment", "token")


@pytest.mark.parametrize("amount", [-100, 0, 1.5, 10**15, None])
async def test_bad_adjustment_amounts_answer_4xx_naming_the_field_and_write_nothing(
    vats_api: ApiClients, vats_tenant: TenantCreated, amount: Any
) -> None:
    r = await vats_api.operator().post(f"{BASE}/tenants/{vats_tenant.tenant_id}/adjustments", json=adjustment(amount))
    assert 400 <= r.status_code < 500 and r.json()["field"] == "amount_kop", r.text
    balance_now = (await vats_api.operator().get(f"{BASE}/tenants/{vats_tenant.tenant_id}/balance")).json()
    assert balance_now["balance_kop"] == 0


async def test_an_adjustment_without_a_reason_or_a_rate_plan_without_a_name_is_refused(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    blank = {**adjustment(), "reason": "  "}
    r = await vats_api.operator().post(f"{BASE}/tenants/{vats_tenant.tenant_id}/adjustments", json=blank)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await vats_api.operator().post(f"{BASE}/rate-plans", json={"name": "  "})
    assert r.status_code == 422 and r.json()["field"] == "name"


async def test_tenants_see_only_their_own_money(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="boss@other.example")
    await vats_api.operator().post(f"{BASE}/tenants/{other.tenant_id}/adjustments", json=adjustment(777))
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    assert (await admin.get("/api/billing/balance")).json()["balance_kop"] == 0
    assert (await admin.get("/api/billing/ledger")).json()["total"] == 0


async def test_a_pbx_cannot_switch_billing_off_and_its_calls_stay_charged(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    r = await admin.put("/api/tenant/plugins/billing", json={"enabled": False})
    assert r.status_code == 409 and r.json()["field"] == "plugin"
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:  # even a row written behind the API's back
        await conn.execute("INSERT INTO tenant_plugins (tenant_id, plugin, enabled) VALUES ($1, 'billing', false)",
                           vats_tenant.tenant_id)  # fmt: skip
    await announce(vats_kernel, call(vats_tenant.tenant_id, "outbound", "+74951234567", talk_s=30))
    assert await balance(vats_kernel, vats_tenant.tenant_id) == -100
    assert (await admin.put("/api/tenant/plugins/crm", json={"enabled": False})).status_code == 200


async def test_concurrent_adjustments_with_one_key_credit_once_and_with_many_keys_add_up(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    url = f"{BASE}/tenants/{vats_tenant.tenant_id}/adjustments"
    clients = [vats_api.operator() for _ in range(8)]
    same = await asyncio.gather(*(c.post(url, json=adjustment(1_000, "same")) for c in clients))
    assert [r.status_code for r in same] == [200] * 8
    assert sum(r.json()["created"] for r in same) == 1
    assert len({r.json()["movement"]["id"] for r in same}) == 1
    many = await asyncio.gather(*(c.post(url, json=adjustment(100 + i, f"k{i}")) for i, c in enumerate(clients)))
    assert all(r.status_code == 200 and r.json()["created"] for r in many)
    expected = 1_000 + sum(100 + i for i in range(8))
    assert (await vats_api.operator().get(f"{BASE}/tenants/{vats_tenant.tenant_id}/balance")).json()[
        "balance_kop"
    ] == expected
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await ledger.verify(conn, vats_tenant.tenant_id) == (expected, expected)
