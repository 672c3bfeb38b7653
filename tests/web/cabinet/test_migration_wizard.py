"""The whole migration wizard (seed 000) in a real headless Chromium against a real vats server:
the operator uploads an old cabinet's export, edits the proposed employee rows (rows removed and
added with htmx, no page reload), saves them incomplete (a reload shows them saved), moves a
line to another employee, fixes the problems shown beside their rows and creates the PBX; the
created tenant has the employees and the kept lines. Screenshots at 1280 and 375 px, axe-core
clean on every page of the wizard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import page_id, wait
from tests.web.cabinet.test_operator_portal import fits_a_phone, make_operator, op_sign_in
from tests.web.cabinet.test_pages import phone

EXPORT: dict[str, Any] = {
    "format": "vats-old-cabinet-export",
    "version": 1,
    "customers": [
        {
            "id": "B-7", "name": "ООО «Василёк»", "admin_email": "boss@vasilek.example",
            "lines": [{"login": "b7-anna", "password": "Anna-Line-1", "name": "Анна Петрова"},
                      {"login": "b7-desk", "password": "Desk-Line-2"}],
            "numbers": [{"number": "+74951237001", "name": "Офис",
                         "forwarding": [{"to": "b7-anna"}, {"to": "+79161237001"}, {"to": "b7-desk"}]}],
            "short_numbers": [{"extension": "201", "to": "b7-anna"}],
        }
    ],
}  # fmt: skip


def rows(driver: Any) -> list[str]:
    return [
        e.get_attribute("value") for e in driver.find_elements(By.CSS_SELECTOR, "#employee-rows input[id$=-full_name]")
    ]


def row_key(driver: Any, full_name: str) -> str:
    for row in driver.find_elements(By.CSS_SELECTOR, "#employee-rows tr"):
        if row.find_element(By.CSS_SELECTOR, "input[id$=-full_name]").get_attribute("value") == full_name:
            return str(row.get_attribute("data-row"))
    raise AssertionError(f"no row {full_name!r}: {rows(driver)}")


def row_problems(driver: Any, key: str) -> list[str]:
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, f"#row-{key} .mw-problems li")]


def submit(driver: Any, button: str, page: str) -> None:
    """Click a submit button and wait for the NEW page (not the notice of the page before)."""
    old = driver.find_element(By.ID, "main")
    driver.find_element(By.ID, button).click()
    wait(driver).until(ec.staleness_of(old))
    wait(driver).until(lambda d: page_id(d) == page)


def shoot_both(driver: Any, shots: Path, name: str, problems: list[str]) -> None:
    """Screenshots at 1280 and 375 px (the page reloaded at each width), axe at both."""
    url = driver.current_url
    for on in (False, True):
        phone(driver, on)
        driver.get(url)
        wait(driver).until(ec.presence_of_element_located((By.ID, "main")))
        width = "375" if on else "1280"
        if on:
            assert fits_a_phone(driver), f"{name} scrolls sideways at 375 px"
        driver.save_screenshot(str(shots / f"migration-{name}-{width}.png"))
        if driver.find_elements(By.ID, "employees"):  # the employee table itself, below the texts
            driver.execute_script("document.getElementById('employees').scrollIntoView()")
            driver.save_screenshot(str(shots / f"migration-{name}-{width}-table.png"))
        problems += accessibility_problems(driver, f"{name} at {width} px")
    phone(driver, False)
    driver.get(url)
    wait(driver).until(ec.presence_of_element_located((By.ID, "main")))


async def test_the_operator_runs_the_wizard_from_an_export_to_a_created_pbx(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, screenshots: Path, tmp_path: Path
) -> None:
    await make_operator(vats_kernel)
    op_sign_in(browser, cabinet_server)
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/operator/migrations']").click()
    wait(browser).until(lambda d: page_id(d) == "operator-migrations")
    problems: list[str] = []
    shoot_both(browser, screenshots, "drafts-empty", problems)

    export = tmp_path / "vasilek.json"
    export.write_text(json.dumps(EXPORT, ensure_ascii=False), encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(export))
    submit(browser, "upload", "operator-migration")
    assert browser.find_element(By.ID, "draft-name").text == "ООО «Василёк»"
    assert rows(browser) == ["Анна Петрова", "Сотрудник +79161237001", "Сотрудник b7-desk"]
    anna = row_key(browser, "Анна Петрова")
    assert browser.find_element(By.ID, f"{anna}-extension").get_attribute("value") == "201"  # the old short number
    shoot_both(browser, screenshots, "proposed", problems)

    # Edit: Анна is the admin, uses her line in the mobile app, calls out from the office number.
    browser.execute_script("window.notReloaded = true")  # gone if anything below reloads the page
    name = browser.find_element(By.ID, f"{anna}-email")
    name.send_keys("anna@vasilek.example")
    Select(browser.find_element(By.ID, f"{anna}-role")).select_by_value("admin")
    Select(browser.find_element(By.ID, f"{anna}-caller_id")).select_by_value("+74951237001")
    Select(browser.find_element(By.CSS_SELECTOR, f"#{anna}-lines select[name='{anna}.kind']")).select_by_value(
        "mobile_app"
    )
    # The outside number's row goes (htmx: no reload); a new, still nameless row takes the number.
    outside = row_key(browser, "Сотрудник +79161237001")
    browser.find_element(By.ID, f"{outside}-remove").click()
    wait(browser).until(lambda d: len(rows(d)) == 2)
    assert browser.switch_to.active_element.get_attribute("id") == "add-row"  # the keyboard's place is kept
    browser.find_element(By.ID, "add-row").click()
    wait(browser).until(lambda d: len(rows(d)) == 3)
    new = str(browser.find_elements(By.CSS_SELECTOR, "#employee-rows tr")[-1].get_attribute("data-row"))
    wait(browser).until(lambda d: d.switch_to.active_element.get_attribute("id") == f"{new}-full_name")
    browser.find_element(By.ID, f"{new}-add-external").click()
    external = wait(browser).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"#{new}-externals input[name='{new}.external']"))
    )
    external.send_keys("+79161237001")
    # The desk line moves to the new row: freed in its old row, chosen in a new binding.
    desk = row_key(browser, "Сотрудник b7-desk")
    Select(browser.find_element(By.CSS_SELECTOR, f"#{desk}-lines select[name='{desk}.line']")).select_by_value("")
    browser.find_element(By.ID, f"{new}-add-line").click()
    line = wait(browser).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"#{new}-lines select[name='{new}.line']"))
    )
    Select(line).select_by_value("b7-desk")
    assert browser.execute_script("return window.notReloaded === true")

    # Saved incomplete: the nameless row is a problem shown beside it, not a refusal.
    submit(browser, "save", "operator-migration")
    assert browser.find_element(By.ID, "notice").text == "Сохранено."
    browser.refresh()
    wait(browser).until(lambda d: page_id(d) == "operator-migration")
    assert rows(browser) == ["Анна Петрова", "Сотрудник b7-desk", ""]
    anna, desk, new = (row_key(browser, n) for n in ("Анна Петрова", "Сотрудник b7-desk", ""))
    assert browser.find_element(By.ID, f"{anna}-email").get_attribute("value") == "anna@vasilek.example"
    assert Select(browser.find_element(By.ID, f"{anna}-role")).first_selected_option.text == "Администратор"
    assert row_problems(browser, new) == ["Укажите ФИО сотрудника."]
    assert browser.find_elements(By.CSS_SELECTOR, f"#{desk}-lines select") == []  # its line moved away
    new_line = browser.find_element(By.CSS_SELECTOR, f"#{new}-lines select[name='{new}.line']")
    assert Select(new_line).first_selected_option.text == "b7-desk"
    shoot_both(browser, screenshots, "saved-with-problems", problems)

    # «Создать ЛК ВАТС» while a problem remains: refused, naming it.
    submit(browser, "create", "operator-migration")
    assert browser.find_element(By.ID, "refusal").text == "ЛК ВАТС не создан: #3: Укажите ФИО сотрудника."

    # Fixed: the new row gets a name, the lineless proposal goes; confirmed, the PBX is created.
    new = row_key(browser, "")
    browser.find_element(By.ID, f"{new}-full_name").send_keys("Склад")
    browser.find_element(By.ID, f"{row_key(browser, 'Сотрудник b7-desk')}-remove").click()
    wait(browser).until(lambda d: len(rows(d)) == 2)
    submit(browser, "create", "operator-migration-confirm")
    # The export's admin e-mail is nobody's row: the PBX's first admin is added for it.
    assert browser.find_element(By.ID, "will-employees").text == "3"
    assert browser.find_element(By.ID, "will-admin").text == "boss@vasilek.example"
    assert browser.find_element(By.ID, "will-lines").text == "2"
    assert browser.find_element(By.ID, "will-invite").text == "boss@vasilek.example, anna@vasilek.example"
    shoot_both(browser, screenshots, "confirm", problems)
    submit(browser, "confirm", "operator-migration")
    assert browser.find_element(By.ID, "created-title").text == "ЛК ВАТС создан"
    assert [browser.find_element(By.ID, f"created-{k}").text for k in ("employees", "lines", "numbers")] == [
        "3", "2", "1"
    ]  # fmt: skip
    shoot_both(browser, screenshots, "created", problems)
    tenant_id = browser.find_element(By.ID, "tenant-link").get_attribute("href").rsplit("/", 1)[1]

    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        people = await conn.fetch(
            "SELECT e.full_name, e.role, e.extension, t.sip_login, t.kind, t.sip_password FROM employees e"
            " LEFT JOIN terminals t ON t.employee_id = e.id AND t.kind <> 'external'"
            " WHERE e.tenant_id = $1 ORDER BY e.full_name",
            tenant_id,
        )
        outside = await conn.fetchval(
            "SELECT e.full_name FROM terminals t JOIN employees e ON e.id = t.employee_id"
            " WHERE t.tenant_id = $1 AND t.kind = 'external'",
            tenant_id,
        )
    # Bound lines keep their log-in and password (phones go on registering), as the kind chosen.
    assert [(r["full_name"], r["role"], r["sip_login"], r["kind"], r["sip_password"]) for r in people] == [
        ("Администратор", "admin", None, None, None),
        ("Анна Петрова", "admin", "b7-anna", "mobile_app", "Anna-Line-1"),
        ("Склад", "user", "b7-desk", "softphone", "Desk-Line-2"),
    ]
    assert people[1]["extension"] == "201"
    assert outside == "Склад"

    browser.find_element(By.ID, "back").click()
    wait(browser).until(lambda d: page_id(d) == "operator-migrations")
    state = browser.find_element(By.CSS_SELECTOR, "#drafts td[data-state]")
    assert state.get_attribute("data-state") == "created" and state.text == "ЛК ВАТС создан"
    shoot_both(browser, screenshots, "drafts", problems)
    assert not problems, "\n".join(problems)
