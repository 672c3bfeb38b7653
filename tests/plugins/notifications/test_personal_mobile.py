"""Seed 003: an employee's personal mobile, confirmed by an SMS code, recovers the password by
an SMS code. In Chromium against the real local HTTP SMS gateway: the number set and confirmed
in Профиль, then "forgot password" → by SMS → a code → a new password that signs in. Without a
browser: the same answer whether or not the account exists or has a mobile (no oracle); a code
dies after five wrong tries and when it expires; limits per number and per client address; two
resets racing with one code: one wins."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.notifications import personal

from tests.plugins.notifications.conftest import SmsGateway, eventually, use_gateway
from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import TOKEN, CabinetClient
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import phone

ANNA = "+79031234567"
NEW_PASSWORD = "совсем-новый-пароль-42"
RECOVER = "/signin/forgot/sms/"


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def checked(driver: Any, name: str, shots: Path) -> list[str]:
    """Screenshots at 1280 and 375 px and axe's findings at both, of the page shown."""
    problems = []
    for width, on in ((1280, False), (375, True)):
        phone(driver, on)
        driver.save_screenshot(str(shots / f"{name}-{width}.png"))
        problems += accessibility_problems(driver, f"{name} {width}")
        if on:
            scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"{name}: wider than 375 px")
    phone(driver, False)
    return problems


def submit(driver: Any, form_id: str) -> None:
    """Press the form's button and wait for the next page (not the old one still shown)."""
    old = driver.find_element(By.ID, "main")
    driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]").click()
    wait(driver).until(ec.staleness_of(old))
    wait(driver).until(ec.presence_of_element_located((By.ID, "main")))


async def test_an_employee_confirms_a_personal_mobile_then_recovers_the_password_by_sms_in_the_browser(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated,  # noqa: F811
    vats_api: ApiClients, threaded_sms_gateway: SmsGateway, screenshots: Path,  # noqa: F811
) -> None:  # fmt: skip
    gateway = threaded_sms_gateway
    await use_gateway(vats_api, gateway)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/me/mobile/")
    wait(browser).until(ec.presence_of_element_located((By.ID, "no-mobile")))
    problems = checked(browser, "personal-mobile", screenshots)

    browser.find_element(By.ID, "personal_mobile").send_keys("+7 495 123-45-67")  # a landline: no SMS reach it
    submit(browser, "set-mobile")
    assert "SMS на него не придёт" in browser.find_element(By.ID, "personal_mobile-error").text
    field = browser.find_element(By.ID, "personal_mobile")
    field.clear()
    field.send_keys("8 903 123 45 67")
    submit(browser, "set-mobile")
    assert browser.find_element(By.ID, "mobile-state").get_attribute("data-verified") == "false"
    (text,) = await eventually(lambda: gateway.texts_to(ANNA))
    browser.find_element(By.ID, "code").send_keys("000000" if code_in(text) != "000000" else "111111")
    submit(browser, "confirm-mobile")
    assert browser.find_element(By.ID, "code-error").text == "Неверный код"
    problems += checked(browser, "personal-mobile-code", screenshots)
    browser.find_element(By.ID, "code").send_keys(code_in(text))
    submit(browser, "confirm-mobile")
    assert browser.find_element(By.ID, "mobile-state").get_attribute("data-verified") == "true"
    assert "по нему можно восстановить пароль" in browser.find_element(By.ID, "notice").text

    # Forgot the password: the page offers the SMS, which sends a code to the confirmed mobile.
    browser.delete_all_cookies()
    browser.get(cabinet_server.url + "/signin/forgot")
    browser.find_element(By.CSS_SELECTOR, "a.other-way").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "recover-ask")))
    problems += checked(browser, "recover-ask", screenshots)
    browser.find_element(By.ID, "email").send_keys(email)
    submit(browser, "recover-ask")
    assert "Если к этой учётной записи привязан" in browser.find_element(By.ID, "code-sent").text
    texts = await eventually(lambda: [s for s in gateway.texts_to(ANNA) if "смены пароля" in s])
    browser.find_element(By.ID, "code").send_keys(code_in(texts[0]))
    browser.find_element(By.ID, "password").send_keys("abcdefghij")
    submit(browser, "recover-reset")
    assert browser.find_element(By.ID, "password-error").text  # letters only: said beside the field
    problems += checked(browser, "recover-code", screenshots)
    browser.find_element(By.ID, "code").send_keys(code_in(texts[0]))
    browser.find_element(By.ID, "password").send_keys(NEW_PASSWORD)
    submit(browser, "recover-reset")
    assert "Пароль изменён" in browser.find_element(By.ID, "recovered").text
    problems += checked(browser, "recover-done", screenshots)
    assert problems == []

    async with vats_kernel.db.system() as conn:  # the code is spent
        assert await conn.fetchval("SELECT count(*) FROM password_sms_codes WHERE used_at IS NULL") == 0
    browser.get(cabinet_server.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(NEW_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "shell")))


async def _confirmed_mobile(kernel: Kernel, tenant: TenantCreated, employee_id: Any, number: str = ANNA) -> str:
    email = await give_password(kernel, tenant.tenant_id, employee_id)
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO employee_personal_mobiles (tenant_id, employee_id, personal_mobile, verified_at)"
            " VALUES ($1, $2, $3, now())",
            tenant.tenant_id, employee_id, number,
        )  # fmt: skip
    return email


def without_token(html: str) -> str:
    return TOKEN.sub("", html)


