"""Rating a batch of call records with one statement (``calls_ended``): a replayed batch is
charged once, two processes rating the same records at once charge each once, the money the
calls held is released with the charges, and a tenant's transaction cannot charge another."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import msgspec
import pytest
from vats.core.calls.records import CallRecord
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins import billing
from vats.plugins.billing import ledger
from vats.plugins.billing.rating import Rater

from tests.plugins.billing.conftest import announce, balance, call

MOSCOW = "+74951234567"  # seeded plan: 1 rouble a minute, 60/60


def paid_batch(tenant_id: uuid.UUID, n: int) -> list[CallRecord]:
    return [call(tenant_id, "outbound", MOSCOW, talk_s=60 * (i + 1)) for i in range(n)]  # i+1 minutes each


async def ledger_state(kernel: Kernel, tenant_id: uuid.UUID) -> tuple[int, tuple[int, int]]:
    async with kernel.db.tenant(tenant_id) as conn:
        count = await conn.fetchval("SELECT count(*) FROM billing_ledger WHERE kind = 'call'")
        return int(count), await ledger.verify(conn, tenant_id)


async def test_a_batch_is_charged_with_free_and_unpriced_calls_left_out(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await announce(
        vats_kernel,
        call(tenant, "outbound", MOSCOW, talk_s=61),  # 2 minutes: 200
        call(tenant, "internal", "202", talk_s=300),  # free
        call(tenant, "outbound", "+442071234567", talk_s=60),  # no rate in the plan: not charged
        call(tenant, "outbound", MOSCOW, talk_s=0),  # unanswered
        call(tenant, "inbound", "+74957770000", talk_s=90, answered_by="tel/+79161234567"),  # forwarded: 400
    )
    assert await balance(vats_kernel, tenant) == -600
    assert await ledger_state(vats_kernel, tenant) == (2, (-600, -600))


async def test_a_replayed_batch_is_charged_once(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    batch = paid_batch(tenant, 5)  # 1 + 2 + 3 + 4 + 5 minutes at 100
    await announce(vats_kernel, *batch)
    await announce(vats_kernel, *batch)  # a replay after a restart
    await announce(vats_kernel, *batch[2:], *paid_batch(tenant, 1))  # partly replayed, one new call
    assert await ledger_state(vats_kernel, tenant) == (6, (-1600, -1600))


async def test_two_processes_rating_the_same_records_at_once_charge_each_once(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """Each "process" has its own rater (its own caches) and its own transactions; the batches
    overlap, and both run at the same time."""
    tenant = vats_tenant.tenant_id
    records = paid_batch(tenant, 40)
    raters = [Rater(), Rater()]

    async def rate(rater: Rater, batch: list[CallRecord]) -> int:
        async with vats_kernel.db.tenant(tenant) as conn:
            return await rater.rate_batch(conn, tenant, batch)

    charged = await asyncio.gather(
        *(rate(raters[i % 2], records[start : start + 25]) for i, start in enumerate((0, 10, 15, 0, 5)))
    )
    total = sum(100 * (i + 1) for i in range(40))
    assert sum(charged) == total  # each kopeck counted by exactly one of the writers
    assert await ledger_state(vats_kernel, tenant) == (40, (-total, -total))


async def test_the_money_the_calls_held_is_released_with_their_charges(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        await ledger.post(conn, tenant, kind="adjustment", amount_kop=100_000, idempotency_key="top-up")
    budgets = []
    for call_id in ("held-1", "held-2"):
        async with vats_kernel.db.system() as conn:
            budgets.append(
                await vats_kernel.plugins.first(
                    "call_budget", tenant_id=tenant, destination=MOSCOW, call_id=call_id, conn=conn
                )
            )
    assert all(b is not None and b.allowed for b in budgets)
    async with vats_kernel.db.tenant(tenant) as conn:
        assert (await ledger.account(conn, tenant)).reserved_kop == 2 * 24_000  # each: 4 hours at 1 rouble a minute
    ended = [
        msgspec.structs.replace(
            call(tenant, "outbound", MOSCOW, talk_s=60), linkedid=call_id, path=[f"budget: {b.why}"]
        )  # type: ignore[union-attr]
        for call_id, b in zip(("held-1", "held-2"), budgets, strict=True)
    ]
    await announce(vats_kernel, *ended)
    async with vats_kernel.db.tenant(tenant) as conn:
        after = await ledger.account(conn, tenant)
        holds = await conn.fetchval("SELECT count(*) FROM billing_reservations")
    assert (after.balance_kop, after.reserved_kop, holds) == (100_000 - 200, 0, 0)


async def test_a_tenant_transaction_cannot_charge_another_tenant(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    other = (await vats_kernel.directory.create_tenant(name="Other", admin_email="o@test.example")).tenant_id
    with pytest.raises(asyncpg.PostgresError):  # row-level security refuses the other tenant's rows
        async with vats_kernel.db.tenant(tenant) as conn:
            await billing.calls_ended(tenant_id=other, records=paid_batch(other, 2), conn=conn, kernel=vats_kernel)
    assert await ledger_state(vats_kernel, other) == (0, (0, 0))
