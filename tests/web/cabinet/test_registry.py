"""The cabinet's page registry: a plugin's pages through ``register_cabinet_pages`` render in the
shell with its texts, its menu entry shows to the roles it names, and a tenant who switched the
plugin off gets neither; built-in areas appear the same way; a text key given twice stops the
app from being built."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar import Controller, Request, get
from litestar.response import Template
from vats.bots.web.app import create_app
from vats.bots.web.cabinet.kit import WORKERS, CabinetPages, NavEntry, page, require
from vats.bots.web.testing import TEST_PASSWORD
from vats.core import hookimpl
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password


class Tickets(Controller):
    path = "/cabinet/tickets"

    @get("/")
    async def tickets(self, request: Request[Any, Any, Any]) -> Template:
        require(request, WORKERS)
        return await page(request, "tickets/list.html", count=3)


class TicketsPlugin:
    def __init__(self, templates: Path, texts_ru: dict[str, str] | None = None) -> None:
        self.templates = templates
        self.texts_ru = texts_ru or {"tickets_title": "Тикеты", "tickets_count": "Открытых тикетов: {n}"}

    @hookimpl
    def register_cabinet_pages(self) -> list[CabinetPages]:
        return [
            CabinetPages(
                handlers=[Tickets],
                nav=[NavEntry(href="/cabinet/tickets", label_ru="Тикеты", label_en="Tickets", roles=WORKERS)],
                templates=self.templates,
                texts_ru=self.texts_ru,
                texts_en={"tickets_title": "Tickets", "tickets_count": "Open tickets: {n}"},
            )
        ]


@pytest.fixture
def tickets_templates(tmp_path: Path) -> Path:
    (tmp_path / "tickets").mkdir()
    (tmp_path / "tickets" / "list.html").write_text(
        '{% extends "cabinet/base.html" %}{% block page_id %}tickets{% endblock %}'
        "{% block main %}<h1>{{ t.tickets_title }}</h1><p id=count>{{ t.tickets_count.format(n=count) }}</p>"
        "{% endblock %}"
    )
    return tmp_path


def menu(html: str) -> list[str]:
    nav = re.search(r'<nav class="nav".*?</nav>', html, re.S)
    assert nav, "no menu on the page"
    return re.findall(r">([^<>]+)</a>", nav.group(0))


async def person(kernel: Kernel, tenant: TenantCreated, role: str, email: str) -> str:
    employee, _ = await kernel.directory.create_employee(
        tenant.tenant_id, EmployeeCreate(full_name=f"{role} person", email=email, role=role)  # type: ignore[arg-type]
    )
    return await give_password(kernel, tenant.tenant_id, employee.id)


async def test_hook_register_cabinet_pages(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any, tickets_templates: Path
) -> None:
    vats_register_plugin(TicketsPlugin(tickets_templates), name="tickets")
    app = create_app(vats_kernel)
    admin_email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:  # the menu here: the tickets' and built-ins'
        for other in ("crm",):
            await vats_kernel.plugins.set_enabled(conn, vats_tenant.tenant_id, other, False)
    restricted_email = await person(vats_kernel, vats_tenant, "restricted", "guest@test.example")

    admin = CabinetClient(app)
    guest = CabinetClient(app)
    try:
        assert (await admin.sign_in(admin_email, TEST_PASSWORD)).status_code in (302, 303)
        shown = await admin.http.get("/cabinet/tickets")
        assert shown.status_code == 200, shown.text[:3000]
        assert "<h1>Тикеты</h1>" in shown.text and "Открытых тикетов: 3" in shown.text
        assert 'id="shell"' in shown.text  # inside the cabinet's shell
        # work, then settings, then me (other built-in areas' entries may sit between them)
        ours = ("Тикеты", "Сотрудники", "Профиль")
        assert [m for m in menu(shown.text) if m in ours] == list(ours)

        # A restricted employee neither sees the entry nor may open the page.
        assert (await guest.sign_in(restricted_email, TEST_PASSWORD)).status_code in (302, 303)
        me_page = await guest.http.get("/cabinet/me")
        # the dashboard, the employee list (read-only, seed 001) and the profile are everyone's
        # (plugins' "me" pages, e.g. the personal mobile, too)
        shown_to_guest = [m for m in menu(me_page.text) if m != "Личный мобильный"]
        assert shown_to_guest == ["Рабочий стол", "Сотрудники", "Профиль"]
        refused = await guest.http.get("/cabinet/tickets")
        assert refused.status_code == 403 and "Нет доступа" in refused.text

        # The tenant switches the plugin off: 404 and no entry, at once.
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
            await vats_kernel.plugins.set_enabled(conn, vats_tenant.tenant_id, "tickets", False)
        gone = await admin.http.get("/cabinet/tickets")
        assert gone.status_code == 404
        assert "Тикеты" not in menu((await admin.http.get("/cabinet/me")).text)
    finally:
        await admin.close()
        await guest.close()


async def test_a_text_key_two_plugins_give_stops_the_app_naming_it(
    vats_kernel: Kernel, vats_register_plugin: Any, tickets_templates: Path
) -> None:
    vats_register_plugin(TicketsPlugin(tickets_templates), name="tickets")
    vats_register_plugin(TicketsPlugin(tickets_templates, {"tickets_title": "Заявки"}), name="requests")
    with pytest.raises(ValueError, match="'tickets_title'"):
        create_app(vats_kernel)
