"""The scenario editor's two missing edits, in a real headless Chromium: an outside number
added to a forwarding list (typed beside the list's row, saved through the API's checks, a bad
number refused beside the list with nothing saved), and deleting a scenario (refused, naming the
numbers, while numbers use it; the default scenario offers no delete; otherwise gone from the
list with a notice)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.directory import numbers as numbers_repo
from vats.core.directory.models import NumberUpdate
from vats.core.directory.service import TenantCreated
from vats.core.engine import scenarios as repo
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_accessibility import check
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait
from tests.web.cabinet.test_pages import look
from tests.web.cabinet.test_scenarios import _default, _diagram_text

TARGETS = "f-default-handling-forward-targets"  # "numbers not in filters"' forwarding list


def submit(driver: Any, button_id: str, page: str) -> None:
    old = driver.find_element(By.ID, "main")
    button = driver.find_element(By.ID, button_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait(driver).until(ec.staleness_of(old))
    wait(driver).until(lambda d: page_id(d) == page)


async def scenario_named(kernel: Kernel, tenant_id: uuid.UUID, name: str) -> repo.Scenario | None:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        return next((s for s in await repo.scenarios_of(conn, tenant_id) if s.name == name), None)


async def test_an_outside_number_is_added_to_a_forwarding_list_and_a_bad_one_is_refused_beside_it(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    scenario = await _default(vats_kernel, vats_tenant)
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id),
            f"/cabinet/settings/scenarios/{scenario.id}")  # fmt: skip
    admin = Select(browser.find_element(By.ID, f"{TARGETS}-1")).first_selected_option.text
    assert admin.startswith("Администратор")  # the stored target shown as its choice, not as raw data
    typed = browser.find_element(By.ID, f"{TARGETS}-2-typed")
    assert not typed.is_displayed()  # shown only once the row asks for an outside number

    # A number that is not one: refused beside the list, nothing saved, what was typed kept.
    Select(browser.find_element(By.ID, f"{TARGETS}-2")).select_by_visible_text("внешний номер…")
    assert typed.is_displayed()
    typed.send_keys("позвонить Ивану")
    submit(browser, "save-scenario", "scenario")
    error = browser.find_element(By.ID, f"{TARGETS}-error")
    assert "не номер телефона" in error.text
    browser.find_element(By.ID, TARGETS).screenshot(str(screenshots / "scenario-outside-number-refused.png"))
    assert browser.find_element(By.ID, f"{TARGETS}-2-typed").get_attribute("value") == "позвонить Ивану"
    assert (await _default(vats_kernel, vats_tenant)).body == scenario.body

    # A real one, typed as people do: saved after the admin, in ring order, and drawn.
    typed = browser.find_element(By.ID, f"{TARGETS}-2-typed")
    typed.clear()
    typed.send_keys("+7 916 123-45-67")
    submit(browser, "save-scenario", "scenario")
    assert browser.find_element(By.ID, "notice").text == "Сценарий сохранён."
    targets = (await _default(vats_kernel, vats_tenant)).body["default"]["handling"]["targets"]
    assert targets[0]["kind"] == "employee" and targets[1]["kind"] == "external"
    assert targets[1]["number"] == "+79161234567"  # stored as the engine dials it
    wait(browser).until(lambda d: "916" in _diagram_text(d))
    # Opened again, the row shows the outside number; an empty row offers the next.
    assert Select(browser.find_element(By.ID, f"{TARGETS}-2")).first_selected_option.text == "внешний номер…"
    assert browser.find_element(By.ID, f"{TARGETS}-2-typed").get_attribute("value") == "+79161234567"
    assert browser.find_element(By.ID, f"{TARGETS}-3").get_attribute("value") == ""
    browser.find_element(By.ID, TARGETS).screenshot(str(screenshots / "scenario-outside-number.png"))


async def test_a_scenario_in_use_is_not_deleted_and_says_which_numbers_use_it_then_it_is(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    tid = vats_tenant.tenant_id
    number = await vats_kernel.directory.assign_number(tid, "+74951234567", "Основной")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        holidays = await repo.create_scenario(conn, tid, "Праздники", {"default": {}}, vats_kernel.blocks)
        await numbers_repo.update_number(conn, tid, number.id, NumberUpdate(scenario_id=holidays.id))
    default = await _default(vats_kernel, vats_tenant)
    sign_in(browser, cabinet_server, await give_password(vats_kernel, tid, vats_tenant.admin_id),
            f"/cabinet/settings/scenarios/{default.id}")  # fmt: skip
    assert not browser.find_elements(By.ID, "delete-scenario-submit")  # the default one stays
    assert "Сценарий по умолчанию не удаляется" in browser.find_element(By.ID, "delete-scenario").text

    browser.get(f"{cabinet_server.url}/cabinet/settings/scenarios/{holidays.id}")
    wait(browser).until(lambda d: page_id(d) == "scenario")
    submit(browser, "delete-scenario-submit", "scenario")
    refused = browser.find_element(By.ID, "delete-refused")
    assert refused.text.startswith("Сценарий не удалён: его используют номера +74951234567.")
    assert await scenario_named(vats_kernel, tid, "Праздники") is not None
    assert browser.current_url.endswith(f"/cabinet/settings/scenarios/{holidays.id}")  # not …/delete
    browser.save_screenshot(str(screenshots / "scenario-delete-refused-1280.png"))
    problems = accessibility_problems(browser, "the refusal to delete")
    page = f"/cabinet/settings/scenarios/{holidays.id}"
    problems += look(browser, cabinet_server.url + page, "scenario-delete", screenshots)
    problems += check(browser, cabinet_server.url, page)

    async with vats_kernel.db.tenant(tid) as conn:
        await numbers_repo.update_number(conn, tid, number.id, NumberUpdate(scenario_id=default.id))
    browser.get(f"{cabinet_server.url}/cabinet/settings/scenarios/{holidays.id}")
    wait(browser).until(lambda d: page_id(d) == "scenario")
    submit(browser, "delete-scenario-submit", "scenarios")
    assert browser.find_element(By.ID, "notice").text == "Сценарий «Праздники» удалён."
    assert "Праздники" not in browser.find_element(By.ID, "scenario-list").text
    assert await scenario_named(vats_kernel, tid, "Праздники") is None
    problems += look(browser, browser.current_url, "scenarios-after-delete", screenshots)
    assert not problems, "\n".join(problems)
