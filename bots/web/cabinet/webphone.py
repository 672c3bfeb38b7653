"""The webphone: the employee's browser SIP line, in the cabinet's shell (static/webphone.js).

The browser speaks SIP over a WebSocket to ``/cabinet/webphone/ws`` on vats's own HTTPS port;
vats passes the frames to Asterisk's WebSocket (VATS_ASTERISK_WS, plain HTTP on the loopback).
One origin and one certificate for the browser (a self-signed one is accepted once, not once per
port), Asterisk's HTTP server never exposed, and only a signed-in cabinet session from this
site's own pages opens the socket, and only for the employee's own line: every SIP request the
browser sends must come From that line's log-in (another employee's log-in closes the socket,
even with the right password: Asterisk's digest would be the only check otherwise). Media does
not pass through vats: the browser and Asterisk exchange DTLS-SRTP directly (ICE).

The line's credentials are handed to the signed-in employee only, for their own webphone line
(``/cabinet/webphone/line``, never cached); the page holds them in memory, not in its HTML.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgspec
from litestar import Controller, Request, Response, WebSocket, get, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromQuery
from vats.bots.web.cabinet.sip_frames import read_request
from vats.bots.web.kit import kernel_of, signed_in, tenant_transaction
from vats.bots.web.problems import vats_error
from vats.core.accounts.principal import Principal
from vats.core.config import IceServer
from vats.core.directory import employees as repo
from vats.core.errors import NotFoundError

log = logging.getLogger(__name__)

SOCKET_PATH = "/cabinet/webphone/ws"
SUBPROTOCOL = "sip"  # RFC 7118
NO_STORE = {"Cache-Control": "no-store"}
SESSION_CHECK_S = 5.0  # how soon a session ended elsewhere (sign-out, password reset) closes the socket


class WebphoneLine(msgspec.Struct, frozen=True, kw_only=True):
    """What the browser registers with: the employee's own webphone line."""

    login: str
    password: str
    extension: str
    display_name: str
    socket: str = SOCKET_PATH
    ice_servers: tuple[IceServer, ...] = ()  # the operator's STUN/TURN, for browsers behind NAT


class CallerName(msgspec.Struct, frozen=True, kw_only=True):
    number: str
    name: str | None = None


