"""Settings → Уведомления in the cabinet, through the real sign-in form: an admin adds an e-mail
address (its letter goes out, it waits for confirmation), a mobile number and confirms it with
the SMS code (a wrong code is named beside its box), a threshold in roubles (kopecks at most)
and bad input beside the field; removes a recipient; other roles get no page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.notifications.conftest import SmsGateway, use_gateway
from tests.smtp_server import SmtpServer
from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in
from tests.web.cabinet.test_pages import look

PAGE = "/cabinet/settings/notifications"
ANNA = "+79031234567"


async def signed_in(kernel: Kernel, tenant_id: object, employee_id: object) -> CabinetClient:
    client = CabinetClient(create_app(kernel))
    email = await give_password(kernel, tenant_id, employee_id)  # type: ignore[arg-type]
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
    return client


async def test_an_admin_adds_confirms_and_removes_recipients_in_the_cabinet(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:  # fmt: skip
    await use_gateway(vats_api, sms_gateway)
    admin = await signed_in(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    try:
        empty = await admin.http.get(PAGE)
        assert empty.status_code == 200 and 'id="no-recipients"' in empty.text and "Уведомления" in empty.text
        added = await admin.post_form(
            PAGE, {"kind": "email", "address": "buh@firm.example", "threshold": "500,50"}, form_page=PAGE
        )
        assert added.status_code == 200 and "Письмо со ссылкой отправлено" in added.text
        assert "500,50" in added.text and "ждёт подтверждения" in added.text
        assert len(smtp_server.to("buh@firm.example")) == 1

        bad = await admin.post_form(PAGE, {"kind": "sms", "address": "+7 495 123-45-67", "threshold": "1,005"},
                                    form_page=PAGE)  # fmt: skip
        assert bad.status_code == 422 and 'id="threshold-error"' in bad.text  # fractions of a kopeck
        landline = await admin.post_form(PAGE, {"kind": "sms", "address": "+7 495 123-45-67"}, form_page=PAGE)
        assert landline.status_code == 422 and 'id="address-error"' in landline.text
        assert "SMS на него не придёт" in landline.text

        sms = await admin.post_form(PAGE, {"kind": "sms", "address": "8 903 123 45 67", "threshold": "100"},
                                    form_page=PAGE)  # fmt: skip
        assert sms.status_code == 200 and "Код отправлен" in sms.text
        (text,) = sms_gateway.texts_to(ANNA)
        code = re.search(r"\d{6}", text).group(0)  # type: ignore[union-attr]
        recipient_id = re.search(r'data-id="([0-9a-f-]+)" data-kind="sms"', sms.text).group(1)  # type: ignore[union-attr]
        confirm = f"{PAGE}/{recipient_id}/confirm"
        wrong = await admin.post_form(confirm, {"code": "000000" if code != "000000" else "111111"}, form_page=PAGE)
        assert wrong.status_code == 422 and 'id="code-error"' in wrong.text and "Неверный код" in wrong.text
        right = await admin.post_form(confirm, {"code": code}, form_page=PAGE)
        assert right.status_code == 200 and "Номер подтверждён" in right.text

        removed = await admin.post_form(f"{PAGE}/{recipient_id}/delete", {}, form_page=PAGE)
        assert removed.status_code == 200 and ANNA not in removed.text and "buh@firm.example" in removed.text
    finally:
        await admin.close()


async def test_only_admins_get_the_page(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    employee, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Оператор", email="op@test.example", role="user")
    )
    user = await signed_in(vats_kernel, vats_tenant.tenant_id, employee.id)
    try:
        assert (await user.http.get(PAGE)).status_code == 403
    finally:
        await user.close()


async def test_the_notifications_page_reads_well_at_both_widths(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path,  # noqa: F811
) -> None:
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO notification_recipients (tenant_id, kind, address, threshold_kop, verified_at) VALUES"
            " ($1, 'email', 'glavnyi.buhgalter.otdela.raschetov@dlinnoe-nazvanie-kompanii.example', 150000050, now()),"
            " ($1, 'sms', '+79031234567', 50000, NULL), ($1, 'email', 'boss@firm.example', NULL, now())",
            vats_tenant.tenant_id,
        )
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id))
    problems = look(browser, cabinet_server.url + PAGE, "notifications", screenshots)
    problems += accessibility_problems(browser, "notifications")
    assert browser.find_element(By.ID, "main").get_attribute("data-page") == "notifications"
    assert not problems, "\n".join(problems)
