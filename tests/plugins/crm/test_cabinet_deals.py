"""Work → Deals in a real headless Chromium: a deal made from the contact's card, moved to
another stage on its card (the board shows it there), a comment and an attached task of the
same client; the contact's card then shows its deal and offers no second one (one per contact)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.calls.records import CallRecord, Participant, store_and_announce
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.crm.cabinet_browser import Server, office_of, page_id, sign_in, text_of, wait


async def test_a_deal_made_on_the_contacts_card_moves_stage_and_takes_a_comment_and_a_task(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    contact = await office.contact("+74956660001", "Ирина Лебедева", company="ООО Лебедь")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO crm_tasks (tenant_id, kind, title, assignee_kind, assignee_id, contact_id, number)"
            " VALUES ($1, 'manual', 'Выслать счёт Лебедь', 'employee', $2, $3, '+74956660001')",
            vats_tenant.tenant_id, office.olga_id, contact,
        )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    call = CallRecord(
        tenant_id=vats_tenant.tenant_id, direction="outbound", number="+74956660001", caller="Ольга",
        started_at=now - dt.timedelta(minutes=5), answered_at=now - dt.timedelta(minutes=4), ended_at=now,
        participants=[Participant(address="tel/+74956660001", outcome="answered")],
        caller_employee_id=office.olga_id,
    )  # fmt: skip
    await store_and_announce(vats_kernel.db, vats_kernel.plugins, call)  # the CRM's history takes it in
    sign_in(browser, cabinet_server, "olga@test.example", f"/cabinet/contacts/{contact}")
    browser.find_element(By.ID, "deal-title").send_keys("Годовой договор")
    browser.find_element(By.ID, "create-deal").click()
    wait(browser).until(lambda d: page_id(d) == "crm-deal")
    assert text_of(browser, "#deal-title-h") == "Годовой договор"
    assert text_of(browser, "#deal-status") == "Новая"

    browser.find_element(By.CSS_SELECTOR, "#edit-deal summary").click()
    Select(browser.find_element(By.ID, "deal-status-select")).select_by_value("won")
    browser.find_element(By.ID, "save-deal").click()
    wait(browser).until(lambda d: text_of(d, "#deal-status") == "Успешна")
    assert text_of(browser, "#notice") == "Сделка сохранена."

    Select(browser.find_element(By.ID, "attach-item")).select_by_visible_text("Задача «Выслать счёт Лебедь»")
    browser.find_element(By.ID, "attach-submit").click()
    wait(browser).until(lambda d: "Выслать счёт Лебедь" in text_of(d, "#attachments"))
    Select(browser.find_element(By.ID, "attach-item")).select_by_value(f"call:{call.id}")
    browser.find_element(By.ID, "attach-submit").click()
    wait(browser).until(lambda d: "Исходящий" in text_of(d, "#attachments"))
    assert browser.find_element(By.CSS_SELECTOR, f"#attachments a[href='/cabinet/history/{call.id}']")
    browser.find_element(By.ID, "comment-text").send_keys("Договор подписан")
    browser.find_element(By.ID, "comment-submit").click()
    wait(browser).until(lambda d: "Договор подписан" in text_of(d, "#comments"))

    browser.find_element(By.CSS_SELECTOR, "nav a[href='/cabinet/deals']").click()
    wait(browser).until(lambda d: page_id(d) == "crm-deals")
    browser.find_element(By.ID, "view-board").click()
    wait(browser).until(lambda d: text_of(d, "#deal-board"))
    assert "Годовой договор" in text_of(browser, "#deal-board section[data-status='won']")
    assert "Годовой договор" not in text_of(browser, "#deal-board section[data-status='new']")

    # One deal per contact: the card shows it and offers no second one.
    browser.find_element(By.CSS_SELECTOR, "#deal-board a.crm-card-title").click()
    wait(browser).until(lambda d: page_id(d) == "crm-deal")
    browser.find_element(By.LINK_TEXT, "Ирина Лебедева").click()
    wait(browser).until(lambda d: page_id(d) == "crm-contact")
    assert "Годовой договор" in text_of(browser, "#contact-deal")
    assert not browser.find_elements(By.ID, "create-deal")
    assert "Выслать счёт Лебедь" in text_of(browser, "#contact-tasks")
    assert "Исходящий" in text_of(browser, "#contact-calls")
    browser.find_element(By.CSS_SELECTOR, f"#contact-calls a[href='/cabinet/history/{call.id}']").click()
    wait(browser).until(lambda d: page_id(d) == "call")  # the history's own page of the call


async def test_a_deal_without_a_title_is_refused_beside_the_field_in_russian_and_not_made(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    contact = await office.contact("+74956660002", "Иван Петров")
    sign_in(browser, cabinet_server, "olga@test.example", f"/cabinet/contacts/{contact}")
    button = browser.find_element(By.ID, "create-deal")
    button.click()  # the title left empty: the server answers, not the browser
    wait(browser).until(ec.staleness_of(button))
    assert text_of(browser, "#title-error") == "Заполните это поле."
    title = browser.find_element(By.ID, "deal-title")
    assert title.get_attribute("aria-invalid") == "true"
    assert title.find_element(By.XPATH, "..") == browser.find_element(By.ID, "title-error").find_element(By.XPATH, "..")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM crm_deals WHERE contact_id = $1", contact) == 0


async def test_an_empty_comment_is_refused_beside_its_field_in_russian_and_not_saved(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    contact = await office.contact("+74956660003", "Мария Сидорова")
    sign_in(browser, cabinet_server, "olga@test.example", f"/cabinet/contacts/{contact}")
    browser.find_element(By.ID, "deal-title").send_keys("Поставка")
    browser.find_element(By.ID, "create-deal").click()
    wait(browser).until(lambda d: page_id(d) == "crm-deal")
    button = browser.find_element(By.ID, "comment-submit")
    button.click()  # nothing typed: the server answers, not the browser
    wait(browser).until(ec.staleness_of(button))
    assert text_of(browser, "#text-error") == "Заполните это поле."
    assert browser.find_element(By.ID, "comment-text").get_attribute("aria-invalid") == "true"
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM crm_comments") == 0