class WebphoneController(Controller):
    path = "/cabinet/webphone"
    include_in_schema = False
    # the webphone's script reads these answers: problem details (RFC 9457), not the cabinet's page
    exception_handlers = {NotFoundError: vats_error}

    @get("/line")
    async def line(self, request: Request[Any, Any, Any]) -> Response[WebphoneLine]:
        me = signed_in(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            secret = await repo.webphone_line(tx.conn, tx.tenant.id, me.employee_id)
            employee = await repo.get_employee(tx.conn, tx.tenant.id, me.employee_id)
        if secret is None:
            raise NotFoundError("you have no webphone line switched on", field="webphone")
        line = WebphoneLine(
            login=secret.sip_login, password=secret.sip_password, extension=employee.extension,
            display_name=employee.full_name, ice_servers=kernel_of(request).config.webphone_ice_servers,
        )  # fmt: skip
        return Response(line, headers=NO_STORE)

    @get("/caller")
    async def caller(self, request: Request[Any, Any, Any], number: FromQuery[str]) -> CallerName:
        """The caller's contact name for the incoming-call pop-up (a CRM plugin knows it)."""
        me = signed_in(request)
        number = number.strip()[:32]
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:  # (plugins the tenant switched off are not asked)
            for candidate in _number_forms(number):
                name = await kernel.plugins.first(
                    "contact_name", tenant_id=me.tenant_id, isolate_in=tx.conn, number=candidate
                )
                if name:
                    return CallerName(number=number, name=str(name))
        return CallerName(number=number)


def _number_forms(number: str) -> list[str]:
    """The number as SIP shows it, and in E.164 (contacts are stored with the +)."""
    digits = "".join(c for c in number if c.isdigit())
    if not digits:
        return []
    forms = [number]
    if len(digits) >= 10:
        e164 = "+7" + digits[1:] if len(digits) == 11 and digits[0] == "8" else "+" + digits
        forms.append(e164)
    return list(dict.fromkeys(forms))


def _same_origin(socket: WebSocket[Any, Any, Any]) -> bool:
    """A WebSocket is not bound by the same-origin policy: refuse other sites' pages, which the
    browser would otherwise let open it with the employee's session cookie."""
    origin = socket.headers.get("origin")
    host = socket.headers.get("x-forwarded-host") or socket.headers.get("host")
    return bool(origin and host) and urlsplit(origin).netloc.lower() == str(host).lower()


@websocket(SOCKET_PATH)
async def webphone_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """Pass SIP frames between the browser and Asterisk until either side closes, or the
    cabinet session ends: Asterisk then drops the registration with the closed WebSocket."""
    me = signed_in(socket)  # the cookie session (no session: closed before it opens)
    if not _same_origin(socket):
        await socket.close(code=4403, reason="another site's page")
        return
    async with tenant_transaction(kernel_of(socket), me) as tx:
        line = await repo.webphone_line(tx.conn, tx.tenant.id, me.employee_id)
    if line is None:
        await socket.close(code=4404, reason="no webphone line")
        return
    url = kernel_of(socket).config.asterisk_ws
    timeout = aiohttp.ClientWSTimeout(ws_close=2.0)
    async with aiohttp.ClientSession() as http:
        try:
            upstream = await http.ws_connect(url, protocols=(SUBPROTOCOL,), timeout=timeout, heartbeat=30)
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("the webphone cannot reach Asterisk at %s: %s", url, exc)
            await socket.close(code=1013, reason="telephony unavailable")
            return
        await socket.accept(subprotocols=SUBPROTOCOL)
        async with upstream:
            await _relay(socket, upstream, me, line.sip_login)


def sent_by_someone_else(frame: str, login: str) -> bool:
    """Is this frame a SIP request starting something (a REGISTER, a new call or message) whose
    From is not ``login``? A request without one readable From counts as someone else's: a
    well-formed one always has it. A REGISTER registers its To: that must be ``login`` too,
    whatever tags it carries."""
    request = read_request(frame)
    if request is None:
        return False  # a response to Asterisk's request (INVITE, OPTIONS) or a keep-alive
    if request.method == "REGISTER":
        return request.from_user != login or request.to_user != login
    if request.to_tag:
        # within a dialog Asterisk already has (a BYE, a re-INVITE for hold): its From is what
        # Asterisk addressed the browser as, and Asterisk answers 481 to a dialog it does not know
        return False
    return request.from_user != login


async def _relay(
    socket: WebSocket[Any, Any, Any], upstream: aiohttp.ClientWebSocketResponse, me: Principal, login: str
) -> None:
    async def browser_to_asterisk() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                frame = await socket.receive_text()
                if sent_by_someone_else(frame, login):
                    log.warning("the webphone socket of employee %s sent a SIP request as another line", me.employee_id)
                    await socket.close(code=4403, reason="not your line")
                    return
                await upstream.send_str(frame)

    async def asterisk_to_browser() -> None:
        async for message in upstream:
            if message.type == aiohttp.WSMsgType.TEXT:
                await socket.send_text(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await socket.send_bytes(message.data)
            else:
                break

    async def while_signed_in() -> None:
        accounts = kernel_of(socket).accounts
        while await accounts.principal(me.tenant_id, me.session_id) is not None:  # noqa: ASYNC110 (polled: no event says a session ended in another process)
            await asyncio.sleep(SESSION_CHECK_S)

    tasks = [asyncio.create_task(work()) for work in (browser_to_asterisk, asterisk_to_browser, while_signed_in)]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await socket.close()
