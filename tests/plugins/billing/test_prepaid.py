"""Prepaid enforcement against the real database: the router's outbound decision asks billing
(``call_budget``); a paid call is refused below the credit limit, otherwise it holds money and
gets the talk time that money pays for; concurrent calls never hold the same money twice; the
hold is released when the call's record is rated, or when it expires."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
from vats.bots.web.testing import ApiClients
from vats.core.asterisk.agi import AgiRouter
from vats.core.calls.budget import CallBudget
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.plugins import PluginHost
from vats.plugins.billing import ledger
from vats.plugins.billing.models import Rate
from vats.plugins.billing.prepaid import affordable_s, talk_limit_s
from vats.plugins.billing.rating import cost_kop

from tests.plugins.billing.conftest import announce, call

BASE = "/api/operator/billing"
MOSCOW = "+74951234567"  # seeded plan: 1 rouble a minute, 60/60


async def credit(kernel: Kernel, tenant_id: uuid.UUID, amount_kop: int, *, limit_kop: int = 0) -> None:
    async with kernel.db.tenant(tenant_id) as conn:
        await ledger.post(conn, tenant_id, kind="adjustment", amount_kop=amount_kop, idempotency_key=uuid.uuid4().hex)
        await ledger.set_credit_limit(conn, tenant_id, limit_kop)


async def ask(kernel: Kernel, tenant_id: uuid.UUID, call_id: str, destination: str = MOSCOW) -> CallBudget | None:
    async with kernel.db.system() as conn:
        answer: CallBudget | None = await kernel.plugins.first(
            "call_budget", tenant_id=tenant_id, destination=destination, call_id=call_id, conn=conn
        )
    return answer


async def account(kernel: Kernel, tenant_id: uuid.UUID) -> Any:
    async with kernel.db.tenant(tenant_id) as conn:
        return await ledger.account(conn, tenant_id)


async def per_second_plan(kernel: Kernel, tenant_id: uuid.UUID, price_per_min_kop: int = 6000) -> None:
    """The tenant's tariff priced per second (1/1): 100 kopecks a second by default."""
    async with kernel.db.system() as conn:
        await conn.execute(
            "UPDATE billing_rates SET first_s = 1, next_s = 1, price_per_min_kop = $1", price_per_min_kop
        )
        await conn.execute("UPDATE billing_rate_plans SET version = version + 1")


