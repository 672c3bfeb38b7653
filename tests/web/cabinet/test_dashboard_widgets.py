"""Dashboard widgets through ``register_dashboard_widgets``: a plugin's widget shows on Work →
Рабочий стол with the data its ``load`` gives, only to the roles it names, not at all once the
tenant switches the plugin off; a widget whose load fails is left out and the rest still shows;
billing's balance and the CRM's charts are widgets themselves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar import Request
from selenium.webdriver.common.by import By
from vats.bots.web.app import create_app
from vats.bots.web.cabinet.kit import ADMIN, WORKERS, CabinetPages, DashboardWidget, require
from vats.bots.web.testing import TEST_PASSWORD
from vats.core import hookimpl
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_accessibility import check
from tests.web.cabinet.test_browser import give_password, sign_in
from tests.web.cabinet.test_pages import look
from tests.web.cabinet.test_registry import person


async def open_tickets(request: Request[Any, Any, Any]) -> dict[str, Any]:
    require(request, WORKERS)
    return {"count": 7}


async def broken(request: Request[Any, Any, Any]) -> dict[str, Any]:
    raise RuntimeError("the tickets service is down")


async def nothing(request: Request[Any, Any, Any]) -> None:
    return None


class TicketsWidgets:
    def __init__(self, templates: Path) -> None:
        self.templates = templates

    @hookimpl
    def register_cabinet_pages(self) -> list[CabinetPages]:
        return [CabinetPages(handlers=[], templates=self.templates)]

    @hookimpl
    def register_dashboard_widgets(self) -> list[DashboardWidget]:
        return [
            DashboardWidget(name="tickets", template="tickets/_widget.html", load=open_tickets, roles=WORKERS),
            DashboardWidget(name="tickets-broken", template="tickets/_widget.html", load=broken),
            DashboardWidget(name="tickets-quiet", template="tickets/_widget.html", load=nothing),
            DashboardWidget(name="tickets-admin", template="tickets/_admin.html", load=open_tickets, roles=ADMIN),
        ]


@pytest.fixture
def widget_templates(tmp_path: Path) -> Path:
    (tmp_path / "tickets").mkdir()
    (tmp_path / "tickets" / "_widget.html").write_text('<p id="open-tickets">Открытых тикетов: {{ data.count }}</p>')
    (tmp_path / "tickets" / "_admin.html").write_text('<p id="admin-tickets">Для администратора</p>')
    return tmp_path


async def test_hook_register_dashboard_widgets(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any, widget_templates: Path
) -> None:
    vats_register_plugin(TicketsWidgets(widget_templates), name="tickets")
    app = create_app(vats_kernel)
    tid = vats_tenant.tenant_id
    admin, user = CabinetClient(app), CabinetClient(app)
    try:
        assert (
            await admin.sign_in(await give_password(vats_kernel, tid, vats_tenant.admin_id), TEST_PASSWORD)
        ).is_redirect
        assert (
            await user.sign_in(await person(vats_kernel, vats_tenant, "user", "u@test.example"), TEST_PASSWORD)
        ).is_redirect
        shown = await admin.http.get("/cabinet/dashboard")
        assert shown.status_code == 200, shown.text[:2000]
        html = shown.text
        assert 'id="widget-tickets"' in html and "Открытых тикетов: 7" in html
        assert 'id="widget-tickets-admin"' in html
        assert "widget-tickets-broken" not in html  # its load failed: left out, the page still shows
        assert "widget-tickets-quiet" not in html  # nothing to show this time
        # The CRM's charts and billing's balance are widgets too, billing's first (its order).
        assert html.index('id="widget-billing-balance"') < html.index('id="widget-crm-calls"')

        mine = (await user.http.get("/cabinet/dashboard")).text
        assert "Открытых тикетов: 7" in mine and "widget-tickets-admin" not in mine  # the roles a widget names
        assert "widget-billing-balance" not in mine  # money is for admins

        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(tid) as conn:
            await vats_kernel.plugins.set_enabled(conn, tid, "tickets", False)
        off = (await admin.http.get("/cabinet/dashboard")).text
        assert "widget-tickets" not in off  # switched off: gone at once
        assert 'id="widget-crm-calls"' in off and 'id="widget-billing-balance"' in off
        async with vats_kernel.db.tenant(tid) as conn:
            await vats_kernel.plugins.set_enabled(conn, tid, "crm", False)
        empty = (await user.http.get("/cabinet/dashboard")).text
        assert "widget-" not in empty and "На рабочем столе пока ничего нет" in empty
    finally:
        await admin.close()
        await user.close()


async def test_billings_widget_shows_the_balance_an_admin_tops_up(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.plugins.billing import ledger
    from vats.plugins.billing.cabinet import money

    tid = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        await ledger.post(conn, tid, kind="adjustment", amount_kop=123_450, idempotency_key="widget-test")
        balance = (await ledger.account(conn, tid)).balance_kop
    admin = CabinetClient(create_app(vats_kernel))
    try:
        await admin.sign_in(await give_password(vats_kernel, tid, vats_tenant.admin_id), TEST_PASSWORD)
        html = (await admin.http.get("/cabinet/dashboard")).text
        shown = re.search(r'id="widget-balance"[^>]*>([^<]+)<', html)
        assert shown and shown.group(1) == money(balance, "ru") and balance >= 123_450
        assert 'href="/cabinet/settings/finances"' in html
    finally:
        await admin.close()


async def test_the_dashboard_with_its_widgets_fits_a_375px_screen_and_passes_axe(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id))
    problems = look(browser, cabinet_server.url + "/cabinet/dashboard", "dashboard-widgets", screenshots)
    problems += check(browser, cabinet_server.url, "/cabinet/dashboard")
    assert browser.find_element(By.ID, "widget-billing-balance") and browser.find_element(By.ID, "widget-crm-calls")
    assert not problems, "\n".join(problems)
