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
from vats.core.operators.accounts import OperatorAccounts

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


class OperatorWidgets:
    """A third party's widget for the operator portal's Сводка, next to a cabinet one."""

    def __init__(self, templates: Path) -> None:
        self.templates = templates

    @hookimpl
    def register_cabinet_pages(self) -> list[CabinetPages]:
        return [CabinetPages(handlers=[], templates=self.templates)]

    @hookimpl
    def register_dashboard_widgets(self) -> list[DashboardWidget]:
        return [
            DashboardWidget(name="tickets-all", template="tickets/_widget.html", load=every_pbxs_tickets,
                            area="operator"),
            DashboardWidget(name="tickets", template="tickets/_widget.html", load=open_tickets, roles=WORKERS),
        ]  # fmt: skip


async def every_pbxs_tickets(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {"count": 42}


async def test_the_operator_portals_overview_shows_operator_widgets_and_billings_debtors(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any, widget_templates: Path
) -> None:
    from vats.plugins.billing import ledger

    from tests.web.cabinet.test_operator_pages import OP_PASSWORD, OPERATOR

    vats_register_plugin(OperatorWidgets(widget_templates), name="tickets")
    other = await vats_kernel.directory.create_tenant(name="Должник", admin_email="boss@debtor.example")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(other.tenant_id) as conn:  # 250 ₽ in debt
        await ledger.post(conn, other.tenant_id, kind="adjustment", amount_kop=-25_000, idempotency_key="debt")
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await ledger.post(conn, vats_tenant.tenant_id, kind="adjustment", amount_kop=100_000, idempotency_key="held")
    await OperatorAccounts(vats_kernel.db, vats_kernel.accounts).create(OPERATOR, OP_PASSWORD)
    app = create_app(vats_kernel)
    operator, admin = CabinetClient(app), CabinetClient(app)
    try:
        token = await operator.csrf("/operator/signin")
        signed = await operator.http.post(
            "/operator/signin", data={"email": OPERATOR, "password": OP_PASSWORD, "next": "", "_csrf_token": token}
        )
        assert signed.status_code == 303, signed.text
        shown = await operator.http.get("/operator/dashboard")
        assert shown.status_code == 200, shown.text[:2000]
        html = shown.text
        assert '<a href="/operator/dashboard" aria-current="page">Сводка</a>' in html  # first in the portal's menu
        assert 'id="widget-tickets-all"' in html and "Открытых тикетов: 42" in html  # the operator's widget
        assert 'id="widget-tickets"' not in html and "widget-billing-balance" not in html  # no cabinet widgets
        assert re.search(r'id="widget-in-debt"[^>]*>1<', html)  # one PBX of the two owes
        assert re.search(r'id="widget-debt"[^>]*>250,00\u00a0₽<', html)
        assert re.search(r'id="widget-held"[^>]*>1\u00a0000,00\u00a0₽<', html)

        await admin.sign_in(await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id),
                            TEST_PASSWORD)  # fmt: skip
        cabinet = (await admin.http.get("/cabinet/dashboard")).text
        assert "Открытых тикетов: 7" in cabinet and "widget-tickets-all" not in cabinet  # and not the other way
        assert "widget-billing-money" not in cabinet
        assert (await admin.http.get("/operator/dashboard")).status_code in (302, 303)  # a tenant's admin: sign in
    finally:
        await operator.close()
        await admin.close()
