"""Every cabinet page at phone width (375 px: nothing scrolls sideways) and at desktop width,
with screenshots left for a person to look at; the invitation leads into the cabinet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.mail import DevInbox

from tests.web.cabinet.axe import phone
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait


async def inbox_token(kernel: Kernel, to: str) -> str:
    assert kernel.db is not None
    messages = await DevInbox(kernel.db).messages(to=to)
    match = re.search(r"token=([\w-]+)", messages[0].text)
    assert match
    return match.group(1)


def look(driver: Any, url: str, name: str, shots: Path) -> list[str]:
    """Open the page at both widths, save both screenshots; the problems found at 375 px."""
    problems = []
    for width, on in ((1280, False), (375, True)):
        phone(driver, on)
        driver.get(url)
        wait(driver).until(ec.presence_of_element_located((By.ID, "main")))
        driver.save_screenshot(str(shots / f"{name}-{width}.png"))
        if on:
            scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"{name}: scrollWidth {scroll} > innerWidth {inner} at 375 px")
    phone(driver, False)
    return problems


async def test_every_page_fits_a_375px_screen(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid,
        EmployeeCreate(
            full_name="Анна Константиновна Иванова-Рождественская",
            email="anna.konstantinovna.ivanova-rozhdestvenskaya@long-company-name.example",
            position="Ведущий специалист отдела по работе с ключевыми клиентами",
        ),
    )
    await vats_kernel.accounts.invite(tid, anna.id)
    token = await inbox_token(vats_kernel, anna.email)
    url = cabinet_server.url
    problems = []
    for path, name in (
        ("/signin", "signin"),
        ("/signin?next=/cabinet/me&expired=1", "signin-expired"),
        ("/signin/forgot", "forgot"),
        (f"/invite?token={token}", "invite"),
        ("/invite?token=spent", "invite-bad"),
        ("/reset-password?token=x", "reset"),
    ):
        problems += look(browser, url + path, name, screenshots)
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    for path, name in (
        ("/cabinet/settings/employees", "employees"),
        ("/cabinet/settings/employees?q=anna", "employees-search"),
        (f"/cabinet/settings/employees/{anna.id}", "employee-card"),
        ("/cabinet/me", "me"),
        ("/cabinet/no-such-page", "not-found"),
    ):
        problems += look(browser, url + path, name, screenshots)
    # The add form opened with a field error, at both widths.
    browser.get(url + "/cabinet/settings/employees")
    browser.find_element(By.CSS_SELECTOR, "#add-employee summary").click()
    browser.find_element(By.ID, "new-full_name").send_keys("Пётр")
    browser.find_element(By.ID, "new-email").send_keys("not-an-email")
    browser.find_element(By.ID, "add-submit").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "email-error")))
    browser.save_screenshot(str(screenshots / "employees-add-error-1280.png"))
    assert not problems, "\n".join(problems)


async def test_the_invitation_sets_a_password_and_leads_into_the_cabinet(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    anna, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Анна Иванова", email="anna@test.example")
    )
    await vats_kernel.accounts.invite(vats_tenant.tenant_id, anna.id)
    token = await inbox_token(vats_kernel, "anna@test.example")
    browser.get(f"{cabinet_server.url}/invite?token={token}")
    assert "Анна Иванова (anna@test.example), АТС «Test company»" in browser.find_element(By.ID, "who").text
    browser.find_element(By.ID, "password").send_keys("onlyletters")  # long enough, but the service refuses it
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "password-error")))  # beside the field
    assert error.text == "В пароле нужны буквы вместе с цифрами или знаками."
    browser.find_element(By.ID, "password").send_keys("anna-Passw0rd")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda d: page_id(d) == "me")
    assert browser.find_element(By.CSS_SELECTOR, "#main h1").text == "Профиль"  # where the bot sends people
    assert browser.find_element(By.ID, "my-details-title").text == "Анна Иванова"
    # Her own SIP lines, with their passwords, as GET /api/me/sip-credentials gives them.
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.sip-lines tbody tr")) == 3