async def ask(client: CabinetClient, email: str) -> Any:
    return await client.post_form(RECOVER, {"email": email}, form_page=RECOVER)


async def reset(client: CabinetClient, email: str, code: str, password: str = NEW_PASSWORD) -> Any:
    return await client.post_form(
        RECOVER + "reset", {"email": email, "code": code, "password": password}, form_page=RECOVER
    )


async def test_the_answers_are_the_same_whether_the_account_exists_or_has_a_mobile(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway)
    with_mobile = await _confirmed_mobile(vats_kernel, vats_tenant, vats_tenant.admin_id)
    plain, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(email="plain@test.example", full_name="Без Мобильного")
    )
    without_mobile = await give_password(vats_kernel, vats_tenant.tenant_id, plain.id)
    client = CabinetClient(create_app(vats_kernel))
    try:
        answers = [await ask(client, e) for e in (with_mobile, without_mobile, "nobody@nowhere.example")]
        assert {a.status_code for a in answers} == {200}
        bodies = {without_token(a.text).replace(e, "E") for a, e in zip(answers, (with_mobile, without_mobile,
                  "nobody@nowhere.example"), strict=True)}  # fmt: skip
        assert len(bodies) == 1 and "Если к этой учётной записи привязан" in bodies.pop()
        (text,) = await eventually(lambda: sms_gateway.texts_to(ANNA))
        assert len(sms_gateway.accepted) == 1  # only the account with a confirmed mobile got a code
        refusals = [
            await reset(client, with_mobile, "000000" if code_in(text) != "000000" else "111111"),
            await reset(client, without_mobile, "123456"),
            await reset(client, "nobody@nowhere.example", "123456"),
        ]
        assert {r.status_code for r in refusals} == {422}
        assert len({re.search(r'id="code-error">([^<]+)<', r.text).group(1) for r in refusals}) == 1  # type: ignore[union-attr]
        assert (await reset(client, with_mobile, code_in(text))).status_code == 200
        assert (await client.sign_in(with_mobile, NEW_PASSWORD)).status_code == 303
    finally:
        await client.close()


async def test_a_code_dies_after_five_wrong_tries_and_when_it_expires(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway)
    email = await _confirmed_mobile(vats_kernel, vats_tenant, vats_tenant.admin_id)
    client = CabinetClient(create_app(vats_kernel))
    try:
        await ask(client, email)
        (text,) = await eventually(lambda: sms_gateway.texts_to(ANNA))
        wrong = "000000" if code_in(text) != "000000" else "111111"
        for _ in range(personal.MAX_CODE_TRIES):
            assert (await reset(client, email, wrong)).status_code == 422
        assert (await reset(client, email, code_in(text))).status_code == 422  # the right one, too late
        await ask(client, email)
        texts = await eventually(lambda: sms_gateway.texts_to(ANNA)[1:])
        async with vats_kernel.db.system() as conn:
            await conn.execute("UPDATE password_sms_codes SET expires_at = now() - interval '1 s'")
        assert (await reset(client, email, code_in(texts[0]))).status_code == 422
        assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303  # the old password still works
    finally:
        await client.close()


async def test_codes_are_limited_per_number_and_requests_per_client_address(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway, codes_per_hour=2)
    email = await _confirmed_mobile(vats_kernel, vats_tenant, vats_tenant.admin_id)
    client = CabinetClient(create_app(vats_kernel))
    try:
        answers = [await ask(client, email) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]  # the third says the same ...
        await eventually(lambda: len(sms_gateway.texts_to(ANNA)) == 2)
        await asyncio.sleep(0.3)
        assert len(sms_gateway.texts_to(ANNA)) == 2  # ... and sends nothing: two codes an hour to this number
        for _ in range(personal.REQUESTS_PER_HOUR - 3):
            assert (await ask(client, "nobody@nowhere.example")).status_code == 200
        limited = await ask(client, "nobody@nowhere.example")
        assert limited.status_code == 429 and "Слишком много попыток с этого адреса" in limited.text
        assert (await ask(client, email)).status_code == 429  # the same for an account that exists
    finally:
        await client.close()


async def test_two_resets_racing_with_one_code_change_the_password_once(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway)
    email = await _confirmed_mobile(vats_kernel, vats_tenant, vats_tenant.admin_id)
    app = create_app(vats_kernel)
    clients = [CabinetClient(app) for _ in range(2)]
    try:
        await ask(clients[0], email)
        (text,) = await eventually(lambda: sms_gateway.texts_to(ANNA))
        tokens = [await c.csrf(RECOVER) for c in clients]
        answers = await asyncio.gather(*(
            c.http.post(RECOVER + "reset", data={"email": email, "code": code_in(text), "password": p,
                                                 "_csrf_token": token})
            for c, token, p in zip(clients, tokens, (NEW_PASSWORD, NEW_PASSWORD + "-b"), strict=True)
        ))  # fmt: skip
        assert sorted(a.status_code for a in answers) == [200, 422]
    finally:
        for c in clients:
            await c.close()


async def test_without_an_sms_gateway_the_page_says_sms_recovery_is_unavailable(vats_kernel: Kernel) -> None:
    client = CabinetClient(create_app(vats_kernel))
    try:
        shown = await client.http.get(RECOVER)
        assert shown.status_code == 200 and 'id="unavailable"' in shown.text and 'id="recover-ask"' not in shown.text
    finally:
        await client.close()
