"""Settings → Schedules in a real headless Chromium: a new schedule's weekly grid with lunch
breaks, editing a day, and a bad day shown beside its line with nothing saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.core.directory import schedules as repo
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait


def _spans(driver: Any, day: int) -> list[tuple[str, str, str]]:
    """The grid's spans of a weekday: (kind, start, end)."""
    found = driver.execute_script(
        "return [...document.querySelectorAll(`#week-grid .day-row[data-day='${arguments[0]}'] .span`)]"
        ".map(s => [s.classList.contains('break') ? 'break' : 'work', s.dataset.start, s.dataset.end])", day
    )
    return [tuple(s) for s in found]


async def _intervals(kernel: Kernel, tenant: TenantCreated, name: str) -> list[tuple[int, str, str]]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        schedule = next(s for s in await repo.list_schedules(conn, tenant.tenant_id) if s.name == name)
    return [(iv.day, iv.start, iv.end) for iv in schedule.intervals]


async def test_a_new_schedule_has_lunch_breaks_on_its_grid_and_a_day_can_be_changed(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/settings/schedules")
    assert page_id(browser) == "schedules"
    browser.find_element(By.CSS_SELECTOR, "#add-schedule summary").click()
    browser.find_element(By.ID, "new-schedule-name").send_keys("Офис")
    browser.find_element(By.ID, "add-schedule-submit").click()
    wait(browser).until(lambda d: page_id(d) == "schedule")
    assert browser.find_element(By.ID, "day0").get_attribute("value") == "09:00-13:00, 14:00-18:00"
    assert _spans(browser, 0) == [("work", "09:00", "13:00"), ("break", "13:00", "14:00"), ("work", "14:00", "18:00")]
    assert _spans(browser, 6) == []  # Sunday off

    saturday = browser.find_element(By.ID, "day5")
    saturday.send_keys("10:00-15:00")
    browser.find_element(By.ID, "save-schedule").click()
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "notice"), "График сохранён."))
    assert _spans(browser, 5) == [("work", "10:00", "15:00")]
    assert (5, "10:00", "15:00") in await _intervals(vats_kernel, vats_tenant, "Офис")

    browser.set_window_size(1280, 900)
    browser.save_screenshot(str(screenshots / "schedule-desktop.png"))
    browser.set_window_size(375, 900)
    browser.save_screenshot(str(screenshots / "schedule-375.png"))
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    browser.find_element(By.LINK_TEXT, "← Все графики").click()
    wait(browser).until(lambda d: page_id(d) == "schedules")
    browser.save_screenshot(str(screenshots / "schedules-375.png"))
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


async def test_a_bad_day_is_shown_beside_its_line_and_nothing_is_saved(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    before = await _intervals(vats_kernel, vats_tenant, repo.DEFAULT_SCHEDULE_NAME)
    sign_in(browser, cabinet_server, email, "/cabinet/settings/schedules")
    browser.find_element(By.LINK_TEXT, repo.DEFAULT_SCHEDULE_NAME).click()
    wait(browser).until(lambda d: page_id(d) == "schedule")
    for typed, message in (("18:00-09:00", "Начало должно быть раньше конца."),
                           ("с утра", "«с утра» — не промежуток вида 09:00-13:00.")):  # fmt: skip
        tuesday = browser.find_element(By.ID, "day1")
        tuesday.clear()
        tuesday.send_keys(typed)
        browser.find_element(By.ID, "save-schedule").click()
        wait(browser).until(ec.text_to_be_present_in_element((By.ID, "day1-error"), message))
        tuesday = browser.find_element(By.ID, "day1")
        assert tuesday.get_attribute("aria-invalid") == "true" and tuesday.get_attribute("value") == typed
        assert tuesday.find_element(By.XPATH, "..").find_element(By.CLASS_NAME, "field-error").text == message
        assert await _intervals(vats_kernel, vats_tenant, repo.DEFAULT_SCHEDULE_NAME) == before
