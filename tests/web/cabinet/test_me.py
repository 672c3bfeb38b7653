"""Профиль (Me) in a real headless Chromium: my language saved with me and winning over the
browser's, my own SIP lines (a new password, a provisioning QR), and the Telegram section the
bot sends people to, with a real bot against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.bots.telegram.testing import FakeTelegram, running_bot
from vats.bots.telegram.texts import TEXTS
from vats.bots.web.app import create_app
from vats.bots.web.cabinet.provisioning import qr_svg
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.config import Config
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait


def submit(driver: Any, form_id: str) -> None:
    driver.execute_script("document.getElementById('main').dataset.stale = '1'")
    button = driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait(driver).until(
        lambda d: d.execute_script("const m = document.getElementById('main'); return m && !m.dataset.stale")
    )


def html_lang(driver: Any) -> str:
    return str(driver.execute_script("return document.documentElement.lang"))


async def stored_language(kernel: Kernel, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> str | None:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        value: str | None = await conn.fetchval(
            "SELECT language FROM employees WHERE tenant_id = $1 AND id = $2", tenant_id, employee_id
        )
    return value


@contextlib.asynccontextmanager
async def signed_in_client(server: Server, email: str, accept_language: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser: its own cookies and its own Accept-Language."""
    async with httpx.AsyncClient(base_url=server.url, headers={"Accept-Language": accept_language}) as client:
        form = await client.get("/signin")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert csrf
        data = {"_csrf_token": csrf.group(1), "email": email, "password": TEST_PASSWORD}
        assert (await client.post("/signin", data=data)).status_code == 303
        yield client


async def test_my_language_is_saved_with_me_and_wins_over_every_browsers_own(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid, admin = vats_tenant.tenant_id, vats_tenant.admin_id
    email = await give_password(vats_kernel, tid, admin)
    sign_in(browser, cabinet_server, email, "/cabinet/me")
    assert html_lang(browser) == "ru"  # the browser's (ru), nothing chosen yet
    Select(browser.find_element(By.ID, "language-language")).select_by_value("en")
    submit(browser, "language-form")
    assert html_lang(browser) == "en"
    assert browser.find_element(By.ID, "me-title").text == "Profile"
    assert await stored_language(vats_kernel, tid, admin) == "en"
    # Another browser that prefers Russian gets my English too.
    async with signed_in_client(cabinet_server, email, "ru-RU,ru;q=0.9") as other:
        assert 'lang="en"' in (await other.get("/cabinet/me")).text
        # Back to "the browser's": each browser speaks its own language again.
        Select(browser.find_element(By.ID, "language-language")).select_by_value("")
        submit(browser, "language-form")
        assert await stored_language(vats_kernel, tid, admin) is None
        assert 'lang="ru"' in (await other.get("/cabinet/me")).text
    assert html_lang(browser) == "ru"
    # The menu's switch is the same choice, saved with me.
    browser.find_element(By.CSS_SELECTOR, "#my-menu summary").click()
    browser.find_element(By.CSS_SELECTOR, ".lang-switch button[value=en]").click()
    wait(browser).until(lambda d: html_lang(d) == "en")
    assert await stored_language(vats_kernel, tid, admin) == "en"


async def test_the_pbx_language_is_the_default_when_neither_i_nor_the_browser_say(
    cabinet_server: Server, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    await vats_kernel.directory.update_tenant(tid, language="en")
    async with signed_in_client(cabinet_server, email, "de-DE,de;q=0.9") as german:
        assert 'lang="en"' in (await german.get("/cabinet/me")).text
    async with signed_in_client(cabinet_server, email, "ru") as russian:
        assert 'lang="ru"' in (await russian.get("/cabinet/me")).text


async def test_my_profile_and_my_sip_lines_new_password_and_qr(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.core.directory.employees import get_employee, sip_secrets

    tid, admin = vats_tenant.tenant_id, vats_tenant.admin_id
    email = await give_password(vats_kernel, tid, admin)
    sign_in(browser, cabinet_server, email, "/cabinet/me")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        before = await sip_secrets(conn, tid, admin)

    box = browser.find_element(By.ID, "me-time_zone")
    box.clear()
    box.send_keys("Mars/Olympus")
    submit(browser, "me-form")
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "me-time_zone-error")))
    assert error.text == "'Mars/Olympus' — неизвестный часовой пояс."
    box = browser.find_element(By.ID, "me-time_zone")
    box.clear()
    box.send_keys("Asia/Novosibirsk")
    Select(browser.find_element(By.ID, "me-ring_mode")).select_by_value("sequential")
    submit(browser, "me-form")
    async with vats_kernel.db.tenant(tid) as conn:
        me = await get_employee(conn, tid, admin)
    assert (me.time_zone, me.ring_mode) == ("Asia/Novosibirsk", "sequential")

    line = before[0]
    browser.execute_script("document.getElementById('main').dataset.stale = '1'")
    browser.find_element(By.CSS_SELECTOR, f"#line-{line.terminal_id} button.new-password").click()
    wait(browser).until(lambda d: d.execute_script("return !document.getElementById('main').dataset.stale"))
    async with vats_kernel.db.tenant(tid) as conn:
        after = await sip_secrets(conn, tid, admin)
    assert after[0].sip_password != line.sip_password and after[1:] == before[1:]
    assert after[0].sip_password in browser.find_element(By.ID, f"line-{line.terminal_id}").text

    browser.find_element(By.CSS_SELECTOR, f"#line-{line.terminal_id} button.provision").click()
    url = wait(browser).until(ec.presence_of_element_located((By.ID, "provisioning-url"))).text
    async with httpx.AsyncClient() as softphone:
        first, second = await softphone.get(url), await softphone.get(url)
    assert first.status_code == 200 and after[0].sip_password in first.text
    assert second.status_code == 404


