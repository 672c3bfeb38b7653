"""Settings → Календари: an admin sees a month with its official holidays, makes a holiday a
working day (and gives it back to the official calendar); a bad date, kind or note is shown
beside its field with nothing saved; other roles are refused and another PBX's calendar is not
found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory import schedules as repo
from vats.core.directory.models import CalendarDay, EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look, phone

PAGE = "/cabinet/settings/calendars"
# Unity Day: an official day off in Russia, in every year the calendar is filled for.
UNITY_DAY = dt.date(dt.date.today().year, 11, 4)


async def signed_in(kernel: Kernel, tenant_id: Any, employee_id: Any) -> CabinetClient:
    client = CabinetClient(create_app(kernel))
    email = await give_password(kernel, tenant_id, employee_id)
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
    return client


async def default_calendar(kernel: Kernel, tenant_id: Any) -> Any:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        return await repo.default_calendar_id(conn, tenant_id)


async def days_of(kernel: Kernel, tenant_id: Any, calendar_id: Any, day: dt.date) -> list[CalendarDay]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        return await repo.calendar_days(conn, tenant_id, calendar_id, day, day)


async def test_an_admin_changes_a_day_only_when_the_form_is_right_and_others_are_refused(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    mine = await default_calendar(vats_kernel, tid)
    head, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Глава", email="head@test.example", role="head")
    )
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="admin@other.example")
    theirs = await default_calendar(vats_kernel, other.tenant_id)
    admin = await signed_in(vats_kernel, tid, vats_tenant.admin_id)
    chief = await signed_in(vats_kernel, tid, head.id)
    card = f"{PAGE}/{mine}"
    try:
        assert (await chief.http.get(PAGE)).status_code == 403
        assert (await chief.http.get(card)).status_code == 403
        refused = await chief.post_form(
            f"{card}/days", {"day": UNITY_DAY.isoformat(), "kind": "working"}, form_page="/cabinet/me"
        )
        assert refused.status_code == 403

        month = (await admin.http.get(f"{card}?month={UNITY_DAY:%Y-%m}")).text
        assert f'data-day="{UNITY_DAY.isoformat()}" data-kind="day_off"' in month
        assert "4 ноября" in month and "Ноябрь" in month
        english = (await admin.http.get(f"{card}?month={UNITY_DAY:%Y-%m}", headers={"accept-language": "en"})).text
        assert "November 4" in english and "Change a day" in english

        for form, field, words in (
            ({"day": "31.02", "kind": "working"}, "day", "Укажите дату"),
            ({"day": UNITY_DAY.isoformat(), "kind": "holiday"}, "kind", "Выберите вид дня"),
            ({"day": UNITY_DAY.isoformat(), "kind": "working", "note": "ж" * 201}, "note", "200"),
        ):
            bad = await admin.post_form(f"{card}/days", form, form_page=card)
            assert bad.status_code == 422 and f'id="{field}-error"' in bad.text and words in bad.text, form
        assert [d.origin for d in await days_of(vats_kernel, tid, mine, UNITY_DAY)] == ["official"]

        made = await admin.post_form(
            f"{card}/days", {"day": UNITY_DAY.isoformat(), "kind": "working", "note": "Работаем"}, form_page=card
        )
        assert made.status_code == 303
        assert sorted((d.origin, d.kind) for d in await days_of(vats_kernel, tid, mine, UNITY_DAY)) == [
            ("custom", "working"),
            ("official", "day_off"),
        ]
        shown = (await admin.http.get(made.headers["location"])).text
        assert f'data-day="{UNITY_DAY.isoformat()}" data-kind="working"' in shown and "изменено" in shown

        back = await admin.post_form(f"{card}/days", {"day": UNITY_DAY.isoformat(), "kind": "official"}, form_page=card)
        assert back.status_code == 303
        assert [d.origin for d in await days_of(vats_kernel, tid, mine, UNITY_DAY)] == ["official"]

        # Another PBX's calendar: not found, and untouched.
        assert (await admin.http.get(f"{PAGE}/{theirs}")).status_code == 404
        stolen = await admin.post_form(
            f"{PAGE}/{theirs}/days", {"day": UNITY_DAY.isoformat(), "kind": "working"}, form_page=card
        )
        assert stolen.status_code == 404
        assert [d.origin for d in await days_of(vats_kernel, other.tenant_id, theirs, UNITY_DAY)] == ["official"]

        # A new calendar: a name is needed.
        empty = await admin.post_form(PAGE, {"name": " ", "official": "1"}, form_page=PAGE)
        assert empty.status_code == 422 and 'id="name-error"' in empty.text
        added = await admin.post_form(PAGE, {"name": "Склад", "official": "1"}, form_page=PAGE)
        assert added.status_code == 303 and "Склад" in (await admin.http.get(PAGE)).text
    finally:
        await admin.close()
        await chief.close()


async def test_the_calendar_reads_well_on_a_desktop_and_a_phone(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    tid = vats_tenant.tenant_id
    mine = await default_calendar(vats_kernel, tid)
    sign_in(browser, cabinet_server, await give_password(vats_kernel, tid, vats_tenant.admin_id))
    browser.get(f"{cabinet_server.url}{PAGE}/{mine}?month={UNITY_DAY:%Y-%m}")
    browser.find_element(By.CSS_SELECTOR, f'td[data-day="{UNITY_DAY.isoformat()}"] a').click()
    wait(browser).until(lambda d: d.find_element(By.ID, "day").get_attribute("value") == UNITY_DAY.isoformat())
    Select(browser.find_element(By.ID, "kind")).select_by_value("working")
    browser.find_element(By.ID, "note").clear()
    browser.find_element(By.ID, "note").send_keys("Работаем, перенос")
    browser.find_element(By.ID, "day-save").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    cell = browser.find_element(By.CSS_SELECTOR, f'td[data-day="{UNITY_DAY.isoformat()}"]')
    assert cell.get_attribute("data-kind") == "working"

    url = f"{cabinet_server.url}{PAGE}/{mine}?day={UNITY_DAY.isoformat()}"
    problems = look(browser, url, "calendar", screenshots)
    problems += accessibility_problems(browser, "calendar")
    phone(browser, True)
    browser.get(url)
    problems += accessibility_problems(browser, "calendar-375")
    phone(browser, False)
    problems += look(browser, cabinet_server.url + PAGE, "calendars", screenshots)
    problems += accessibility_problems(browser, "calendars")
    assert not problems, "\n".join(problems)
