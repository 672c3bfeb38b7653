"""The webphone's server side and its look, without Asterisk (the calls themselves are proven
in tests/asterisk/test_webphone.py): whose credentials the page gets, who may open the SIP
WebSocket, and what an insecure origin says."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import websocket
from aiohttp import web
from selenium.webdriver.common.by import By
from vats.bots.web.app import create_app
from vats.bots.web.cabinet.webphone import sent_by_someone_else
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.config import Config
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server, chromium
from tests.web.cabinet.test_browser import give_password, sign_in

TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _webphone_line(kernel: Kernel, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> tuple[str, str]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        row = await conn.fetchrow(
            "SELECT sip_login, sip_password FROM terminals WHERE employee_id = $1 AND kind = 'webphone'", employee_id
        )
    return row["sip_login"], row["sip_password"]


async def test_the_line_endpoint_gives_the_signed_in_employee_their_own_webphone_line_only(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.core.directory.models import EmployeeCreate

    tenant = vats_tenant.tenant_id
    other, _ = await vats_kernel.directory.create_employee(
        tenant, EmployeeCreate(full_name="Другой", email="other@t.example", extension="302")
    )
    email = await give_password(vats_kernel, tenant, vats_tenant.admin_id)
    login, password = await _webphone_line(vats_kernel, tenant, vats_tenant.admin_id)
    _, others_password = await _webphone_line(vats_kernel, tenant, other.id)
    client = CabinetClient(create_app(vats_kernel))
    try:
        assert (await client.http.get("/cabinet/webphone/line")).status_code in (302, 303, 401)  # not signed in
        await client.sign_in(email, TEST_PASSWORD)
        answer = await client.http.get("/cabinet/webphone/line")
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        line = answer.json()
        assert (line["login"], line["password"], line["socket"]) == (login, password, "/cabinet/webphone/ws")
        assert others_password not in answer.text
        # the page itself never carries the password: only this request, made when switched on
        assert password not in (await client.http.get("/cabinet/me/")).text.split('id="webphone"')[1]
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(tenant) as conn:
            await conn.execute(
                "UPDATE terminals SET active = false WHERE employee_id = $1 AND kind = 'webphone'",
                vats_tenant.admin_id,
            )
        off = await client.http.get("/cabinet/webphone/line")
        assert off.status_code == 404
        assert off.json()["field"] == "webphone"
    finally:
        await client.close()


class EchoAsterisk:
    """A stand-in for Asterisk's /ws (an aiohttp WebSocket server echoing text frames), so the
    test sees what passes through vats's proxy and with which subprotocol."""

    def __init__(self) -> None:
        self.url = ""
        self.opened = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def handle(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse(protocols=("sip",))
            await ws.prepare(request)
            self.opened += 1
            async for message in ws:
                await ws.send_str(f"echo {message.data}")
            return ws

        app = web.Application()
        app.router.add_get("/ws", handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/ws"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _session_cookie(server: Server, email: str) -> str:
    with httpx.Client(base_url=server.url, follow_redirects=False) as http:
        token = TOKEN.search(http.get("/signin").text)
        assert token
        http.post("/signin", data={"email": email, "password": TEST_PASSWORD, "_csrf_token": token.group(1)})
        return f"vats_session={http.cookies['vats_session']}"


def _options(login: str) -> str:
    return f"OPTIONS sip:x SIP/2.0\r\nFrom: <sip:{login}@pbx.example>;tag=1\r\n\r\n"


def _open(server: Server, *, origin: str, cookie: str | None, frame: str = "") -> str:
    """Open the webphone's socket, send one frame, return the answer (or why it was refused)."""
    url = server.url.replace("http", "ws", 1) + "/cabinet/webphone/ws"
    try:
        ws = websocket.create_connection(url, origin=origin, cookie=cookie, subprotocols=["sip"], timeout=5)
    except (websocket.WebSocketException, OSError) as exc:
        return f"refused: {exc}"
    try:
        assert ws.subprotocol == "sip"
        ws.send(frame)
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return f"closed: {int.from_bytes(data[:2], 'big')}"
        return str(data.decode())
    finally:
        ws.close()


async def test_the_sip_socket_opens_only_for_this_sites_pages_with_a_session(
    vats_kernel: Kernel, vats_config: Config, vats_tenant: TenantCreated
) -> None:
    asterisk = EchoAsterisk()
    await asterisk.start()
    server = Server(msgspec.structs.replace(vats_config, asterisk_ws=asterisk.url))
    await asyncio.to_thread(server.start)
    try:
        email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
        cookie = await asyncio.to_thread(_session_cookie, server, email)
        login, _ = await _webphone_line(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
        mine = await asyncio.to_thread(_open, server, origin=server.url, cookie=cookie, frame=_options(login))
        assert mine == "echo " + _options(login)
        foreign = await asyncio.to_thread(
            _open, server, origin="https://evil.example", cookie=cookie, frame=_options(login)
        )
        stranger = await asyncio.to_thread(_open, server, origin=server.url, cookie=None, frame=_options(login))
        assert foreign.startswith("refused") and stranger.startswith("refused"), (foreign, stranger)
        assert asterisk.opened == 1  # neither refused socket reached Asterisk
    finally:
        await asyncio.to_thread(server.stop)
        await asterisk.stop()


async def test_the_sip_socket_closes_when_the_browser_speaks_as_another_employees_line(
    vats_kernel: Kernel, vats_config: Config, vats_tenant: TenantCreated
) -> None:
    """A signed-in employee who knows a colleague's SIP password still cannot register as that
    colleague through the cabinet: a request From another log-in closes the socket before
    Asterisk sees it; the employee's own requests and answers to Asterisk pass."""
    from vats.core.directory.models import EmployeeCreate

    tenant = vats_tenant.tenant_id
    colleague, _ = await vats_kernel.directory.create_employee(
        tenant, EmployeeCreate(full_name="Коллега", email="colleague@t.example", extension="303")
    )
    mine, _ = await _webphone_line(vats_kernel, tenant, vats_tenant.admin_id)
    theirs, _ = await _webphone_line(vats_kernel, tenant, colleague.id)
    asterisk = EchoAsterisk()
    await asterisk.start()
    server = Server(msgspec.structs.replace(vats_config, asterisk_ws=asterisk.url))
    await asyncio.to_thread(server.start)
    try:
        email = await give_password(vats_kernel, tenant, vats_tenant.admin_id)
        cookie = await asyncio.to_thread(_session_cookie, server, email)
        register = (
            f"REGISTER sip:pbx.example SIP/2.0\r\nf: \"Коллега\" <sip:{theirs}@pbx.example>;tag=2\r\n"
            f"t: <sip:{theirs}@pbx.example>\r\n\r\n"
        )
        as_colleague = await asyncio.to_thread(_open, server, origin=server.url, cookie=cookie, frame=register)
        assert as_colleague == "closed: 4403", as_colleague
        no_from = await asyncio.to_thread(_open, server, origin=server.url, cookie=cookie, frame="MESSAGE sip:x SIP/2.0\r\n\r\n")
        assert no_from == "closed: 4403", no_from
        answer = "SIP/2.0 200 OK\r\nFrom: <sip:asterisk@pbx.example>;tag=3\r\n\r\n"
        assert await asyncio.to_thread(_open, server, origin=server.url, cookie=cookie, frame=answer) == "echo " + answer
        # within a call Asterisk made to the browser, the browser's From is what Asterisk called it
        hold = "INVITE sip:x SIP/2.0\r\nFrom: <sip:k8t9sbq1@df7jal23ls0d.invalid>;tag=5\r\nTo: <sip:301@pbx>;tag=as1\r\n\r\n"
        assert await asyncio.to_thread(_open, server, origin=server.url, cookie=cookie, frame=hold) == "echo " + hold
        own = register.replace(theirs, mine)
        assert await asyncio.to_thread(_open, server, origin=server.url, cookie=cookie, frame=own) == "echo " + own
    finally:
        await asyncio.to_thread(server.stop)
        await asterisk.stop()


@pytest.fixture
def lan_browser() -> Iterator[Any]:
    with chromium("--host-resolver-rules=MAP pbx.lan 127.0.0.1") as driver:
        yield driver


async def test_on_an_insecure_origin_the_webphone_says_why_it_cannot_start_and_what_to_do(
    vats_kernel: Kernel, vats_config: Config, vats_tenant: TenantCreated, lan_browser: Any, screenshots: Path
) -> None:
    server = Server(vats_config, name="pbx.lan")  # plain HTTP at a LAN name: no microphone for it
    await asyncio.to_thread(server.start)
    try:
        email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)

        def look() -> tuple[str, bool, list[str]]:
            sign_in(lan_browser, server, email)
            lan_browser.find_element(By.ID, "webphone-toggle").click()
            status = lan_browser.find_element(By.ID, "webphone-status").text
            can_switch_on = lan_browser.find_element(By.ID, "webphone-switch").is_displayed()
            problems = accessibility_problems(lan_browser, "webphone at 1280 px")
            lan_browser.save_screenshot(str(screenshots / "webphone-insecure-1280.png"))
            lan_browser.set_window_size(375, 800)
            problems += accessibility_problems(lan_browser, "webphone at 375 px")
            lan_browser.save_screenshot(str(screenshots / "webphone-insecure-375.png"))
            return status, can_switch_on, problems

        status, can_switch_on, problems = await asyncio.to_thread(look)
        assert "HTTPS" in status and "VATS_TLS=self-signed" in status, status
        assert not can_switch_on
        assert problems == []
    finally:
        await asyncio.to_thread(server.stop)


async def test_hook_contact_name(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    """The incoming-call pop-up names a caller any saved contact has (the CRM answers the hook),
    whichever way SIP shows the number; an unknown number has no name."""
    from vats.bots.web.testing import ApiClients

    tenant = vats_tenant.tenant_id
    api = ApiClients(vats_kernel)
    admin = await api.as_employee(tenant, vats_tenant.admin_id)
    saved = await admin.post("/api/contacts", json={"number": "+74957770302", "name": "Клиент Звонков"})
    assert saved.status_code in (200, 201), saved.text
    email = await give_password(vats_kernel, tenant, vats_tenant.admin_id)
    client = CabinetClient(create_app(vats_kernel))
    try:
        await client.sign_in(email, TEST_PASSWORD)
        # as SIP shows an outside caller: E.164 with or without the plus, or Russia's 8 prefix
        for shown in ("+74957770302", "74957770302", "84957770302"):
            found = (await client.http.get("/cabinet/webphone/caller", params={"number": shown})).json()
            assert found == {"number": shown, "name": "Клиент Звонков"}
        unknown = (await client.http.get("/cabinet/webphone/caller", params={"number": "+74950000000"})).json()
        assert unknown == {"number": "+74950000000", "name": None}
    finally:
        await client.close()


def test_the_operators_ice_servers_are_read_and_a_bad_one_is_refused_in_one_line() -> None:
    from vats.core.config import IceServer

    turn = '[{"urls": ["turn:turn.example.org:3478?transport=udp"], "username": "vats", "credential": "s3cret"},' \
           ' {"urls": "stun:stun.example.org:3478"}]'  # fmt: skip
    config = Config.from_env({"VATS_WEBPHONE_ICE_SERVERS": turn})
    assert config.webphone_ice_servers == (
        IceServer(urls=["turn:turn.example.org:3478?transport=udp"], username="vats", credential="s3cret"),
        IceServer(urls="stun:stun.example.org:3478"),
    )
    assert Config.from_env({}).webphone_ice_servers == ()  # a LAN needs none
    for bad, says in (("stun:stun.example.org", "must be a JSON list"),
                      ('[{"urls": "http://turn.example.org"}]', "'http://turn.example.org' is not a stun:"),
                      ('[{"url": "stun:x"}]', "must be a JSON list")):  # fmt: skip
        with pytest.raises(ValueError, match=says) as refused:
            Config.from_env({"VATS_WEBPHONE_ICE_SERVERS": bad})
        assert "\n" not in str(refused.value)


async def test_the_line_carries_the_operators_ice_servers_for_browsers_behind_nat(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.core.config import IceServer

    servers = (IceServer(urls="turn:turn.example.org:3478", username="vats", credential="s3cret"),)
    vats_kernel.config = msgspec.structs.replace(vats_kernel.config, webphone_ice_servers=servers)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    client = CabinetClient(create_app(vats_kernel))
    try:
        await client.sign_in(email, TEST_PASSWORD)
        line = (await client.http.get("/cabinet/webphone/line")).json()
        assert line["ice_servers"] == [{"urls": "turn:turn.example.org:3478", "username": "vats", "credential": "s3cret"}]
    finally:
        await client.close()


MINE = "k8t9sbq1"


@pytest.mark.parametrize(
    ("frame", "refused"),
    [
        # the employee's own requests, as JsSIP writes them, pass
        (f'REGISTER sip:pbx SIP/2.0\r\nFrom: "Анна" <sip:{MINE}@pbx>;tag=1\r\nTo: <sip:{MINE}@pbx>\r\n\r\n', False),
        (f"INVITE sip:+74951234567@pbx SIP/2.0\r\nf: sip:{MINE}@pbx;tag=9\r\nt: <sip:+74951234567@pbx>\r\n\r\n", False),
        # a display name that looks like the employee's URI does not make a colleague's URI theirs
        (f'INVITE sip:1@pbx SIP/2.0\r\nFrom: "sip:{MINE}@x" <sip:colleague@pbx>;tag=1\r\nTo: <sip:1@pbx>\r\n\r\n', True),
        # a tag inside the To URI is a URI parameter, not a dialog's tag
        ("INVITE sip:1@pbx SIP/2.0\r\nFrom: <sip:colleague@pbx>;tag=1\r\nTo: <sip:+7999@pbx;tag=x>\r\n\r\n", True),
        # a body line that looks like a tagged To header is not a header
        ("INVITE sip:1@pbx SIP/2.0\r\nFrom: <sip:colleague@pbx>;tag=1\r\nTo: <sip:1@pbx>\r\n\r\nt: a;tag=1\r\n", True),
        # a REGISTER registers its To: a tag does not exempt it, and it must be the employee's own
        (f"REGISTER sip:pbx SIP/2.0\r\nFrom: <sip:{MINE}@pbx>;tag=1\r\nTo: <sip:colleague@pbx>;tag=2\r\n\r\n", True),
        # two From headers, or a folded one hiding another user: not readable as the employee's
        (f"MESSAGE sip:1@pbx SIP/2.0\r\nFrom: <sip:{MINE}@pbx>\r\nFrom: <sip:colleague@pbx>\r\n\r\n", True),
        ("MESSAGE sip:1@pbx SIP/2.0\r\nFrom: \"x\"\r\n <sip:colleague@pbx>;tag=1\r\n\r\n", True),
        # within a dialog Asterisk started, the browser's From is what Asterisk called it
        ("BYE sip:x SIP/2.0\r\nFrom: <sip:asterisk-said@pbx>;tag=5\r\nTo: <sip:301@pbx>;tag=as1\r\n\r\n", False),
        ("SIP/2.0 200 OK\r\nFrom: <sip:colleague@pbx>;tag=3\r\n\r\n", False),  # an answer
        ("\r\n\r\n", False),  # a keep-alive
    ],
)
def test_only_the_employees_own_requests_pass_however_the_headers_are_written(frame: str, refused: bool) -> None:
    assert sent_by_someone_else(frame, MINE) is refused
