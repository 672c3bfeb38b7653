"""The operator's own wording of the messages (portal → Уведомления): a placeholder the event
does not have is refused beside its field, naming it; a saved text is what the next message
says (in its language only); back to the default. The page at 1280/375 px, checked by axe."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.errors import ValidationError
from vats.core.kernel import Kernel
from vats.core.operators.accounts import OperatorAccounts
from vats.plugins.notifications.texts import TEXTS, check

from tests.plugins.notifications.conftest import move_money, senders, settled
from tests.smtp_server import SmtpServer
from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (fixtures)
from tests.web.cabinet.test_browser import wait
from tests.web.cabinet.test_operator_pages import OP_PASSWORD, OPERATOR, sign_in
from tests.web.cabinet.test_pages import phone

PAGE = "/operator/notifications"


def test_a_text_may_name_only_its_events_placeholders() -> None:
    assert check("low_balance_subject", "ru", "Баланс {company}: {balance}") == "Баланс {company}: {balance}"
    for bad, named in (("{company} {amount}", "{amount}"), ("{company.__class__}", "{company.__class__}"),
                       ("{0}", "{0}")):  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            check("low_balance_subject", "en", bad)
        assert refused.value.field == "low_balance_subject.en" and named in refused.value.message
    with pytest.raises(ValidationError, match="brace"):
        check("low_balance_body", "ru", "Баланс {balance")


def fields_of_form(page: str, event: str) -> dict[str, str]:
    """What the event's form sends as shown (its inputs and textareas)."""
    form = re.search(rf'<form method="post" action="{PAGE}/{event}".*?</form>', page, re.S)
    assert form, event
    values = {m[0]: html.unescape(m[1]) for m in re.findall(r'<input type="text" id="[^"]+" name="([^"]+)"[^>]*value="([^"]*)"', form.group(0))}
    values |= {m[0]: html.unescape(m[1]) for m in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', form.group(0), re.S)}
    return values


async def test_the_operators_text_is_checked_saved_sent_and_reset(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, smtp_server: SmtpServer
) -> None:
    await OperatorAccounts(vats_kernel.db, vats_kernel.accounts).create(OPERATOR, OP_PASSWORD)
    portal = CabinetClient(vats_api.app)
    try:
        await sign_in(portal)
        shown = (await portal.http.get(PAGE + "/")).text
        form = fields_of_form(shown, "low_balance")
        assert form["low_balance_subject.ru"] == TEXTS["low_balance_subject"]["ru"]
        refused = await portal.post_form(
            f"{PAGE}/low_balance", {**form, "low_balance_subject.ru": "{company}: осталось {amount}"}, form_page=PAGE + "/"
        )
        assert refused.status_code == 422
        error = re.search(r'id="low_balance_subject-ru-error">([^<]+)<', refused.text)
        assert error and "Неизвестная подстановка {amount}" in html.unescape(error.group(1))
        assert "осталось {amount}" in html.unescape(refused.text)  # what was typed stays in its field
        saved = await portal.post_form(
            f"{PAGE}/low_balance", {**form, "low_balance_subject.ru": "Внимание, {company}: на счёте {balance}"},
            form_page=PAGE + "/",
        )  # fmt: skip
        assert saved.status_code == 200 and "Тексты сохранены" in saved.text
        assert "Внимание, ООО «Ромашка»: на счёте -120,50" in html.unescape(saved.text)  # the preview

        async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
            await conn.execute(
                "INSERT INTO notification_recipients (tenant_id, kind, address, verified_at, language, threshold_kop)"
                " VALUES ($1, 'email', 'buh@firm.example', now(), 'ru', 50000),"
                " ($1, 'email', 'cfo@firm.example', now(), 'en', 50000)",
                vats_tenant.tenant_id,
            )
        await move_money(vats_kernel, vats_tenant.tenant_id, -10_000)
        async with senders(vats_kernel):
            await settled(vats_kernel, "mail", "notifications.low_balance")
        assert smtp_server.to("buh@firm.example")[0]["Subject"] == "Внимание, Test company: на счёте -100,00\u00a0₽"
        assert smtp_server.to("cfo@firm.example")[0]["Subject"] == "The balance of the PBX “Test company” is below ₽500.00"

        reset = await portal.post_form(f"{PAGE}/low_balance/reset", {}, form_page=PAGE + "/")
        assert reset.status_code == 200
        assert fields_of_form(reset.text, "low_balance")["low_balance_subject.ru"] == TEXTS["low_balance_subject"]["ru"]
    finally:
        await portal.close()
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notification_texts") == 0
        assert [r["action"] for r in await conn.fetch("SELECT action FROM operator_audit ORDER BY at")] == [
            "notification_texts_changed", "notification_texts_reset"
        ]  # fmt: skip


async def test_the_texts_page_reads_well_at_both_widths_and_passes_axe(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, screenshots: Path,  # noqa: F811
) -> None:
    await OperatorAccounts(vats_kernel.db, vats_kernel.accounts).create(OPERATOR, OP_PASSWORD)
    from tests.web.cabinet.test_operator_portal import op_sign_in

    op_sign_in(browser, cabinet_server, path=PAGE + "/")
    wait(browser).until(ec.presence_of_element_located((By.ID, "event-low_balance")))
    browser.find_element(By.CSS_SELECTOR, "#event-low_balance summary").click()
    field = browser.find_element(By.ID, "low_balance_sms-ru")
    field.clear()
    field.send_keys("{company}: {nope}")
    old = browser.find_element(By.ID, "main")
    browser.find_element(By.ID, "save-low_balance").click()
    wait(browser).until(ec.staleness_of(old))
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "low_balance_sms-ru-error")))
    assert "{nope}" in error.text
    problems = []
    for width, on in ((1280, False), (375, True)):
        phone(browser, on)
        browser.save_screenshot(str(screenshots / f"operator-notification-texts-{width}.png"))
        problems += accessibility_problems(browser, f"operator texts {width}")
        if on:
            scroll, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner
    phone(browser, False)
    assert problems == []
