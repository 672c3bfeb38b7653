"""Settings → Numbers in a real headless Chromium: an admin sets a number's scenario, recording
and number-as-caller-ID through the service PATCH /api/numbers uses; a bad value is shown
beside its input with nothing saved; another PBX's number is not there; users get no access."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.directory import numbers as numbers_repo
from vats.core.directory.models import EmployeeCreate, Number
from vats.core.directory.service import TenantCreated
from vats.core.engine.scenarios import scenarios_of
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait
from tests.web.cabinet.test_pages import look


async def stored(kernel: Kernel, tenant_id: uuid.UUID, number_id: uuid.UUID) -> Number:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        return await numbers_repo.get_number(conn, tenant_id, number_id)


def submit(driver: Any, form_id: str) -> None:
    driver.execute_script("document.getElementById('main').dataset.stale = '1'")
    button = driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait(driver).until(
        lambda d: d.execute_script("const m = document.getElementById('main'); return m && !m.dataset.stale")
    )


async def test_an_admin_sets_a_numbers_scenario_recording_and_caller_id(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    number = await vats_kernel.directory.assign_number(tid, "+74951234567", "Офис")
    other = await vats_kernel.directory.create_tenant(name="Other company", admin_email="boss@other.example")
    await vats_kernel.directory.assign_number(other.tenant_id, "+74957654321", "Чужой")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        scenario = (await scenarios_of(conn, tid))[0]
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/cabinet/settings/numbers']").click()
    wait(browser).until(lambda d: page_id(d) == "numbers")
    listed = browser.find_element(By.ID, "number-list").text
    assert "+74951234567" in listed and "+74957654321" not in listed  # only this PBX's numbers

    form = f"number-{number.id}"
    Select(browser.find_element(By.ID, f"{form}-scenario_id")).select_by_value(str(scenario.id))
    Select(browser.find_element(By.ID, f"{form}-recording")).select_by_value("off")  # over the PBX's default
    for box in ("recording_warning", "number_as_caller_id"):
        element = browser.find_element(By.ID, f"{form}-{box}")
        if not element.is_selected():
            browser.execute_script("arguments[0].click()", element)
    name = browser.find_element(By.ID, f"{form}-name")
    name.clear()
    name.send_keys("Отдел продаж")
    submit(browser, form)
    assert browser.find_element(By.ID, "notice").text == "Номер +74951234567 сохранён."
    saved = await stored(vats_kernel, tid, number.id)
    assert (saved.name, saved.scenario_id, saved.recording, saved.recording_warning, saved.number_as_caller_id) == (
        "Отдел продаж", scenario.id, "off", True, True
    )  # fmt: skip
    assert Select(browser.find_element(By.ID, f"{form}-recording")).first_selected_option.text == "Не записывать"

    # An empty name is refused beside its input, and nothing of the form is saved.
    Select(browser.find_element(By.ID, f"{form}-recording")).select_by_value("on")
    browser.find_element(By.ID, f"{form}-name").clear()
    submit(browser, form)
    error = wait(browser).until(ec.presence_of_element_located((By.ID, f"{form}-name-error")))
    assert error.text == "Заполните это поле."
    assert browser.find_element(By.ID, f"{form}-name").get_attribute("aria-invalid") == "true"
    posted = Select(browser.find_element(By.ID, f"{form}-recording")).first_selected_option
    assert posted.get_attribute("value") == "on"  # the posted state kept
    assert await stored(vats_kernel, tid, number.id) == saved


async def test_users_and_heads_get_the_no_access_page_for_numbers(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    head, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Ирина Главная", email="head@test.example", role="head")
    )
    email = await give_password(vats_kernel, vats_tenant.tenant_id, head.id)
    sign_in(browser, cabinet_server, email)
    assert not browser.find_elements(By.CSS_SELECTOR, "nav a[href='/cabinet/settings/numbers']")
    browser.get(cabinet_server.url + "/cabinet/settings/numbers")
    title = wait(browser).until(ec.presence_of_element_located((By.ID, "refused-title")))
    assert title.text == "Нет доступа"
    assert "Traceback" not in browser.page_source


async def test_numbers_and_profile_fit_a_375px_screen_and_pass_axe(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    tid = vats_tenant.tenant_id
    await vats_kernel.directory.assign_number(tid, "+74951234567", "Главный офис, многоканальный номер продаж")
    await vats_kernel.directory.assign_number(tid, "+78001234567")
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    problems = []
    for path, name in (("/cabinet/settings/numbers", "numbers"), ("/cabinet/me", "me")):
        problems += look(browser, cabinet_server.url + path, name, screenshots)
        problems += accessibility_problems(browser, name)
    assert not problems, "\n".join(problems)
