"""Settings → Интеграции, the CRM webhook plugin's own page: an admin sets the address (the
secret shown once, then only its end), a bad address or a short secret is shown beside its
field with nothing saved, a test event goes out signed and its delivery appears with its
status; employees are refused and another PBX sees none of it.

The receiver runs on 127.0.0.1, which webhooks may not reach by default, so these tests run as
an on-premise install whose operator allows the loopback range (as tests/plugins/crm/test_webhook.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from aiohttp import web
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.config import Config
from vats.core.destinations import Destinations
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.crm_webhook.delivery import deliver_due, verify

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look, phone

PAGE = "/cabinet/settings/crm-webhook"
LOOPBACK_ALLOWED = Destinations(["127.0.0.0/8"])


@pytest.fixture
def vats_config(vats_config: Config) -> Config:
    return msgspec.structs.replace(vats_config, outbound_allow_networks=("127.0.0.0/8",))


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A CRM's endpoint on 127.0.0.1 that accepts every event: its URL and what it received."""
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/hooks", received
    finally:
        await runner.cleanup()


async def signed_in(kernel: Kernel, tenant_id: Any, employee_id: Any) -> CabinetClient:
    client = CabinetClient(create_app(kernel))
    email = await give_password(kernel, tenant_id, employee_id)
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
    return client


async def hook_of(kernel: Kernel, tenant_id: Any) -> Any:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        return await conn.fetchrow("SELECT url, secret FROM crm_webhooks WHERE tenant_id = $1", tenant_id)


async def test_an_admin_sets_the_webhook_and_a_test_event_arrives_signed(
    vats_kernel: Kernel, vats_tenant: TenantCreated, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = receiver
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна", email="anna@test.example")
    )
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="admin@other.example")
    admin = await signed_in(vats_kernel, tid, vats_tenant.admin_id)
    worker = await signed_in(vats_kernel, tid, anna.id)
    stranger = await signed_in(vats_kernel, other.tenant_id, other.admin_id)
    try:
        assert (await worker.http.get(PAGE)).status_code == 403
        assert (await worker.post_form(PAGE, {"url": url}, form_page="/cabinet/me")).status_code == 403
        assert (await worker.post_form(f"{PAGE}/test", {}, form_page="/cabinet/me")).status_code == 403

        # Bad input: beside its field, nothing saved.
        for form, field, words in (
            ({"url": "ftp://example.com/x"}, "url", "http://"),
            ({"url": "http://10.0.0.1/hooks"}, "url", "does not send requests there"),
            ({"url": url, "secret": "short"}, "secret", "От 16 до 200 символов"),
        ):
            bad = await admin.post_form(PAGE, form, form_page=PAGE)
            assert bad.status_code == 422 and f'id="{field}-error"' in bad.text and words in bad.text, form
        assert await hook_of(vats_kernel, tid) is None
        # No address yet: no test event either.
        early = await admin.post_form(f"{PAGE}/test", {}, form_page=PAGE)
        assert early.status_code == 422 and "Сначала сохраните адрес" in early.text

        saved = await admin.post_form(PAGE, {"url": url, "secret": ""}, form_page=PAGE)
        assert saved.status_code == 200 and 'id="secret-once"' in saved.text
        stored = await hook_of(vats_kernel, tid)
        assert stored["url"] == url and stored["secret"] in saved.text
        later = (await admin.http.get(PAGE)).text  # shown once: afterwards only its last four characters
        assert stored["secret"] not in later and f"«{stored['secret'][-4:]}»" in later

        tested = await admin.post_form(f"{PAGE}/test", {}, form_page=PAGE)
        assert tested.status_code == 303
        queued = (await admin.http.get(tested.headers["location"])).text
        assert 'data-state="pending"' in queued and "Проверочное событие поставлено" in queued
        assert vats_kernel.db is not None
        async with LOOPBACK_ALLOWED.session() as session:
            assert await deliver_due(vats_kernel.db, session, LOOPBACK_ALLOWED) == 1
        ((headers, body),) = received
        assert headers["X-Vats-Event"] == "test" and verify(stored["secret"], headers["X-Vats-Signature"], body)
        shown = (await admin.http.get(PAGE)).text
        assert re.search(r'data-state="delivered">.*?Проверка.*?Доставлено.*?HTTP 204', shown, re.S)
        english = (await admin.http.get(PAGE, headers={"accept-language": "en"})).text
        assert re.search(r'data-state="delivered">.*?Test.*?Delivered.*?HTTP 204', english, re.S)

        # Another PBX: its own empty page, never our address or deliveries.
        theirs = (await stranger.http.get(PAGE)).text
        assert url not in theirs and "Отправок пока не было" in theirs
        assert (await stranger.post_form(f"{PAGE}/delete", {}, form_page=PAGE)).status_code == 303
        assert (await hook_of(vats_kernel, tid))["url"] == url

        gone = await admin.post_form(f"{PAGE}/delete", {}, form_page=PAGE)
        assert gone.status_code == 303 and await hook_of(vats_kernel, tid) is None
    finally:
        for client in (admin, worker, stranger):
            await client.close()


async def test_the_webhook_page_reads_well_on_a_desktop_and_a_phone(
    cabinet_server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
    receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    url, _ = receiver
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id))
    browser.get(cabinet_server.url + PAGE)
    browser.find_element(By.ID, "url").send_keys("ftp://crm.example.com/hooks")
    browser.find_element(By.ID, "webhook-save").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "url-error")))
    browser.save_screenshot(str(screenshots / "crm-webhook-error-1280.png"))
    problems = accessibility_problems(browser, "crm-webhook-error")
    field = browser.find_element(By.ID, "url")
    field.clear()
    field.send_keys(url)
    browser.find_element(By.ID, "webhook-save").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "secret-once")))
    browser.save_screenshot(str(screenshots / "crm-webhook-secret-1280.png"))
    problems += accessibility_problems(browser, "crm-webhook-secret")
    browser.find_element(By.ID, "webhook-test").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "deliveries")))
    problems += look(browser, cabinet_server.url + PAGE, "crm-webhook", screenshots)
    problems += accessibility_problems(browser, "crm-webhook")
    phone(browser, True)
    problems += accessibility_problems(browser, "crm-webhook-375")
    phone(browser, False)
    assert not problems, "\n".join(problems)