class BotServer(Server):
    """The test server with the real Telegram bot running on its kernel (polling the fake)."""

    def __init__(self, config: Config, fake: FakeTelegram) -> None:
        super().__init__(config)
        self.fake = fake

    async def _serve(self) -> None:
        kernel = Kernel(self.config)
        await kernel.start()
        try:
            async with running_bot(kernel, self.fake):
                config = uvicorn.Config(create_app(kernel), host="127.0.0.1", port=self.port, log_level="warning")
                self.server = uvicorn.Server(config)
                serving = asyncio.create_task(self.server.serve())
                while not self.server.started and not serving.done():  # noqa: ASYNC110 (uvicorn has no event)
                    await asyncio.sleep(0.05)
                self.started.set()
                await serving
        finally:
            await kernel.stop()


@pytest.fixture
def bot_server(vats_config: Config, vats_kernel: Kernel, fake_telegram: FakeTelegram) -> Iterator[Server]:
    server = BotServer(vats_config, fake_telegram)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_bot_sends_strangers_to_the_section_this_page_has() -> None:
    assert "(Профиль → Telegram)" in TEXTS["stranger"]["ru"]
    assert "(Profile → Telegram)" in TEXTS["stranger"]["en"]


async def test_profile_telegram_gives_a_deep_link_and_its_qr_and_the_bot_links_me(
    bot_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, fake_telegram: FakeTelegram
) -> None:
    tid = vats_tenant.tenant_id
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, bot_server, email, "/cabinet/me")
    # The place the bot names: the page "Профиль", its section "Telegram".
    assert browser.find_element(By.ID, "me-title").text == "Профиль"
    assert browser.find_element(By.ID, "telegram-title").text == "Telegram"
    assert browser.find_element(By.ID, "telegram-state").text == "Telegram не подключён."
    browser.execute_script("document.getElementById('main').dataset.stale = '1'")
    browser.find_element(By.ID, "telegram-link").click()
    link = wait(browser).until(ec.presence_of_element_located((By.ID, "telegram-deep-link"))).get_attribute("href")
    match = re.fullmatch(r"https://t\.me/vats_test_bot\?start=([\w-]+)", link or "")
    assert match, link
    drawn = browser.find_element(By.CSS_SELECTOR, "#telegram-offer svg.qr path").get_attribute("d")
    assert drawn and f'd="{drawn}"' in qr_svg(link or "", "Telegram")  # the QR is this link

    fake_telegram.send_text(7001, f"/start {match.group(1)}")  # the phone opened the link
    reply = await fake_telegram.wait_for_message(chat_id=7001)
    assert "Telegram подключён" in reply["text"]
    browser.get(bot_server.url + "/cabinet/me")
    wait(browser).until(lambda d: page_id(d) == "me")
    assert browser.find_element(By.ID, "telegram-state").text == "Подключён: @user7001."
    browser.find_element(By.ID, "telegram-unlink").click()
    wait(browser).until(lambda d: d.find_element(By.ID, "telegram-state").text == "Telegram не подключён.")


