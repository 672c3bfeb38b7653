"""The migration banner in a real browser (a real server, headless Chromium, a real database): a
migrated PBX's admin sees it at the top of every page, reads and accepts the agreement, and the
banner moves on to «Завершить миграцию»; an employee sees no banner. Screenshots at 1280 and
375 px, axe-core clean at both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from vats.bots.web.testing import ApiClients
from vats.core.kernel import Kernel
from vats.plugins.migration import completion

from tests.web.cabinet.axe import problems_at_both_widths
from tests.web.cabinet.conftest import Server, chromium
from tests.web.cabinet.test_browser import page_id, sign_in, wait
from tests.web.cabinet.test_migration_banner_pages import migrated_pbx, publish, top_up
from tests.web.cabinet.test_operator_portal import fits_a_phone, make_operator, op_sign_in, submit_form
from tests.web.cabinet.test_pages import phone


def press(driver: Any, element_id: str) -> None:
    """Click a button or link in the middle of the screen (the webphone's floating button sits
    at the bottom left, over whatever scrolled there)."""
    element = wait(driver).until(ec.presence_of_element_located((By.ID, element_id)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    wait(driver).until(ec.element_to_be_clickable((By.ID, element_id))).click()


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
    problems = problems_at_both_widths(browser, "migration-banner", screenshots)
    # It stays on every page the admin opens.
    browser.find_element(By.CSS_SELECTOR, "#nav a[href='/cabinet/settings/numbers']").click()
    wait(browser).until(lambda d: page_id(d) != "" and "numbers" in page_id(d))
    assert browser.find_element(By.ID, "migration-banner").is_displayed()
    press(browser, "mig-read-agreement")
    wait(browser).until(lambda d: page_id(d) == "migration-agreement")
    assert "Условия тарифа сохраняются 30 дней." in browser.find_element(By.ID, "agreement-text").text
    problems += problems_at_both_widths(browser, "migration-agreement", screenshots)
    old = browser.find_element(By.ID, "accept-form")
    press(browser, "accept")
    wait(browser).until(ec.staleness_of(old))
    assert wait(browser).until(ec.visibility_of_element_located((By.ID, "notice"))).text == "Оферта принята."
    assert browser.find_element(By.ID, "agreement-accepted").is_displayed()
    # The page was loaded anew: the banner now says who accepted and offers completion.
    step = wait(browser).until(ec.visibility_of_element_located((By.ID, "mig-step-agreement"))).text
    assert "Принята редакция 1: Борис Админов" in step
    assert "Не нажимайте, пока не проверите все настройки" in browser.find_element(By.ID, "mig-step-complete").text
    assert browser.find_element(By.ID, "mig-complete").is_displayed()
    problems += problems_at_both_widths(browser, "migration-banner-accepted", screenshots)
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
    problems = problems_at_both_widths(browser, "operator-migration-agreement", screenshots)
    phone(browser, True)
    assert fits_a_phone(browser), "the page scrolls sideways at 375 px"
    phone(browser, False)
    assert not problems, "\n".join(problems)


async def test_the_admin_checks_the_emails_goes_back_then_completes_and_the_banner_follows_to_the_end(
    cabinet_server: Server, browser: Any, vats_api: ApiClients, vats_kernel: Kernel, screenshots: Path
) -> None:
    pbx = await migrated_pbx(vats_api, vats_kernel)
    await publish(vats_api, "Условия.")
    admin = await vats_api.as_employee(pbx["tenant"], pbx["admin"])
    assert (await admin.post("/api/migration/agreement/accept", json={"version": 1})).status_code == 201
    await top_up(vats_api, pbx["tenant"])
    sign_in(browser, cabinet_server, "boss@romashka.example")
    press(browser, "mig-complete")
    wait(browser).until(lambda d: page_id(d) == "migration-complete")
    emails = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#mig-emails .mig-email")]
    assert emails == ["anna@romashka.example", "boss@romashka.example"]
    problems = problems_at_both_widths(browser, "migration-complete", screenshots)
    # «Пересоздать» asks first; «Отменить» there changes nothing.
    press(browser, "mig-recreate")
    wait(browser).until(lambda d: page_id(d) == "migration-recreate")
    problems += problems_at_both_widths(browser, "migration-recreate", screenshots)
    press(browser, "recreate-cancel")
    wait(browser).until(lambda d: page_id(d) not in ("", "migration-recreate"))
    press(browser, "mig-complete")
    wait(browser).until(lambda d: page_id(d) == "migration-complete")
    # «Отменить» goes back to Сотрудники, where an e-mail is corrected; the banner is still there.
    press(browser, "complete-cancel")
    wait(browser).until(lambda d: "employees" in page_id(d))
    press(browser, "mig-complete")
    wait(browser).until(lambda d: page_id(d) == "migration-complete")
    old = browser.find_element(By.ID, "complete-form")
    press(browser, "complete-ok")
    wait(browser).until(ec.staleness_of(old))
    notice = wait(browser).until(ec.visibility_of_element_located((By.ID, "notice")))
    assert notice.text == "Завершение миграции запущено."
    # The banner shows the progress while the job runs, and the end once it is over.
    progress = wait(browser).until(ec.visibility_of_element_located((By.ID, "mig-completing")))
    assert "Миграция завершается: шаг 0 из" in progress.text
    problems += problems_at_both_widths(browser, "migration-completing", screenshots)
    assert await completion.run_completion(vats_kernel, pbx["tenant"])
    done = WebDriverWait(browser, 20).until(ec.visibility_of_element_located((By.ID, "mig-completed")))
    assert done.text == "Миграция завершена: звонки обрабатываются по сценариям нового кабинета."
    # A page opened afterwards has no banner.
    browser.get(cabinet_server.url + "/cabinet/settings/employees")
    wait(browser).until(lambda d: "employees" in page_id(d))
    asked = "const done = arguments[0]; fetch('/cabinet/migration/banner').then(r => done(r.status))"
    assert browser.execute_async_script(asked) == 204  # what the slot was answered: nothing to draw
    assert browser.find_elements(By.ID, "migration-banner") == []
    assert not problems, "\n".join(problems)
