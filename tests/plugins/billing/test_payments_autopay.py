# ruff: noqa: F811 (pytest fixtures imported from test_payments, named as arguments)
"""Autopay over real HTTP against the fake YooKassa: the terms, binding a card with a rouble
that is given back, threshold and monthly autopay at once, a one-off charge, the monthly
limit, declines and an expired card (announced as ``autopay_failed``), unbinding; and never
two charges for one trigger, with concurrent runs on the real database."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from vats.core import hookimpl
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger
from vats.plugins.billing.payments import autopay, gateways
from vats.plugins.billing.payments.fake_yookassa import FakeYooKassa

from tests.plugins.billing.conftest import balance
from tests.plugins.billing.test_payments import (  # noqa: F401 (fixtures)
    admin,
    checkout,
    eventually,
    fake,
    ledger_rows,
    vats_url,
)

AUTOPAY = "/api/billing/autopay"


class Events:
    """A plugin that records billing_event announcements."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def billing_event(self, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> None:
        if kind != "balance_changed":
            self.seen.append((kind, payload))

    def kinds(self) -> list[str]:
        return [k for k, _ in self.seen]


@pytest.fixture
def events(vats_register_plugin: Callable[..., str]) -> Events:
    recorder = Events()
    vats_register_plugin(recorder)
    return recorder


async def bind(admin: httpx.AsyncClient, fake: FakeYooKassa) -> str:
    """Accept the terms and bind the fake's good card; the saved card's id at the gateway."""
    assert (await admin.put(AUTOPAY, json={"terms_accepted": True})).status_code == 200
    binding = await admin.post(f"{AUTOPAY}/card", json={})
    assert binding.status_code == 201, binding.text
    await checkout(binding.json()["confirmation_url"])
    card = await eventually(lambda: _card(admin))
    assert card["last4"] == "4477"
    [gateway_id] = [p for p, v in fake.payments.items() if v["amount"]["value"] == "1.00"]
    await eventually(lambda: fake.payments[gateway_id]["status"] == "canceled")  # the rouble goes back
    return gateway_id


async def _card(admin: httpx.AsyncClient) -> dict[str, Any] | None:
    card: dict[str, Any] | None = (await admin.get(AUTOPAY)).json()["card"]
    return card


async def debit(kernel: Kernel, tenant_id: uuid.UUID, amount_kop: int) -> None:
    async with kernel.db.tenant(tenant_id) as conn:
        await ledger.post(conn, tenant_id, kind="call", amount_kop=-amount_kop, idempotency_key=str(uuid.uuid4()))


def charges(fake: FakeYooKassa) -> list[dict[str, Any]]:
    """The charges of saved cards the gateway received."""
    return [p for p in fake.payments.values() if p["payment_method"].get("saved") and p["amount"]["value"] != "1.00"]


async def test_binding_a_card_needs_the_terms_and_its_rouble_is_given_back(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa
) -> None:
    refused = await admin.post(f"{AUTOPAY}/card", json={})
    assert refused.status_code == 422 and refused.json()["field"] == "terms_accepted"
    shown = (await admin.get(AUTOPAY)).json()
    assert "1 ₽" in shown["terms"] and shown["terms_accepted_at"] is None
    await bind(admin, fake)
    assert (
        await balance(vats_kernel, vats_tenant.tenant_id) == 0
        and await ledger_rows(vats_kernel, vats_tenant.tenant_id) == []
    )


async def test_threshold_and_monthly_autopay_at_once_each_charge_once_per_trigger(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa, events: Events
) -> None:
    await bind(admin, fake)
    rules = {"terms_accepted": True, "threshold_kop": 10000, "threshold_amount_kop": 50000,
             "monthly_day": 31, "monthly_amount_kop": 30000}  # fmt: skip
    saved = await admin.put(AUTOPAY, json=rules)
    assert saved.status_code == 200 and saved.json()["monthly_day"] == 31
    tenant = vats_tenant.tenant_id

    last_day = _last_day_of_this_month()
    # The threshold's ticks run mid-month: on the month's last day (in Moscow; after 21:00 UTC on
    # the 29th of November, say) the monthly rule would join them.
    mid_month = last_day.replace(day=15)
    await autopay.tick(vats_kernel, now=mid_month)  # the balance (0) is under the threshold: one charge
    assert await balance(vats_kernel, tenant) == 50000
    await debit(vats_kernel, tenant, 45000)  # 5000: under it again, a new dip
    await autopay.tick(vats_kernel, now=mid_month)
    await autopay.tick(vats_kernel, now=mid_month)
    assert await balance(vats_kernel, tenant) == 55000 and len(charges(fake)) == 2

    await autopay.tick(vats_kernel, now=last_day)
    await autopay.tick(vats_kernel, now=last_day)
    assert await balance(vats_kernel, tenant) == 85000 and len(charges(fake)) == 3
    assert events.kinds().count("payment_received") == 3
    triggers = sorted(p["trigger"] for p in (await admin.get("/api/billing/payments")).json()["items"] if p["trigger"])
    assert triggers == ["monthly", "threshold", "threshold"]


