"""Monthly charges against the real database: the tariff's fee, extra seats (seed 004: three
included, the 4th and further billed), numbers and options on the billing day, exactly once
per tenant and period with concurrent runs and a run killed mid-way; proration of mid-period
changes; warnings, suspension for non-payment and resumption."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import catalogue, ledger, monthly

BASE = "/api/operator/billing"
DAY = dt.date(2026, 12, 5)


class Listener:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def billing_event(self, kind: str, payload: dict[str, Any]) -> None:
        if kind != "balance_changed":
            self.events.append((kind, payload))


async def _staff(kernel: Kernel, tenant: TenantCreated, employees: int, numbers: int) -> None:
    """Adds ``employees - 1`` employees (a new PBX has its admin: ``employees`` then) and ``numbers`` numbers."""
    for _ in range(employees - 1):
        n = uuid.uuid4().hex[:8]
        await kernel.directory.create_employee(
            tenant.tenant_id, EmployeeCreate(full_name=f"Сотрудник {n}", email=f"e{n}@t.example")
        )
    for _ in range(numbers):
        await kernel.directory.assign_number(tenant.tenant_id, f"+7495{uuid.uuid4().int % 10**7:07d}")


async def _setup(kernel: Kernel, tenant: TenantCreated, *, billing_day: int = 5) -> None:
    async with kernel.db.system() as conn:
        await conn.execute("UPDATE billing_settings SET number_monthly_kop = 30000")
        await conn.execute(  # past its trial
            "UPDATE billing_accounts SET billing_day = $2, charge_from = '2026-01-01' WHERE tenant_id = $1",
            tenant.tenant_id, billing_day,
        )  # fmt: skip


async def _ledger(kernel: Kernel, tenant_id: uuid.UUID) -> list[Any]:
    async with kernel.db.tenant(tenant_id) as conn:
        return list(
            await conn.fetch("SELECT kind, amount_kop, reason, idempotency_key FROM billing_ledger ORDER BY id")
        )


async def _balance(kernel: Kernel, tenant_id: uuid.UUID) -> int:
    async with kernel.db.tenant(tenant_id) as conn:
        return await ledger.balance_of(conn, tenant_id)


async def test_a_new_pbx_is_first_charged_after_its_trial(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    today = dt.datetime.now(dt.UTC).date()
    assert (await monthly.run_due(vats_kernel, today))["charged"] == 0  # 14 trial days by default
    assert (await monthly.run_due(vats_kernel, today + dt.timedelta(days=13)))["charged"] == 0
    assert (await monthly.run_due(vats_kernel, today + dt.timedelta(days=14)))["charged"] == 1
    assert await _balance(vats_kernel, vats_tenant.tenant_id) == -99000


def test_a_period_runs_from_the_billing_day_to_the_same_day_next_month() -> None:
    assert monthly.period_of(5, dt.date(2026, 12, 5)) == (dt.date(2026, 12, 5), dt.date(2027, 1, 5))
    assert monthly.period_of(5, dt.date(2026, 12, 4)) == (dt.date(2026, 11, 5), dt.date(2026, 12, 5))
    # day 31: the last day of shorter months
    assert monthly.period_of(31, dt.date(2027, 2, 28)) == (dt.date(2027, 2, 28), dt.date(2027, 3, 31))
    assert monthly.period_of(31, dt.date(2027, 2, 27)) == (dt.date(2027, 1, 31), dt.date(2027, 2, 28))
    assert monthly.period_of(30, dt.date(2028, 2, 29)) == (dt.date(2028, 2, 29), dt.date(2028, 3, 30))


async def test_the_billing_day_charges_fee_extra_seats_numbers_and_options_once(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    listener = Listener()
    vats_register_plugin(listener, name="listener")
    tenant = vats_tenant.tenant_id
    await _setup(vats_kernel, vats_tenant)
    await _staff(vats_kernel, vats_tenant, employees=5, numbers=2)
    async with vats_kernel.db.system() as conn:
        await catalogue.set_options(conn, tenant, ["recording"])
    assert (await monthly.run_due(vats_kernel, DAY - dt.timedelta(days=1)))["charged"] == 1  # the period before
    before = await _balance(vats_kernel, tenant)
    done = await monthly.run_due(vats_kernel, DAY)
    assert done["charged"] == 1
    # Start: 990 ₽; seats 4 and 5: 2 × 390 ₽; 2 numbers × 300 ₽; call recording 500 ₽
    assert before - await _balance(vats_kernel, tenant) == 99000 + 2 * 39000 + 2 * 30000 + 50000
    charges = [r for r in await _ledger(vats_kernel, tenant) if r["idempotency_key"].startswith("monthly:2026-12-05")]
    assert {r["idempotency_key"].rsplit(":", 1)[-1] for r in charges} == {"tariff", "seats", "numbers", "recording"}
    assert any("05.12.2026–04.01.2027" in r["reason"] for r in charges)
    kinds = [k for k, _ in listener.events]
    assert kinds.count("monthly_charge") == 2
    assert listener.events[-1][1]["total_kop"] == 287000 or "below_limit" in kinds
    assert (await monthly.run_due(vats_kernel, DAY + dt.timedelta(days=3)))["charged"] == 0  # same period


async def test_three_included_seats_the_fourth_is_billed(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    await _setup(vats_kernel, vats_tenant)
    await _staff(vats_kernel, vats_tenant, employees=3, numbers=0)
    period = await monthly.charge_period(vats_kernel, vats_tenant.tenant_id, DAY)
    assert period is not None and [i.code for i in period.items] == ["tariff"]
    await _staff(vats_kernel, vats_tenant, employees=2, numbers=0)  # one more: the 4th
    period = await monthly.charge_period(vats_kernel, vats_tenant.tenant_id, DAY + dt.timedelta(days=31))
    assert period is not None
    seats = next(i for i in period.items if i.code == "seats")
    assert (seats.quantity, seats.amount_kop) == (1, 39000)


async def test_concurrent_runs_charge_a_period_exactly_once(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    """Eight runs at once (each on its own connections, as eight vats processes would be)."""
    await _setup(vats_kernel, vats_tenant)
    results = await asyncio.gather(*(monthly.run_due(vats_kernel, DAY) for _ in range(8)))
    assert sum(r["charged"] for r in results) == 1
    assert await _balance(vats_kernel, vats_tenant.tenant_id) == -99000
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM billing_periods") == 1


async def test_a_run_killed_in_the_middle_leaves_nothing_and_the_next_charges_once(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_config: Any
) -> None:
    await _setup(vats_kernel, vats_tenant)
    await _staff(vats_kernel, vats_tenant, employees=4, numbers=1)
    tenant = vats_tenant.tenant_id
    # a process that wrote the period and its first charge, then died before committing
    dying = await asyncpg.connect(vats_kernel.owner_url)
    await dying.execute("BEGIN")
    await dying.execute(
        "INSERT INTO billing_periods (tenant_id, period_start, period_end, total_kop) VALUES ($1, $2, $3, 1)",
        tenant, DAY, DAY + dt.timedelta(days=31),
    )  # fmt: skip
    await dying.execute(
        "INSERT INTO billing_ledger (tenant_id, kind, amount_kop, idempotency_key) VALUES ($1, 'charge', -99000, $2)",
        tenant, "monthly:2026-12-05:tariff",
    )  # fmt: skip
    racing = asyncio.create_task(monthly.run_due(vats_kernel, DAY))  # waits on the dying one's period row
    await asyncio.sleep(0.3)
    dying.terminate()  # kill -9: the transaction is gone
    assert (await asyncio.wait_for(racing, 30))["charged"] == 1
    assert (await monthly.run_due(vats_kernel, DAY))["charged"] == 0
    assert await _balance(vats_kernel, tenant) == -(99000 + 39000 + 30000)


async def test_a_tariff_change_mid_period_is_prorated(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    await _setup(vats_kernel, vats_tenant)
    tenant = vats_tenant.tenant_id
    await monthly.charge_period(vats_kernel, tenant, DAY)  # 5 Dec - 5 Jan: 31 days
    async with vats_kernel.db.system() as conn:
        posted = await catalogue.assign_tariff(conn, tenant, "pro", today=dt.date(2026, 12, 20))
    assert posted == (299000 - 99000) * 16 // 31 + 1  # 16 days left of 31, rounded half up: 103226
    async with vats_kernel.db.system() as conn:
        back = await catalogue.assign_tariff(conn, tenant, "start", today=dt.date(2026, 12, 20))
    assert back == -posted  # the operator moved it back the same day: refunded
    async with vats_kernel.db.system() as conn:
        option = await catalogue.set_options(conn, tenant, ["recording"], today=dt.date(2027, 1, 4))
    assert option == 50000 // 31 + 1  # one day of the option: 1613 (half up)
    rows = await _ledger(vats_kernel, tenant)
    assert [r["kind"] for r in rows] == ["charge", "charge", "refund", "charge"]
    assert "Переход на тариф «Про»: 16 из 31 дней" == rows[1]["reason"]


async def test_non_payment_warns_then_suspends_then_payment_resumes(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    listener = Listener()
    vats_register_plugin(listener, name="listener")
    tenant = vats_tenant.tenant_id
    await _setup(vats_kernel, vats_tenant)
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE billing_settings SET suspend_after_days = 5, warn_days = 2")
    async with vats_kernel.db.tenant(tenant) as conn:
        await ledger.set_credit_limit(conn, tenant, 50000)
    for day in range(8):  # the charge takes the balance to -990 ₽, below the -500 ₽ limit
        await monthly.run_due(vats_kernel, DAY + dt.timedelta(days=day))
        await monthly.run_due(vats_kernel, DAY + dt.timedelta(days=day))  # twice a day: notices once
    kinds = [k for k, _ in listener.events]
    assert kinds == ["monthly_charge", "below_limit", "suspension_warning", "suspension_warning", "tenant_suspended"]
    assert listener.events[2][1]["days_left"] == 2 and listener.events[2][1]["suspend_on"] == "2026-12-10"
    assert (await vats_kernel.directory.get_tenant(tenant)).suspended
    async with vats_kernel.db.tenant(tenant) as conn:
        await ledger.post(conn, tenant, kind="payment", amount_kop=100000, idempotency_key="paid")
    assert (await monthly.run_due(vats_kernel, DAY + dt.timedelta(days=9))).get("tenant_resumed") == 1
    assert not (await vats_kernel.directory.get_tenant(tenant)).suspended
    assert [k for k, _ in listener.events][-1] == "tenant_resumed"


async def test_the_operator_sets_billing_day_options_and_settings_and_the_admin_reads_periods(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    async with vats_kernel.db.system() as conn:  # past its trial
        await conn.execute("UPDATE billing_accounts SET charge_from = '2026-01-01'")
    operator = vats_api.operator()
    url = f"{BASE}/tenants/{vats_tenant.tenant_id}"
    for bad in (0, 32, "x"):
        r = await operator.put(f"{url}/billing-day", json={"billing_day": bad})
        assert r.status_code in (400, 422) and r.json()["field"] == "billing_day", r.text
    assert (await operator.put(f"{url}/billing-day", json={"billing_day": 31})).status_code == 200
    r = await operator.put(f"{url}/options", json={"options": ["crm"]})  # Start has no CRM option
    assert r.status_code == 422 and r.json()["field"] == "options", r.text
    assert (await operator.put(f"{url}/options", json={"options": ["recording"]})).status_code == 200
    r = await operator.put(f"{BASE}/settings", json={"max_call_s": 3600, "suspend_after_days": -1})
    assert r.status_code in (400, 422) and r.json()["field"] == "suspend_after_days"
    r = await operator.put(f"{BASE}/settings", json={"number_monthly_kop": 25000, "suspend_after_days": 10})
    assert r.status_code == 200 and r.json()["number_monthly_kop"] == 25000
    assert (await operator.post(f"{BASE}/run")).status_code == 200
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    (period,) = (await admin.get("/api/billing/periods")).json()
    assert period["total_kop"] == 99000 + 50000
    assert (await operator.get(f"{url}/periods")).json()[0]["period_start"] == period["period_start"]
