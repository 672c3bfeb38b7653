"""What a newcomer found reading badly in the cabinet, measured in a real headless Chromium: a
delete button's text in its own colour on the same colour, a phone row's select lying over its
neighbours, checkboxes squashed beside long labels, forms that left the browser to complain in
its own language, and the icon every page asked for in vain."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.core.directory.employees import add_absence, add_extra_period
from vats.core.directory.models import AbsenceCreate, EmployeeCreate, ExtraPeriodCreate
from vats.core.directory.service import TenantCreated
from vats.core.engine import scenarios as repo
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait
from tests.web.cabinet.test_pages import inbox_token

WIDTHS = (375, 1024, 1366, 1920)

# Every danger button on the page whose text colour equals its background (a blank red bar).
BLANK_BUTTONS = """
const paint = c => c.replace(/\\s/g, '');
return [...document.querySelectorAll('button.danger, button.danger-link')].filter(b => b.offsetParent).map(b => {
  const s = getComputedStyle(b);
  let bg = s.backgroundColor, e = b;
  while (/rgba\\(0,0,0,0\\)|transparent/.test(paint(bg)) && e.parentElement) { e = e.parentElement; bg = getComputedStyle(e).backgroundColor; }
  return [b.textContent.trim(), paint(s.color), paint(bg)];
}).filter(([, ink, bg]) => ink === bg);
"""

# Pairs of fields in one row of "the employee's phones" whose boxes overlap (a select over a checkbox).
OVERLAPS = """
const found = [];
for (const form of document.querySelectorAll('.terminal form')) {
  const boxes = [...form.querySelectorAll('select, input:not([type=hidden]), button')].map(e => [e.name || e.textContent.trim(), e.getBoundingClientRect()]);
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, q] = boxes[j];
    if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1) found.push(a + ' × ' + b);
  }
}
return found;
"""


def width(driver: Any, pixels: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": pixels, "height": 900, "deviceScaleFactor": 1, "mobile": pixels < 600},
    )


async def _card_with_everything(kernel: Kernel, tenant: TenantCreated) -> uuid.UUID:
    """An employee with an outside number, an absence and an extra period: each has a delete button."""
    anna, _ = await kernel.directory.create_employee(
        tenant.tenant_id,
        EmployeeCreate(full_name="Анна Админова", email="anna@test.example", external_numbers=["+79161234567"]),
    )
    assert kernel.db is not None
    starts = dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC)
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        await add_absence(
            conn, tenant.tenant_id, anna.id,
            AbsenceCreate(kind="vacation", starts_on=dt.date(2027, 1, 10), ends_on=dt.date(2027, 1, 20)),
        )  # fmt: skip
        await add_extra_period(
            conn, tenant.tenant_id, anna.id,
            ExtraPeriodCreate(available=True, starts_at=starts, ends_at=starts + dt.timedelta(hours=3)),
        )  # fmt: skip
    return anna.id


async def test_every_delete_button_on_the_card_shows_its_text_and_no_phone_field_covers_another(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    anna = await _card_with_everything(vats_kernel, vats_tenant)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, f"/cabinet/settings/employees/{anna}")
    assert page_id(browser) == "employee"
    problems: list[str] = []
    for pixels in WIDTHS:
        width(browser, pixels)
        browser.get(f"{cabinet_server.url}/cabinet/settings/employees/{anna}")
        wait(browser).until(ec.presence_of_element_located((By.ID, "phones")))
        deletes = browser.find_elements(By.CSS_SELECTOR, "#main button.danger")
        assert len(deletes) == 3  # the outside number, the absence, the extra period
        problems += [f"{pixels} px: '{text}' is {ink} on {bg}" for text, ink, bg in browser.execute_script(BLANK_BUTTONS)]
        problems += [f"{pixels} px: {pair} overlap" for pair in browser.execute_script(OVERLAPS)]
        for part in ("ul.terminals", "#absences"):
            browser.execute_script("document.querySelector(arguments[0]).scrollIntoView()", part)
            browser.save_screenshot(str(screenshots / f"card-{part[1:].replace('.', '-')}-{pixels}.png"))
        if pixels in (375, 1366):
            problems += accessibility_problems(browser, f"employee card at {pixels} px")
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert not problems, "\n".join(problems)


async def test_the_scenario_editors_checkboxes_keep_their_size_beside_long_labels(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        scenario = next(s for s in await repo.scenarios_of(conn, vats_tenant.tenant_id) if s.is_default)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, f"/cabinet/settings/scenarios/{scenario.id}")
    squashed: list[str] = []
    for pixels in (375, 1366):
        width(browser, pixels)
        browser.get(f"{cabinet_server.url}/cabinet/settings/scenarios/{scenario.id}")
        wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".scenario-editor")))
        boxes = browser.execute_script(
            "return [...document.querySelectorAll('.scenario-editor input[type=checkbox]')].filter(b => b.offsetParent)"
            ".map(b => [b.closest('label')?.textContent.trim() || b.name, b.getBoundingClientRect().width])"
        )
        assert any("Мелодия ожидания" in label for label, _ in boxes)
        squashed += [f"{pixels} px: '{label}' is {w:.1f} px wide" for label, w in boxes if w < 12]
        browser.save_screenshot(str(screenshots / f"scenario-checkboxes-{pixels}.png"))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert not squashed, "\n".join(squashed)


async def test_an_unnamed_conference_room_is_refused_beside_its_field_in_russian_and_not_saved(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/settings/conferences")
    browser.find_element(By.CSS_SELECTOR, "#add-room summary").click()
    old = browser.find_element(By.ID, "main")
    browser.find_element(By.ID, "add-room-submit").click()  # the name left empty: the server answers, not the browser
    wait(browser).until(ec.staleness_of(old))
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "name-error")))
    assert error.text and all(not ("a" <= ch <= "z") for ch in error.text.lower())  # Russian, not the browser's English
    assert browser.find_element(By.ID, "new-name").get_attribute("aria-invalid") == "true"
    assert error.find_element(By.XPATH, "..") == browser.find_element(By.ID, "new-name").find_element(By.XPATH, "..")
    browser.save_screenshot(str(screenshots / "conference-unnamed-1366.png"))
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM conference_rooms") == 0


async def test_the_invitation_states_the_ten_characters_first_and_refuses_a_short_password_beside_it(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    petr, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Пётр Новиков", email="petr@test.example")
    )
    await vats_kernel.accounts.invite(vats_tenant.tenant_id, petr.id)
    token = await inbox_token(vats_kernel, "petr@test.example")
    browser.get(f"{cabinet_server.url}/invite?token={token}")
    hint = browser.find_element(By.ID, "password-hint")
    assert "10 символов" in hint.text
    box = browser.find_element(By.ID, "password")
    assert hint.location["y"] < box.location["y"]  # read before typing
    box.send_keys("short1")
    old = browser.find_element(By.TAG_NAME, "h1")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(ec.staleness_of(old))
    error = browser.find_element(By.ID, "password-error")
    assert "10" in error.text and "символ" in error.text
    assert browser.find_element(By.ID, "password").get_attribute("aria-invalid") == "true"
    browser.save_screenshot(str(screenshots / "invite-short-1366.png"))
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT password_hash FROM employees WHERE id = $1", petr.id) is None


async def test_every_page_links_an_icon_and_favicon_ico_answers_it_cached(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    browser.get(cabinet_server.url + "/signin")
    icon = browser.find_element(By.CSS_SELECTOR, "link[rel=icon]").get_attribute("href")
    async with httpx.AsyncClient(base_url=cabinet_server.url) as client:
        for path in (icon, "/favicon.ico"):
            answer = await client.get(str(path))
            assert answer.status_code == 200, path
            assert answer.headers["content-type"].startswith("image/svg+xml")
            assert "max-age" in answer.headers["cache-control"]
            assert answer.content.startswith(b"<svg")


# Selects whose chosen option's text is wider than the room inside them (clipped: "Анна Админс").
CLIPPED_SELECTS = """
const ctx = document.createElement('canvas').getContext('2d');
return [...document.querySelectorAll('#main select')].filter(s => s.offsetParent && s.selectedIndex >= 0).map(s => {
  const st = getComputedStyle(s);
  ctx.font = st.font;
  const text = s.options[s.selectedIndex].text;
  const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - 16;  // the arrow
  return [s.id || s.name, text, Math.round(ctx.measureText(text).width), Math.round(room)];
}).filter(([, , need, room]) => need > room);
"""


async def test_the_filters_and_the_scenario_editor_show_each_chosen_name_whole_and_buttons_stand_clear(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна Админова", email="anna@test.example", extension="205")
    )
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        scenario = next(s for s in await repo.scenarios_of(conn, tid) if s.is_default)
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    clipped: list[str] = []
    pages = {
        "dashboard": f"/cabinet/dashboard?employee={anna.id}",
        "history": "/cabinet/history",
        "scenario": f"/cabinet/settings/scenarios/{scenario.id}",
        "notifications": "/cabinet/settings/notifications",
    }
    for pixels in (375, 1366):
        width(browser, pixels)
        for name, path in pages.items():
            browser.get(cabinet_server.url + path)
            wait(browser).until(ec.presence_of_element_located((By.ID, "main")))
            browser.save_screenshot(str(screenshots / f"selects-{name}-{pixels}.png"))
            found = browser.execute_script(CLIPPED_SELECTS)
            clipped += [f"{name} at {pixels} px: {s} shows '{t}' ({need} px) in {room} px" for s, t, need, room in found]
            if name == "notifications":  # "notify me in Telegram" stands clear of the card above it
                gap = browser.execute_script(
                    "return document.getElementById('me-telegram').getBoundingClientRect().top"
                    " - document.getElementById('add-recipient').getBoundingClientRect().bottom"
                )
                if gap < 8:
                    clipped.append(f"notifications at {pixels} px: the Telegram button is {gap} px under the card")
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert not clipped, "\n".join(clipped)
