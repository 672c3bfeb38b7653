"""Every CRM page fits a phone: at 375 px wide no page scrolls sideways (scrollWidth <=
innerWidth), with real data on it, and axe-core finds no WCAG 2.1 A/AA violation at either width. Each page is also photographed at desktop and phone width
(VATS_SCREENSHOTS keeps the pictures) for a person to look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.crm.cabinet_browser import (
    Office,
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
from tests.web.cabinet.axe import accessibility_problems


async def _busy_office(kernel: Kernel, tenant: TenantCreated) -> tuple[Office, dict[str, str]]:
    """Contacts with long names and tags, a deal per stage, tasks with deadlines and comments."""
    office = await office_of(kernel, tenant)
    vip = await office.tag("VIP")
    await office.tag("Оптовый покупатель")
    ids = []
    for n, (name, company) in enumerate(
        [
            ("Константин Константинопольский-Переславский", "ООО «Научно-производственное объединение Ромашка»"),
            ("Анна Ковалёва", "ИП Ковалёва"),
            ("", ""),
            ("Борис Гусев", "АО Вектор"),
        ]
    ):
        ids.append(await office.contact(f"+7495444000{n}", name, company=company))
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO crm_contact_tags (tenant_id, contact_id, tag_id) VALUES ($1, $2, $3)",
            tenant.tenant_id,
            ids[0],
            vip,
        )
        await conn.execute("UPDATE crm_contacts SET manager_id = $2 WHERE id = $1", ids[0], office.olga_id)
    deal_ids = []
    for contact_id, title in zip(
        ids,
        [
            "Поставка 500 упаковок бумаги формата А4 на весь следующий год",
            "Обслуживание",
            "Пробный заказ",
            "Расширение",
        ],
        strict=True,
    ):
        deal_ids.append(await office.deal(contact_id, title, by=office.admin_id))
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        for deal_id, status in zip(deal_ids, ["new", "in_progress", "won", "lost"], strict=True):
            await conn.execute("UPDATE crm_deals SET status = $2 WHERE id = $1", deal_id, status)
        yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        task_id = await conn.fetchval(
            "INSERT INTO crm_tasks (tenant_id, kind, title, assignee_kind, assignee_id, deadline, created_by, number,"
            " contact_id) VALUES ($1, 'manual', $2, 'employee', $3, $4, $3, '+74954440000', $5) RETURNING id",
            tenant.tenant_id, "Перезвонить Константину по поводу договора поставки и уточнить реквизиты", office.admin_id,
            yesterday, ids[0],
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO crm_tasks (tenant_id, kind, title, assignee_kind, assignee_id, created_by, number, repeats)"
            " VALUES ($1, 'missed', 'Пропущенный звонок +74954440002', 'employee', $2, NULL, '+74954440002', 2)",
            tenant.tenant_id, office.olga_id,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO crm_comments (tenant_id, owner_kind, owner_id, author_id, text) VALUES ($1, 'task', $2, $3, $4)",
            tenant.tenant_id, task_id, office.olga_id,
            "Звонила в 14:00, не ответили. Попробую завтра утром; реквизиты есть в письме от 12.11.",
        )  # fmt: skip
    return office, {"contact": str(ids[0]), "deal": str(deal_ids[0]), "task": str(task_id)}


def follow(driver: Any, path: str) -> None:
    """Open ``path`` as a link in the cabinet is followed: a boosted request that swaps the main
    region (the shell and its live-updates stream stay). Loading every page afresh would open a
    new stream each time, and Chromium stalls once six are open to one host."""
    driver.execute_script(
        "const main = document.getElementById('main'); main.dataset.old = 'yes';"
        " const a = document.createElement('a'); a.href = arguments[0];"
        " main.appendChild(a); htmx.process(a); a.click();",
        path,
    )
    wait(driver).until(lambda d: d.execute_script("return document.getElementById('main')?.dataset.old !== 'yes'"))


PAGES = [
    ("contacts", "/cabinet/contacts", "crm-contacts"),
    ("contact", "/cabinet/contacts/{contact}", "crm-contact"),
    ("deals", "/cabinet/deals?period=all", "crm-deals"),
    ("deals-board", "/cabinet/deals?period=all&view=board", "crm-deals"),
    ("deal", "/cabinet/deals/{deal}", "crm-deal"),
    ("tasks", "/cabinet/tasks?show=all&period=all", "crm-tasks"),
    ("task", "/cabinet/tasks/{task}", "crm-task"),
]


async def test_every_crm_page_fits_a_375_px_phone_and_axe_finds_no_wcag_violation(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    _, ids = await _busy_office(vats_kernel, vats_tenant)
    sign_in(browser, cabinet_server, "admin@test.example", "/cabinet/contacts")
    problems: list[str] = []
    for width in ("desktop", "phone"):
        if width == "phone":
            phone_width(browser)
        for name, path, expected in PAGES:
            follow(browser, path.format(**ids))
            wait(browser).until(lambda d, expected=expected: page_id(d) == expected)
            # open forms widen pages most
            browser.execute_script("document.querySelectorAll('main details.panel').forEach(p => { p.open = true; })")
            shoot(browser, screenshots, f"crm-{name}-{width}")
            problems += accessibility_problems(browser, f"{name} ({width})")
            if width == "phone":
                scroll_width, inner_width = overflow(browser)
                assert scroll_width <= inner_width, f"{name}: {scroll_width} > {inner_width}"
    assert not problems, "\n".join(problems)  # axe-core: WCAG 2.1 A/AA (labels, contrast, keyboard)


async def test_the_crm_pages_speak_english_when_chosen(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    _, ids = await _busy_office(vats_kernel, vats_tenant)
    sign_in(browser, cabinet_server, "admin@test.example", "/cabinet/tasks?show=all&period=all")
    browser.add_cookie({"name": "vats_lang", "value": "en", "path": "/"})
    browser.refresh()
    wait(browser).until(lambda d: page_id(d) == "crm-tasks")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Tasks"
    assert "Overdue" in text_of(browser, "#task-list")
    shoot(browser, screenshots, "crm-tasks-en-desktop")
    follow(browser, f"/cabinet/contacts/{ids['contact']}")
    wait(browser).until(lambda d: page_id(d) == "crm-contact")
    assert "Personal manager" in text_of(browser, "#contact-facts")
    shoot(browser, screenshots, "crm-contact-en-desktop")
