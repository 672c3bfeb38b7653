"""Buying a number over real HTTP and the real database: the operator's catalogue (audited),
what a PBX sees on sale with its filters, a purchase charged once and the number joining the
PBX on its default scenario with its monthly fee in the monthly charges, a refusal without
money that writes nothing, and two PBXs racing for one number: exactly one gets it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger, monthly, settings

BASE = "/api/operator/billing"
GOLD = "+74951000000"
BRONZE = "+74957770707"
SPB = "+78120000100"


class Listener:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def billing_event(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "number_bought":
            self.events.append((kind, payload))


async def stock(api: ApiClients) -> None:
    for e164, city, category, price, fee in (
        (GOLD, "Москва", "gold", 5_000_000, 150_000),
        (BRONZE, "Москва", "bronze", 300_000, 70_000),
        (SPB, "Санкт-Петербург", "ordinary", 0, 45_000),
    ):
        r = await api.operator().put(
            f"{BASE}/numbers/{e164}",
            json={"city": city, "category": category, "price_kop": price, "monthly_kop": fee},
        )
        assert r.status_code == 200, r.text


async def credit(kernel: Kernel, tenant_id: uuid.UUID, kop: int) -> None:
    async with kernel.db.tenant(tenant_id) as conn:
        await ledger.post(conn, tenant_id, kind="adjustment", amount_kop=kop, idempotency_key=f"gift-{uuid.uuid4()}")


async def buy(api: ApiClients, tenant: TenantCreated, number: str, key: str = "k1") -> Any:
    admin = await api.as_employee(tenant.tenant_id, tenant.admin_id)
    return await admin.post("/api/billing/numbers/buy", json={"number": number, "idempotency_key": key})


async def test_the_operator_puts_numbers_on_sale_audited_and_a_pbx_filters_them(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await stock(vats_api)
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    everything = (await admin.get("/api/billing/numbers")).json()
    assert [n["e164"] for n in everything] == [SPB, BRONZE, GOLD]  # cheapest first
    moscow = (await admin.get("/api/billing/numbers", params={"city": "Москва"})).json()
    assert {n["e164"] for n in moscow} == {GOLD, BRONZE}
    gold = (await admin.get("/api/billing/numbers", params={"category": "gold"})).json()
    assert [(n["e164"], n["price_kop"], n["monthly_kop"]) for n in gold] == [(GOLD, 5_000_000, 150_000)]
    bad = await admin.get("/api/billing/numbers", params={"category": "diamond"})
    assert bad.status_code == 400 and "category" in bad.text
    async with vats_kernel.db.system() as conn:
        logged = await conn.fetch("SELECT actor, action, detail FROM operator_audit ORDER BY id")
    assert [(r["actor"], r["action"]) for r in logged] == [("token", "billing_catalogue_number_put")] * 3
    assert logged[0]["detail"]["e164"] == GOLD and logged[0]["detail"]["price_kop"] == 5_000_000


async def test_a_number_some_pbx_has_or_a_bad_one_cannot_be_put_on_sale(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await vats_kernel.directory.assign_number(vats_tenant.tenant_id, "+74951234567")
    body = {"city": "Москва", "category": "ordinary", "price_kop": 0, "monthly_kop": 1}
    taken = await vats_api.operator().put(f"{BASE}/numbers/+74951234567", json=body)
    assert taken.status_code == 409 and taken.json()["field"] == "e164"
    bad = await vats_api.operator().put(f"{BASE}/numbers/12", json=body)
    assert bad.status_code == 422 and bad.json()["field"] == "e164"
    negative = await vats_api.operator().put(f"{BASE}/numbers/+74957770707", json={**body, "price_kop": -1})
    assert negative.status_code == 400 and "price_kop" in negative.text
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT count(*) FROM billing_number_catalogue") == 0


async def test_buying_charges_once_binds_the_default_scenario_and_adds_the_monthly_fee(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    listener = Listener()
    vats_register_plugin(listener, name="listener")
    tenant = vats_tenant.tenant_id
    await stock(vats_api)
    await credit(vats_kernel, tenant, 6_000_000)
    async with vats_kernel.db.tenant(tenant) as conn:
        scenario = await conn.fetchval("SELECT id FROM scenarios WHERE tenant_id = $1 AND is_default", tenant)
    assert scenario is not None  # a new PBX has its default scenario
    first = await buy(vats_api, vats_tenant, GOLD, key="once")
    again = await buy(vats_api, vats_tenant, GOLD, key="once")  # a retried request
    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["created"] and not again.json()["created"]
    assert first.json()["price_kop"] == 5_000_000 and first.json()["balance_kop"] == 1_000_000
    async with vats_kernel.db.tenant(tenant) as conn:
        charges = await conn.fetch("SELECT amount_kop, reference FROM billing_ledger WHERE kind = 'charge'")
        number = await conn.fetchrow("SELECT e164, scenario_id FROM numbers WHERE tenant_id = $1", tenant)
        assert await ledger.verify(conn, tenant) == (1_000_000, 1_000_000)
        _, due = await monthly.items(conn, tenant, await settings.load(conn))
    assert [(c["amount_kop"], c["reference"]) for c in charges] == [(-5_000_000, f"number:{GOLD}")]
    assert (number["e164"], number["scenario_id"]) == (GOLD, scenario)
    assert [(i.code, i.amount_kop) for i in due if i.code.startswith("number")] == [(f"number:{GOLD}", 150_000)]
    assert len(listener.events) == 1
    _, payload = listener.events[0]
    assert payload["number"] == GOLD and payload["price_kop"] == 5_000_000 and payload["monthly_kop"] == 150_000
    assert payload["charged_kop"] == 5_000_000 and payload["actor"] == "admin@test.example"
    admin = await vats_api.as_employee(tenant, vats_tenant.admin_id)
    assert GOLD not in {n["e164"] for n in (await admin.get("/api/billing/numbers")).json()}


async def test_in_a_charged_month_the_rest_of_the_month_of_the_fee_is_charged_at_once(
    vats_kernel: Kernel, vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    await stock(vats_api)
    await credit(vats_kernel, tenant, 1_000_000)
    async with vats_kernel.db.tenant(tenant) as conn:  # a 30-day period charged, 10 days left
        await conn.execute(
            "INSERT INTO billing_periods (tenant_id, period_start, period_end, total_kop) VALUES ($1, $2, $3, 0)",
            tenant, dt.date(2026, 11, 10), dt.date(2026, 12, 10),
        )  # fmt: skip
        from vats.plugins.billing import numbers_shop

        bought = await numbers_shop.buy(
            conn, vats_kernel, tenant, SPB, idempotency_key="spb", actor="a@x", today=dt.date(2026, 11, 30)
        )
    assert (bought.price_kop, bought.prorated_kop) == (0, 15_000)  # 450 ₽ × 10/30
    assert bought.balance_kop == 1_000_000 - 15_000


async def test_without_enough_balance_the_purchase_is_refused_and_nothing_is_written(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await stock(vats_api)
    await credit(vats_kernel, vats_tenant.tenant_id, 299_999)
    refused = await buy(vats_api, vats_tenant, BRONZE)
    assert refused.status_code == 409 and refused.json()["field"] == "number"
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT sold_to FROM billing_number_catalogue WHERE e164 = $1", BRONZE) is None
        assert await conn.fetchval("SELECT count(*) FROM numbers") == 0
        assert await conn.fetchval("SELECT count(*) FROM billing_ledger WHERE kind = 'charge'") == 0
    unknown = await buy(vats_api, vats_tenant, "+74950000000")
    assert unknown.status_code == 404 and unknown.json()["field"] == "number"


async def test_two_pbxs_racing_for_one_number_exactly_one_gets_it_and_pays(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await stock(vats_api)
    rivals = [vats_tenant]
    for i in range(3):
        rivals.append(await vats_kernel.directory.create_tenant(name=f"Rival {i}", admin_email=f"r{i}@rival.example"))
    for rival in rivals:
        await credit(vats_kernel, rival.tenant_id, 10_000_000)
    for number in (GOLD, BRONZE):  # two rounds of four concurrent buyers
        answers = await asyncio.gather(*(buy(vats_api, r, number, key=f"k-{number}") for r in rivals))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409, 409, 409], [a.text for a in answers]
        assert all(a.json()["field"] == "number" for a in answers if a.status_code == 409)
    async with vats_kernel.db.system() as conn:
        owners = await conn.fetch("SELECT e164, tenant_id FROM numbers ORDER BY e164")
        charges = await conn.fetch("SELECT tenant_id, amount_kop FROM billing_ledger WHERE kind = 'charge'")
        sold = dict(await conn.fetch("SELECT e164, sold_to FROM billing_number_catalogue WHERE sold_to IS NOT NULL"))
    assert len(owners) == 2 and len(charges) == 2
    assert {o["e164"]: o["tenant_id"] for o in owners} == sold
    assert sorted(c["amount_kop"] for c in charges) == [-5_000_000, -300_000]


async def test_another_pbx_cannot_see_who_bought_and_a_bought_number_leaves_the_shop(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await stock(vats_api)
    await credit(vats_kernel, vats_tenant.tenant_id, 400_000)
    assert (await buy(vats_api, vats_tenant, BRONZE)).status_code == 200
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="o@other.example")
    admin = await vats_api.as_employee(other.tenant_id, other.admin_id)
    shown = (await admin.get("/api/billing/numbers")).json()
    assert BRONZE not in {n["e164"] for n in shown} and all(n["sold_to"] is None for n in shown)
    taken = await buy(vats_api, other, BRONZE)
    assert taken.status_code == 409 and taken.json()["field"] == "number"


async def test_a_number_the_operator_took_back_goes_on_sale_again(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await stock(vats_api)
    await credit(vats_kernel, vats_tenant.tenant_id, 400_000)
    assert (await buy(vats_api, vats_tenant, BRONZE)).status_code == 200
    body = {"city": "Москва", "category": "bronze", "price_kop": 200_000, "monthly_kop": 70_000}
    held = await vats_api.operator().put(f"{BASE}/numbers/{BRONZE}", json=body)
    assert held.status_code == 409 and held.json()["field"] == "e164"  # its buyer has it
    async with vats_kernel.db.system() as conn:
        await conn.execute("DELETE FROM numbers WHERE e164 = $1", BRONZE)
    back = await vats_api.operator().put(f"{BASE}/numbers/{BRONZE}", json=body)
    assert back.status_code == 200 and back.json()["sold_to"] is None
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    assert BRONZE in {n["e164"] for n in (await admin.get("/api/billing/numbers")).json()}
