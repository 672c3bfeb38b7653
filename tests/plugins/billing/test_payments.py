"""Payments through YooKassa's protocol, end to end over real HTTP: the real gateway client in a
vats app served by uvicorn, against the fake YooKassa (its own thread and loop) that shows the
payment page, redirects back to the cabinet and posts its notifications to vats. A forged,
replayed or repeated notification credits nothing more; an unknown payment is 404 and writes
nothing; bad amounts are refused naming the field."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
import uvicorn
from vats.bots.web.app import create_app
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.config import Config
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing.payments import gateways
from vats.plugins.billing.payments.fake_yookassa import DECLINING, OK_CARD, FakeYooKassa
from vats.plugins.billing.payments.service import TEST_MARK
from vats.plugins.billing.payments.yookassa import YooKassaGateway

from tests.plugins.billing.conftest import balance
from tests.serve import free_port

PAYMENTS = "/api/billing/payments"
NOTIFY = f"{PAYMENTS}/notifications/yookassa"


async def eventually(check: Callable[[], Any], within_s: float = 15.0) -> Any:
    """Poll ``check`` (sync or async) until it answers something truthy."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


@pytest.fixture
def fake() -> Iterator[FakeYooKassa]:
    server = FakeYooKassa(notify_delay_s=0.05, retry_s=0.1)
    server.start_in_thread()
    try:
        yield server
    finally:
        server.stop_thread()


