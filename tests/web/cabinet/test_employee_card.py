"""Settings → Employees → the card, in a real headless Chromium against a real vats server: each
part edited and saved through the API's services, a bad value shown beside its input with
nothing saved, the provisioning QR's link serving the line once, and the admin rule."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.bots.web.cabinet.provisioning import qr_svg
from vats.core.directory.models import Employee, EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait
from tests.web.cabinet.test_pages import look, phone

LPCONFIG = "{http://www.linphone.org/xsds/lpconfig.xsd}"


async def anna_of(kernel: Kernel, tenant_id: uuid.UUID) -> Employee:
    anna, _ = await kernel.directory.create_employee(
        tenant_id, EmployeeCreate(full_name="Анна Иванова", email="anna@test.example")
    )
    return anna


async def stored(kernel: Kernel, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> Employee:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        from vats.core.directory.employees import get_employee

        return await get_employee(conn, tenant_id, employee_id)


def fill(driver: Any, element_id: str, value: str) -> None:
    """Set an input's value as a person would end up with it (date inputs take no typing in a
    locale-independent way, so every value is set by script and announced as input)."""
    driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('input', {bubbles: true}));",
        element_id,
        value,
    )


def choose(driver: Any, element_id: str, value: str) -> None:
    Select(driver.find_element(By.ID, element_id)).select_by_value(value)


def tick(driver: Any, element_id: str, on: bool) -> None:
    box = driver.find_element(By.ID, element_id)
    if box.is_selected() != on:
        driver.execute_script("arguments[0].click()", box)


def submit(driver: Any, form_id: str) -> None:
    """Send a form and wait until the card is back (a fresh #main replaces the old one)."""
    driver.execute_script("document.getElementById('main').dataset.stale = '1'")
    form = driver.find_element(By.ID, form_id)
    button = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait(driver).until(
        lambda d: d.execute_script("const m = document.getElementById('main'); return m && !m.dataset.stale")
    )


def notice(driver: Any) -> str:
    return str(driver.execute_script("return document.getElementById('notice')?.textContent || ''"))


async def open_card(
    browser: Any, server: Server, kernel: Kernel, tenant: TenantCreated, employee_id: uuid.UUID
) -> None:
    email = await give_password(kernel, tenant.tenant_id, tenant.admin_id)
    sign_in(browser, server, email, f"/cabinet/settings/employees/{employee_id}")
    assert page_id(browser) == "employee"


async def test_an_admin_edits_each_part_of_the_card_and_sees_it_saved(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna = await anna_of(vats_kernel, tid)
    number = await vats_kernel.directory.assign_number(tid, "+74951234567", "Офис")
    await open_card(browser, cabinet_server, vats_kernel, vats_tenant, anna.id)

    # Profile: name, position, role, time zone.
    fill(browser, "profile-full_name", "Анна Петрова")
    fill(browser, "profile-position", "Старший менеджер")
    choose(browser, "profile-role", "head")
    fill(browser, "profile-time_zone", "Asia/Yekaterinburg")
    submit(browser, "profile-form")
    assert notice(browser) == "Сохранено."
    saved = await stored(vats_kernel, tid, anna.id)
    assert (saved.full_name, saved.position, saved.role, saved.time_zone) == (
        "Анна Петрова", "Старший менеджер", "head", "Asia/Yekaterinburg"
    )  # fmt: skip
    assert browser.find_element(By.ID, "profile-full_name").get_attribute("value") == "Анна Петрова"

    # Phones: extension, caller ID, dial-through.
    fill(browser, "phones-extension", "555")
    choose(browser, "phones-caller_id_number_id", str(number.id))
    tick(browser, "phones-dial_through", True)
    submit(browser, "phones-form")
    saved = await stored(vats_kernel, tid, anna.id)
    assert (saved.extension, saved.caller_id_number_id, saved.dial_through) == ("555", number.id, True)

    # One terminal's settings: the mobile app rings after 7 s, two lines.
    mobile = saved.terminals[0]
    form = f"terminal-{mobile.id}"
    fill(browser, f"{form}-ring_delay_s", "7")
    fill(browser, f"{form}-channels", "2")
    tick(browser, f"{form}-active", False)
    submit(browser, form)
    terminal = next(t for t in (await stored(vats_kernel, tid, anna.id)).terminals if t.id == mobile.id)
    assert (terminal.ring_delay_s, terminal.channels, terminal.active) == (7, 2, False)

    # An outside number, then removed again.
    fill(browser, "external-external_number", "8 916 123-45-67")
    submit(browser, "external-form")
    externals = [t for t in (await stored(vats_kernel, tid, anna.id)).terminals if t.kind == "external"]
    assert [t.external_number for t in externals] == ["+79161234567"]
    assert "+79161234567" in browser.find_element(By.CSS_SELECTOR, ".terminals").text
    remove = browser.find_element(By.CSS_SELECTOR, f"form[action$='/external-numbers/{externals[0].id}/delete'] button")
    browser.execute_script("document.getElementById('main').dataset.stale = '1'; arguments[0].click()", remove)
    wait(browser).until(lambda d: d.execute_script("return !document.getElementById('main').dataset.stale"))
    assert not [t for t in (await stored(vats_kernel, tid, anna.id)).terminals if t.kind == "external"]

    # Reception: availability, ring mode, no-answer time, recording override, forwarding.
    choose(browser, "reception-availability", "unavailable")
    choose(browser, "reception-ring_mode", "sequential")
    fill(browser, "reception-no_answer_after_s", "35")
    choose(browser, "reception-recording", "off")
    choose(browser, "reception-on_no_answer.action", "external")
    fill(browser, "reception-on_no_answer.external_number", "+7 916 765-43-21")
    choose(browser, "reception-off_hours.action", "employee")
    choose(browser, "reception-off_hours.employee_id", str(vats_tenant.admin_id))
    submit(browser, "reception-form")
    saved = await stored(vats_kernel, tid, anna.id)
    assert (saved.availability, saved.ring_mode, saved.no_answer_after_s, saved.recording) == (
        "unavailable", "sequential", 35, "off"
    )  # fmt: skip
    assert saved.on_no_answer is not None and saved.on_no_answer.external_number == "+79167654321"
    assert saved.off_hours is not None and saved.off_hours.employee_id == vats_tenant.admin_id

    # An absence (vacation, calls to voicemail) and an extra availability period.
    choose(browser, "absence-kind", "vacation")
    fill(browser, "absence-starts_on", "2027-01-10")
    fill(browser, "absence-ends_on", "2027-01-20")
    choose(browser, "absence-forward.action", "voicemail")
    submit(browser, "absence-form")
    saved = await stored(vats_kernel, tid, anna.id)
    assert [(a.kind, str(a.starts_on), str(a.ends_on), a.forward.action) for a in saved.absences] == [
        ("vacation", "2027-01-10", "2027-01-20", "voicemail")
    ]
    assert "10.01.2027 – 20.01.2027" in browser.find_element(By.ID, "absence-list").text
    choose(browser, "period-available", "yes")
    fill(browser, "period-starts_at", "2027-02-06T10:00")
    fill(browser, "period-ends_at", "2027-02-06T14:00")
    fill(browser, "period-note", "отработка")
    submit(browser, "period-form")
    saved = await stored(vats_kernel, tid, anna.id)
    [period] = saved.extra_periods
    # Read in her time zone (Yekaterinburg, UTC+5), as the page says.
    assert period.available and period.starts_at.isoformat() == "2027-02-06T05:00:00+00:00"
    assert "06.02.2027 10:00 – 06.02.2027 14:00 · отработка" in browser.find_element(By.ID, "period-list").text


async def test_a_bad_value_is_shown_beside_its_input_and_nothing_of_that_form_is_saved(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna = await anna_of(vats_kernel, tid)
    before = await stored(vats_kernel, tid, anna.id)
    await open_card(browser, cabinet_server, vats_kernel, vats_tenant, anna.id)

    def refused(input_id: str) -> str:
        error = wait(browser).until(ec.presence_of_element_located((By.ID, f"{input_id}-error")))
        box = browser.find_element(By.ID, input_id)
        assert box.get_attribute("aria-invalid") == "true"
        assert box.find_element(By.XPATH, "..").find_element(By.ID, f"{input_id}-error") == error  # beside it
        return str(error.text)

    fill(browser, "profile-position", "Новая должность")
    fill(browser, "profile-email", "anna-at-example")
    submit(browser, "profile-form")
    assert refused("profile-email") == "'anna-at-example' — не адрес e-mail."
    assert browser.find_element(By.ID, "profile-position").get_attribute("value") == "Новая должность"  # kept

    fill(browser, "phones-extension", "0123")
    submit(browser, "phones-form")
    assert refused("phones-extension") == "Внутренний номер — от 2 до 5 цифр и не начинается с 0."

    choose(browser, "reception-ring_mode", "sequential")
    fill(browser, "reception-no_answer_after_s", "3")
    submit(browser, "reception-form")
    assert refused("reception-no_answer_after_s") == "От 5 до 600."
    fill(browser, "reception-no_answer_after_s", "30")
    choose(browser, "reception-on_no_answer.action", "external")
    fill(browser, "reception-on_no_answer.external_number", "12")
    submit(browser, "reception-form")
    assert refused("reception-on_no_answer.external_number") == "'12' — не номер телефона."

    form = f"terminal-{before.terminals[0].id}"
    fill(browser, f"{form}-ring_time_s", "1000")
    submit(browser, form)
    assert refused(f"{form}-ring_time_s") == "От 5 до 300."

    fill(browser, "external-external_number", "not a number")
    submit(browser, "external-form")
    assert refused("external-external_number") == "'not a number' — не номер телефона."

    fill(browser, "absence-starts_on", "2027-01-20")
    fill(browser, "absence-ends_on", "2027-01-10")
    submit(browser, "absence-form")
    assert refused("absence-ends_on") == "Отсутствие кончается раньше, чем начинается."

    fill(browser, "period-starts_at", "2027-02-06T14:00")
    fill(browser, "period-ends_at", "2027-02-06T10:00")
    submit(browser, "period-form")
    assert refused("period-ends_at") == "Период кончается раньше, чем начинается."

    assert await stored(vats_kernel, tid, anna.id) == before  # every refusal left her as she was


async def test_the_provisioning_qr_holds_a_single_use_link_to_the_lines_linphone_settings(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna = await anna_of(vats_kernel, tid)
    await open_card(browser, cabinet_server, vats_kernel, vats_tenant, anna.id)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        from vats.core.directory.employees import sip_secrets

        softphone = (await sip_secrets(conn, tid, anna.id))[1]
    row = browser.find_element(By.ID, f"line-{softphone.terminal_id}")
    browser.execute_script("document.getElementById('main').dataset.stale = '1'")
    row.find_element(By.CSS_SELECTOR, "button.provision").click()
    figure = wait(browser).until(ec.presence_of_element_located((By.ID, "provisioning-qr")))
    url = figure.find_element(By.ID, "provisioning-url").text
    assert re.fullmatch(re.escape(cabinet_server.url) + r"/cabinet/provisioning/[\w-]{40,}", url)
    # The code shown is this link's QR code, and holds nothing else (no password).
    drawn = figure.find_element(By.CSS_SELECTOR, "svg.qr path").get_attribute("d")
    assert drawn and f'd="{drawn}"' in qr_svg(url, "SIP")
    assert softphone.sip_password not in url

    async with httpx.AsyncClient() as softphone_app:
        first = await softphone_app.get(url)
        second = await softphone_app.get(url)
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/xml")
    assert first.headers["cache-control"] == "no-store"
    config = ET.fromstring(first.content)
    entries = {
        (s.get("name"), e.get("name")): e.text
        for s in config.iter(f"{LPCONFIG}section")
        for e in s.iter(f"{LPCONFIG}entry")
    }
    assert entries[("auth_info_0", "username")] == softphone.sip_login
    assert entries[("auth_info_0", "passwd")] == softphone.sip_password
    assert entries[("proxy_0", "reg_identity")] == f'"Анна Иванова" <sip:{softphone.sip_login}@127.0.0.1>'
    assert second.status_code == 404  # used once: gone

    # A new QR replaces the line's unused one; an expired link serves nothing either.
    for _ in range(2):
        browser.execute_script("document.getElementById('main').dataset.stale = '1'")
        browser.find_element(By.CSS_SELECTOR, f"#line-{softphone.terminal_id} button.provision").click()
        wait(browser).until(lambda d: d.execute_script("return !document.getElementById('main').dataset.stale"))
    links = [browser.find_element(By.ID, "provisioning-url").text]
    async with vats_kernel.db.tenant(tid) as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM provisioning_tokens WHERE terminal_id = $1", softphone.terminal_id
            )
            == 1
        )
        await conn.execute("UPDATE provisioning_tokens SET expires_at = now() - interval '1 second'")
    async with httpx.AsyncClient() as softphone_app:
        assert (await softphone_app.get(links[0])).status_code == 404


async def test_two_fetches_of_one_link_at_once_get_the_settings_once(
    cabinet_server: Server, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    import asyncio

    from vats.core.directory import provisioning
    from vats.core.directory.employees import sip_secrets

    tid = vats_tenant.tenant_id
    anna = await anna_of(vats_kernel, tid)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        line = (await sip_secrets(conn, tid, anna.id))[0]
        link = await provisioning.issue(conn, tid, anna.id, line.terminal_id)
    async with httpx.AsyncClient(base_url=cabinet_server.url) as client:
        answers = await asyncio.gather(*(client.get(f"/cabinet/provisioning/{link.token}") for _ in range(8)))
    assert sorted(a.status_code for a in answers) == [200] + [404] * 7


async def test_a_user_gets_the_no_access_page_for_the_card_and_its_forms(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna = await anna_of(vats_kernel, tid)
    oleg, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Олег Петров", email="oleg@test.example")
    )
    await give_password(vats_kernel, tid, oleg.id)
    sign_in(browser, cabinet_server, "oleg@test.example")
    for path in (f"/cabinet/settings/employees/{anna.id}", "/cabinet/settings/numbers"):
        browser.get(cabinet_server.url + path)
        title = wait(browser).until(ec.presence_of_element_located((By.ID, "refused-title")))
        assert title.text == "Нет доступа" and title.get_attribute("data-reason") == "no_access"
        assert "Traceback" not in browser.page_source
    # Posting a card's form anyway is refused as the API refuses it (admins only), nothing saved.
    browser.get(cabinet_server.url + "/cabinet/me")
    browser.execute_script(
        "const f = document.createElement('form'); f.method = 'post';"
        f"f.action = '/cabinet/settings/employees/{anna.id}/profile';"
        "for (const [k, v] of [['_csrf_token', document.querySelector('input[name=_csrf_token]').value],"
        " ['full_name', 'Взлом'], ['email', 'anna@test.example'], ['role', 'admin']]) {"
        " const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }"
        "document.body.appendChild(f); f.submit();"
    )
    title = wait(browser).until(ec.presence_of_element_located((By.ID, "refused-title")))
    assert title.get_attribute("data-reason") == "no_access"
    saved = await stored(vats_kernel, tid, anna.id)
    assert (saved.full_name, saved.role) == ("Анна Иванова", "user")


async def test_the_card_and_its_qr_fit_a_375px_screen_and_pass_axe(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid,
        EmployeeCreate(
            full_name="Анна Константиновна Иванова-Рождественская",
            email="anna.konstantinovna.ivanova-rozhdestvenskaya@long-company-name.example",
            position="Ведущий специалист отдела по работе с ключевыми клиентами",
            external_numbers=["+79161234567"],
        ),
    )
    await vats_kernel.directory.assign_number(tid, "+74951234567", "Главный офис, многоканальный номер продаж")
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    card = f"{cabinet_server.url}/cabinet/settings/employees/{anna.id}"
    problems = look(browser, card, "employee-card", screenshots)
    problems += accessibility_problems(browser, "employee-card")
    phone(browser, True)
    browser.get(card)
    wait(browser).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "button.provision"))).click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "provisioning-qr")))
    browser.execute_script("document.getElementById('provisioning-qr').scrollIntoView()")
    browser.save_screenshot(str(screenshots / "employee-card-qr-375.png"))
    scroll, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"employee-card-qr: scrollWidth {scroll} > innerWidth {inner} at 375 px")
    problems += accessibility_problems(browser, "employee-card-qr")
    for part in ("reception", "absences", "periods"):  # the long card's other parts, for a person to look at
        browser.execute_script("document.getElementById(arguments[0]).scrollIntoView()", part)
        browser.save_screenshot(str(screenshots / f"employee-card-{part}-375.png"))
    assert not problems, "\n".join(problems)
