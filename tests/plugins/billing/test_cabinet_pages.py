"""Billing's cabinet pages through the real sign-in form (no browser): the balance in exact
roubles, a top-up in roubles turned into exact kopecks (bad amounts refused beside the field,
nothing created), card payments sent to the gateway's page and SBP ones shown as a QR image,
the payment history's period, autopay's rules beside their fields, and admins only."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
import pytest_asyncio
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger
from vats.plugins.billing.cabinet import kopecks, money

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

PAGE = "/cabinet/settings/finances"
AUTOPAY = f"{PAGE}/autopay"


@pytest_asyncio.fixture
async def admin(vats_kernel: Kernel, vats_tenant: TenantCreated) -> AsyncIterator[CabinetClient]:
    client = CabinetClient(create_app(vats_kernel))
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code in (302, 303)
    try:
        yield client
    finally:
        await client.close()


async def payments(kernel: Kernel, tenant_id: uuid.UUID) -> list[tuple[int, str]]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        rows = await conn.fetch("SELECT amount_kop, method FROM billing_payments ORDER BY created_at")
    return [(r["amount_kop"], r["method"]) for r in rows]


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">([^<]+)<', html)
    assert found, f"no error beside {field}"
    return found.group(1)


@pytest.mark.parametrize(
    ("typed", "kop"),
    [("1500", 150000), ("1 500,5", 150050), ("1500.05", 150005), ("0,1", 10), ("1\u00a0000\u00a0000", 100000000)],
)
def test_roubles_typed_become_exact_kopecks(typed: str, kop: int) -> None:
    assert kopecks(typed, "amount") == kop


def test_kopecks_show_as_exact_roubles() -> None:
    assert money(123450, "ru") == "1\u00a0234,50\u00a0₽"
    assert money(-5, "ru") == "\u22120,05\u00a0₽"
    assert money(123450, "en") == "1,234.50\u00a0₽"


async def test_the_admin_sees_the_balance_in_exact_roubles_and_the_menu_entry(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await ledger.post(conn, vats_tenant.tenant_id, kind="adjustment", amount_kop=123450, idempotency_key="gift")
        await ledger.post(conn, vats_tenant.tenant_id, kind="charge", amount_kop=-1005, idempotency_key="fee")
    shown = await admin.http.get(PAGE)
    assert shown.status_code == 200, shown.text[:2000]
    assert re.search(r'id="balance"[^>]*><strong>1\xa0224,45\xa0₽</strong>', shown.text)
    assert re.search(r'id="spent">10,05\xa0₽<', shown.text)  # spent in the last 4 days
    assert f'href="{PAGE}"' in shown.text and "Мои финансы" in shown.text
    movements = await admin.http.get(PAGE, params={"tab": "ledger"})
    assert "+1\xa0234,50\xa0₽" in movements.text and "\u221210,05\xa0₽" in movements.text


@pytest.mark.parametrize("amount", ["", "abc", "10,555", "-5", "0,99", "1000000,01", "1e3", "99999999999"])
async def test_a_bad_amount_is_refused_beside_the_field_and_creates_no_payment(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated, amount: str
) -> None:
    answer = await admin.post_form(f"{PAGE}/top-up", {"amount": amount, "method": "card"}, form_page=PAGE)
    assert answer.status_code == 422
    assert field_error(answer.text, "amount")
    assert 'id="top-up" open' in answer.text and f'value="{amount}"' in answer.text  # the dialog stays open
    assert await payments(vats_kernel, vats_tenant.tenant_id) == []


async def test_a_card_top_up_goes_to_the_gateway_page_for_the_exact_kopecks(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    form = {"amount": "1 500,50", "method": "card", "key": "k1"}
    answer = await admin.post_form(f"{PAGE}/top-up", form, form_page=PAGE)
    assert answer.status_code == 303 and answer.headers["location"].startswith("http")
    assert not answer.headers["location"].startswith("http://cabinet.test")  # the gateway's page
    # The same form sent twice (same key) is the same payment.
    await admin.post_form(f"{PAGE}/top-up", form, form_page=PAGE)
    assert await payments(vats_kernel, vats_tenant.tenant_id) == [(150050, "card")]
    history = await admin.http.get(PAGE)
    assert "1\xa0500,50\xa0₽" in history.text and "ожидает оплаты" in history.text


async def test_an_sbp_top_up_shows_its_qr_code_as_an_image(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    answer = await admin.post_form(f"{PAGE}/top-up", {"amount": "250", "method": "sbp"}, form_page=PAGE)
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"{PAGE}?payment=")
    shown = await admin.http.get(answer.headers["location"])
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="QR-код', shown.text)
    assert "250,00\xa0₽" in shown.text
    assert await payments(vats_kernel, vats_tenant.tenant_id) == [(25000, "sbp")]


async def test_a_bad_period_is_named_beside_its_field(admin: CabinetClient) -> None:
    garbled = await admin.http.get(PAGE, params={"since": "29.11.2026"})
    assert garbled.status_code == 422 and field_error(garbled.text, "since") == "Укажите дату"
    backwards = await admin.http.get(PAGE, params={"since": "2026-11-20", "until": "2026-11-01"})
    assert backwards.status_code == 422 and "раньше" in field_error(backwards.text, "since")
    fine = await admin.http.get(PAGE, params={"since": "2026-01-01", "until": "2026-01-31"})
    assert fine.status_code == 200 and 'id="no-payments"' in fine.text


async def test_a_non_admin_gets_403_and_writes_nothing(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    head, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Руководитель", email="head@test.example", role="head")
    )
    email = await give_password(vats_kernel, vats_tenant.tenant_id, head.id)
    client = CabinetClient(create_app(vats_kernel))
    try:
        assert (await client.sign_in(email, TEST_PASSWORD)).status_code in (302, 303)
        assert (await client.http.get(PAGE)).status_code == 403
        assert (await client.http.get(AUTOPAY)).status_code == 403
        me = "/cabinet/me"
        top_up = await client.post_form(f"{PAGE}/top-up", {"amount": "100", "method": "card"}, form_page=me)
        assert top_up.status_code == 403
        terms = await client.post_form(AUTOPAY, {"terms_accepted": "on"}, form_page=me)
        assert terms.status_code == 403
        assert "Мои финансы" not in (await client.http.get(me)).text
    finally:
        await client.close()
    assert await payments(vats_kernel, vats_tenant.tenant_id) == []
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM billing_autopay") == 0


async def test_autopay_refuses_beside_the_fields_until_terms_and_card(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    no_terms = await admin.post_form(AUTOPAY, {"monthly_limit": "5000"}, form_page=AUTOPAY)
    assert no_terms.status_code == 422 and "условия" in field_error(no_terms.text, "terms_accepted")
    bind = await admin.post_form(f"{AUTOPAY}/card", {}, form_page=AUTOPAY)
    assert bind.status_code == 422 and "условия" in field_error(bind.text, "terms_accepted")

    accepted = await admin.post_form(AUTOPAY, {"terms_accepted": "on", "monthly_limit": "5 000"}, form_page=AUTOPAY)
    assert accepted.status_code == 200 and "Автоплатёж сохранён" in accepted.text
    assert 'value="5000"' in accepted.text and "из 5\xa0000,00\xa0₽" in accepted.text

    for form, field in (
        ({"threshold": "100"}, "threshold_amount"),
        ({"threshold": "100", "threshold_amount": "0,5"}, "threshold_amount"),
        ({"monthly_day": "32", "monthly_amount": "100"}, "monthly_day"),
        ({"monthly_day": "x"}, "monthly_day"),
        ({"monthly_day": "²"}, "monthly_day"),  # a digit to str.isdigit(), not to int()
        ({"monthly_limit": "١٢"}, "monthly_limit"),  # Arabic-Indic digits: not roubles
        ({"monthly_limit": "12,345"}, "monthly_limit"),
        ({"threshold": "100", "threshold_amount": "500"}, "card"),  # no card bound yet
    ):
        refused = await admin.post_form(AUTOPAY, {"terms_accepted": "on", **form}, form_page=AUTOPAY)
        assert refused.status_code == 422, (form, refused.text[:500])
        assert field_error(refused.text, field), form
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        row = await conn.fetchrow("SELECT threshold_kop, monthly_day, monthly_limit_kop FROM billing_autopay")
    assert dict(row) == {"threshold_kop": None, "monthly_day": None, "monthly_limit_kop": 500000}

    # With the terms accepted, binding goes to the gateway's page for the 1-rouble check.
    bind = await admin.post_form(f"{AUTOPAY}/card", {"key": "b1"}, form_page=AUTOPAY)
    assert bind.status_code == 303 and bind.headers["location"].startswith("http")
    assert await payments(vats_kernel, vats_tenant.tenant_id) == [(100, "card")]


async def test_the_pages_speak_english_to_an_english_browser(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await ledger.post(conn, vats_tenant.tenant_id, kind="adjustment", amount_kop=123450, idempotency_key="gift")
    english = {"accept-language": "en"}
    shown = await admin.http.get(PAGE, headers=english)
    assert "<h1>Settings → My finances</h1>" in shown.text and "1,234.50\xa0₽" in shown.text
    token = await admin.csrf(PAGE)
    refused = await admin.http.post(
        f"{PAGE}/top-up", data={"amount": "1,500", "method": "card", "_csrf_token": token}, headers=english
    )
    assert refused.status_code == 422 and field_error(refused.text, "amount").startswith("Give the amount in roubles")
    autopay = await admin.http.get(AUTOPAY, headers=english)
    assert "I accept the autopay terms" in autopay.text and "No card is bound." in autopay.text


async def test_without_a_payment_gateway_the_top_up_says_so_and_creates_nothing(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    vats_kernel.config = msgspec.structs.replace(vats_kernel.config, demo=False)  # no shop, no demo fake
    client = CabinetClient(create_app(vats_kernel))
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    try:
        assert (await client.sign_in(email, TEST_PASSWORD)).status_code in (302, 303)
        answer = await client.post_form(f"{PAGE}/top-up", {"amount": "100", "method": "card"}, form_page=PAGE)
        assert answer.status_code == 422
        assert "обратитесь к оператору" in field_error(answer.text, "top_up")
    finally:
        await client.close()
    assert await payments(vats_kernel, vats_tenant.tenant_id) == []
