"""Every cabinet page passes axe-core's WCAG 2.1 A/AA checks (labels, contrast, keyboard, ...)
at desktop and phone width, signed out and signed in as an admin, and keyboard users can reach
the main region and the menu with Tab alone."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import phone

SIGNED_OUT = ["/signin", "/signin?next=/cabinet/me&expired=1", "/signin/forgot", "/invite?token=spent"]
SIGNED_IN = ["/cabinet/settings/employees", "/cabinet/me", "/cabinet/settings/numbers", "/cabinet/no-such-page"]


def check(driver: Any, url: str, path: str) -> list[str]:
    problems = []
    for on in (False, True):
        phone(driver, on)
        driver.get(url + path)
        wait(driver).until(ec.presence_of_element_located((By.ID, "main")))
        problems += accessibility_problems(driver, f"{path} at {'375' if on else '1280'} px")
    phone(driver, False)
    return problems


async def test_every_cabinet_page_passes_axe_at_both_widths(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    anna, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Анна Иванова", email="anna@test.example")
    )
    await vats_kernel.directory.assign_number(vats_tenant.tenant_id, "+74951234567", "Офис")  # Numbers has a row
    problems = []
    for path in SIGNED_OUT:
        problems += check(browser, cabinet_server.url, path)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    for path in [*SIGNED_IN, f"/cabinet/settings/employees/{anna.id}"]:
        problems += check(browser, cabinet_server.url, path)
    assert not problems, "\n".join(problems)


async def test_the_menu_and_the_page_are_reached_with_the_keyboard_alone(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    browser.get(cabinet_server.url + "/cabinet/settings/employees")
    body = browser.find_element(By.TAG_NAME, "body")
    reached = []
    for _ in range(40):
        body.send_keys(Keys.TAB) if not reached else browser.switch_to.active_element.send_keys(Keys.TAB)
        active = browser.switch_to.active_element
        reached.append(active.get_attribute("href") or active.get_attribute("id") or active.tag_name)
        if active.tag_name == "body":
            continue
        # The focused element is visibly marked (an outline or a box shadow).
        style = browser.execute_script(
            "const s = getComputedStyle(document.activeElement);"
            "return [s.outlineStyle, s.outlineWidth, s.boxShadow].join('|')",
        )
        assert not style.startswith("none|") or "rgb" in style, f"focus is invisible on {reached[-1]}: {style}"
    assert any(str(r).endswith("/cabinet/me") for r in reached), reached  # the menu
    assert "q" in reached and "role-filter" in reached, reached  # the page's own search form


def test_the_check_itself_reports_an_unlabelled_field_and_poor_contrast(cabinet_server: Server, browser: Any) -> None:
    """The check can fail: a field without a label and grey-on-white text are reported."""
    browser.get(cabinet_server.url + "/signin")
    wait(browser).until(ec.presence_of_element_located((By.ID, "main")))
    browser.execute_script(
        "const main = document.getElementById('main');"
        "main.insertAdjacentHTML('beforeend', '<input id=bare type=text><p style=\"color:#ccc;background:#fff\">серый</p>');"
    )
    problems = accessibility_problems(browser, "signin+bad")
    assert any(p.startswith("signin+bad: label ") and "#bare" in p for p in problems), problems
    assert any(" color-contrast " in p for p in problems), problems


async def test_the_menu_marks_the_page_after_a_navigation_that_swaps_only_the_main_region(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id))
    shell = browser.find_element(By.ID, "shell")
    for href in ("/cabinet/me", "/cabinet/settings/groups", "/cabinet/settings/employees"):
        browser.find_element(By.CSS_SELECTOR, f'#nav a[href="{href}"]').click()
        wait(browser).until(
            lambda d, href=href: d.execute_script(
                "return document.querySelector('#nav [aria-current=page]')?.getAttribute('href')"
            )
            == href
        )
    assert browser.find_element(By.ID, "shell") == shell  # the shell itself was never replaced


async def test_the_scenario_and_schedule_pages_pass_axe_at_both_widths(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from tests.web.cabinet.test_scenarios import _default, _people

    await _people(vats_kernel, vats_tenant)
    scenario = await _default(vats_kernel, vats_tenant)
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id))
    problems = []
    for path in (
        "/cabinet/settings/scenarios",
        f"/cabinet/settings/scenarios/{scenario.id}",
        "/cabinet/settings/schedules",
        f"/cabinet/settings/schedules/{vats_tenant.schedule_id}",
    ):
        problems += check(browser, cabinet_server.url, path)
    assert not problems, "\n".join(problems)
