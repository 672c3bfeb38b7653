"""Billing's cabinet pages in a real headless Chromium against a real vats server in demo mode
(its fake YooKassa): a card top-up typed in roubles, paid on the gateway's page, back in the
cabinet with the balance grown by exactly that; both pages read well at 1280 and 375 px and pass
axe-core's WCAG checks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.core.config import Config
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server, browser, screenshots  # noqa: F401 (the fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look, phone

PAGE = "/cabinet/settings/finances"


@pytest.fixture
def demo_server(vats_config: Config, vats_kernel: Kernel) -> Iterator[Server]:
    """vats in demo mode at a known address: the fake YooKassa sends the payer back here and
    notifies this server."""
    server = Server(vats_config)
    server.config = msgspec.structs.replace(vats_config, public_url=server.url, host="127.0.0.1", demo=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def balance_text(driver: Any) -> str:
    return str(driver.execute_script("return document.getElementById('balance')?.textContent.trim() || ''"))


async def test_a_card_top_up_through_the_gateway_page_grows_the_balance_and_the_pages_read_well(
    demo_server: Server,
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await ledger.post(conn, vats_tenant.tenant_id, kind="adjustment", amount_kop=123450, idempotency_key="gift")
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, demo_server, email)
    url = demo_server.url + PAGE
    problems = []
    for path, name in ((PAGE, "billing-finances"), (f"{PAGE}/autopay", "billing-autopay")):
        problems += look(browser, demo_server.url + path, name, screenshots)  # leaves the page open at 1280 px
        problems += accessibility_problems(browser, f"{path} at 1280 px")
        phone(browser, True)
        problems += accessibility_problems(browser, f"{path} at 375 px")
        phone(browser, False)

    browser.get(url)
    wait(browser).until(ec.presence_of_element_located((By.ID, "balance")))
    assert balance_text(browser) == "1\u00a0234,50\u00a0₽"
    browser.find_element(By.CSS_SELECTOR, "#top-up summary").click()
    browser.find_element(By.ID, "amount").send_keys("0,5")  # below the gateway's minimum
    browser.find_element(By.ID, "top-up-submit").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "amount-error")))
    browser.save_screenshot(str(screenshots / "billing-top-up-error-1280.png"))
    problems += accessibility_problems(browser, "top-up refused")
    field = browser.find_element(By.ID, "amount")
    field.clear()
    field.send_keys("1 500,50")
    browser.find_element(By.ID, "top-up-submit").click()

    # The fake YooKassa's payment page: pay with the card that goes through.
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "button[value=pay]")))
    assert "1500.50" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "button[value=pay]").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "shell")))  # back in the cabinet
    assert browser.current_url.startswith(demo_server.url)

    # The notification reaches vats on its own (the fake posts it); then the page shows the grown balance.
    async def credited() -> bool:
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
            return bool(await ledger.balance_of(conn, vats_tenant.tenant_id) > 123450)

    deadline = time.monotonic() + 20
    while not await credited():
        assert time.monotonic() < deadline, "the payment was never credited"
        await asyncio.sleep(0.2)
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        payment = await conn.fetchval("SELECT id FROM billing_payments WHERE amount_kop = 150050")
    browser.get(f"{url}?payment={payment}")
    wait(browser).until(ec.presence_of_element_located((By.ID, "balance")))
    assert balance_text(browser) == "2\u00a0735,00\u00a0₽"
    state = browser.find_element(By.ID, "payment-state")
    assert state.get_attribute("data-status") == "succeeded"
    assert "1\u00a0500,50\u00a0₽" in state.get_attribute("textContent")
    browser.save_screenshot(str(screenshots / "billing-paid-1280.png"))
    phone(browser, True)  # the same page laid out again at 375 px (no reload)
    browser.save_screenshot(str(screenshots / "billing-paid-375.png"))
    problems += accessibility_problems(browser, "paid at 375 px")
    phone(browser, False)
    assert not problems, "\n".join(problems)


async def test_autopay_binds_a_card_through_the_gateway_page_sets_a_rule_and_unbinds(
    demo_server: Server,
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, demo_server, email)
    browser.get(f"{demo_server.url}{PAGE}/autopay")
    wait(browser).until(ec.presence_of_element_located((By.ID, "terms_accepted")))
    terms = browser.find_element(By.ID, "terms_accepted")
    # In the middle of the screen: at its bottom the webphone's floating button may cover it.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", terms)
    terms.click()
    browser.find_element(By.ID, "autopay-save").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "autopay-notice")))
    browser.find_element(By.ID, "bind").click()

    # The fake YooKassa's page for the 1-rouble check; the payer pays, the card is bound.
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "button[value=pay]")))
    browser.find_element(By.CSS_SELECTOR, "button[value=pay]").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "shell")))

    async def bound() -> bool:
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
            return bool(await conn.fetchval("SELECT count(*) FROM billing_cards"))

    deadline = time.monotonic() + 20
    while not await bound():
        assert time.monotonic() < deadline, "the card was never bound"
        await asyncio.sleep(0.2)
    browser.get(f"{demo_server.url}{PAGE}/autopay")
    wait(browser).until(ec.presence_of_element_located((By.ID, "card")))
    assert "4477" in browser.find_element(By.ID, "card").text

    browser.find_element(By.ID, "threshold").send_keys("100")
    browser.find_element(By.ID, "autopay-save").click()  # the amount is missing: refused beside it
    wait(browser).until(ec.presence_of_element_located((By.ID, "threshold_amount-error")))
    browser.find_element(By.ID, "threshold_amount").send_keys("500,50")
    browser.find_element(By.ID, "autopay-save").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "autopay-notice")))
    browser.save_screenshot(str(screenshots / "billing-autopay-bound-1280.png"))
    problems = accessibility_problems(browser, "autopay with a card")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        rule = await conn.fetchrow("SELECT threshold_kop, threshold_amount_kop FROM billing_autopay")
    assert dict(rule) == {"threshold_kop": 10000, "threshold_amount_kop": 50050}

    browser.find_element(By.ID, "unbind").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "no-card")))
    assert not await bound()
    assert not problems, "\n".join(problems)
