"""The operator's number catalogue and the call detail's "send by e-mail" in a real headless
Chromium against a real vats server: a pasted list added with its refused rows reported, a
number's price changed in its row, a free number taken off sale; both pages fit a phone and pass
axe-core at 1280 and 375 px (screenshots in VATS_SCREENSHOTS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger, numbers_shop
from vats.plugins.billing.numbers_shop import CatalogueNumber

from tests.web.cabinet.axe import accessibility_problems, problems_at_both_widths
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (the fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_operator_portal import make_operator, op_sign_in
from tests.web.cabinet.test_pages import look, phone

PAGE = "/operator/billing/numbers"
CALLS = "/cabinet/settings/finances/calls"


def _submit(driver: Any, button_id: str, old_id: str) -> None:
    old = driver.find_element(By.ID, old_id)
    driver.find_element(By.ID, button_id).click()
    wait(driver).until(ec.staleness_of(old))


async def test_the_operator_adds_numbers_with_a_report_changes_a_price_and_takes_one_off_sale(
    cabinet_server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    tid = vats_tenant.tenant_id
    async with vats_kernel.db.system() as conn:
        for i, city in enumerate(("Москва", "Санкт-Петербург", "Новосибирск")):
            entry = CatalogueNumber(e164=f"+7495777080{i}", city=city, category="gold", price_kop=500_000,
                                    monthly_kop=100_000)  # fmt: skip
            await numbers_shop.put_entry(conn, entry)
    async with vats_kernel.db.tenant(tid) as conn:
        await ledger.post(conn, tid, kind="adjustment", amount_kop=2_000_000, idempotency_key="gift")
        await numbers_shop.buy(conn, vats_kernel, tid, "+74957770802", idempotency_key="buy-1", actor="test")
    await make_operator(vats_kernel)
    op_sign_in(browser, cabinet_server, path=PAGE)
    wait(browser).until(ec.presence_of_element_located((By.ID, "catalogue")))
    problems = look(browser, cabinet_server.url + PAGE, "billing-catalogue", screenshots)
    problems += problems_at_both_widths(browser, "catalogue")

    browser.get(cabinet_server.url + PAGE)
    browser.find_element(By.CSS_SELECTOR, "#add-panel summary").click()
    browser.find_element(By.ID, "add-numbers").send_keys("+74957770900..+74957770903\nпять\n+74957770800")
    browser.find_element(By.ID, "add-city").send_keys("Казань")
    browser.find_element(By.ID, "add-price").send_keys("2 500")
    browser.find_element(By.ID, "add-monthly").send_keys("300,50")
    _submit(browser, "add-submit", "add-form")
    report = wait(browser).until(ec.presence_of_element_located((By.ID, "add-report")))
    assert "Добавлено номеров: 4." in report.text
    refused = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#refused-rows tbody tr")]
    assert len(refused) == 2 and "не номер телефона" in refused[0] and "уже в каталоге" in refused[1]
    browser.save_screenshot(str(screenshots / "billing-catalogue-report-1280.png"))
    problems += problems_at_both_widths(browser, "catalogue with a report")
    phone(browser, True)
    browser.save_screenshot(str(screenshots / "billing-catalogue-report-375.png"))
    phone(browser, False)

    # A price changed in its row.
    browser.get(cabinet_server.url + PAGE + "?city=Казань")
    browser.find_element(By.CSS_SELECTOR, "#edit-74957770901 summary").click()
    price = browser.find_element(By.ID, "n74957770901-price")
    price.clear()
    price.send_keys("999,99")
    old = browser.find_element(By.ID, "catalogue")
    browser.find_element(By.CSS_SELECTOR, "#edit-74957770901 form button[type=submit]").click()
    wait(browser).until(ec.staleness_of(old))
    notice = wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    assert notice.text == "Номер +74957770901 сохранён."
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-number="+74957770901"]')
    assert "999,99" in row.text and "300,50" in row.text

    # A free number taken off sale; the sold one has no such button.
    browser.find_element(By.CSS_SELECTOR, "#edit-74957770900 summary").click()
    browser.save_screenshot(str(screenshots / "billing-catalogue-edit-1280.png"))
    phone(browser, True)
    browser.save_screenshot(str(screenshots / "billing-catalogue-edit-375.png"))
    problems += accessibility_problems(browser, "catalogue with a row open at 375 px")
    phone(browser, False)
    old = browser.find_element(By.ID, "catalogue")
    remove = (By.CSS_SELECTOR, "#edit-74957770900 .inline-form button")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", browser.find_element(*remove))
    wait(browser).until(ec.element_to_be_clickable(remove)).click()
    wait(browser).until(ec.staleness_of(old))
    notice = wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    assert notice.text == "Номер +74957770900 снят с продажи."
    browser.get(cabinet_server.url + PAGE + "?state=sold")
    sold = browser.find_element(By.CSS_SELECTOR, 'tr[data-number="+74957770802"]')
    assert "Продан" in sold.text and not sold.find_elements(By.CSS_SELECTOR, "details")
    assert not problems, "\n".join(problems)


async def test_the_call_detail_is_sent_by_e_mail_from_beside_the_download(
    cabinet_server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    browser.get(cabinet_server.url + CALLS)
    field = wait(browser).until(ec.presence_of_element_located((By.ID, "mail-email")))
    assert field.get_attribute("value") == email.lower()
    field.clear()
    field.send_keys("бухгалтерия")
    _submit(browser, "calls-mail-submit", "calls-mail")
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "email-error")))
    assert "адрес электронной почты" in error.text
    problems = problems_at_both_widths(browser, "call detail, address refused")
    phone(browser, True)
    browser.save_screenshot(str(screenshots / "billing-calls-mail-refused-375.png"))
    phone(browser, False)
    field = browser.find_element(By.ID, "mail-email")
    field.clear()
    field.send_keys("buh@romashka.example")
    _submit(browser, "calls-mail-submit", "calls-mail")
    notice = wait(browser).until(ec.presence_of_element_located((By.ID, "calls-notice")))
    assert "отправлена на buh@romashka.example." in notice.text  # queued, or already sent
    browser.save_screenshot(str(screenshots / "billing-calls-mail-1280.png"))
    problems += problems_at_both_widths(browser, "call detail by e-mail")
    phone(browser, True)
    browser.save_screenshot(str(screenshots / "billing-calls-mail-375.png"))
    phone(browser, False)
    problems += look(browser, cabinet_server.url + CALLS, "billing-calls", screenshots)
    assert not problems, "\n".join(problems)
