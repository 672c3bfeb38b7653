"""Billing's shop pages in a real headless Chromium against a real vats server: the number
catalogue filtered by city and category, a purchase through the page's button, a refusal
without money said in Russian; the shop and the tariff comparison read well at 1280 and 375 px and pass axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger, numbers_shop
from vats.plugins.billing.numbers_shop import CatalogueNumber

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (the fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look, phone

SHOP = "/cabinet/settings/finances/numbers"
TARIFF = "/cabinet/settings/finances/tariff"


async def stock(kernel: Kernel) -> None:
    async with kernel.db.system() as conn:
        for e164, city, category, price, fee in (
            ("+74951000000", "Москва", "gold", 5_000_000, 150_000),
            ("+74957770707", "Москва", "bronze", 300_000, 70_000),
            ("+78120000100", "Санкт-Петербург", "ordinary", 0, 45_000),
        ):
            entry = CatalogueNumber(e164=e164, city=city, category=category, price_kop=price, monthly_kop=fee)  # type: ignore[arg-type]
            await numbers_shop.put_entry(conn, entry)


def rows(driver: Any) -> list[str]:
    return [r.get_attribute("data-number") for r in driver.find_elements(By.CSS_SELECTOR, "#numbers-on-sale tbody tr")]


async def test_a_number_is_bought_from_the_filtered_catalogue_and_a_poor_pbx_is_told_why(
    cabinet_server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    await stock(vats_kernel)
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await ledger.post(conn, vats_tenant.tenant_id, kind="adjustment", amount_kop=400_000, idempotency_key="gift")
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    problems = look(browser, cabinet_server.url + SHOP, "billing-numbers", screenshots)
    problems += accessibility_problems(browser, f"{SHOP} at 1280 px")
    phone(browser, True)
    problems += accessibility_problems(browser, f"{SHOP} at 375 px")
    phone(browser, False)

    browser.get(cabinet_server.url + SHOP)
    wait(browser).until(ec.presence_of_element_located((By.ID, "numbers-on-sale")))
    assert rows(browser) == ["+78120000100", "+74957770707", "+74951000000"]
    Select(browser.find_element(By.ID, "city")).select_by_visible_text("Москва")
    Select(browser.find_element(By.ID, "category")).select_by_visible_text("Золотой")
    old = browser.find_element(By.ID, "numbers-on-sale")
    browser.find_element(By.ID, "shop-filter").click()
    wait(browser).until(ec.staleness_of(old))
    assert rows(browser) == ["+74951000000"]

    old = browser.find_element(By.ID, "numbers-on-sale")
    browser.find_element(By.CSS_SELECTOR, 'tr[data-number="+74951000000"] button').click()  # 50 000 ₽: too dear
    wait(browser).until(ec.staleness_of(old))
    error = browser.find_element(By.ID, "number-error").text
    assert "Недостаточно средств" in error
    assert rows(browser) == ["+74951000000"]  # the filtered list it was bought from
    browser.save_screenshot(str(screenshots / "billing-numbers-refused-1280.png"))
    problems += accessibility_problems(browser, "purchase refused")

    browser.get(cabinet_server.url + SHOP + "?category=bronze")
    wait(browser).until(ec.presence_of_element_located((By.ID, "numbers-on-sale")))
    old = browser.find_element(By.ID, "numbers-on-sale")
    browser.find_element(By.CSS_SELECTOR, 'tr[data-number="+74957770707"] button').click()
    wait(browser).until(ec.staleness_of(old))
    notice = browser.find_element(By.ID, "shop-notice").text
    assert "+7 495 777-07-07" in notice.replace("\u00a0", " ") and "куплен" in notice
    assert "+74957770707" not in rows(browser)
    phone(browser, True)
    browser.save_screenshot(str(screenshots / "billing-numbers-bought-375.png"))
    phone(browser, False)
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT e164 FROM numbers WHERE tenant_id = $1", vats_tenant.tenant_id) == (
            "+74957770707"
        )
        assert await ledger.balance_of(conn, vats_tenant.tenant_id) == 100_000
    problems += look(browser, cabinet_server.url + TARIFF, "billing-tariff", screenshots)
    problems += accessibility_problems(browser, f"{TARIFF} at 1280 px")
    phone(browser, True)
    problems += accessibility_problems(browser, f"{TARIFF} at 375 px")
    phone(browser, False)
    assert problems == []
