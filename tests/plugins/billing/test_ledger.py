"""The ledger: idempotent posting, append-only rows, tenants apart, and the cached balance
always equal to the ledger's sum under concurrent writers (a hypothesis state machine on the
real database)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from vats.core.db.database import Database
from vats.core.directory.service import TenantCreated
from vats.core.errors import ValidationError
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger


async def test_posting_the_same_key_twice_changes_nothing_and_answers_the_first_movement(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        first = await ledger.post(conn, tenant, kind="adjustment", amount_kop=10_000, idempotency_key="k1", reason="a")
        again = await ledger.post(conn, tenant, kind="adjustment", amount_kop=99_999, idempotency_key="k1", reason="b")
        assert first.created and (first.before_kop, first.after_kop) == (0, 10_000)
        assert not again.created and again.movement == first.movement and again.after_kop == 10_000
        assert await ledger.verify(conn, tenant) == (10_000, 10_000)


async def test_a_new_tenant_gets_an_account_on_the_start_tariff(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        account = await ledger.account(conn, vats_tenant.tenant_id)
    assert (account.balance_kop, account.tariff) == (0, "start")


@pytest.mark.parametrize("amount", [0, 100_000_000_001, -100_000_000_001, 1.5, True])
async def test_bad_amounts_are_refused_naming_the_field_and_write_nothing(
    vats_kernel: Kernel, vats_tenant: TenantCreated, amount: object
) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        with pytest.raises(ValidationError) as refused:
            await ledger.post(conn, tenant, kind="adjustment", amount_kop=amount, idempotency_key="x")  # type: ignore[arg-type]
        assert refused.value.field == "amount_kop"
        assert await conn.fetchval("SELECT count(*) FROM billing_ledger") == 0


@pytest.mark.parametrize("statement", ["UPDATE billing_ledger SET amount_kop = 1", "DELETE FROM billing_ledger"])
async def test_ledger_rows_can_be_neither_changed_nor_deleted(
    vats_kernel: Kernel, vats_tenant: TenantCreated, statement: str
) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        await ledger.post(conn, tenant, kind="adjustment", amount_kop=500, idempotency_key="k")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        async with vats_kernel.db.system() as conn:
            await conn.execute(statement)
    async with vats_kernel.db.tenant(tenant) as conn:
        assert await ledger.verify(conn, tenant) == (500, 500)


async def test_deleting_a_tenant_takes_its_ledger_along(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        await ledger.post(conn, tenant, kind="adjustment", amount_kop=500, idempotency_key="k")
    async with vats_kernel.db.system() as conn:
        await conn.execute("DELETE FROM tenants WHERE id = $1", tenant)
        assert await conn.fetchval("SELECT count(*) FROM billing_ledger") == 0


async def test_a_tenant_sees_only_its_own_ledger(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="boss@other.example")
    async with vats_kernel.db.tenant(other.tenant_id) as conn:
        await ledger.post(conn, other.tenant_id, kind="adjustment", amount_kop=700, idempotency_key="k")
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM billing_ledger") == 0
        assert await conn.fetchval("SELECT count(*) FROM billing_accounts") == 1  # its own only
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # RLS refuses writing into another tenant
            await ledger.post(conn, other.tenant_id, kind="adjustment", amount_kop=1, idempotency_key="evil")


class LedgerMachine(RuleBasedStateMachine):
    """Batches of movements posted at once by concurrent transactions (some replaying a posted
    key, some rolled back); after each batch the cached balance equals the ledger's sum and
    the model's."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.db = Database(url, max_size=8)
        self.loop.run_until_complete(self.db.open())
        self.model: dict[uuid.UUID, int] = {}
        self.keys: dict[uuid.UUID, list[tuple[str, int]]] = {}
        self.counter = 0

    def run(self, coro: object) -> object:
        return self.loop.run_until_complete(coro)  # type: ignore[arg-type]

    @initialize()
    def tenants(self) -> None:
        async def make() -> list[uuid.UUID]:
            async with self.db.system() as conn:
                return [
                    await conn.fetchval("INSERT INTO tenants (name) VALUES ($1) RETURNING id", f"T{i}") for i in (1, 2)
                ]

        for tenant in self.run(make()):  # type: ignore[attr-defined]
            self.model[tenant] = 0
            self.keys[tenant] = []

    @rule(
        batch=st.lists(
            st.tuples(st.integers(0, 1), st.integers(-1_000_000, 1_000_000).filter(bool), st.sampled_from(["new", "replay", "rollback"])),
            min_size=1, max_size=8,
        )
    )  # fmt: skip
    def post_concurrently(self, batch: list[tuple[int, int, str]]) -> None:
        tenants = list(self.model)
        jobs = []
        for which, amount, how in batch:
            tenant = tenants[which]
            if how == "replay" and self.keys[tenant]:
                key, amount = self.keys[tenant][0]  # a retried request: same key, same amount
            else:
                self.counter += 1
                key = f"m{self.counter}"
                if how != "rollback":
                    self.keys[tenant].append((key, amount))
                    self.model[tenant] += amount
            jobs.append(self._post(tenant, amount, key, rollback=how == "rollback"))

        async def together() -> None:
            await asyncio.gather(*jobs)

        self.run(together())

    async def _post(self, tenant: uuid.UUID, amount: int, key: str, *, rollback: bool) -> None:
        class Abandon(Exception):
            pass

        try:
            async with self.db.tenant(tenant) as conn:
                await ledger.post(conn, tenant, kind="adjustment", amount_kop=amount, idempotency_key=key)
                if rollback:
                    raise Abandon
        except Abandon:
            pass

    @invariant()
    def cache_equals_the_ledger_sum(self) -> None:
        async def check() -> None:
            for tenant, expected in self.model.items():
                async with self.db.tenant(tenant) as conn:
                    assert await ledger.verify(conn, tenant) == (expected, expected)

        self.run(check())

    def teardown(self) -> None:
        self.run(self.db.close())
        self.loop.close()


def test_cached_balance_equals_the_ledger_sum_under_concurrent_writers(vats_database_url: str) -> None:
    run_state_machine_as_test(
        lambda: LedgerMachine(vats_database_url),
        settings=settings(max_examples=6, stateful_step_count=5, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )  # fmt: skip
