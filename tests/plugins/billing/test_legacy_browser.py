"""Legacy tariffs in a real headless Chromium: the portal's Сводка and page Старые тарифы (a
warning for an unmapped code, a refused mapping said beside its field, a saved one) and the
tenant's tariff page naming the old terms and the day they end; each at 1280 and 375 px,
checked by axe-core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.operators.accounts import OperatorAccounts
from vats.plugins.billing import catalogue, legacy
from vats.plugins.billing.models import Tariff

from tests.web.cabinet.axe import problems_at_both_widths
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (the fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_operator_pages import OP_PASSWORD, OPERATOR
from tests.web.cabinet.test_operator_portal import op_sign_in
from tests.web.cabinet.test_pages import look

PAGE = "/operator/billing/legacy"
TARIFF = "/cabinet/settings/finances/tariff"


async def test_the_operator_maps_an_old_tariff_and_the_tenant_sees_its_end(
    cabinet_server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    old = Tariff(code="old-business", name="Бизнес (2019)", monthly_fee_kop=50_000, seats_included=5,
                 extra_seat_kop=20_000, options=[], rate_plan_id=None, legacy=True)  # fmt: skip
    async with vats_kernel.db.system() as conn:
        await catalogue.save_tariff(conn, old, create=True)
    other = await vats_kernel.directory.create_tenant(name="Ромашка", admin_email="r@r.example")
    async with vats_kernel.db.tenant(other.tenant_id) as conn:  # migrated before anyone mapped its code
        await legacy.migration_completed(conn, vats_kernel, other.tenant_id, {"tariff": "Эконом-2015"})
    await OperatorAccounts(vats_kernel.db, vats_kernel.accounts).create(OPERATOR, OP_PASSWORD)
    op_sign_in(browser, cabinet_server, path=PAGE + "/")
    wait(browser).until(ec.presence_of_element_located((By.ID, "unmapped")))
    assert "Эконом-2015" in browser.find_element(By.ID, "unmapped").text
    problems = look(browser, cabinet_server.url + "/operator/dashboard", "billing-legacy-summary", screenshots)
    assert "не сопоставлен: 1" in browser.find_element(By.ID, "widget-billing-legacy").text
    problems += problems_at_both_widths(browser, "the portal's summary")
    problems += look(browser, cabinet_server.url + PAGE + "/", "billing-legacy-operator", screenshots)
    problems += problems_at_both_widths(browser, PAGE)

    browser.find_element(By.ID, "old_code").send_keys("Бизнес-2019")
    Select(browser.find_element(By.ID, "legacy_tariff")).select_by_value("old-business")
    Select(browser.find_element(By.ID, "target_tariff")).select_by_value("old-business")
    before = browser.find_element(By.ID, "main")
    browser.find_element(By.ID, "save-mapping").click()
    wait(browser).until(ec.staleness_of(before))
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "target_tariff-error")))
    assert error.text == "Целевой тариф должен отличаться от старого."
    browser.save_screenshot(str(screenshots / "billing-legacy-refused-1280.png"))
    problems += problems_at_both_widths(browser, "refused mapping")
    Select(browser.find_element(By.ID, "target_tariff")).select_by_value("pro")
    before = browser.find_element(By.ID, "main")
    browser.find_element(By.ID, "save-mapping").click()
    wait(browser).until(ec.staleness_of(before))
    wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    assert browser.find_elements(By.CSS_SELECTOR, '#mappings tr[data-code="Бизнес-2019"]')

    tid = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tid) as conn:
        done = await legacy.migration_completed(conn, vats_kernel, tid, {"tariff": "Бизнес-2019"})
    assert done is not None and done.legacy_tariff == "old-business"
    last = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=29)
    browser.get(cabinet_server.url + PAGE + "/")
    wait(browser).until(ec.presence_of_element_located((By.ID, "on-legacy")))
    browser.save_screenshot(str(screenshots / "billing-legacy-operator-on-legacy-1280.png"))

    email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    problems += look(browser, cabinet_server.url + TARIFF, "billing-legacy-tariff", screenshots)
    browser.get(cabinet_server.url + TARIFF)
    notice = wait(browser).until(ec.presence_of_element_located((By.ID, "legacy-terms"))).text
    assert f"«Бизнес (2019)» до {last:%d.%m.%Y} включительно" in notice and "«Про»" in notice
    problems += problems_at_both_widths(browser, TARIFF)
    assert problems == []