def _last_day_of_this_month() -> dt.datetime:
    today = dt.datetime.now(dt.UTC)
    day = autopay.due_date(today.year, today.month, 31)
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("year", "month", "day", "due"),
    [(2027, 2, 31, dt.date(2027, 2, 28)), (2028, 2, 31, dt.date(2028, 2, 29)), (2026, 11, 31, dt.date(2026, 11, 30)),
     (2026, 12, 31, dt.date(2026, 12, 31)), (2027, 2, 5, dt.date(2027, 2, 5))],
)  # fmt: skip
def test_day_31_means_the_last_day_of_a_shorter_month(year: int, month: int, day: int, due: dt.date) -> None:
    assert autopay.due_date(year, month, day) == due


async def test_monthly_autopay_on_day_31_charges_on_february_28_not_before(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa
) -> None:
    await bind(admin, fake)
    await admin.put(AUTOPAY, json={"terms_accepted": True, "monthly_day": 31, "monthly_amount_kop": 30000})
    next_feb = dt.date.today().year + 1
    await autopay.tick(vats_kernel, now=dt.datetime(next_feb, 2, 27, 12, tzinfo=dt.UTC))
    assert charges(fake) == []
    await autopay.tick(vats_kernel, now=dt.datetime(next_feb, 2, 28, 12, tzinfo=dt.UTC))  # Moscow: Feb 28 too
    assert len(charges(fake)) == 1 and await balance(vats_kernel, vats_tenant.tenant_id) == 30000


async def test_concurrent_autopay_runs_never_charge_twice_for_one_trigger(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa
) -> None:
    """Two kernels (each its own pool, as two vats processes), eight runs each at once."""
    await bind(admin, fake)
    await admin.put(AUTOPAY, json={"terms_accepted": True, "threshold_kop": 10000, "threshold_amount_kop": 50000,
                                   "monthly_day": 1, "monthly_amount_kop": 20000})  # fmt: skip
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:  # the monthly rule counts from last month
        await conn.execute("UPDATE billing_autopay SET monthly_since = current_date - 40")
    other = Kernel(vats_kernel.config)
    await other.start()
    try:
        for _ in range(3):
            await asyncio.gather(*(autopay.tick(k) for k in (vats_kernel, other) for _ in range(8)))
    finally:
        await other.stop()
    assert len(charges(fake)) == 2  # one threshold dip, one month
    assert await balance(vats_kernel, vats_tenant.tenant_id) == 70000
    assert len(await ledger_rows(vats_kernel, vats_tenant.tenant_id)) == 2


async def test_a_one_off_payment_from_the_card_and_the_monthly_limit(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa, events: Events
) -> None:
    await bind(admin, fake)
    await admin.put(AUTOPAY, json={"terms_accepted": True, "threshold_kop": 10000, "threshold_amount_kop": 50000,
                                   "monthly_limit_kop": 60000})  # fmt: skip
    paid = await admin.post(f"{AUTOPAY}/charges", json={"amount_kop": 40000, "idempotency_key": "once"})
    assert paid.status_code == 201 and paid.json()["status"] == "succeeded", paid.text
    again = await admin.post(f"{AUTOPAY}/charges", json={"amount_kop": 40000, "idempotency_key": "once"})
    assert again.json()["id"] == paid.json()["id"] and len(charges(fake)) == 1
    over = await admin.post(f"{AUTOPAY}/charges", json={"amount_kop": 30000})
    assert over.status_code == 422 and over.json()["field"] == "amount_kop"
    assert (await admin.get(AUTOPAY)).json()["charged_this_month_kop"] == 40000

    await debit(vats_kernel, vats_tenant.tenant_id, 35000)  # 5000: under the threshold, but over the limit
    await autopay.tick(vats_kernel)
    assert len(charges(fake)) == 1  # the gateway was not asked
    [(_, payload)] = [e for e in events.seen if e[0] == "autopay_failed"]
    assert payload["reason"] == "monthly_limit" and payload["trigger"] == "threshold"


