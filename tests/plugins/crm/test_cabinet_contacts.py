"""Work → Contacts in a real headless Chromium against a real vats server: the CSV import's
per-row report, bulk tagging and the card, and what a user may see (the API's rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.crm.cabinet_browser import (
    Server,
    office_of,
    overflow,
    page_id,
    phone_width,
    shoot,
    sign_in,
    text_of,
    wait,
)

CSV = (
    "number,name,company,manager_email,tags\n"
    "+74951110001,Анна Ковалёва,ООО Ромашка,olga@test.example,VIP\n"
    "позвоните мне,Плохой Номер,,,\n"
    "+74951110003,Борис Гусев,,,\n"
    "+74951110004,Вера Пухова,,nobody@test.example,\n"
)


async def test_a_csv_import_loads_the_good_rows_and_shows_the_bad_row_with_its_line_and_text(
    cabinet_server: Server,
    browser: Any,
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    tmp_path: Path,
    screenshots: Path,
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    await office.tag("VIP")
    sign_in(browser, cabinet_server, "admin@test.example", "/cabinet/contacts")
    assert page_id(browser) == "crm-contacts"
    file = tmp_path / "contacts.csv"
    file.write_text(CSV, encoding="utf-8")
    browser.find_element(By.CSS_SELECTOR, "#import summary").click()
    browser.find_element(By.ID, "import-file").send_keys(str(file))
    browser.find_element(By.ID, "import-submit").click()
    wait(browser).until(lambda d: text_of(d, "#import-report"))

    assert text_of(browser, "#report-imported") == "2"
    assert text_of(browser, "#report-skipped") == "2"
    bad = browser.find_elements(By.CSS_SELECTOR, "#bad-rows tr.bad-row")
    assert [b.get_attribute("data-row") for b in bad] == ["3", "5"]  # the header is line 1
    assert "не номер телефона" in bad[0].text  # the service's message, in Russian
    assert "позвоните мне" in bad[0].text  # the row itself, to find it in the file
    assert "Нет сотрудника с e-mail nobody@test.example." in bad[1].text
    listed = text_of(browser, "#contact-list")
    assert "Анна Ковалёва" in listed and "Борис Гусев" in listed
    assert "Плохой Номер" not in listed and "Вера Пухова" not in listed
    row = browser.find_element(By.XPATH, "//tr[contains(., 'Анна Ковалёва')]")
    assert "VIP" in row.text
    shoot(browser, screenshots, "crm-import-report-desktop")
    phone_width(browser)
    assert overflow(browser)[0] <= overflow(browser)[1]
    shoot(browser, screenshots, "crm-import-report-phone")


async def test_bulk_tagging_and_a_personal_manager_then_the_card_shows_them(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    await office.tag("Опт")
    first = await office.contact("+74952220001", "Клиент Один")
    second = await office.contact("+74952220002", "Клиент Два")
    await office.contact("+74952220003", "Клиент Три")
    sign_in(browser, cabinet_server, "admin@test.example", "/cabinet/contacts")

    def pick_and_apply(action: str, **choose: str) -> None:
        for contact_id in (first, second):
            box = browser.find_element(By.ID, f"pick-{contact_id}")
            if not box.is_selected():
                # in the middle of the window: the webphone's button keeps the lower left corner
                browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
                box.click()
        Select(browser.find_element(By.ID, "bulk-action")).select_by_value(action)
        for element_id, text in choose.items():
            Select(browser.find_element(By.ID, element_id)).select_by_visible_text(text)
        browser.execute_script("document.getElementById('notice')?.remove()")  # the last operation's
        browser.find_element(By.ID, "bulk-apply").click()
        wait(browser).until(lambda d: "2" in text_of(d, "#notice"))

    pick_and_apply("tag", **{"bulk-tag": "Опт"})
    assert "Опт" in browser.find_element(By.XPATH, "//tr[contains(., 'Клиент Два')]").text
    assert "Опт" not in browser.find_element(By.XPATH, "//tr[contains(., 'Клиент Три')]").text
    pick_and_apply("set_manager", **{"bulk-manager": "Павел Орлов"})

    browser.find_element(By.LINK_TEXT, "Клиент Один").click()
    wait(browser).until(lambda d: page_id(d) == "crm-contact")
    assert text_of(browser, "#contact-manager") == "Павел Орлов"
    assert text_of(browser, "#contact-tags") == "Опт"
    assert text_of(browser, "#contact-number") == "+74952220001"


async def test_a_user_sees_neither_personal_contacts_nor_another_employees_private_deal(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    private_person = await office.contact("+74953330001", "Личный Знакомый", kind="personal")
    shared = await office.contact("+74953330002", "Общий Клиент")
    other = await office.contact("+74953330003", "Клиент Павла")
    await office.deal(shared, "Сделка Ольги", by=office.olga_id)
    await office.deal(other, "Тайная сделка Павла", by=office.pavel_id, private=True)

    sign_in(browser, cabinet_server, "olga@test.example", "/cabinet/contacts")
    listed = text_of(browser, "#contact-list")
    assert "Общий Клиент" in listed and "Клиент Павла" in listed
    assert "Личный Знакомый" not in listed  # personal contacts: admins only, as GET /api/contacts
    kinds = [o.get_attribute("value") for o in Select(browser.find_element(By.ID, "kind-filter")).options]
    assert "personal" not in kinds
    assert not browser.find_elements(By.ID, "import")  # importing is the admins' (POST /api/contacts/import)
    browser.get(f"{cabinet_server.url}/cabinet/contacts/{private_person}")
    assert text_of(browser, "#refused-title") == "Не найдено"

    browser.get(f"{cabinet_server.url}/cabinet/deals?period=all")
    wait(browser).until(lambda d: page_id(d) == "crm-deals")
    deals_text = text_of(browser, "#deal-list")
    assert "Сделка Ольги" in deals_text and "Тайная сделка Павла" not in deals_text

    # What the page does not offer, the server refuses too: a user's bulk delete (the API's
    # POST /api/contacts/bulk is for admins) gets the no-access page and deletes nothing.
    status = browser.execute_script(
        """
        const token = JSON.parse(document.body.getAttribute('hx-headers'))['x-csrftoken'];
        const form = new FormData();
        form.append('action', 'delete'); form.append('confirmed', 'yes'); form.append('contact_ids', arguments[0]);
        return fetch('/cabinet/contacts/bulk', {method: 'POST', body: form, headers: {'x-csrftoken': token}})
            .then(r => r.status);
        """,
        str(shared),
    )
    assert status == 403
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM crm_contacts WHERE id = $1", shared) == 1


async def test_a_restricted_user_gets_the_no_access_page_for_deals_and_no_deals_in_the_menu(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute("UPDATE employees SET role = 'restricted' WHERE id = $1", office.pavel_id)
    sign_in(browser, cabinet_server, "pavel@test.example", "/cabinet/tasks")
    assert page_id(browser) == "crm-tasks"  # tasks are everyone's, as GET /api/tasks
    assert browser.find_elements(By.CSS_SELECTOR, "nav a[href='/cabinet/tasks']")
    assert browser.find_elements(By.CSS_SELECTOR, "nav a[href='/cabinet/contacts']")
    assert not browser.find_elements(By.CSS_SELECTOR, "nav a[href='/cabinet/deals']")  # /api/deals: workers
    browser.get(cabinet_server.url + "/cabinet/deals")
    assert text_of(browser, "#refused-title") == "Нет доступа"
    assert "Traceback" not in browser.page_source
