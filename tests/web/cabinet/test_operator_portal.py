"""The operator portal (/operator) in a real headless Chromium against a real vats server:
operator accounts signed in with their own cookie session, tenants, numbers and trunks, every
action audited with the operator who did it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from vats.core.asterisk import trunks
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.operators.accounts import OperatorAccounts
from vats.core.operators.actions import OperatorActions
from vats.core.operators.audit import Actor

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait

OPERATOR = "olga@operator.example"
OP_PASSWORD = "op-Passw0rd-1"


async def make_operator(kernel: Kernel, email: str = OPERATOR) -> None:
    await OperatorAccounts(kernel.db, kernel.accounts).create(email, OP_PASSWORD)


def op_sign_in(driver: Any, server: Server, email: str = OPERATOR, path: str = "/operator") -> None:
    driver.get(server.url + path)
    wait(driver).until(ec.presence_of_element_located((By.ID, "operator-signin")))
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(OP_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#operator-signin button[type=submit]").click()
    wait(driver).until(ec.presence_of_element_located((By.ID, "shell")))


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def cabinet_session(server: Server, email: str, password: str) -> httpx.AsyncClient:
    """Another browser: a person of a tenant signed in to the cabinet (the caller closes it)."""
    client = httpx.AsyncClient(base_url=server.url)
    form = await client.get("/signin")
    signed = await client.post("/signin", data={"_csrf_token": csrf_of(form.text), "email": email, "password": password})
    assert signed.status_code == 303, signed.text
    return client


def submit_form(driver: Any, fields: dict[str, str], button: str) -> None:
    for element_id, value in fields.items():
        element = driver.find_element(By.ID, element_id)
        element.clear()
        element.send_keys(value)
    pressed = driver.find_element(By.ID, button)
    pressed.click()
    # The answer replaces the page: until then the previous answer's errors are still on it, and
    # a wait for an error would find the old one (and read it as it goes stale).
    wait(driver).until(ec.staleness_of(pressed))


def fits_a_phone(driver: Any) -> bool:
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"))


async def test_an_operator_creates_a_tenant_suspends_it_ending_its_admins_session_and_resumes_it(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel
) -> None:
    await make_operator(vats_kernel)
    op_sign_in(browser, cabinet_server)
    assert browser.current_url == cabinet_server.url + "/operator/tenants"
    browser.find_element(By.CSS_SELECTOR, "#new-tenant summary").click()
    submit_form(browser, {"new-name": "ООО Ромашка", "new-admin_email": "boss@romashka.example",
                          "new-admin_name": "Ирина Директорова"}, "create-tenant")  # fmt: skip
    notice = wait(browser).until(ec.presence_of_element_located((By.ID, "notice"))).text
    assert page_id(browser) == "operator-tenant" and browser.find_element(By.ID, "tenant-name").text == "ООО Ромашка"
    found = re.search(r"boss@romashka\.example: (\S+) —", notice)
    assert found, notice  # the admin's one-time password, shown once
    admin = await cabinet_session(cabinet_server, "boss@romashka.example", found.group(1))
    try:
        assert (await admin.get("/cabinet/settings/employees")).status_code == 200

        browser.find_element(By.ID, "suspend").click()
        wait(browser).until(ec.presence_of_element_located((By.ID, "resume")))
        assert browser.find_element(By.ID, "notice").text == "АТС приостановлена; сеансы её сотрудников завершены."
        assert browser.find_element(By.ID, "tenant-status").text == "Приостановлена"
        ended = await admin.get("/cabinet/settings/employees")  # at once: no wait, no retry
        assert ended.status_code == 303 and ended.headers["location"].startswith("/signin")

        browser.find_element(By.ID, "resume").click()
        wait(browser).until(ec.presence_of_element_located((By.ID, "suspend")))
        assert browser.find_element(By.ID, "tenant-status").text == "Работает"
    finally:
        await admin.aclose()
    again = await cabinet_session(cabinet_server, "boss@romashka.example", found.group(1))
    await again.aclose()

    # Every action is in the audit log under the operator's account, never as the token.
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/operator/audit']").click()
    wait(browser).until(lambda d: page_id(d) == "operator-audit")
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#audit-list tbody tr")]
    assert len(rows) == 3 and all(OPERATOR in r for r in rows)
    assert "возобновлён: ООО Ромашка" in rows[0] and "клиент создан: ООО Ромашка" in rows[2]
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        logged = await conn.fetch("SELECT actor, operator_id, action FROM operator_audit ORDER BY id")
        operator_id = await conn.fetchval("SELECT id FROM operator_accounts WHERE email = $1", OPERATOR)
    assert [r["action"] for r in logged] == ["tenant_created", "tenant_suspended", "tenant_resumed"]
    assert {(r["actor"], r["operator_id"]) for r in logged} == {(OPERATOR, operator_id)}


async def test_refused_input_is_shown_beside_its_field_and_changes_nothing(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await make_operator(vats_kernel)
    op_sign_in(browser, cabinet_server)
    browser.find_element(By.CSS_SELECTOR, "#new-tenant summary").click()
    submit_form(browser, {"new-name": "ООО Лютик", "new-admin_email": "not-an-email"}, "create-tenant")
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "admin_email-error")))
    assert error.text == "'not-an-email' — не адрес e-mail."
    assert browser.find_element(By.ID, "new-name").get_attribute("value") == "ООО Лютик"  # kept for the fix
    assert browser.find_element(By.ID, "new-admin_email").get_attribute("aria-invalid") == "true"
    submit_form(browser, {"new-admin_email": "admin@test.example"}, "create-tenant")  # another PBX's admin
    assert wait(browser).until(ec.presence_of_element_located((By.ID, "admin_email-error"))).text
    submit_form(browser, {"new-admin_email": "boss@lutik.example", "new-seats_max": "2"}, "create-tenant")
    assert wait(browser).until(ec.presence_of_element_located((By.ID, "seats_max-error"))).text == "Мест — от 3 до 10000."

    browser.get(f"{cabinet_server.url}/operator/tenants/{vats_tenant.tenant_id}")
    submit_form(browser, {"seats_max": "0"}, "save-seats")
    assert wait(browser).until(ec.presence_of_element_located((By.ID, "seats_max-error"))).text.startswith("Мест — от")
    submit_form(browser, {"promote-email": "nobody@test.example"}, "promote")
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "email-error")))
    assert error.text == "В этой АТС нет сотрудника с таким e-mail."
    submit_form(browser, {"assign-number": "123"}, "assign-submit")
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "number-error")))
    assert error.text == "'123' — не номер телефона."
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT count(*) FROM tenants") == 1
        assert await conn.fetchval("SELECT seats_max FROM tenants") == 50
        assert await conn.fetchval("SELECT count(*) FROM operator_audit") == 0  # refused: nothing recorded

    submit_form(browser, {"seats_max": "12"}, "save-seats")
    wait(browser).until(lambda d: "done=seats" in d.current_url)
    assert browser.find_element(By.ID, "tenant-seats").text == "1 из 12"


async def test_a_tenants_cookie_cannot_open_the_portal_and_an_operators_cannot_open_the_cabinet(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await make_operator(vats_kernel)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)  # the PBX's admin, in the cabinet
    browser.get(cabinet_server.url + "/operator/tenants")
    wait(browser).until(ec.presence_of_element_located((By.ID, "operator-signin")))
    assert browser.current_url == cabinet_server.url + "/operator/signin?next=/operator/tenants"
    tenant_cookie = next(c for c in browser.get_cookies() if c["name"] == "vats_session")["value"].strip('"')

    browser.delete_all_cookies()
    op_sign_in(browser, cabinet_server)
    op_cookie = next(c for c in browser.get_cookies() if c["name"] == "vats_operator")
    assert op_cookie["httpOnly"] and op_cookie["sameSite"] == "Lax" and op_cookie["path"] == "/operator"
    browser.get(cabinet_server.url + "/cabinet/me")
    wait(browser).until(ec.presence_of_element_located((By.ID, "email")))
    assert browser.current_url.startswith(cabinet_server.url + "/signin")

    # Nor does either token work when put under the other's cookie name, or as an API token.
    op_value = op_cookie["value"].strip('"')
    async def get(path: str, cookies: dict[str, str], headers: dict[str, str] | None = None) -> httpx.Response:
        async with httpx.AsyncClient(base_url=cabinet_server.url, cookies=cookies, headers=headers) as web:
            return await web.get(path)

    forged = await get("/operator/tenants", {"vats_operator": tenant_cookie})
    assert forged.status_code == 303 and forged.headers["location"].startswith("/operator/signin")
    other_way = await get("/cabinet/me", {"vats_session": op_value})
    assert other_way.status_code == 303 and other_way.headers["location"].startswith("/signin")
    api = await get("/api/operator/tenants", {}, {"Authorization": op_value})
    assert api.status_code in (401, 403)
    mine = await get("/operator/tenants", {"vats_operator": op_value})
    assert mine.status_code == 200 and "Test company" in mine.text


async def test_a_form_posted_without_the_csrf_token_is_refused(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await make_operator(vats_kernel)
    op_sign_in(browser, cabinet_server, path=f"/operator/tenants/{vats_tenant.tenant_id}")
    browser.execute_script("document.querySelectorAll('input[name=_csrf_token]').forEach(e => e.remove())")
    browser.find_element(By.ID, "suspend").click()
    title = wait(browser).until(ec.presence_of_element_located((By.ID, "refused-title")))
    assert title.get_attribute("data-reason") == "csrf_refused"
    assert not (await vats_kernel.directory.get_tenant(vats_tenant.tenant_id)).suspended
    browser.get(f"{cabinet_server.url}/operator/tenants/{vats_tenant.tenant_id}")  # a fresh form works
    browser.find_element(By.ID, "suspend").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "resume")))
    assert (await vats_kernel.directory.get_tenant(vats_tenant.tenant_id)).suspended


async def test_wrong_passwords_are_limited_like_the_tenants_and_sign_out_ends_the_session_at_once(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel
) -> None:
    await make_operator(vats_kernel)
    messages = []
    for _ in range(6):
        browser.get(cabinet_server.url + "/operator/signin")
        browser.find_element(By.ID, "email").send_keys(OPERATOR)
        browser.find_element(By.ID, "password").send_keys("not-the-Passw0rd")
        browser.find_element(By.CSS_SELECTOR, "#operator-signin button[type=submit]").click()
        messages.append(wait(browser).until(ec.presence_of_element_located((By.ID, "signin-message"))).text)
    assert messages[:5] == ["Неверный e-mail или пароль."] * 5
    assert messages[5].startswith("Слишком много неудачных попыток. Попробуйте через ")
    browser.find_element(By.ID, "email").clear()  # the refused page keeps the e-mail typed
    browser.find_element(By.ID, "email").send_keys(OPERATOR)
    browser.find_element(By.ID, "password").send_keys(OP_PASSWORD)  # the right one is refused too, for now
    refused = browser.find_element(By.ID, "signin-message")
    browser.find_element(By.CSS_SELECTOR, "#operator-signin button[type=submit]").click()
    wait(browser).until(ec.staleness_of(refused))  # the answer, not the message of the page before it
    assert wait(browser).until(ec.presence_of_element_located((By.ID, "signin-message"))).text.startswith(
        "Слишком много"
    )
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT count(*) FROM operator_sessions") == 0
        await conn.execute("DELETE FROM login_failures")  # the window passes

    op_sign_in(browser, cabinet_server)
    cookie = next(c for c in browser.get_cookies() if c["name"] == "vats_operator")["value"].strip('"')
    async with httpx.AsyncClient(base_url=cabinet_server.url, cookies={"vats_operator": cookie}) as other:
        assert (await other.get("/operator/tenants")).status_code == 200
        browser.find_element(By.CSS_SELECTOR, "#my-menu summary").click()
        browser.find_element(By.ID, "sign-out").click()
        wait(browser).until(ec.presence_of_element_located((By.ID, "operator-signin")))
        after = await other.get("/operator/tenants")  # the same token, replayed: its session is over
    assert after.status_code == 303 and after.headers["location"].startswith("/operator/signin")


async def test_numbers_and_trunks_pages_assign_add_refuse_and_remove(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await make_operator(vats_kernel)
    op_sign_in(browser, cabinet_server, path="/operator/numbers")
    browser.find_element(By.CSS_SELECTOR, "#number-panel summary").click()
    browser.find_element(By.CSS_SELECTOR, f"#new-tenant_id option[value='{vats_tenant.tenant_id}']").click()
    submit_form(browser, {"new-number": "8 495 765-43-21", "new-name": "Офис"}, "add-number")
    wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    assert "+74957654321" in browser.find_element(By.ID, "number-list").text
    browser.find_element(By.CSS_SELECTOR, "#number-panel summary").click()
    browser.find_element(By.CSS_SELECTOR, f"#new-tenant_id option[value='{vats_tenant.tenant_id}']").click()
    submit_form(browser, {"new-number": "+74957654321"}, "add-number")
    assert wait(browser).until(ec.presence_of_element_located((By.ID, "number-error"))).text

    browser.find_element(By.CSS_SELECTOR, "nav a[href='/operator/trunks']").click()
    wait(browser).until(lambda d: page_id(d) == "operator-trunks")
    browser.find_element(By.CSS_SELECTOR, "#new-trunk summary").click()
    submit_form(browser, {"new-name": "Bad Name", "new-host": "sip.provider.example"}, "add-trunk")
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "name-error")))
    assert error.text == "Строчные латинские буквы, цифры, - и _; начинается с буквы."
    submit_form(browser, {"new-name": "rostelecom", "new-username": "vats", "new-password": "s3cret-trunk"},
                "add-trunk")  # fmt: skip
    wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    listed = browser.find_element(By.ID, "trunk-list").text
    assert "rostelecom" in listed and "s3cret-trunk" not in browser.page_source
    old_list = browser.find_element(By.ID, "trunk-list")
    browser.find_element(By.CSS_SELECTOR, "#trunk-list button[type=submit]").click()
    wait(browser).until(ec.staleness_of(old_list))  # the page after the delete, not the notice of the add
    wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    assert not browser.find_elements(By.ID, "trunk-list")
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        actions = [r["action"] for r in await conn.fetch("SELECT action FROM operator_audit ORDER BY id")]
    assert actions == ["number_assigned", "trunk_created", "trunk_deleted"]


async def test_every_portal_page_fits_a_phone_and_passes_axe_at_both_widths(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Any
) -> None:
    await make_operator(vats_kernel)
    # Long names and addresses, and an audit log with rows: what must still fit at 375 px.
    acting = OperatorActions(vats_kernel.db, vats_kernel.directory, None, Actor(label=OPERATOR))
    await acting.assign_number(vats_tenant.tenant_id, "+74951234567", "Основной")
    for n in range(3):
        await acting.create_tenant(
            name=f"ООО Очень длинное название компании номер {n}", admin_email=f"director-{n}@long-domain-name.example"
        )
    await acting.create_trunk(trunks.TrunkIn(name="rostelecom-moscow-primary", host="sip.very-long-provider-name.example",
                                             username="vats-account-0001", password="s3cret-trunk",
                                             inbound_match="203.0.113.0/24"))  # fmt: skip
    await acting.set_seats(vats_tenant.tenant_id, 20)
    browser.get(cabinet_server.url + "/operator/signin")
    pages = {
        "signin": "/operator/signin",
        "dashboard": "/operator/dashboard",
        "tenants": "/operator/tenants",
        "tenant": f"/operator/tenants/{vats_tenant.tenant_id}",
        "numbers": "/operator/numbers",
        "trunks": "/operator/trunks",
        "audit": "/operator/audit",
        "not-found": f"/operator/tenants/{uuid.uuid4()}",
    }
    browser.save_screenshot(str(screenshots / "operator-signin-desktop.png"))
    op_sign_in(browser, cabinet_server)
    problems: list[str] = []
    for width, label in ((1280, "desktop"), (375, "phone")):
        browser.set_window_size(width, 900)
        for name, path in pages.items():
            if name == "signin":
                continue
            browser.get(cabinet_server.url + path)
            wait(browser).until(ec.presence_of_element_located((By.ID, "main")))
            for panel in browser.find_elements(By.CSS_SELECTOR, "details.panel summary"):
                panel.click()  # the forms open too: they must fit as well
            browser.save_screenshot(str(screenshots / f"operator-{name}-{label}.png"))
            problems += accessibility_problems(browser, f"{name} at {width} px")
            if label == "phone":
                assert fits_a_phone(browser), name
    browser.delete_all_cookies()
    browser.get(cabinet_server.url + "/operator/signin")
    browser.save_screenshot(str(screenshots / "operator-signin-phone.png"))
    assert fits_a_phone(browser)
    problems += accessibility_problems(browser, "signin at 375 px")
    assert problems == []  # axe-core: WCAG 2.1 A/AA (labels, contrast, keyboard)


async def test_an_operator_signs_in_and_suspends_a_tenant_with_the_keyboard_alone(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await make_operator(vats_kernel)
    browser.get(f"{cabinet_server.url}/operator/tenants/{vats_tenant.tenant_id}")
    wait(browser).until(ec.presence_of_element_located((By.ID, "operator-signin")))
    browser.switch_to.active_element.send_keys(OPERATOR)  # the e-mail field has the focus
    browser.switch_to.active_element.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys(OP_PASSWORD, Keys.ENTER)
    wait(browser).until(lambda d: page_id(d) == "operator-tenant")  # back to the page asked for
    reached = []
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(30):
        active = browser.switch_to.active_element
        reached.append(active.get_attribute("id") or active.get_attribute("href") or active.tag_name)
        if reached[-1] == "suspend":
            active.send_keys(Keys.ENTER)
            break
        active.send_keys(Keys.TAB)
    assert any(str(r).endswith("/operator/numbers") for r in reached), reached  # the menu on the way
    wait(browser).until(ec.presence_of_element_located((By.ID, "resume")))
    assert (await vats_kernel.directory.get_tenant(vats_tenant.tenant_id)).suspended
