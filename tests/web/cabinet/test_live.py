"""Live updates in a real browser: the shell's stream moves my availability switch and shows a
task given to me, without a reload; another tenant's events never reach the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.conftest import Server
from tests.web.cabinet.cookie import give_test_password
from tests.web.cabinet.test_browser import availability, give_password, sign_in, wait
from tests.web.cabinet.test_pages import phone


async def bearer(server: Server, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server.url, timeout=60)
    r = await client.post("/api/auth/login", json={"email": email, "password": TEST_PASSWORD})
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


async def test_an_availability_change_and_a_new_task_appear_on_an_open_page_and_another_tenants_never(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    email = await give_test_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="admin@other.example")
    other_email = await give_test_password(vats_kernel, other.tenant_id, other.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/me")
    wait(browser).until(lambda d: d.execute_script("return document.getElementById('live').dataset.open"))
    browser.execute_script("window.notReloaded = true")
    assert availability(browser) == "by_schedule"

    theirs = await bearer(cabinet_server, other_email)
    mine = await bearer(cabinet_server, email)
    try:
        # The other tenant's admin moves their own switch and gets a task first: nothing of it here.
        assert (await theirs.put("/api/me/availability", json={"mode": "unavailable"})).status_code == 204
        task = await theirs.post("/api/tasks", json={"title": "Чужая задача"})
        assert task.status_code == 201
        # Then my own change, made through the API, moves the open page's switch.
        assert (await mine.put("/api/me/availability", json={"mode": "available"})).status_code == 204
        wait(browser).until(lambda d: availability(d) == "available")
        assert browser.find_element(By.ID, "availability-available").is_selected()
        task = await mine.post("/api/tasks", json={"title": "Перезвонить Иванову"})
        assert task.status_code == 201
        toast = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#live-tasks .live-task")))
        assert "Перезвонить Иванову" in toast.text
    finally:
        await theirs.aclose()
        await mine.aclose()
    assert browser.execute_script("return window.notReloaded") is True
    toasts = browser.find_element(By.ID, "live-tasks").text
    assert "Чужая задача" not in toasts and toasts.count("Перезвонить") == 1
    browser.save_screenshot(str(screenshots / "live-task-1280.png"))
    phone(browser, True)
    browser.save_screenshot(str(screenshots / "live-task-375.png"))
    scroll, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    phone(browser, False)


async def test_nine_open_tabs_all_load_and_share_one_stream(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """Browsers allow six HTTP/1.1 connections to a host; with a stream per tab the sixth tab
    never loaded. One stream for the browser (a shared worker) leaves them free, and an event
    reaches the first tab and the last."""
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    browser.set_page_load_timeout(20)
    tabs = [browser.current_window_handle]
    for _ in range(8):
        browser.switch_to.new_window("tab")
        browser.get(cabinet_server.url + "/cabinet/me")
        wait(browser).until(lambda d: d.execute_script("return document.getElementById('live').dataset.open"))
        tabs.append(browser.current_window_handle)
    assert vats_kernel.db is not None
    await vats_kernel.directory.set_availability(vats_tenant.tenant_id, vats_tenant.admin_id, "unavailable")
    for tab in (tabs[0], tabs[-1]):
        browser.switch_to.window(tab)
        wait(browser).until(lambda d: availability(d) == "unavailable")