async def test_the_api_sets_the_same_languages_the_cabinet_reads(
    cabinet_server: Server, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid, admin = vats_tenant.tenant_id, vats_tenant.admin_id
    email = await give_password(vats_kernel, tid, admin)
    async with httpx.AsyncClient(base_url=cabinet_server.url) as api:
        tokens = (await api.post("/api/auth/login", json={"email": email, "password": TEST_PASSWORD})).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        bad = await api.patch("/api/me", json={"language": "de"}, headers=headers)
        assert bad.status_code == 400 and bad.json()["field"] == "language"
        assert (await api.patch("/api/me", json={"language": "en"}, headers=headers)).status_code == 200
        assert await stored_language(vats_kernel, tid, admin) == "en"
        assert (await api.patch("/api/me", json={"language": None}, headers=headers)).status_code == 200
        assert await stored_language(vats_kernel, tid, admin) is None
        changed = await api.patch("/api/tenant/settings", json={"language": "en"}, headers=headers)
        assert changed.status_code == 200 and changed.json()["language"] == "en"
    # Nobody chose, the browser speaks neither language: the PBX's.
    async with signed_in_client(cabinet_server, email, "de-DE") as german:
        assert 'lang="en"' in (await german.get("/cabinet/me")).text


async def test_account_e_mails_speak_the_persons_language_else_the_pbxs(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.core.directory.models import EmployeeCreate, EmployeeUpdate
    from vats.core.mail import DevInbox

    tid = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    await vats_kernel.directory.update_tenant(tid, language="en")
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Anna Smith", email="anna@test.example")
    )
    oleg, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Олег Петров", email="oleg@test.example")
    )
    await vats_kernel.directory.update_employee(tid, oleg.id, EmployeeUpdate(language="ru"))
    for person in (anna, oleg):
        await vats_kernel.accounts.invite(tid, person.id)
    inbox = DevInbox(vats_kernel.db)
    [english] = await inbox.messages(to="anna@test.example")
    [russian] = await inbox.messages(to="oleg@test.example")
    assert english.subject == "Invitation to the virtual PBX “Test company”" and "token=" in english.text
    assert russian.subject == "Приглашение в виртуальную АТС «Test company»"
    await give_password(vats_kernel, tid, vats_tenant.admin_id)  # the admin chose nothing: the PBX's English
    await vats_kernel.accounts.request_password_reset("admin@test.example")
    [reset] = await inbox.messages(to="admin@test.example")
    assert reset.subject == "Virtual PBX password reset" and "/reset-password?token=" in reset.text


async def test_the_invitation_letter_names_the_profile_page_and_keeps_the_token_only_in_its_link(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.core.directory.models import EmployeeCreate
    from vats.core.mail import DevInbox

    tid = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    oleg, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Олег Петров", email="oleg@test.example")
    )
    await vats_kernel.accounts.invite(tid, oleg.id)
    [letter] = await DevInbox(vats_kernel.db).messages(to="oleg@test.example")
    assert "на странице «Профиль»" in letter.text and "«Я»" not in letter.text
    link = re.search(r"/invite\?token=([\w-]+)", letter.text)
    assert link is not None
    assert letter.text.count(link.group(1)) == 1  # in the link only: no "token for the API" line for an employee
    assert "Токен" not in letter.text and "/api/" not in letter.text


async def test_the_bot_speaks_the_language_chosen_in_the_cabinet_over_the_telegram_apps(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_telegram: Any, fake_telegram: FakeTelegram
) -> None:
    from vats.bots.telegram import links
    from vats.core.directory.models import EmployeeUpdate

    tid, admin = vats_tenant.tenant_id, vats_tenant.admin_id
    assert vats_kernel.db is not None
    await vats_kernel.directory.update_employee(tid, admin, EmployeeUpdate(language="en"))
    async with vats_kernel.db.tenant(tid) as conn:
        code = await links.new_code(conn, tid, admin)
    fake_telegram.send_text(7002, f"/start {code.code}", language_code="ru")  # a Russian Telegram app
    linked = await fake_telegram.wait_for_message(chat_id=7002)
    fake_telegram.send_text(7002, "/status", language_code="ru")
    status = await fake_telegram.wait_for_message(chat_id=7002, after=linked["message_id"])
    assert status["text"].startswith("Your availability")  # the cabinet's choice, not the app's
    async with vats_kernel.db.tenant(tid) as conn:
        assert await conn.fetchval("SELECT language FROM telegram_links WHERE employee_id = $1", admin) == "en"
    # Choosing Russian in the cabinet moves the link at once (alerts written now are Russian).
    await vats_kernel.directory.update_employee(tid, admin, EmployeeUpdate(language="ru"))
    async with vats_kernel.db.tenant(tid) as conn:
        assert await conn.fetchval("SELECT language FROM telegram_links WHERE employee_id = $1", admin) == "ru"
