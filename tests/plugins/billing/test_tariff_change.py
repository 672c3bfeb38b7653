"""Self-service tariff change against the real database and over real HTTP: an upgrade
(Start → Pro) applies from today and charges at once the difference in the monthly price (fee
and the seats beyond those included) for the days left of the charged month; a downgrade is
the operator's; without the money nothing changes; every change is recorded and announced."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core import hookimpl
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.errors import LimitError, ValidationError
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger, tariff_change

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

TODAY = dt.date(2026, 11, 30)
TARIFF = "/cabinet/settings/finances/tariff"


class Listener:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    @hookimpl
    def billing_event(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "tariff_changed":
            self.events.append(payload)


async def five_employees_in_a_charged_month(kernel: Kernel, tenant: TenantCreated, money_kop: int) -> None:
    """Start (990 ₽, 3 seats included, 390 ₽ each further) with 5 employees: 1 770 ₽ a month;
    a 30-day period charged, 10 days of it left on TODAY."""
    for _ in range(4):
        n = uuid.uuid4().hex[:8]
        await kernel.directory.create_employee(
            tenant.tenant_id, EmployeeCreate(full_name=f"Сотрудник {n}", email=f"e{n}@t.example")
        )
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        start, end = (TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=10))
        await conn.execute(
            "INSERT INTO billing_periods (tenant_id, period_start, period_end, total_kop) VALUES ($1, $2, $3, 0)",
            tenant.tenant_id, start, end,
        )  # fmt: skip
        await ledger.post(conn, tenant.tenant_id, kind="adjustment", amount_kop=money_kop, idempotency_key="gift")


async def test_an_upgrade_charges_the_rest_of_the_month_of_the_difference_with_seats_now(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    listener = Listener()
    vats_register_plugin(listener, name="listener")
    tenant = vats_tenant.tenant_id
    await five_employees_in_a_charged_month(vats_kernel, vats_tenant, 100_000)
    async with vats_kernel.db.tenant(tenant) as conn:
        q = await tariff_change.quote(conn, tenant, "pro", today=TODAY)
        assert (q.monthly_now_kop, q.monthly_then_kop) == (177_000, 299_000)  # Pro includes 10 seats
        assert (q.charge_now_kop, q.days_left, q.refusal) == (40_667, 10, None)  # 1 220 ₽ × 10/30
        done = await tariff_change.change(conn, vats_kernel, tenant, "pro", actor="admin@test.example", today=TODAY)
        assert (done.tariff, done.charged_kop, done.balance_kop) == ("pro", 40_667, 100_000 - 40_667)
        assert (await ledger.account(conn, tenant)).tariff == "pro"
        logged = await conn.fetch("SELECT from_code, to_code, charged_kop, actor FROM billing_tariff_changes")
        back = await tariff_change.quote(conn, tenant, "start", today=TODAY)
    assert [tuple(r) for r in logged] == [("start", "pro", 40_667, "admin@test.example")]
    assert listener.events == [{"from": "start", "to": "pro", "charged_kop": 40_667, "monthly_kop": 299_000,
                                "balance_kop": 59_333, "actor": "admin@test.example"}]  # fmt: skip
    assert back.refusal == "downgrade"


async def test_a_downgrade_or_the_same_tariff_is_refused_and_nothing_changes(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await five_employees_in_a_charged_month(vats_kernel, vats_tenant, 1_000_000)
    async with vats_kernel.db.tenant(tenant) as conn:
        with pytest.raises(ValidationError) as same:
            await tariff_change.change(conn, vats_kernel, tenant, "start", actor="a@x", today=TODAY)
        assert same.value.field == "tariff"
        await tariff_change.change(conn, vats_kernel, tenant, "pro", actor="a@x", today=TODAY)
    async with vats_kernel.db.tenant(tenant) as conn:
        with pytest.raises(ValidationError) as down:
            await tariff_change.change(conn, vats_kernel, tenant, "start", actor="a@x", today=TODAY)
        assert down.value.field == "tariff" and "operator" in down.value.message
    async with vats_kernel.db.tenant(tenant) as conn:
        assert (await ledger.account(conn, tenant)).tariff == "pro"
        assert await conn.fetchval("SELECT count(*) FROM billing_tariff_changes") == 1


async def test_without_money_for_todays_charge_the_tariff_stays(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await five_employees_in_a_charged_month(vats_kernel, vats_tenant, 40_666)  # one kopeck short
    async with vats_kernel.db.tenant(tenant) as conn:
        assert (await tariff_change.quote(conn, tenant, "pro", today=TODAY)).refusal == "balance"
        with pytest.raises(LimitError) as short:
            await tariff_change.change(conn, vats_kernel, tenant, "pro", actor="a@x", today=TODAY)
        assert short.value.field == "tariff"
    async with vats_kernel.db.tenant(tenant) as conn:
        assert (await ledger.account(conn, tenant)).tariff == "start"
        assert await ledger.balance_of(conn, tenant) == 40_666


async def test_in_the_trial_an_upgrade_charges_nothing_now(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        done = await tariff_change.change(conn, vats_kernel, tenant, "pro", actor="a@x", today=TODAY)
    assert (done.charged_kop, done.balance_kop) == (0, 0)


async def test_the_admin_compares_tariffs_and_upgrades_in_the_cabinet_and_the_api(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        await ledger.post(conn, tenant, kind="adjustment", amount_kop=10_000, idempotency_key="gift")
    api = await vats_api.as_employee(tenant, vats_tenant.admin_id)
    offers = (await api.get("/api/billing/tariffs")).json()
    assert [(o["tariff"]["code"], o["quote"]["refusal"]) for o in offers] == [("start", "same"), ("pro", None)]
    client = CabinetClient(create_app(vats_kernel))
    email = await give_password(vats_kernel, tenant, vats_tenant.admin_id)
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code in (302, 303)
    try:
        shown = await client.http.get("/cabinet/settings/finances/tariff")
        assert shown.status_code == 200
        assert "Запись разговоров" in shown.text and "+ 500,00\u00a0₽" in shown.text  # Start's paid option
        assert 'id="move-to-pro"' in shown.text and 'id="move-to-start"' not in shown.text
        moved = await client.post_form(TARIFF, {"tariff": "pro"}, form_page=TARIFF)
        assert moved.status_code in (302, 303), moved.text[:500]
        after = await client.http.get(moved.headers["location"])
        assert "Тариф изменён на «Про»" in after.text
        odd = await client.http.get(TARIFF, params={"changed": "pro", "charged": "²"})  # isdigit(), not int()
        assert odd.status_code == 200 and "Тариф изменён" not in odd.text
        down = await client.post_form(TARIFF, {"tariff": "start"}, form_page=TARIFF)
        assert down.status_code == 422 and "через оператора" in down.text
    finally:
        await client.close()
    again = await api.post("/api/billing/tariff", json={"tariff": "start"})
    assert again.status_code == 422 and again.json()["field"] == "tariff"
