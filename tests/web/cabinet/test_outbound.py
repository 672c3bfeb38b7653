"""Settings → Outbound calls in a real headless Chromium: an admin sets which number an outside
call shows (the whole PBX, an employee with a dialled prefix) and bans destinations on a SIP
line through the services /api/outbound uses, and the call decision follows what the page set; a
bad prefix is refused beside its input with nothing saved; deleting works; another PBX's rules
are not there; heads get the no-access page; the page fits 375 px and passes axe."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.asterisk import outbound
from vats.core.asterisk.outbound import CallerIdRuleIn, Decision
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_accessibility import check
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait
from tests.web.cabinet.test_pages import look

PAGE = "/cabinet/settings/outbound"


def submit(driver: Any, button: Any) -> None:
    """Click and wait for the new page (not a notice still shown from the previous step)."""
    old = driver.find_element(By.ID, "main")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait(driver).until(ec.staleness_of(old))
    wait(driver).until(lambda d: page_id(d) == "outbound")


async def decision(kernel: Kernel, login: str, dialled: str) -> Decision:
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        found = await outbound.decide(conn, login, dialled)
    assert found is not None
    return found


async def test_an_admin_sets_caller_ids_and_bans_and_calls_follow_them(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    office = await vats_kernel.directory.assign_number(tid, "+74951234567", "Офис")
    sales = await vats_kernel.directory.assign_number(tid, "+74957777777", "Продажи")
    olga, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Ольга Петрова", email="olga@test.example")
    )
    login = next(t.sip_login for t in olga.terminals if t.sip_login)
    assert login is not None
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    browser.find_element(By.CSS_SELECTOR, f"nav a[href='{PAGE}']").click()
    wait(browser).until(lambda d: page_id(d) == "outbound")
    assert browser.find_element(By.ID, "no-rules").text == "Правил пока нет: звонки идут с номером по умолчанию."

    # The whole PBX shows the office number; Olga's calls to Moscow (typed as 8 495) show sales.
    Select(browser.find_element(By.ID, "rule-target")).select_by_value("tenant")
    Select(browser.find_element(By.ID, "rule-number_id")).select_by_value(str(office.id))
    submit(browser, browser.find_element(By.ID, "rule-submit"))
    assert browser.find_element(By.ID, "notice").text == "Правило сохранено."
    Select(browser.find_element(By.ID, "rule-target")).select_by_value(f"employee:{olga.id}")
    browser.find_element(By.ID, "rule-prefix").send_keys("8 495")
    Select(browser.find_element(By.ID, "rule-number_id")).select_by_value(str(sales.id))
    submit(browser, browser.find_element(By.ID, "rule-submit"))
    rows = browser.find_element(By.ID, "rule-list").text
    assert "Ольга Петрова" in rows and "+7495…" in rows and "+74957777777" in rows and "все сотрудники" in rows
    assert (await decision(vats_kernel, login, "84951112233")).caller_id == "+74957777777"
    assert (await decision(vats_kernel, login, "+78121112233")).caller_id == "+74951234567"

    # A prefix that is not + and digits is refused beside its input; nothing is saved.
    before = await rules_of(vats_kernel, tid)
    Select(browser.find_element(By.ID, "rule-target")).select_by_value("tenant")
    browser.find_element(By.ID, "rule-prefix").send_keys("Москва")
    submit(browser, browser.find_element(By.ID, "rule-submit"))
    error = browser.find_element(By.ID, "rule-prefix-error")
    assert error.text == "Префикс — «+» и цифры, например +7495."
    assert browser.find_element(By.ID, "rule-prefix").get_attribute("aria-invalid") == "true"
    assert browser.find_element(By.ID, "rule-prefix").get_attribute("value") == "Москва"  # what was typed stays
    assert await rules_of(vats_kernel, tid) == before

    # A ban on Olga's line stops her calls to +7809; lifting it lets them through again.
    Select(browser.find_element(By.ID, "ban-line")).select_by_visible_text(f"{login} (Ольга Петрова)")
    browser.find_element(By.ID, "ban-prefix").send_keys("+7809")
    submit(browser, browser.find_element(By.ID, "ban-submit"))
    assert browser.find_element(By.ID, "notice").text == "Запрет добавлен."
    assert "+7809" in browser.find_element(By.ID, "ban-list").text
    assert not (await decision(vats_kernel, login, "88091234567")).allowed
    submit(browser, browser.find_element(By.CSS_SELECTOR, "#ban-list button[type=submit]"))
    assert browser.find_element(By.ID, "notice").text == "Запрет снят."
    assert (await decision(vats_kernel, login, "88091234567")).allowed

    # Deleting Olga's rule: her Moscow calls show the office number again.
    olga_row = browser.find_element(By.CSS_SELECTOR, "#rule-list tbody tr:first-child")  # the most specific first
    assert "Ольга Петрова" in olga_row.text
    submit(browser, olga_row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert browser.find_element(By.ID, "notice").text == "Правило удалено."
    assert (await decision(vats_kernel, login, "84951112233")).caller_id == "+74951234567"


async def rules_of(kernel: Kernel, tenant_id: uuid.UUID) -> list[outbound.CallerIdRule]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        return await outbound.list_rules(conn, tenant_id)


async def test_another_pbxs_rules_are_not_shown_and_heads_get_no_access(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    other = await vats_kernel.directory.create_tenant(name="Other company", admin_email="boss@other.example")
    theirs = await vats_kernel.directory.assign_number(other.tenant_id, "+74950000001", "Чужой")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(other.tenant_id) as conn:
        await outbound.add_rule(conn, other.tenant_id, CallerIdRuleIn(scope="tenant", number_id=theirs.id))
    head, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Ирина Главная", email="head@test.example", role="head")
    )
    admin = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, admin)
    browser.get(cabinet_server.url + PAGE)
    wait(browser).until(lambda d: page_id(d) == "outbound")
    assert "+74950000001" not in browser.page_source
    assert browser.find_elements(By.ID, "no-rules") and browser.find_elements(By.ID, "no-numbers")
    browser.delete_all_cookies()

    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, head.id))
    assert not browser.find_elements(By.CSS_SELECTOR, f"nav a[href='{PAGE}']")
    browser.get(cabinet_server.url + PAGE)
    title = wait(browser).until(ec.presence_of_element_located((By.ID, "refused-title")))
    assert title.text == "Нет доступа"


async def test_outbound_page_fits_a_375px_screen_and_passes_axe(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    tid = vats_tenant.tenant_id
    number = await vats_kernel.directory.assign_number(tid, "+74951234567", "Главный офис, многоканальный номер")
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна Константиновна Иванова-Рождественская", email="anna@test.example")
    )
    line = next(t.id for t in anna.terminals if t.sip_login)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        await outbound.add_rule(conn, tid, CallerIdRuleIn(scope="tenant", number_id=number.id))
        await outbound.add_rule(
            conn, tid, CallerIdRuleIn(scope="employee", scope_id=anna.id, prefix="+7812", number_id=number.id)
        )
        await outbound.add_ban(conn, tid, outbound.BanIn(terminal_id=line, prefix="+"))
    sign_in(browser, cabinet_server, await give_password(vats_kernel, tid, vats_tenant.admin_id))
    problems = look(browser, cabinet_server.url + PAGE, "outbound", screenshots)
    problems += check(browser, cabinet_server.url, PAGE)  # axe at 1280 and 375 px
    assert not problems, "\n".join(problems)