async def test_hook_call_budget(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    refused = await ask(vats_kernel, tenant, "c1")  # a new PBX has no money and no credit
    assert refused is not None and not refused.allowed and refused.why == "insufficient funds"
    await credit(vats_kernel, tenant, 1000)  # 10 roubles: ten minutes to Moscow
    allowed = await ask(vats_kernel, tenant, "c2")
    assert allowed is not None and allowed.allowed and allowed.max_s == 599
    without_billing = PluginHost()
    assert await without_billing.first("call_budget", tenant_id=tenant, destination=MOSCOW, call_id="c3") is None


async def test_the_credit_limit_lets_paid_calls_go_below_zero_and_no_further(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await credit(vats_kernel, tenant, -300, limit_kop=500)  # 3 roubles in debt, may go to -5
    first = await ask(vats_kernel, tenant, "a")
    assert first is not None and first.allowed and first.max_s == 119  # the 2 roubles left: 2 minutes
    assert (await account(vats_kernel, tenant)).available_kop == 0
    second = await ask(vats_kernel, tenant, "b")
    assert second is not None and not second.allowed
    await credit(vats_kernel, tenant, -200, limit_kop=500)  # now at -5: even with nothing held, refused
    unrelated = msgspec.structs.replace(call(tenant, "outbound", MOSCOW), linkedid="a")  # no hold in its path
    await announce(vats_kernel, unrelated)
    assert (await account(vats_kernel, tenant)).reserved_kop == 200
    record = msgspec.structs.replace(
        unrelated, id=uuid.uuid4(), path=["outbound: no caller-ID rule", f"budget: {first.why}"]
    )
    await announce(vats_kernel, record)  # the call that held the money ended
    assert (await account(vats_kernel, tenant)).reserved_kop == 0
    third = await ask(vats_kernel, tenant, "c")
    assert third is not None and not third.allowed


async def test_free_calls_still_work_with_no_money(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.system() as conn:
        await conn.execute("INSERT INTO billing_rates (rate_plan_id, prefix, price_per_min_kop) SELECT id, '7800', 0"
                           " FROM billing_rate_plans")  # fmt: skip
        await conn.execute("UPDATE billing_rate_plans SET version = version + 1")
    free = await ask(vats_kernel, tenant, "f", destination="+78001234567")
    assert free is not None and free.allowed and free.max_s is None
    unpriced = await ask(vats_kernel, tenant, "u", destination="+442071234567")  # no rate: not charged
    assert unpriced is not None and unpriced.allowed and unpriced.max_s is None


async def test_concurrent_calls_never_hold_more_than_balance_plus_limit(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """Twenty calls dialled at once from separate transactions: what they hold together stays
    within balance + limit, and each one's time limit costs at most what it holds."""
    tenant = vats_tenant.tenant_id
    await per_second_plan(vats_kernel, tenant)
    await credit(vats_kernel, tenant, 2000, limit_kop=500)
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE billing_settings SET max_call_s = 10")  # each call holds at most 10 roubles
    answers = await asyncio.gather(*(ask(vats_kernel, tenant, f"race-{i}") for i in range(20)))
    allowed = [a for a in answers if a is not None and a.allowed]
    async with vats_kernel.db.system() as conn:
        holds = await conn.fetch("SELECT amount_kop FROM billing_reservations WHERE tenant_id = $1", tenant)
    assert sum(h["amount_kop"] for h in holds) == 2500 == (await account(vats_kernel, tenant)).reserved_kop
    assert len(allowed) == len(holds) == 3  # 10 + 10 + 5 roubles; the other 17 are refused
    rate = Rate(prefix="7", price_per_min_kop=6000, first_s=1, next_s=1)
    assert sum(cost_kop(rate, (a.max_s or 0) + 1) for a in allowed) <= 2500  # even a second late


async def test_a_hold_a_record_never_released_expires(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    await credit(vats_kernel, tenant, 100)
    assert (await ask(vats_kernel, tenant, "lost")).allowed  # type: ignore[union-attr]
    assert not (await ask(vats_kernel, tenant, "next")).allowed  # type: ignore[union-attr]
    async with vats_kernel.db.system() as conn:  # vats crashed; the record never came
        await conn.execute("UPDATE billing_reservations SET expires_at = now() - interval '1 second'")
    assert (await ask(vats_kernel, tenant, "after")).allowed  # type: ignore[union-attr]


async def test_the_router_refuses_with_the_insufficient_funds_media_or_limits_the_dial(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.system() as conn:
        login = await conn.fetchval("SELECT sip_login FROM terminals WHERE tenant_id = $1 LIMIT 1", tenant)
    router = AgiRouter(vats_kernel)
    refused = await router.outbound(login, "84951234567", call_id="r1")
    assert refused["VATS_ACTION"] == "refuse"
    assert refused["VATS_MEDIA"].endswith("/standard/insufficient_funds")
    await credit(vats_kernel, tenant, 300)
    dialled = await router.outbound(login, "84951234567", call_id="r2")
    assert dialled["VATS_ACTION"] == "outbound" and dialled["VATS_DIALOPTS"] == "S(179)"


def test_the_time_limit_never_costs_more_than_the_hold() -> None:
    for rate in (Rate(prefix="7", price_per_min_kop=250), Rate(prefix="7", price_per_min_kop=97, first_s=1, next_s=1),
                 Rate(prefix="7", price_per_min_kop=130, connect_fee_kop=40, first_s=30, next_s=6)):  # fmt: skip
        for amount in range(0, 2000, 7):
            seconds = affordable_s(rate, amount)
            assert cost_kop(rate, seconds) <= amount < cost_kop(rate, seconds + 1)  # the most it pays for
            if seconds > 1:  # hung up at the limit, billed up to a second later: still within the hold
                assert cost_kop(rate, talk_limit_s(rate, amount) + 1) <= amount


async def test_the_operator_sets_a_credit_limit_and_the_admin_reads_it(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    operator = vats_api.operator()
    url = f"{BASE}/tenants/{vats_tenant.tenant_id}/credit-limit"
    for bad in (-1, 1.5, None, 10**12):
        r = await operator.put(url, json={"credit_limit_kop": bad})
        assert r.status_code in (400, 422) and r.json()["field"] == "credit_limit_kop", (bad, r.text)
    r = await operator.put(url, json={"credit_limit_kop": 50000})
    assert r.status_code == 200 and r.json()["credit_limit_kop"] == 50000 and r.json()["available_kop"] == 50000
    r = await operator.put(f"{BASE}/tenants/{uuid.uuid4()}/credit-limit", json={"credit_limit_kop": 1})
    assert r.status_code == 404
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    mine = (await admin.get("/api/billing/balance")).json()
    assert (mine["balance_kop"], mine["credit_limit_kop"], mine["available_kop"]) == (0, 50000, 50000)
    assert (await admin.put(url, json={"credit_limit_kop": 1})).status_code in (401, 403)


async def test_the_operator_sets_the_longest_paid_call(vats_api: ApiClients) -> None:
    operator = vats_api.operator()
    assert (await operator.get(f"{BASE}/settings")).json()["max_call_s"] == 14400
    r = await operator.put(f"{BASE}/settings", json={"max_call_s": 5})
    assert r.status_code in (400, 422) and r.json()["field"] == "max_call_s"
    r = await operator.put(f"{BASE}/settings", json={"max_call_s": 3600})
    assert r.status_code == 200 and r.json()["max_call_s"] == 3600
