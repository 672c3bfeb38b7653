"""Operator portal pages without a browser (httpx on the app, signed in through the real
operator sign-in form): searching and filtering tenants, where sign-in returns to, the language,
and concurrent account creation. Browser behaviour stays in test_operator_portal.py."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from vats.bots.web.app import create_app
from vats.bots.web.cabinet.kit import CabinetPages, NavEntry
from vats.bots.web.cabinet.operator.kit import actor, current, page, record
from vats.bots.web.cabinet.session import redirect
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core import hookimpl
from vats.core.directory.service import TenantCreated
from vats.core.errors import ConflictError
from vats.core.kernel import Kernel
from vats.core.operators.accounts import OperatorAccounts

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

OPERATOR = "olga@operator.example"
OP_PASSWORD = "op-Passw0rd-1"


@pytest_asyncio.fixture
async def portal(vats_api: ApiClients, vats_kernel: Kernel) -> AsyncIterator[CabinetClient]:
    await OperatorAccounts(vats_kernel.db, vats_kernel.accounts).create(OPERATOR, OP_PASSWORD)
    client = CabinetClient(vats_api.app)
    try:
        yield client
    finally:
        await client.close()


async def sign_in(client: CabinetClient, next_: str = "") -> str:
    token = await client.csrf("/operator/signin")
    answer = await client.http.post(
        "/operator/signin", data={"email": OPERATOR, "password": OP_PASSWORD, "next": next_, "_csrf_token": token}
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def tenant_names(html: str) -> list[str]:
    return re.findall(r'<a href="/operator/tenants/[0-9a-f-]+">([^<]+)</a>', html)


async def test_the_tenant_list_searches_by_name_or_admin_email_and_filters_by_status(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    for name, admin in (("ООО Ромашка", "boss@romashka.example"), ("ИП Лютик", "ivan@lutik.example"),
                        ("ЗАО 100%_Скидка", "sale@skidka.example")):  # fmt: skip
        created = await vats_kernel.directory.create_tenant(name=name, admin_email=admin)
        if name == "ИП Лютик":
            await vats_kernel.directory.set_suspended(created.tenant_id, True)
    await sign_in(portal)
    everyone = await portal.http.get("/operator/tenants")
    assert tenant_names(everyone.text) == ["ЗАО 100%_Скидка", "ИП Лютик", "ООО Ромашка"]
    by_name = await portal.http.get("/operator/tenants", params={"q": "ромаш"})
    assert tenant_names(by_name.text) == ["ООО Ромашка"]
    by_admin = await portal.http.get("/operator/tenants", params={"q": "lutik.example"})
    assert tenant_names(by_admin.text) == ["ИП Лютик"]
    literal = await portal.http.get("/operator/tenants", params={"q": "0%_"})  # no wildcard: the characters
    assert tenant_names(literal.text) == ["ЗАО 100%_Скидка"]
    suspended = await portal.http.get("/operator/tenants", params={"status": "suspended"})
    assert tenant_names(suspended.text) == ["ИП Лютик"]
    active = await portal.http.get("/operator/tenants", params={"status": "active", "q": "лютик"})
    assert tenant_names(active.text) == [] and "Клиентов не найдено." in active.text


async def test_sign_in_returns_to_the_portal_page_asked_for_and_never_off_site_or_to_the_cabinet(
    portal: CabinetClient,
) -> None:
    assert await sign_in(portal, "/operator/trunks") == "/operator/trunks"
    assert await sign_in(portal, "//evil.example/x") == "/operator/tenants"
    assert await sign_in(portal, "https://evil.example/") == "/operator/tenants"
    assert await sign_in(portal, "/cabinet/me") == "/operator/tenants"


async def test_the_portal_speaks_english_when_chosen_and_russian_first(portal: CabinetClient) -> None:
    await sign_in(portal)
    assert "<h1>Клиенты</h1>" in (await portal.http.get("/operator/tenants")).text
    chosen = await portal.post_form(
        "/operator/language", {"lang": "en", "back": "/operator/trunks"}, form_page="/operator/tenants"
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/operator/trunks"
    page = (await portal.http.get("/operator/trunks")).text
    assert "<h1>SIP trunks</h1>" in page and 'href="/operator/tenants"' in page and ">Tenants<" in page


async def test_an_unknown_portal_page_and_an_unknown_tenant_get_the_portals_not_found_page(
    portal: CabinetClient,
) -> None:
    await sign_in(portal)
    for path in ("/operator/nothing-here", "/operator/tenants/6a1f0c1e-0000-4000-8000-000000000000"):
        answer = await portal.http.get(path)
        assert answer.status_code == 404 and 'data-reason="not_found"' in answer.text, path


async def test_two_operators_created_at_once_with_one_email_make_one_account(vats_kernel: Kernel) -> None:
    accounts = OperatorAccounts(vats_kernel.db, vats_kernel.accounts)
    results = await asyncio.gather(
        *(accounts.create(email, OP_PASSWORD) for email in ("Ivan@Operator.example", "ivan@operator.example")),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "OperatorAccount"]
    assert [a.email for a in await accounts.list()] == ["ivan@operator.example"]
    with pytest.raises(ConflictError):
        await accounts.create("IVAN@operator.example", OP_PASSWORD)


class Tariffs(Controller):
    """A plugin's operator page, as billing would add one."""

    path = "/operator/tariffs"

    @get("/")
    async def tariffs(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "tariffs/list.html", who=current(request).email)

    @post("/")
    async def change(self, request: Request[Any, Any, Any]) -> Response[Any]:
        async with request.app.state.kernel.db.system() as conn:
            await record(conn, actor(request), "tariff_changed", detail={"tariff": "pro"})
        return redirect("/operator/tariffs")


