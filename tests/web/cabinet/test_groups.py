"""Settings → Groups: an admin adds a group, edits its strategy and times (a bad value beside
its field, nothing saved), orders its members for ringing (the address staying the group's page) and deletes it (asked first while a
scenario uses it); a head sees only the groups the API shows them, read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory import groups as repo
from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look

PAGE = "/cabinet/settings/groups"


async def member_names(kernel: Kernel, tenant: TenantCreated, name: str) -> list[str]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        group = next(g for g in await repo.list_groups(conn, tenant.tenant_id) if g.name == name)
        names = {r["id"]: r["full_name"] for r in await conn.fetch("SELECT id, full_name FROM employees")}
    return [names[m] for m in group.member_ids]


async def test_an_admin_builds_a_group_and_orders_its_members(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    for name, email in (("Анна", "anna@test.example"), ("Борис", "boris@test.example")):
        await vats_kernel.directory.create_employee(vats_tenant.tenant_id, EmployeeCreate(full_name=name, email=email))
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id))
    browser.get(cabinet_server.url + PAGE)
    browser.find_element(By.CSS_SELECTOR, "#add-group summary").click()
    browser.find_element(By.ID, "new-name").send_keys("Продажи")
    Select(browser.find_element(By.ID, "new-strategy")).select_by_value("one_by_one")
    browser.find_element(By.ID, "add-group-submit").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "group-form")))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Продажи")

    # Members: Анна, then Борис; then Борис up: Борис rings first.
    for who in ("Анна", "Борис"):
        Select(browser.find_element(By.ID, "add-member-select")).select_by_visible_text(
            next(o.text for o in Select(browser.find_element(By.ID, "add-member-select")).options if o.text.startswith(who))
        )
        browser.find_element(By.ID, "add-member-submit").click()
        wait(browser).until(ec.text_to_be_present_in_element((By.ID, "members"), who))
    assert await member_names(vats_kernel, vats_tenant, "Продажи") == ["Анна", "Борис"]
    browser.find_element(By.CSS_SELECTOR, "#members li:nth-child(2) button[data-action=up]").click()
    wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "#members li:first-child").text.startswith("Борис"))
    assert await member_names(vats_kernel, vats_tenant, "Продажи") == ["Борис", "Анна"]
    # The address stays the group's page through the member changes (not the forms' /members):
    # a reload shows the group again.
    assert browser.current_url.split("/")[-1] != "members", browser.current_url
    browser.refresh()
    wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "#members li:first-child").text.startswith("Борис"))

    # A bad ring time: beside its field, nothing saved.
    ring = browser.find_element(By.ID, "ring_time_s")
    ring.clear()
    ring.send_keys("десять")
    browser.find_element(By.ID, "group-save").click()
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "ring_time_s-error")))
    assert "целое число секунд" in error.text
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        group = next(g for g in await repo.list_groups(conn, vats_tenant.tenant_id) if g.name == "Продажи")
    assert group.ring_time_s == 30 and group.strategy == "one_by_one"

    problems = look(browser, f"{cabinet_server.url}{PAGE}/{group.id}", "group", screenshots)
    problems += accessibility_problems(browser, "group")
    problems += look(browser, cabinet_server.url + PAGE, "groups", screenshots)
    problems += accessibility_problems(browser, "groups")
    assert not problems, "\n".join(problems)


async def test_a_head_sees_their_groups_read_only_and_cannot_post(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    head, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Глава", email="head@test.example", role="head")
    )
    mine = await vats_kernel.directory.create_group(tid, GroupCreate(name="Мой отдел", member_ids=[head.id]))
    other = await vats_kernel.directory.create_group(tid, GroupCreate(name="Чужой отдел"))
    client = CabinetClient(create_app(vats_kernel))
    try:
        assert (await client.sign_in(await give_password(vats_kernel, tid, head.id), TEST_PASSWORD)).status_code == 303
        listed = (await client.http.get(PAGE)).text
        assert "Мой отдел" in listed and "Чужой отдел" not in listed and 'id="add-group"' not in listed
        card = await client.http.get(f"{PAGE}/{mine.id}")
        assert card.status_code == 200 and "group-save" not in card.text
        assert (await client.http.get(f"{PAGE}/{other.id}")).status_code == 404
        refused = await client.post_form(f"{PAGE}/{mine.id}", {"name": "Захват", "strategy": "all"}, form_page=PAGE)
        assert refused.status_code == 403
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(tid) as conn:
            assert (await repo.get_group(conn, tid, mine.id)).name == "Мой отдел"
    finally:
        await client.close()
