"""Notifications over real servers: an SMTP server (aiosmtpd) and an HTTP SMS gateway (aiohttp
on 127.0.0.1) that fail, delay, rate-limit and drop connections on demand; the outbox's mail
and SMS senders running with quick retries; a tenant whose admin speaks through the API."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
from aiohttp import web
from vats.bots.web.testing import ApiClients
from vats.core.config import Config
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.mail import mail_sender
from vats.core.outbox import RetryPolicy
from vats.plugins.billing import ledger
from vats.plugins.notifications.sms import sms_sender

from tests.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)

QUICK = RetryPolicy(base_delay_s=0.05, max_delay_s=0.3, max_attempts=8)
OPERATOR_TOKEN = "operator-token-for-notification-tests"


@pytest.fixture
def vats_config(vats_config: Config, smtp_server: SmtpServer) -> Config:  # noqa: F811
    return msgspec.structs.replace(
        vats_config, smtp_url=smtp_server.url, mail_from="pbx@vats.example", public_url="https://pbx.example",
        operator_token=OPERATOR_TOKEN,
    )  # fmt: skip


class SmsGateway:
    """A real HTTP SMS gateway: records every request it got, answers by a script of faults
    (used first to last), then 200 with a message id."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []  # every request, faults included
        self.accepted: list[dict[str, Any]] = []  # the SMS it took (duplicates included)
        self.faults: list[tuple[str, float]] = []  # ("status", code) ("retry", seconds) ("delay", s) ("drop", 0)
        self.url = ""
        self._runner: web.AppRunner | None = None

    def texts_to(self, number: str) -> list[str]:
        return [r["text"] for r in self.accepted if r["to"] == number]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append({**body, "_auth": request.headers.get("Authorization", ""), "_at": time.monotonic()})
        kind, value = self.faults.pop(0) if self.faults else ("ok", 0)
        if kind == "status":
            return web.json_response({"status": "error"}, status=int(value))
        if kind == "retry":
            return web.json_response({"status": "slow down"}, status=429, headers={"Retry-After": str(int(value))})
        if kind == "refuse":
            return web.json_response({"status": "error", "reason": "bad number"}, status=200)
        self.accepted.append(body)
        if kind == "delay":
            await asyncio.sleep(value)
        if kind == "drop":  # taken, but the client never hears so
            assert request.transport is not None
            request.transport.close()
        return web.json_response({"status": "ok", "id": f"m{len(self.accepted)}"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/send", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/send"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest_asyncio.fixture
async def sms_gateway() -> AsyncIterator[SmsGateway]:
    gateway = SmsGateway()
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


async def use_gateway(api: ApiClients, gateway: SmsGateway, **settings: Any) -> None:
    """The operator points vats at the gateway (bearer auth, a success rule, a 2-second timeout)."""
    provider = {
        "url": gateway.url, "auth": "bearer", "auth_value": "sms-secret-token",
        "body_template": '{"to": "$to", "text": "$text", "from": "$sender"}', "sender": "VATS",
        "success_contains": '"ok"', "message_id_field": "id", "timeout_s": 2,
    }  # fmt: skip
    r = await api.operator().put("/api/operator/notifications/settings", json={"sms_http": provider, **settings})
    assert r.status_code == 200, r.text


@contextlib.asynccontextmanager
async def senders(kernel: Kernel, retry: RetryPolicy = QUICK) -> AsyncIterator[None]:
    """The outbox's mail and SMS senders, as ``vats serve`` runs them, with quick retries."""
    tasks = [
        asyncio.create_task(mail_sender(kernel.db, kernel.mailer, retry=retry, poll_s=0.1).run()),
        asyncio.create_task(sms_sender(kernel, retry=retry, poll_s=0.1).run()),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=10)


async def eventually(condition: Callable[[], Any], within_s: float = 15.0) -> Any:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if result := condition():
            return result
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {within_s} s")


@pytest_asyncio.fixture
async def admin(vats_api: ApiClients, vats_tenant: TenantCreated) -> httpx.AsyncClient:
    return await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)


async def move_money(kernel: Kernel, tenant_id: uuid.UUID, amount_kop: int, key: str | None = None) -> int:
    """A charge (< 0) or a payment (> 0) through billing's ledger; returns the balance after."""
    async with kernel.db.tenant(tenant_id) as conn:
        posted = await ledger.post(
            conn, tenant_id, kind="charge" if amount_kop < 0 else "payment", amount_kop=amount_kop,
            idempotency_key=key or uuid.uuid4().hex, kernel=kernel,
        )  # fmt: skip
    return posted.after_kop


async def outbox_rows(kernel: Kernel, channel: str, kind: str | None = None) -> list[Any]:
    async with kernel.db.system() as conn:
        return list(
            await conn.fetch(
                "SELECT * FROM outbox WHERE channel = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY id", channel, kind
            )
        )


async def settled(kernel: Kernel, channel: str, kind: str, within_s: float = 20.0) -> list[Any]:
    """The outbox rows of ``kind`` once every one is sent or given up."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        rows = await outbox_rows(kernel, channel, kind)
        if rows and all(r["sent_at"] or r["failed_at"] for r in rows):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"not settled within {within_s} s: {[dict(r) for r in rows]}")


def link_of(letter: Any) -> str:
    import re

    body = letter.get_payload(decode=True).decode()
    found = re.search(r"https://pbx\.example(/notifications/verify\?token=[\w-]+)", body)
    assert found, body
    return found.group(1)


@pytest.fixture
def threaded_sms_gateway() -> Iterator[SmsGateway]:
    """The same gateway on a thread of its own, for browser tests (selenium blocks the test's
    event loop while a server in another thread sends SMS)."""
    import threading

    gateway = SmsGateway()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(gateway.start(), loop).result(10)
    try:
        yield gateway
    finally:
        asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
