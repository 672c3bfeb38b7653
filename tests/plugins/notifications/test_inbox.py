"""The in-cabinet notification list: each employee sees their own notifications only (not a
colleague's, not another PBX's), the bell counts the unread, marking read is one's own; in the
browser the bell and the open list follow new and read notifications live, in every tab."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.notifications import inbox

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look, phone

PAGE = "/cabinet/notifications"


async def tell(kernel: Kernel, tenant_id: uuid.UUID, employee_id: uuid.UUID, title: str, body: str = "") -> int:
    """A notification, written as an event writes one (in the tenant's transaction)."""
    async with kernel.db.tenant(tenant_id) as conn:
        (written,) = await inbox.notify(conn, tenant_id, [employee_id], "test", lambda _lang: (title, body))
    return written


def unread_on_bell(html: str) -> int:
    found = re.search(r'id="bell"[^>]*data-unread="(\d+)"', html)
    assert found, html[:500]
    return int(found.group(1))


async def test_each_employee_sees_and_marks_only_their_own_notifications(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    worker, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(email="worker@test.example", full_name="Вера Рабочая", role="user")
    )
    other = await vats_kernel.directory.create_tenant(name="Другая АТС", admin_email="admin@other.example")
    mine = await tell(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id, "Баланс ниже 500 ₽", "Пополните счёт")
    await tell(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id, "Абонентская плата списана")
    theirs = await tell(vats_kernel, other.tenant_id, other.admin_id, "Чужое уведомление")
    app = create_app(vats_kernel)
    admin, colleague, stranger = CabinetClient(app), CabinetClient(app), CabinetClient(app)
    try:
        for client, (tenant_id, employee_id) in (
            (admin, (vats_tenant.tenant_id, vats_tenant.admin_id)), (colleague, (vats_tenant.tenant_id, worker.id)),
            (stranger, (other.tenant_id, other.admin_id)),
        ):  # fmt: skip
            email = await give_password(vats_kernel, tenant_id, employee_id)
            assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
        listed = await admin.http.get(PAGE + "/")
        assert listed.status_code == 200 and "Баланс ниже 500 ₽" in listed.text and "Пополните счёт" in listed.text
        assert "Чужое уведомление" not in listed.text
        assert unread_on_bell((await admin.http.get(PAGE + "/bell")).text) == 2
        assert unread_on_bell((await colleague.http.get(PAGE + "/bell")).text) == 0
        assert "Баланс ниже" not in (await colleague.http.get(PAGE + "/")).text

        # A colleague and another PBX's admin "mark" my notification: nothing changes for me.
        await colleague.post_form(f"{PAGE}/{mine}/read", {}, form_page=PAGE + "/")
        await stranger.post_form(f"{PAGE}/{mine}/read", {}, form_page=PAGE + "/")
        await stranger.post_form(f"{PAGE}/read", {}, form_page=PAGE + "/")
        assert unread_on_bell((await admin.http.get(PAGE + "/bell")).text) == 2
        assert unread_on_bell((await stranger.http.get(PAGE + "/bell")).text) == 0  # theirs, read by them
        # an id no notification can have (past the database's integer) is simply none of mine
        huge = await admin.post_form(f"{PAGE}/{2**64}/read", {}, form_page=PAGE + "/")
        assert huge.status_code == 200 and unread_on_bell((await admin.http.get(PAGE + "/bell")).text) == 2
        read = await admin.post_form(f"{PAGE}/{mine}/read", {}, form_page=PAGE + "/")
        assert read.status_code == 200 and f'data-id="{mine}" data-kind="test" data-read="true"' in read.text
        assert unread_on_bell((await admin.http.get(PAGE + "/bell")).text) == 1
        await admin.post_form(f"{PAGE}/read", {}, form_page=PAGE + "/")
        assert unread_on_bell((await admin.http.get(PAGE + "/bell")).text) == 0
    finally:
        for client in (admin, colleague, stranger):
            await client.close()
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT read_at IS NOT NULL FROM notification_inbox WHERE id = $1", theirs)


def bell_count(driver: Any) -> str:
    return str(driver.execute_script("return document.getElementById('bell')?.dataset.unread || ''"))


async def test_the_bell_and_the_open_list_follow_new_and_read_notifications_live_in_every_tab(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path,  # noqa: F811
) -> None:
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/me")
    wait(browser).until(lambda d: bell_count(d) == "0")
    list_tab = browser.current_window_handle
    browser.get(cabinet_server.url + PAGE + "/")
    wait(browser).until(ec.presence_of_element_located((By.ID, "inbox-empty")))
    browser.switch_to.new_window("tab")
    other_tab = browser.current_window_handle
    browser.get(cabinet_server.url + "/cabinet/me")
    wait(browser).until(lambda d: d.execute_script("return document.getElementById('live').dataset.open"))
    wait(browser).until(lambda d: bell_count(d) == "0")
    browser.execute_script("window.notReloaded = true")

    # A notification arrives: the other tab's bell counts it, without a reload.
    first = await tell(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id, "Номер +7 495 123-45-67 куплен")
    wait(browser).until(lambda d: bell_count(d) == "1")
    bell = browser.find_element(By.ID, "bell")
    assert "непрочитанных: 1" in (bell.get_attribute("aria-label") or "")
    # ... and the open list shows it, also without a reload.
    browser.switch_to.window(list_tab)
    browser.execute_script("window.notReloaded = true")
    item = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, f'[data-id="{first}"]')))
    assert "куплен" in item.text and bell_count(browser) == "1"
    await tell(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id, "Перенос завершён", "сотрудников: 12")
    wait(browser).until(lambda d: bell_count(d) == "2")
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".inbox-item")) == 2)
    look(browser, cabinet_server.url + PAGE + "/", "inbox", screenshots)
    for width, on in ((1280, False), (375, True)):
        phone(browser, on)
        browser.get(cabinet_server.url + PAGE + "/")
        wait(browser).until(lambda d: bell_count(d) == "2")
        assert accessibility_problems(browser, f"inbox {width}") == []
    phone(browser, False)

    # Marking one read here moves the other tab's bell.
    old = browser.find_element(By.CSS_SELECTOR, f'[data-id="{first}"]')
    old.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(ec.staleness_of(old))
    wait(browser).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'[data-id="{first}"]').get_attribute("data-read") == "true"
    )
    browser.switch_to.window(other_tab)
    wait(browser).until(lambda d: bell_count(d) == "1")
    assert browser.execute_script("return window.notReloaded") is True
    browser.find_element(By.ID, "bell").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "inbox")))
    browser.find_element(By.ID, "read-all").click()
    wait(browser).until(lambda d: bell_count(d) == "0")
    assert not browser.find_elements(By.CSS_SELECTOR, '.inbox-item[data-read="false"]')
