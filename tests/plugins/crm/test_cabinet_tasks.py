"""Work → Tasks in a real headless Chromium: a task set on the page, taken and marked done, a
comment on its card, and the filters "mine" and "overdue"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.crm.cabinet_browser import (
    Server,
    office_of,
    page_id,
    sign_in,
    text_of,
    wait,
)


async def _task_row(kernel: Kernel, tenant: TenantCreated, title: str) -> Any:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        return await conn.fetchrow(
            "SELECT status, assignee_kind, assignee_id, created_by FROM crm_tasks WHERE title = $1", title
        )


async def test_a_task_set_for_a_group_is_taken_then_marked_done_and_commented(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    sign_in(browser, cabinet_server, "olga@test.example", "/cabinet/tasks")
    assert page_id(browser) == "crm-tasks"
    browser.find_element(By.CSS_SELECTOR, "#add-task summary").click()
    browser.find_element(By.ID, "task-title").send_keys("Перезвонить в ООО Ромашка")
    Select(browser.find_element(By.ID, "task-assignee")).select_by_visible_text("Павел Орлов")
    browser.find_element(By.ID, "task-number").send_keys("+7 495 111-00-01")
    browser.find_element(By.ID, "add-task-submit").click()
    wait(browser).until(lambda d: page_id(d) == "crm-task")
    assert text_of(browser, "#notice") == "Задача поставлена."
    assert text_of(browser, "#task-status") == "Новая"
    assert text_of(browser, "#task-assignee-name") == "Павел Орлов"
    row = await _task_row(vats_kernel, vats_tenant, "Перезвонить в ООО Ромашка")
    assert (row["status"], row["assignee_id"], row["created_by"]) == ("open", office.pavel_id, office.olga_id)

    browser.find_element(By.CSS_SELECTOR, "button.take").click()  # Ольга takes it over
    wait(browser).until(lambda d: text_of(d, "#task-status") == "В работе")
    assert text_of(browser, "#task-assignee-name") == "Ольга Смирнова"
    assert not browser.find_elements(By.CSS_SELECTOR, "button.take")  # hers and in progress already
    row = await _task_row(vats_kernel, vats_tenant, "Перезвонить в ООО Ромашка")
    assert (row["status"], row["assignee_id"]) == ("in_progress", office.olga_id)

    browser.find_element(By.ID, "comment-text").send_keys("Клиент просил после обеда")
    browser.find_element(By.ID, "comment-submit").click()
    wait(browser).until(lambda d: "Клиент просил после обеда" in text_of(d, "#comments"))
    assert "Ольга Смирнова" in text_of(browser, "#comments")

    browser.find_element(By.CSS_SELECTOR, "button.done").click()
    wait(browser).until(lambda d: text_of(d, "#task-status") == "Выполнена")
    row = await _task_row(vats_kernel, vats_tenant, "Перезвонить в ООО Ромашка")
    assert row["status"] == "done"
    assert not browser.find_elements(By.CSS_SELECTOR, "button.done")


async def test_a_task_without_a_title_is_refused_beside_the_field(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await office_of(vats_kernel, vats_tenant)
    sign_in(browser, cabinet_server, "olga@test.example", "/cabinet/tasks")
    browser.find_element(By.CSS_SELECTOR, "#add-task summary").click()
    browser.find_element(By.ID, "task-number").send_keys("не номер")
    browser.find_element(By.ID, "add-task-submit").click()
    wait(browser).until(lambda d: text_of(d, "#title-error"))
    assert text_of(browser, "#title-error") == "Заполните это поле."
    browser.find_element(By.ID, "task-title").send_keys("Позвонить")
    browser.find_element(By.ID, "add-task-submit").click()
    wait(browser).until(lambda d: text_of(d, "#number-error"))
    assert "не номер телефона" in text_of(browser, "#number-error")
    assert browser.find_element(By.ID, "task-number").get_attribute("aria-invalid") == "true"


async def test_the_filters_mine_and_overdue_and_done_from_the_list(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    assert vats_kernel.db is not None
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        for title, who, deadline, created in (
            ("Моя просроченная", office.olga_id, yesterday, yesterday - dt.timedelta(days=2)),
            ("Моя на завтра", office.olga_id, yesterday + dt.timedelta(days=2), yesterday + dt.timedelta(hours=23)),
            ("Задача Павла", office.pavel_id, yesterday, yesterday),
        ):
            await conn.execute(
                "INSERT INTO crm_tasks (tenant_id, kind, title, assignee_kind, assignee_id, deadline, created_by,"
                " created_at) VALUES ($1, 'manual', $2, 'employee', $3, $4, $3, $5)",
                vats_tenant.tenant_id, title, who, deadline, created,
            )  # fmt: skip
    sign_in(browser, cabinet_server, "olga@test.example", "/cabinet/tasks")

    def titles() -> set[str]:
        return {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#task-list .crm-card-title")}

    browser.find_element(By.ID, "show-mine").click()
    wait(browser).until(lambda d: "show=mine" in d.current_url)
    wait(browser).until(lambda d: titles() == {"Моя просроченная", "Моя на завтра"})
    browser.find_element(By.ID, "show-overdue").click()
    wait(browser).until(lambda d: titles() == {"Моя просроченная"})  # Павел's is not Ольга's to see
    assert "Просрочена" in text_of(browser, "#task-list")
    browser.find_element(By.CSS_SELECTOR, "#task-list button.done").click()
    wait(browser).until(lambda d: not titles())  # done: no longer overdue, and the list stays the same filter
    assert "show=overdue" in browser.current_url
