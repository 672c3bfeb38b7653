"""The web cabinet in a real headless Chromium against a real vats web server."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.secrets import hash_password
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.mail import DevInbox

from tests.web.cabinet.conftest import Server

WAIT = 15


async def give_password(kernel: Kernel, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> str:
    """As if the employee accepted the invitation with TEST_PASSWORD; returns their e-mail."""
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        email: str = await conn.fetchval(
            "UPDATE employees SET password_hash = $3, invitation_accepted_at = coalesce(invitation_accepted_at, now())"
            " WHERE tenant_id = $1 AND id = $2 RETURNING email",
            tenant_id,
            employee_id,
            hash_password(TEST_PASSWORD),
        )
    return email


class _Wait(WebDriverWait[Any]):
    """Chromedriver may also answer "node ... does not belong to the document" (not a stale
    element error) when the element goes away while it inspects it: that too means look again."""

    def until(self, method: Callable[[Any], Any], message: str = "") -> Any:
        def tolerant(driver: Any) -> Any:
            try:
                return method(driver)
            except StaleElementReferenceException:
                raise
            except WebDriverException as exc:
                if "does not belong to the document" in str(exc):
                    return False
                raise

        return super().until(tolerant, message)


def wait(driver: Any) -> WebDriverWait[Any]:
    # A condition may read an element htmx swaps out at that moment: look again rather than fail.
    return _Wait(driver, WAIT, ignored_exceptions=[StaleElementReferenceException])


def sign_in(driver: Any, server: Server, email: str, path: str = "/") -> None:
    driver.get(server.url + path)
    wait(driver).until(ec.presence_of_element_located((By.ID, "email")))
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(TEST_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver).until(ec.presence_of_element_located((By.ID, "shell")))


def page_id(driver: Any) -> str:
    """The page in the main region (read in one script: htmx may be swapping it right now)."""
    return str(driver.execute_script("return document.getElementById('main')?.dataset.page || ''"))


def availability(driver: Any) -> str:
    return str(driver.execute_script("return document.getElementById('availability')?.dataset.mode || ''"))


async def test_an_admin_signs_in_and_lands_on_settings_employees(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, "admin@test.example")
    assert browser.current_url == cabinet_server.url + "/cabinet/settings/employees"
    assert page_id(browser) == "employees"
    assert browser.find_element(By.ID, "pbx-name").text == "Test company"
    assert "admin@test.example" in browser.find_element(By.ID, "employee-list").text


async def test_adding_an_employee_shows_a_bad_email_beside_its_field_then_adds_a_good_one(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, "admin@test.example")

    def submit(full_name: str, email: str) -> None:
        panel = browser.find_element(By.ID, "add-employee")
        if not panel.get_attribute("open"):
            panel.find_element(By.TAG_NAME, "summary").click()
        for name, value in (("full_name", full_name), ("email", email)):
            box = browser.find_element(By.ID, f"new-{name}")
            box.clear()
            box.send_keys(value)
        browser.find_element(By.ID, "add-submit").click()

    submit("Анна Иванова", "anna-at-example")
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "email-error")))
    assert error.text == "'anna-at-example' — не адрес e-mail."
    # beside its field: the message follows the e-mail input inside the same field block
    field = browser.find_element(By.ID, "new-email").find_element(By.XPATH, "..")
    assert field.find_element(By.ID, "email-error") == error
    assert browser.find_element(By.ID, "new-email").get_attribute("aria-invalid") == "true"
    assert browser.find_element(By.ID, "new-full_name").get_attribute("value") == "Анна Иванова"  # input kept

    submit("Анна Иванова", "anna@example.com")
    notice = wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    assert "anna@example.com" in notice.text and "Анна Иванова" in notice.text
    # The whole list again, not one filtered to the newcomer: the search box is empty and the admin is there too.
    listed = browser.find_element(By.ID, "employee-list").text
    assert "Анна Иванова" in listed and "admin@test.example" in listed
    assert browser.find_element(By.CSS_SELECTOR, "input[type=search][name=q]").get_attribute("value") == ""
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        lines = await conn.fetchval(
            "SELECT count(*) FROM terminals t JOIN employees e ON e.id = t.employee_id"
            " WHERE e.email = 'anna@example.com' AND t.sip_login IS NOT NULL"
        )
    assert lines == 3  # the API's service made her three SIP lines


async def test_a_form_posted_without_the_csrf_token_is_refused(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, "admin@test.example")
    browser.find_element(By.CSS_SELECTOR, "#add-employee summary").click()
    browser.execute_script("document.querySelectorAll('input[name=_csrf_token]').forEach(e => e.remove())")
    browser.execute_script(
        "document.querySelector('#add-employee form').removeAttribute('hx-boost');"
        "document.body.removeAttribute('hx-headers')"
    )
    browser.find_element(By.ID, "new-full_name").send_keys("Пётр Сидоров")
    browser.find_element(By.ID, "new-email").send_keys("petr@example.com")
    browser.find_element(By.ID, "add-submit").click()
    title = wait(browser).until(ec.presence_of_element_located((By.ID, "refused-title")))
    assert title.get_attribute("data-reason") == "csrf_refused"
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM employees WHERE email = 'petr@example.com'") == 0
    # A plain cross-site style post (no cookie token at all) is refused too.
    session = {c["name"]: c["value"] for c in browser.get_cookies() if c["name"] == "vats_session"}
    async with httpx.AsyncClient(base_url=cabinet_server.url, cookies=session) as client:
        response = await client.post("/cabinet/settings/employees", data={"full_name": "X", "email": "x@example.com"})
    assert response.status_code == 403


async def test_the_shell_keeps_its_state_across_three_boosted_navigations_and_the_switch_changes_the_api(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    # A mark only this document's shell carries: a full page load would lose it.
    browser.execute_script("document.getElementById('shell').dataset.mark = 'kept'")
    browser.find_element(By.CSS_SELECTOR, "label[for=availability-unavailable]").click()
    wait(browser).until(lambda d: availability(d) == "unavailable")
    for link, expected in (
        ("nav a[href='/cabinet/me']", "me"),
        ("nav a[href='/cabinet/settings/employees']", "employees"),
        ("#employee-list a", "employee"),
    ):
        browser.find_element(By.CSS_SELECTOR, link).click()
        wait(browser).until(lambda d, expected=expected: page_id(d) == expected)
    assert browser.execute_script("return document.getElementById('shell').dataset.mark") == "kept"
    assert browser.find_element(By.ID, "availability-unavailable").is_selected()

    async with httpx.AsyncClient(base_url=cabinet_server.url) as api:
        tokens = (await api.post("/api/auth/login", json={"email": email, "password": TEST_PASSWORD})).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await api.get("/api/me", headers=headers)).json()["employee"]["availability"] == "unavailable"
        browser.find_element(By.CSS_SELECTOR, "label[for=availability-available]").click()
        wait(browser).until(lambda d: availability(d) == "available")
        assert (await api.get("/api/me", headers=headers)).json()["employee"]["availability"] == "available"


async def test_a_user_without_admin_rights_gets_the_clear_no_access_page(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    employee, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Олег Петров", email="oleg@test.example")
    )
    await give_password(vats_kernel, vats_tenant.tenant_id, employee.id)
    sign_in(browser, cabinet_server, "oleg@test.example")
    assert browser.current_url == cabinet_server.url + "/cabinet/me"  # a user lands on Me
    assert not browser.find_elements(By.CSS_SELECTOR, "nav a[href='/cabinet/settings/numbers']")
    browser.get(cabinet_server.url + "/cabinet/settings/numbers")
    title = wait(browser).until(ec.presence_of_element_located((By.ID, "refused-title")))
    assert title.text == "Нет доступа"
    assert "администратору" in browser.find_element(By.ID, "refused-message").text
    assert "Traceback" not in browser.page_source


async def test_a_signed_out_session_returns_to_sign_in_and_back_to_the_page(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/me")
    assert browser.current_url == cabinet_server.url + "/cabinet/me"  # next= honoured on the first sign-in
    # The session ends elsewhere (every session of the account, as a password reset does).
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE sessions SET revoked_at = now() WHERE employee_id = $1", vats_tenant.admin_id)
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/cabinet/settings/employees']").click()  # a boosted click
    wait(browser).until(ec.presence_of_element_located((By.ID, "signin-message")))
    assert browser.current_url.startswith(cabinet_server.url + "/signin?next=/cabinet/settings/employees")
    assert browser.find_element(By.ID, "signin-message").text == "Сессия закончилась, войдите снова."
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(TEST_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda d: page_id(d) == "employees")
    assert browser.current_url == cabinet_server.url + "/cabinet/settings/employees"
    # Signing out from the menu ends the session row at once: the page needs a sign-in again.
    browser.find_element(By.CSS_SELECTOR, "#my-menu summary").click()
    browser.find_element(By.ID, "sign-out").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "email")))
    browser.get(cabinet_server.url + "/cabinet/me")
    wait(browser).until(ec.presence_of_element_located((By.ID, "email")))
    assert "/signin" in browser.current_url


async def test_an_off_site_next_is_ignored_after_sign_in(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/signin?next=//evil.example/x")
    assert browser.current_url == cabinet_server.url + "/cabinet/settings/employees"


async def test_a_wrong_password_gets_the_apis_message_and_no_session(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    browser.get(cabinet_server.url + "/signin")
    browser.find_element(By.ID, "email").send_keys("admin@test.example")
    browser.find_element(By.ID, "password").send_keys("not-the-Passw0rd")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    message = wait(browser).until(ec.presence_of_element_located((By.ID, "signin-message")))
    assert message.text == "Неверный e-mail или пароль."
    assert not [c for c in browser.get_cookies() if c["name"] == "vats_session"]


async def test_english_by_the_menus_choice_and_by_the_browsers_language(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/me")
    assert browser.find_element(By.CSS_SELECTOR, "nav a[href='/cabinet/me']").text == "Профиль"
    browser.find_element(By.CSS_SELECTOR, "#my-menu summary").click()
    browser.find_element(By.CSS_SELECTOR, ".lang-switch button[value=en]").click()
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert browser.current_url == cabinet_server.url + "/cabinet/me"  # back on the same page
    assert browser.find_element(By.CSS_SELECTOR, "nav a[href='/cabinet/me']").text == "Profile"
    assert browser.find_element(By.CSS_SELECTOR, "label[for=availability-available]").text == "Available"
    # A browser that prefers English gets it before anyone chooses.
    async with httpx.AsyncClient(base_url=cabinet_server.url) as client:
        english = await client.get("/signin", headers={"Accept-Language": "en-GB,en;q=0.9,ru;q=0.5"})
        russian = await client.get("/signin", headers={"Accept-Language": "de-DE,ru;q=0.8"})
    assert "<h1>Sign in</h1>" in english.text and 'lang="en"' in english.text
    assert "<h1>Вход</h1>" in russian.text and 'lang="ru"' in russian.text


async def test_a_head_gets_the_read_only_list_of_their_scope_and_a_card_without_sip_passwords(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    head, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Ирина Главная", email="head@test.example", role="head")
    )
    email = await give_password(vats_kernel, vats_tenant.tenant_id, head.id)
    sign_in(browser, cabinet_server, email, "/cabinet/settings/employees")
    assert page_id(browser) == "employees"
    assert not browser.find_elements(By.ID, "add-employee")  # read-only: no add form
    browser.find_element(By.CSS_SELECTOR, "#employee-list a").click()
    wait(browser).until(lambda d: page_id(d) == "employee")
    assert not browser.find_elements(By.CSS_SELECTOR, "table.sip-lines")  # SIP passwords: admins only
    # Adding by posting the form anyway is refused like the API refuses it (admins only).
    browser.execute_script(
        "const f = document.createElement('form'); f.method = 'post'; f.action = '/cabinet/settings/employees';"
        "for (const [k, v] of [['_csrf_token', document.querySelector('input[name=_csrf_token]').value],"
        " ['full_name', 'X'], ['email', 'x@test.example']]) {"
        " const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }"
        "document.body.appendChild(f); f.submit();"
    )
    title = wait(browser).until(ec.presence_of_element_located((By.ID, "refused-title")))
    assert title.get_attribute("data-reason") == "no_access"
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM employees WHERE email = 'x@test.example'") == 0


async def test_forgot_password_mails_a_link_whose_page_sets_a_new_password(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    browser.get(cabinet_server.url + "/signin")
    browser.find_element(By.LINK_TEXT, "Забыли пароль?").click()
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.notice")))
    assert vats_kernel.db is not None
    messages = await DevInbox(vats_kernel.db).messages(to=email)
    link = re.search(r"/reset-password\?token=[\w-]+", messages[0].text)
    assert link
    browser.get(cabinet_server.url + link.group(0))
    browser.find_element(By.ID, "password").send_keys("brand-new-Passw0rd")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.notice")))
    browser.get(cabinet_server.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys("brand-new-Passw0rd")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda d: page_id(d) == "employees")


async def test_the_sign_in_limit_is_the_apis(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    messages = []
    for _ in range(6):
        browser.get(cabinet_server.url + "/signin")
        browser.find_element(By.ID, "email").send_keys("admin@test.example")
        browser.find_element(By.ID, "password").send_keys("not-the-Passw0rd")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        messages.append(wait(browser).until(ec.presence_of_element_located((By.ID, "signin-message"))).text)
    assert messages[:5] == ["Неверный e-mail или пароль."] * 5
    assert messages[5].startswith("Слишком много неудачных попыток. Попробуйте через ")
    # The API answers the same account 429 now: one limit, whichever door.
    async with httpx.AsyncClient(base_url=cabinet_server.url) as api:
        r = await api.post("/api/auth/login", json={"email": "admin@test.example", "password": TEST_PASSWORD})
    assert r.status_code == 429


async def test_the_cabinets_cookie_is_no_api_credential(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    cookie = next(c for c in browser.get_cookies() if c["name"] == "vats_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]  # plain HTTP here
    token = cookie["value"].strip('"').split(" ")[-1]
    async with httpx.AsyncClient(base_url=cabinet_server.url) as api:
        as_bearer = await api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        tokens = (await api.post("/api/auth/login", json={"email": email, "password": TEST_PASSWORD})).json()
    assert as_bearer.status_code == 401  # the API refuses the cabinet's token...
    async with httpx.AsyncClient(
        base_url=cabinet_server.url, cookies={"vats_session": f"Bearer {tokens['access_token']}"}
    ) as web:
        page = await web.get("/cabinet/me")
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")  # ...and the other way round


async def test_changing_my_password_shows_errors_beside_the_fields_and_signs_out_my_other_sessions(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    async with httpx.AsyncClient(base_url=cabinet_server.url) as other:  # another browser, signed in too
        form = await other.get("/signin")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert csrf
        signed = await other.post(
            "/signin", data={"_csrf_token": csrf.group(1), "email": email, "password": TEST_PASSWORD}
        )
        assert signed.status_code == 303
        assert (await other.get("/cabinet/me")).status_code == 200
        sign_in(browser, cabinet_server, email, "/cabinet/me")

        def change(current: str, new: str) -> None:
            browser.find_element(By.ID, "current_password").send_keys(current)
            browser.find_element(By.ID, "new_password").send_keys(new)
            browser.find_element(By.CSS_SELECTOR, "#password-form button[type=submit]").click()

        change("wrong-Passw0rd", "next-Passw0rd!")
        error = wait(browser).until(ec.presence_of_element_located((By.ID, "current_password-error")))
        assert error.text == "Текущий пароль неверен."
        change(TEST_PASSWORD, "onlyletters")
        error = wait(browser).until(ec.presence_of_element_located((By.ID, "new_password-error")))
        assert error.text == "В пароле нужны буквы вместе с цифрами или знаками."
        change(TEST_PASSWORD, "next-Passw0rd!")
        notice = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#main p.notice")))
        assert notice.text == "Пароль изменён; другие ваши сеансы завершены."
        after = await other.get("/cabinet/me")
        assert after.status_code == 303 and after.headers["location"].startswith("/signin")
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/cabinet/settings/employees']").click()
    wait(browser).until(lambda d: page_id(d) == "employees")  # this session goes on


async def test_a_suspended_pbx_ends_the_session_at_once(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    await vats_kernel.directory.set_suspended(vats_tenant.tenant_id, True)
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/cabinet/me']").click()

    def signed_out(driver: Any) -> Any:
        # the server hears of the suspension by a notification, within moments: the next page
        # after it is the sign-in page (a click that raced it is retried by loading the page)
        found = driver.find_elements(By.ID, "signin-message")
        if not found:
            driver.get(cabinet_server.url + "/cabinet/me")
        return found[0] if found else False

    ended = wait(browser).until(signed_out)
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(TEST_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(ec.staleness_of(ended))  # the answer to the sign-in, not the page before it
    message = wait(browser).until(ec.presence_of_element_located((By.ID, "signin-message")))
    assert message.text == "Эта АТС приостановлена; обратитесь к оператору."


async def test_the_employee_list_pages_by_fifty_and_filters_by_role_and_search(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:  # a bigger tariff than the default 50 seats
        await conn.execute("UPDATE tenants SET seats_max = 100 WHERE id = $1", vats_tenant.tenant_id)
    for n in range(54):  # with the admin: 55 employees, two of them heads
        role = "head" if n < 2 else "user"
        await vats_kernel.directory.create_employee(
            vats_tenant.tenant_id, EmployeeCreate(full_name=f"Сотрудник {n:02d}", email=f"e{n}@test.example", role=role)
        )
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)

    def rows() -> int:
        return len(browser.find_elements(By.CSS_SELECTOR, "#employee-list tbody tr"))

    def pager(d: Any) -> str:  # read in one script: htmx may be swapping the region
        return str(d.execute_script("return document.querySelector('.pager')?.textContent || ''"))

    assert rows() == 50 and "1–50 из 55" in pager(browser)
    browser.find_element(By.LINK_TEXT, "Вперёд →").click()
    wait(browser).until(lambda d: "51–55 из 55" in pager(d))
    assert rows() == 5
    Select(browser.find_element(By.ID, "role-filter")).select_by_value("head")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    wait(browser).until(lambda d: "1–2 из 2" in pager(d))
    search = browser.find_element(By.ID, "q")
    search.send_keys("Сотрудник 01")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    wait(browser).until(lambda d: "1–1 из 1" in pager(d))
    assert browser.find_element(By.CSS_SELECTOR, "#employee-list tbody").text.startswith("Сотрудник 01")
    assert "q=" in browser.current_url and "role=head" in browser.current_url  # the address keeps the filter
