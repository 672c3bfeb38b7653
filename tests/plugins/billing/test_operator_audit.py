"""Billing's operator routes leave their trace in the operator audit (the portal's audit page):
a manual adjustment with its reason and amount, once per idempotency key, and the catalogue's
edits (tariffs, rate plans and their prices, settings), each with who made it."""

from __future__ import annotations

from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

BASE = "/api/operator/billing"


async def audit(kernel: Kernel) -> list[Any]:
    async with kernel.db.system() as conn:
        return await conn.fetch("SELECT actor, action, tenant_id, detail FROM operator_audit ORDER BY id")


async def test_an_adjustment_is_audited_with_its_reason_once_per_key(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    url = f"{BASE}/tenants/{vats_tenant.tenant_id}/adjustments"
    body = {"direction": "debit", "amount_kop": 5_000, "reason": "Штраф за спам", "idempotency_key": "a1"}
    for _ in range(2):  # a retried request
        assert (await vats_api.operator().post(url, json=body)).status_code == 200
    refused = await vats_api.operator().post(url, json={**body, "reason": " ", "idempotency_key": "a2"})
    assert refused.status_code == 422
    rows = await audit(vats_kernel)
    assert [(r["actor"], r["action"], r["tenant_id"]) for r in rows] == [
        ("token", "billing_adjustment", vats_tenant.tenant_id)
    ]
    assert (rows[0]["detail"]["amount_kop"], rows[0]["detail"]["reason"]) == (-5_000, "Штраф за спам")


async def test_tariff_rate_plan_and_settings_edits_are_audited_with_what_changed(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    op = vats_api.operator()
    tariff = next(t for t in (await op.get(f"{BASE}/tariffs")).json() if t["code"] == "start")
    tariff = {**{k: v for k, v in tariff.items() if k != "code"}, "monthly_fee_kop": 120_000}
    assert (await op.put(f"{BASE}/tariffs/start", json=tariff)).status_code == 200
    plan = (await op.post(f"{BASE}/rate-plans", json={"name": "Межгород"})).json()
    csv = {"file": ("r.csv", b"prefix,price_per_min_kop\n7,300\n", "text/csv")}
    assert (
        await op.post(f"{BASE}/rate-plans/{plan['id']}/import", files=csv, params={"dry_run": True})
    ).status_code == 200
    assert (await op.post(f"{BASE}/rate-plans/{plan['id']}/import", files=csv)).status_code == 200
    current = (await op.get(f"{BASE}/settings")).json()
    assert (await op.put(f"{BASE}/settings", json={**current, "warn_days": 5})).status_code == 200
    limit = await op.put(f"{BASE}/tenants/{vats_tenant.tenant_id}/credit-limit", json={"credit_limit_kop": 10_000})
    assert limit.status_code == 200
    rows = await audit(vats_kernel)
    assert [r["action"] for r in rows] == [
        "billing_tariff_changed", "billing_rate_plan_created", "billing_rates_imported",  # the dry run: nothing
        "billing_settings_changed", "billing_credit_limit_set",
    ]  # fmt: skip
    changed = rows[0]["detail"]
    assert changed["code"] == "start" and changed["monthly_fee_kop"] == 120_000
    assert changed["was"] == {"monthly_fee_kop": 99_000}
    assert rows[3]["detail"] == {"warn_days": 5, "was": {"warn_days": 3}}
    assert rows[4]["tenant_id"] == vats_tenant.tenant_id and rows[4]["detail"]["credit_limit_kop"] == 10_000