class TariffsPlugin:
    def __init__(self, templates: Path) -> None:
        self.templates = templates

    @hookimpl
    def register_cabinet_pages(self) -> list[CabinetPages]:
        entry = NavEntry(href="/operator/tariffs", label_ru="Тарифы", label_en="Tariffs", section="operator")
        return [CabinetPages(handlers=[Tariffs], nav=[entry], templates=self.templates, area="operator")]


async def test_a_plugins_operator_page_sits_behind_the_operators_session_in_the_portals_shell(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any, tmp_path: Path
) -> None:
    (tmp_path / "tariffs").mkdir()
    (tmp_path / "tariffs" / "list.html").write_text(
        '{% extends "operator/base.html" %}{% block page_id %}tariffs{% endblock %}'
        "{% block main %}<h1>Тарифы</h1><p id=who>{{ who }}</p>{% endblock %}"
    )
    vats_register_plugin(TariffsPlugin(tmp_path), name="tariffs")
    app = create_app(vats_kernel)
    await OperatorAccounts(vats_kernel.db, vats_kernel.accounts).create(OPERATOR, OP_PASSWORD)
    admin_email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    operator, tenant_admin = CabinetClient(app), CabinetClient(app)
    try:
        assert (await tenant_admin.sign_in(admin_email, TEST_PASSWORD)).status_code == 303
        refused = await tenant_admin.http.get("/operator/tariffs/")
        assert refused.status_code == 303 and refused.headers["location"].startswith("/operator/signin")

        await sign_in(operator)
        shown = await operator.http.get("/operator/tariffs/")
        assert shown.status_code == 200 and '<p id=who>olga@operator.example</p>' in shown.text
        nav = re.search(r'<nav class="nav".*?</nav>', shown.text, re.S)
        # The built-in entries and this plugin's, in order (the installed plugins add their own between).
        expected = ["Сводка", "Клиенты", "Номера", "SIP-транки", "Тарифы", "Журнал"]
        assert nav and [e for e in re.findall(r">([^<>]+)</a>", nav.group(0)) if e in expected] == expected
        done = await operator.post_form("/operator/tariffs/", {}, form_page="/operator/tariffs/")
        assert done.status_code == 303
        without_csrf = await operator.http.post("/operator/tariffs/", data={})
        assert without_csrf.status_code == 403
    finally:
        await operator.close()
        await tenant_admin.close()
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        rows = await conn.fetch("SELECT actor, action FROM operator_audit")
    assert [(r["actor"], r["action"]) for r in rows] == [(OPERATOR, "tariff_changed")]