async def test_a_declined_charge_and_an_expired_card_are_announced_and_credit_nothing(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa, events: Events
) -> None:
    card_id = await bind(admin, fake)
    await admin.put(AUTOPAY, json={"terms_accepted": True, "threshold_kop": 10000, "threshold_amount_kop": 50000,
                                   "monthly_day": 1, "monthly_amount_kop": 20000})  # fmt: skip
    fake.declined_charges[card_id] = "insufficient_funds"
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute("UPDATE billing_autopay SET monthly_day = NULL, monthly_amount_kop = NULL")
    await autopay.tick(vats_kernel)
    await autopay.tick(vats_kernel)  # the same dip: not tried again
    assert len(charges(fake)) == 1 and await balance(vats_kernel, vats_tenant.tenant_id) == 0

    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute("UPDATE billing_cards SET expiry_year = 2020")
        await conn.execute("UPDATE billing_autopay SET monthly_day = 1, monthly_amount_kop = 20000,"
                           " monthly_since = current_date - 40")  # fmt: skip
    await autopay.tick(vats_kernel)
    assert len(charges(fake)) == 1  # an expired card is not even tried
    reasons = [(p["trigger"], p["reason"]) for k, p in events.seen if k == "autopay_failed"]
    assert reasons == [("threshold", "declined"), ("monthly", "card_expired")]
    assert await balance(vats_kernel, vats_tenant.tenant_id) == 0


async def test_unbinding_the_card_stops_autopay(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa
) -> None:
    await bind(admin, fake)
    await admin.put(AUTOPAY, json={"terms_accepted": True, "threshold_kop": 10000, "threshold_amount_kop": 50000})
    gone = await admin.delete(f"{AUTOPAY}/card")
    assert gone.status_code == 200 and gone.json()["card"] is None and gone.json()["threshold_kop"] is None
    await autopay.tick(vats_kernel)
    assert charges(fake) == []
    refused = await admin.post(f"{AUTOPAY}/charges", json={"amount_kop": 10000})
    assert refused.status_code == 422 and refused.json()["field"] == "card"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"terms_accepted": False}, "terms_accepted"),
     ({"terms_accepted": True, "threshold_kop": 10000}, "threshold_amount_kop"),
     ({"terms_accepted": True, "monthly_day": 32, "monthly_amount_kop": 100}, "monthly_day"),
     ({"terms_accepted": True, "monthly_day": 0, "monthly_amount_kop": 100}, "monthly_day"),
     ({"terms_accepted": True, "threshold_kop": 1, "threshold_amount_kop": -5}, "threshold_amount_kop"),
     ({"terms_accepted": True, "monthly_day": 5, "monthly_amount_kop": 1.5}, "monthly_amount_kop"),
     ({"terms_accepted": True, "monthly_limit_kop": 10**15}, "monthly_limit_kop"),
     ({"terms_accepted": True, "threshold_kop": 100, "threshold_amount_kop": 10000}, "card")],
)  # fmt: skip
async def test_bad_autopay_settings_are_refused_naming_the_field(
    admin: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    answer = await admin.put(AUTOPAY, json=body)
    assert 400 <= answer.status_code < 500 and answer.json()["field"] == field, answer.text
    assert (await admin.get(AUTOPAY)).json()["terms_accepted_at"] is None


async def test_a_top_up_announces_payment_received(
    admin: httpx.AsyncClient, vats_kernel: Kernel, fake: FakeYooKassa, events: Events
) -> None:
    payment = (await admin.post("/api/billing/payments", json={"amount_kop": 25000})).json()
    await checkout(payment["confirmation_url"])
    await eventually(lambda: "payment_received" in events.kinds())
    [(_, payload)] = events.seen
    assert payload["amount_kop"] == 25000 and payload["payment_id"] == payment["id"] and payload["test"] is True


async def test_a_charge_whose_process_died_after_asking_the_gateway_is_taken_over_and_charged_once(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa
) -> None:
    """The dead process wrote the charge, marked it sending and asked the gateway; the one that
    takes over after the lease sends the same Idempotence-Key: the gateway answers the same payment."""
    card_id = await bind(admin, fake)
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        payment_id = await conn.fetchval(
            "INSERT INTO billing_payments (tenant_id, gateway, purpose, method, trigger, amount_kop, idempotency_key,"
            " status, updated_at) VALUES ($1, 'yookassa', 'card_charge', 'saved_card', 'monthly', 20000,"
            " 'autopay:monthly:2026-11', 'sending', now() - interval '2 minutes') RETURNING id",
            tenant,
        )
    gateway = gateways.by_name(vats_kernel, "yookassa")
    assert gateway is not None
    await gateway.charge_card(card_id=card_id, amount_kop=20000, description="x", idempotency_key=str(payment_id))
    await autopay.tick(vats_kernel)
    await autopay.tick(vats_kernel)
    assert len(charges(fake)) == 1
    assert await balance(vats_kernel, tenant) == 20000 and len(await ledger_rows(vats_kernel, tenant)) == 1
