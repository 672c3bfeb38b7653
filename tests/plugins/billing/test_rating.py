"""Rating call records from ``call_ended``: outbound by the longest prefix, forwarded-out legs
like outbound, everything else free, and a call rated twice charged once. Plus the two
hooks billing publishes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from vats.core import hookimpl
from vats.core.calls.records import store_and_announce
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.plugins import PluginHost
from vats.plugins.billing import ledger
from vats.plugins.billing.models import Rate
from vats.plugins.billing.rating import PrefixIndex, cost_kop

from tests.plugins.billing.conftest import announce, balance, call


@pytest.mark.parametrize(
    ("first_s", "next_s", "talk_s", "billed_s"),
    [(60, 60, 1, 60), (60, 60, 60, 60), (60, 60, 61, 120), (1, 1, 61, 61), (30, 6, 31, 36), (60, 60, 0, 0)],
)
def test_billed_seconds_follow_the_increment(first_s: int, next_s: int, talk_s: float, billed_s: int) -> None:
    rate = Rate(prefix="7", price_per_min_kop=60, first_s=first_s, next_s=next_s)  # a kopeck per second
    assert cost_kop(rate, talk_s) == billed_s


def test_connect_fee_is_added_and_part_kopecks_round_up() -> None:
    rate = Rate(prefix="7", price_per_min_kop=100, connect_fee_kop=50, first_s=1, next_s=1)
    assert cost_kop(rate, 10) == 50 + 17  # 10 s of 100 kop/min is 16.67 kop


def test_the_longest_prefix_wins() -> None:
    index = PrefixIndex([Rate(prefix="7", price_per_min_kop=1), Rate(prefix="7495", price_per_min_kop=2),
                         Rate(prefix="749", price_per_min_kop=3)])  # fmt: skip
    assert index.find("74951234567").price_per_min_kop == 2  # type: ignore[union-attr]
    assert index.find("74991234567").price_per_min_kop == 3  # type: ignore[union-attr]
    assert index.find("79161234567").price_per_min_kop == 1  # type: ignore[union-attr]
    assert index.find("441234") is None


async def test_an_outbound_call_is_charged_by_the_longest_prefix_of_the_seeded_plan(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await announce(vats_kernel, call(tenant, "outbound", "+74951234567", talk_s=61))  # Москва 100/min, 60/60
    await announce(vats_kernel, call(tenant, "outbound", "+79161234567", talk_s=30))  # мобильные 200/min
    await announce(vats_kernel, call(tenant, "outbound", "+73832123456", talk_s=10))  # Россия 250/min
    assert await balance(vats_kernel, tenant) == -(200 + 200 + 250)
    async with vats_kernel.db.tenant(tenant) as conn:
        refs = await conn.fetch("SELECT kind, reference, reason FROM billing_ledger ORDER BY id")
        assert await ledger.verify(conn, tenant) == (-650, -650)
    assert {r["kind"] for r in refs} == {"call"} and all(r["reference"].startswith("call:") for r in refs)


async def test_internal_inbound_unanswered_and_simulated_calls_are_free(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await announce(vats_kernel, call(tenant, "internal", "202", talk_s=300))
    await announce(vats_kernel, call(tenant, "inbound", "+74957770000", talk_s=300))
    await announce(vats_kernel, call(tenant, "outbound", "+74951234567", talk_s=0))
    await announce(vats_kernel, call(tenant, "outbound", "+74951234567", talk_s=300, simulated=True))
    assert await balance(vats_kernel, tenant) == 0


async def test_an_inbound_call_forwarded_to_an_outside_number_is_charged_for_the_outside_leg(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await announce(vats_kernel, call(tenant, "inbound", "+74957770000", talk_s=90, answered_by="tel/+79161234567"))
    assert await balance(vats_kernel, tenant) == -400  # 2 minutes of мобильные at 200


async def test_a_call_rated_twice_is_charged_once(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    record = call(tenant, "outbound", "+74951234567", talk_s=61)
    await store_and_announce(vats_kernel.db, vats_kernel.plugins, record)  # type: ignore[arg-type]
    await announce(vats_kernel, record)  # a replay after a restart
    await announce(vats_kernel, record)
    assert await balance(vats_kernel, tenant) == -200


async def test_a_changed_rate_plan_prices_the_next_call(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    await announce(vats_kernel, call(tenant, "outbound", "+74951234567", talk_s=60))
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE billing_rates SET price_per_min_kop = 1000 WHERE prefix = '7495'")
        await conn.execute("UPDATE billing_rate_plans SET version = version + 1")
    await announce(vats_kernel, call(tenant, "outbound", "+74951234567", talk_s=60))
    assert await balance(vats_kernel, tenant) == -(100 + 1000)


class Listener:
    def __init__(self) -> None:
        self.events: list[tuple[uuid.UUID, str, dict[str, Any]]] = []

    @hookimpl
    def billing_event(self, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> None:
        self.events.append((tenant_id, kind, payload))


async def test_hook_billing_event(vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any) -> None:
    listener = Listener()
    vats_register_plugin(listener, name="listener")
    tenant = vats_tenant.tenant_id
    record = call(tenant, "outbound", "+74951234567", talk_s=61)
    await announce(vats_kernel, record)
    await announce(vats_kernel, record)  # charged once: announced once
    assert len(listener.events) == 1
    tenant_id, kind, payload = listener.events[0]
    assert (tenant_id, kind) == (tenant, "balance_changed")
    assert (payload["before_kop"], payload["after_kop"], payload["amount_kop"]) == (0, -200, -200)
    assert payload["movement"]["reference"] == f"call:{record.id}"


async def test_hook_tenant_balance(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    await announce(vats_kernel, call(tenant, "outbound", "+74951234567", talk_s=61))
    assert await vats_kernel.plugins.first("tenant_balance", tenant_id=tenant) == -200
    without_billing = PluginHost()  # no billing plugin loaded: nobody answers
    assert await without_billing.first("tenant_balance", tenant_id=tenant) is None
