"""The migration banner in a real browser (a real server, headless Chromium, a real database): a
migrated PBX's admin sees it at the top of every page, reads and accepts the agreement, and the
banner moves on to «Завершить миграцию»; an employee sees no banner. Screenshots at 1280 and
375 px, axe-core clean at both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.bots.web.testing import ApiClients
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server, chromium
from tests.web.cabinet.test_browser import page_id, sign_in, wait
from tests.web.cabinet.test_migration_banner_pages import migrated_pbx, publish
from tests.web.cabinet.test_operator_portal import fits_a_phone, make_operator, op_sign_in, submit_form
from tests.web.cabinet.test_pages import phone


def look(driver: Any, shots: Path, name: str) -> list[str]:
    """Screenshots at both widths and axe's problems at both."""
    problems = []
    for on in (False, True):
        phone(driver, on)
        width = 375 if on else 1280
        driver.save_screenshot(str(shots / f"{name}-{width}.png"))
        problems += accessibility_problems(driver, f"{name} at {width} px")
    phone(driver, False)
    return problems


async def test_the_admin_reads_and_accepts_the_agreement_from_the_banner(
    cabinet_server: Server, browser: Any, vats_api: ApiClients, vats_kernel: Kernel, screenshots: Path
) -> None:
    await migrated_pbx(vats_api, vats_kernel)
    await publish(
        vats_api, "1. Стороны договорились о переходе в новый личный кабинет.\n2. Условия тарифа сохраняются 30 дней."
    )
    sign_in(browser, cabinet_server, "boss@romashka.example")
    banner = wait(browser).until(ec.visibility_of_element_located((By.ID, "migration-banner")))
    # Right under the header, above the menu and the page.
    assert browser.execute_script("return document.getElementById('shell').nextElementSibling.id") == "migration-banner"
    assert "Переход в новый личный кабинет" in banner.text and "Кнопка появится после принятия оферты." in banner.text
    problems = look(browser, screenshots, "migration-banner")
    # It stays on every page the admin opens.
    browser.find_element(By.CSS_SELECTOR, "#nav a[href='/cabinet/settings/numbers']").click()
    wait(browser).until(lambda d: page_id(d) != "" and "numbers" in page_id(d))
    assert browser.find_element(By.ID, "migration-banner").is_displayed()
    browser.find_element(By.ID, "mig-read-agreement").click()
    wait(browser).until(lambda d: page_id(d) == "migration-agreement")
    assert "Условия тарифа сохраняются 30 дней." in browser.find_element(By.ID, "agreement-text").text
    problems += look(browser, screenshots, "migration-agreement")
    old = browser.find_element(By.ID, "accept-form")
    browser.find_element(By.ID, "accept").click()
    wait(browser).until(ec.staleness_of(old))
    assert wait(browser).until(ec.visibility_of_element_located((By.ID, "notice"))).text == "Оферта принята."
    assert browser.find_element(By.ID, "agreement-accepted").is_displayed()
    # The page was loaded anew: the banner now says who accepted and offers completion.
    step = wait(browser).until(ec.visibility_of_element_located((By.ID, "mig-step-agreement"))).text
    assert "Принята редакция 1: Борис Админов" in step
    assert "Не нажимайте, пока не проверите все настройки" in browser.find_element(By.ID, "mig-step-complete").text
    problems += look(browser, screenshots, "migration-banner-accepted")
    assert not problems, "\n".join(problems)


async def test_an_employee_of_a_migrated_pbx_sees_no_banner(
    cabinet_server: Server, vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    await migrated_pbx(vats_api, vats_kernel)
    await publish(vats_api, "Условия.")
    with chromium() as driver:
        sign_in(driver, cabinet_server, "anna@romashka.example")
        wait(driver).until(lambda d: page_id(d) != "")
        assert driver.find_elements(By.ID, "migration-banner-slot") == []
        assert driver.find_elements(By.ID, "migration-banner") == []


async def test_the_operator_publishes_a_version_in_the_portal_and_the_page_reads_at_both_widths(
    cabinet_server: Server, browser: Any, vats_api: ApiClients, vats_kernel: Kernel, screenshots: Path
) -> None:
    await make_operator(vats_kernel)
    await migrated_pbx(vats_api, vats_kernel)
    op_sign_in(browser, cabinet_server, path="/operator/migration-agreement")
    wait(browser).until(lambda d: page_id(d) == "operator-migration-agreement")
    old = browser.find_element(By.ID, "agreement-form")
    submit_form(browser, {"title": "Миграционная оферта", "body": "Условия перехода в новый кабинет."}, "publish")
    wait(browser).until(ec.staleness_of(old))
    assert wait(browser).until(ec.visibility_of_element_located((By.ID, "notice"))).text == "Опубликована редакция 1."
    problems = look(browser, screenshots, "operator-migration-agreement")
    phone(browser, True)
    assert fits_a_phone(browser), "the page scrolls sideways at 375 px"
    phone(browser, False)
    assert not problems, "\n".join(problems)