async def serve_app(kernel: Kernel, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(uvicorn.Config(create_app(kernel), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started or task.done(), within_s=30)
    return server, task


@pytest_asyncio.fixture
async def vats_url(vats_kernel: Kernel, fake: FakeYooKassa) -> AsyncIterator[str]:
    """vats on a real port, its YooKassa shop being the fake, which notifies it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fake.notify_url = f"{url}{NOTIFY}"
    vats_kernel.config = msgspec.structs.replace(
        vats_kernel.config, public_url=url, yookassa_shop_id=fake.shop_id, yookassa_secret_key=fake.secret_key,
        yookassa_api_url=fake.api_url,
    )  # fmt: skip
    server, task = await serve_app(vats_kernel, port)
    try:
        yield url
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@pytest_asyncio.fixture
async def admin(vats_api: ApiClients, vats_tenant: TenantCreated, vats_url: str) -> httpx.AsyncClient:
    return await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)


async def checkout(confirmation_url: str, card: str = OK_CARD, action: str = "pay") -> httpx.Response:
    """The payer on the fake's payment page: pick a card, pay (or give up)."""
    async with httpx.AsyncClient() as client:
        page = await client.get(confirmation_url)
        assert page.status_code == 200 and "Оплатить" in page.text
        return await client.post(confirmation_url, data={"card": card, "expiry": "12/30", "action": action})


async def ledger_rows(kernel: Kernel, tenant_id: uuid.UUID) -> list[Any]:
    async with kernel.db.tenant(tenant_id) as conn:
        return list(await conn.fetch("SELECT kind, amount_kop, reason, reference FROM billing_ledger ORDER BY id"))


async def payment_state(admin: httpx.AsyncClient, payment_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = (await admin.get(f"{PAYMENTS}/{payment_id}")).json()
    return answer


async def test_a_card_top_up_pays_on_the_gateway_page_returns_to_the_cabinet_and_credits_the_balance(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa, vats_url: str
) -> None:
    created = await admin.post(PAYMENTS, json={"amount_kop": 150000, "idempotency_key": "topup-1"})
    assert created.status_code == 201, created.text
    payment = created.json()
    assert payment["status"] == "pending" and payment["confirmation_url"].startswith(fake.base_url)
    assert await balance(vats_kernel, vats_tenant.tenant_id) == 0  # nothing until the gateway confirms
    # The same key again is the same payment, not a second one.
    again = await admin.post(PAYMENTS, json={"amount_kop": 150000, "idempotency_key": "topup-1"})
    assert again.json()["id"] == payment["id"] and len(fake.payments) == 1

    paid = await checkout(payment["confirmation_url"])
    assert paid.status_code == 303 and paid.headers["location"] == f"{vats_url}/cabinet/settings/finances?payment={payment['id']}"
    await eventually(lambda: balance(vats_kernel, vats_tenant.tenant_id))
    assert await balance(vats_kernel, vats_tenant.tenant_id) == 150000
    state = await payment_state(admin, payment["id"])
    assert state["status"] == "succeeded" and state["test"] is True  # the fake's payments are test ones
    [row] = await ledger_rows(vats_kernel, vats_tenant.tenant_id)
    assert (
        row["kind"] == "payment"
        and row["reason"].startswith(TEST_MARK)
        and row["reference"] == f"payment:{payment['id']}"
    )


async def test_a_notification_delivered_ten_times_credits_once(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa
) -> None:
    fake.repeat = 10
    payment = (await admin.post(PAYMENTS, json={"amount_kop": 50000})).json()
    await checkout(payment["confirmation_url"])
    gateway_id = next(iter(fake.payments))
    await eventually(lambda: fake.answered(gateway_id) == 10)
    assert await balance(vats_kernel, vats_tenant.tenant_id) == 50000
    assert len(await ledger_rows(vats_kernel, vats_tenant.tenant_id)) == 1


async def test_a_forged_or_replayed_notification_changes_nothing(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa, vats_url: str
) -> None:
    payment = (await admin.post(PAYMENTS, json={"amount_kop": 20000})).json()
    gateway_id = next(iter(fake.payments))
    forged = {"type": "notification", "event": "payment.succeeded", "object": {
        "id": gateway_id, "status": "succeeded", "paid": True, "amount": {"value": "999999.00", "currency": "RUB"}}}  # fmt: skip
    async with httpx.AsyncClient(base_url=vats_url) as gateway_side:
        answer = await gateway_side.post(NOTIFY, json=forged)
        assert answer.status_code == 200 and answer.json()["status"] == "pending"  # as YooKassa has it
        assert await balance(vats_kernel, vats_tenant.tenant_id) == 0

        await checkout(payment["confirmation_url"])
        await eventually(lambda: fake.answered(gateway_id) >= 1)
        for _ in range(3):  # the old notification replayed, and the forged one once more
            assert (await gateway_side.post(NOTIFY, json=forged)).status_code == 200
    assert await balance(vats_kernel, vats_tenant.tenant_id) == 20000
    assert len(await ledger_rows(vats_kernel, vats_tenant.tenant_id)) == 1


async def count_writes(kernel: Kernel) -> tuple[int, int]:
    async with kernel.db.system() as conn:
        return (
            int(await conn.fetchval("SELECT count(*) FROM billing_payments")),
            int(await conn.fetchval("SELECT count(*) FROM billing_ledger")),
        )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"type": "notification", "event": "payment.succeeded", "object": {"id": "2f999999-000f-5000-a000-000000000000"}},
         404, "object.id"),
        ({"type": "notification", "event": "payment.succeeded", "object": {}}, 422, "object.id"),
        ({"type": "something", "object": {"id": "x"}}, 422, "type"),
        ("not json at all", 422, "body"),
    ],
)  # fmt: skip
async def test_a_notification_for_an_unknown_payment_or_malformed_is_refused_and_writes_nothing(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_url: str, body: Any, status: int, field: str
) -> None:
    await admin.post(PAYMENTS, json={"amount_kop": 20000})
    before = await count_writes(vats_kernel)
    async with httpx.AsyncClient(base_url=vats_url) as gateway_side:
        raw = body.encode() if isinstance(body, str) else msgspec.json.encode(body)
        answer = await gateway_side.post(NOTIFY, content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == status and answer.json()["field"] == field, answer.text
    assert await count_writes(vats_kernel) == before


@pytest.mark.parametrize("amount", [-100, 0, 1.5, 99, 10**15, None, True])
async def test_a_bad_amount_is_refused_naming_the_field_and_nothing_is_written(
    vats_api: ApiClients, vats_tenant: TenantCreated, vats_kernel: Kernel, amount: Any
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    answer = await admin.post(PAYMENTS, json={"amount_kop": amount})
    assert 400 <= answer.status_code < 500 and answer.json()["field"] == "amount_kop", answer.text
    assert await count_writes(vats_kernel) == (0, 0)


async def test_a_declined_card_credits_nothing_and_the_payment_says_why(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa
) -> None:
    payment = (await admin.post(PAYMENTS, json={"amount_kop": 30000})).json()
    declining = next(number for number, reason in DECLINING.items() if reason == "insufficient_funds")
    assert (await checkout(payment["confirmation_url"], card=declining)).status_code == 303
    state = await eventually(lambda: _canceled(admin, payment["id"]))
    assert state["failure"] == "declined"
    assert await balance(vats_kernel, vats_tenant.tenant_id) == 0


async def _canceled(admin: httpx.AsyncClient, payment_id: str) -> dict[str, Any] | None:
    state = await payment_state(admin, payment_id)
    return state if state["status"] == "canceled" else None


async def test_an_sbp_top_up_answers_the_qr_payload_and_credits_once_paid(
    admin: httpx.AsyncClient, vats_kernel: Kernel, vats_tenant: TenantCreated, fake: FakeYooKassa
) -> None:
    payment = (await admin.post(PAYMENTS, json={"amount_kop": 70000, "method": "sbp"})).json()
    assert payment["method"] == "sbp" and payment["qr_payload"] and payment["confirmation_url"] is None
    await checkout(payment["qr_payload"])  # the payer's bank app, scanning the code
    await eventually(lambda: balance(vats_kernel, vats_tenant.tenant_id))
    assert await balance(vats_kernel, vats_tenant.tenant_id) == 70000
    [row] = await ledger_rows(vats_kernel, vats_tenant.tenant_id)
    assert "СБП" in row["reason"]


async def test_another_tenant_cannot_see_a_payment(
    admin: httpx.AsyncClient, vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    payment = (await admin.post(PAYMENTS, json={"amount_kop": 10000})).json()
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="admin@other.example")
    stranger = await vats_api.as_employee(other.tenant_id, other.admin_id)
    assert (await stranger.get(f"{PAYMENTS}/{payment['id']}")).status_code == 404
    assert (await stranger.get(PAYMENTS)).json()["total"] == 0


def config(**env: str) -> Config:
    return Config.from_env({"VATS_DATA_DIR": "/tmp", **env})


def test_the_fake_is_registered_only_in_demo_mode_without_a_real_shop() -> None:
    [demo] = gateways.configured(config(VATS_DEMO="1"))
    assert isinstance(demo, gateways.DemoYooKassa) and demo.test
    [real] = gateways.configured(config(VATS_DEMO="1", VATS_YOOKASSA_SHOP_ID="123", VATS_YOOKASSA_SECRET_KEY="live_x"))
    assert type(real) is YooKassaGateway and not real.test and real.api_url == "https://api.yookassa.ru/v3"
    assert gateways.configured(config(VATS_DEMO="0")) == []
    assert "live_x" not in repr(real)  # the secret key never reaches a log line


async def test_demo_mode_tops_up_through_the_fake_this_process_starts(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    vats_kernel.config = msgspec.structs.replace(vats_kernel.config, public_url=url, demo=True)
    server, task = await serve_app(vats_kernel, port)
    try:
        admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
        payment = (await admin.post(PAYMENTS, json={"amount_kop": 100000})).json()
        assert payment["test"] is True
        await checkout(payment["confirmation_url"])
        await eventually(lambda: balance(vats_kernel, vats_tenant.tenant_id))
        [row] = await ledger_rows(vats_kernel, vats_tenant.tenant_id)
        assert row["amount_kop"] == 100000 and row["reason"].startswith(TEST_MARK)
    finally:
        await gateways.stop_demo_fakes()
        server.should_exit = True
        await asyncio.wait_for(task, 30)


class ThirdPartyGateway(YooKassaGateway):
    name = "mybank"


async def test_hook_register_payment_gateways(vats_kernel: Kernel, vats_register_plugin: Callable[..., str]) -> None:
    """A plugin's gateway is offered; a real one wins over the demo's test gateway."""

    class Plugin:
        @hookimpl
        def register_payment_gateways(self, config: Config) -> list[Any]:
            return [ThirdPartyGateway("shop", "key", "http://mybank.invalid/v3")]

    vats_register_plugin(Plugin())
    found = gateways.all_of(vats_kernel)
    assert [g.name for g in found] == ["mybank", "yookassa"]  # the demo's fake (test) comes last
    assert gateways.default(vats_kernel).name == "mybank" and gateways.by_name(vats_kernel, "yookassa") is not None


async def test_the_history_shows_the_last_4_days_unless_a_period_is_given(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        for days_ago, amount in ((0, 100), (3, 300), (5, 500), (40, 4000)):
            await conn.execute(
                "INSERT INTO billing_payments (tenant_id, gateway, purpose, method, amount_kop, status,"
                " idempotency_key, created_at) VALUES ($1, 'yookassa', 'top_up', 'card', $2, 'succeeded', $3,"
                " now() - make_interval(days => $4))",
                vats_tenant.tenant_id, amount, f"k{days_ago}", days_ago,
            )  # fmt: skip
    recent = (await admin.get(PAYMENTS)).json()
    assert [p["amount_kop"] for p in recent["items"]] == [100, 300] and recent["total"] == 2
    period = await admin.get(PAYMENTS, params={"since": "2020-01-01T00:00:00+03:00"})
    assert [p["amount_kop"] for p in period.json()["items"]] == [100, 300, 500, 4000]
    until = (await admin.get(PAYMENTS, params={"since": "2020-01-01T00:00:00Z", "until": recent["since"]})).json()
    assert [p["amount_kop"] for p in until["items"]] == [500, 4000]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"since": "2026-11-29T00:00:00+03:00", "until": "2026-11-01T00:00:00+03:00"}, "since"),
     ({"since": "2026-11-01T00:00:00"}, "since"), ({"since": "вчера"}, "since"),
     ({"until": "0001-01-02T00:00:00+00:00"}, "until")],
)  # fmt: skip
async def test_a_bad_history_period_is_refused_naming_the_field(
    vats_api: ApiClients, vats_tenant: TenantCreated, params: dict[str, str], field: str
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    answer = await admin.get(PAYMENTS, params=params)
    assert 400 <= answer.status_code < 500 and answer.json()["field"] == field, answer.text


async def test_with_a_vat_code_each_top_up_carries_yookassas_receipt_for_54_fz(
    admin: httpx.AsyncClient, vats_kernel: Kernel, fake: FakeYooKassa
) -> None:
    vats_kernel.config = msgspec.structs.replace(vats_kernel.config, yookassa_vat_code=1)
    assert (await admin.post(PAYMENTS, json={"amount_kop": 150050})).status_code == 201
    [body] = fake.created
    [item] = body["receipt"]["items"]
    assert body["receipt"]["customer"]["email"] == "admin@test.example"
    assert item["amount"] == {"value": "1500.50", "currency": "RUB"} and item["vat_code"] == 1
    assert (item["payment_subject"], item["payment_mode"]) == ("service", "full_prepayment")


def test_yookassa_settings_come_from_the_environment_and_the_secret_is_masked() -> None:
    from vats.core.config import describe

    shown = {name: value for name, value, _ in describe({"VATS_YOOKASSA_SECRET_KEY": "live_abcdefghijklmnop"})}
    assert "abcdefghijklmnop" not in shown["VATS_YOOKASSA_SECRET_KEY"]
    assert shown["VATS_YOOKASSA_API_URL"].startswith("https://api.yookassa.ru/v3")
    with pytest.raises(ValueError, match="VATS_YOOKASSA_VAT_CODE"):
        config(VATS_YOOKASSA_VAT_CODE="20")


async def test_an_sbp_payment_gives_its_qr_code_as_an_svg_image_and_a_card_payment_none(
    admin: httpx.AsyncClient, fake: FakeYooKassa
) -> None:
    sbp = (await admin.post(PAYMENTS, json={"amount_kop": 70000, "method": "sbp"})).json()
    image = await admin.get(f"{PAYMENTS}/{sbp['id']}/qr.svg")
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg+xml")
    assert image.text.startswith("<svg") and "СБП" in image.text
    card = (await admin.post(PAYMENTS, json={"amount_kop": 70000})).json()
    none = await admin.get(f"{PAYMENTS}/{card['id']}/qr.svg")
    assert none.status_code == 404 and none.json()["field"] == "payment_id"
