"""Мои финансы → Документы and → Детализация in a real headless Chromium: an invoice made from
the page, a period over 31 days refused beside its field (focus and error read by axe), and
both pages read well at 1280 and 375 px and pass axe-core's WCAG checks."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.core.calls.records import store_and_announce
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger, requisites, seller
from vats.plugins.billing.requisites import RequisitesIn
from vats.plugins.billing.seller import SellerIn

from tests.plugins.billing.test_cabinet_reports import record
from tests.plugins.billing.test_documents import BUYER, SELLER
from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (the fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_operator_portal import make_operator, op_sign_in
from tests.web.cabinet.test_pages import look, phone

DOCS = "/cabinet/settings/finances/documents"
CALLS = "/cabinet/settings/finances/calls"


async def test_documents_and_call_detail_pages_read_well_and_refuse_a_long_period_beside_its_field(
    cabinet_server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    tid = vats_tenant.tenant_id
    async with vats_kernel.db.system() as conn:
        await seller.save(conn, SellerIn(**SELLER))
    async with vats_kernel.db.tenant(tid) as conn:
        await requisites.save(conn, tid, RequisitesIn(**BUYER))  # type: ignore[arg-type]
        await ledger.post(conn, tid, kind="charge", amount_kop=-99000, idempotency_key="fee",
                          reason="Тариф «Старт» за 01.11.2026–30.11.2026")  # fmt: skip
        zone = zoneinfo.ZoneInfo(await conn.fetchval("SELECT time_zone FROM tenants WHERE id = $1", tid))
    today = dt.datetime.now(zone)
    for i in range(12):
        call = record(tid, today - dt.timedelta(minutes=30 + i), "outbound" if i % 3 else "inbound",
                      "+74951234567" if i % 2 else "+79161234567", 20 + i * 17)  # fmt: skip
        await store_and_announce(vats_kernel.db, vats_kernel.plugins, call)
    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)

    browser.get(cabinet_server.url + DOCS)
    wait(browser).until(ec.presence_of_element_located((By.ID, "invoice-form")))
    browser.find_element(By.ID, "amount").send_keys("25 000")
    old = browser.find_element(By.ID, "invoice-form")
    browser.find_element(By.ID, "invoice-submit").click()
    wait(browser).until(ec.staleness_of(old))
    wait(browser).until(ec.presence_of_element_located((By.ID, "made-pdf")))
    assert "Счёт на оплату № 1" in browser.find_element(By.ID, "documents").text

    problems = []
    for path, name in ((DOCS, "billing-documents"), (CALLS, "billing-calls")):
        problems += look(browser, cabinet_server.url + path, name, screenshots)
        problems += accessibility_problems(browser, f"{path} at 1280 px")
        phone(browser, True)
        problems += accessibility_problems(browser, f"{path} at 375 px")
        phone(browser, False)

    browser.get(cabinet_server.url + CALLS)
    wait(browser).until(ec.presence_of_element_located((By.ID, "calls")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#calls tbody tr")) == 12
    since = browser.find_element(By.ID, "since")
    browser.execute_script("arguments[0].value = arguments[1]", since, str(today.date() - dt.timedelta(days=40)))
    old = browser.find_element(By.ID, "calls-period")
    browser.find_element(By.ID, "calls-submit").click()
    wait(browser).until(ec.staleness_of(old))
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "until-error")))
    assert error.text == "Период — не больше 31 дней"
    browser.save_screenshot(str(screenshots / "billing-calls-refused-1280.png"))
    problems += accessibility_problems(browser, "call detail refused")

    # The operator sees the same documents in the portal.
    browser.delete_all_cookies()
    await make_operator(vats_kernel)
    op_sign_in(browser, cabinet_server, path="/operator/billing/documents")
    wait(browser).until(ec.presence_of_element_located((By.ID, "documents")))
    assert "Счёт на оплату № 1" in browser.find_element(By.ID, "documents").text
    problems += look(browser, cabinet_server.url + "/operator/billing/documents", "billing-operator-documents",
                     screenshots)  # fmt: skip
    problems += accessibility_problems(browser, "operator documents at 1280 px")
    phone(browser, True)
    problems += accessibility_problems(browser, "operator documents at 375 px")
    phone(browser, False)
    assert not problems, "\n".join(problems)

