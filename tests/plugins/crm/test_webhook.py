"""The outgoing CRM webhook over real HTTP: signed events, retries with backoff, giving up.

The receiving endpoint runs on 127.0.0.1, which webhooks may not reach by default (see
test_webhook_destinations.py), so these tests run as an on-premise install whose operator
allows the loopback range."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from aiohttp import web
from vats.core.config import Config
from vats.core.destinations import Destinations
from vats.plugins.crm_webhook.delivery import deliver_due, verify

from tests.plugins.crm.conftest import Clients, Company, emp, forward, record_call

LOOPBACK_ALLOWED = Destinations(["127.0.0.0/8"])


@pytest.fixture
def vats_config(vats_config: Config) -> Config:
    return msgspec.structs.replace(vats_config, outbound_allow_networks=("127.0.0.0/8",))


async def test_events_are_signed_retried_and_delivered(company: Company, clients: Clients) -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    answers = [500, 503, 502]  # the endpoint fails three times, then accepts

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=answers.pop(0) if answers else 204)

    app = web.Application()
    app.router.add_post("/hooks", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        admin = await clients.of("admin")
        r = await admin.put("/api/crm/webhook", json={"url": f"http://127.0.0.1:{port}/hooks"})
        assert r.status_code == 200
        secret = r.json()["secret"]
        assert (await admin.get("/api/crm/webhook")).json().get("secret") is None  # shown once
        bad = await admin.put("/api/crm/webhook", json={"url": "ftp://example.com/x"})
        assert bad.status_code == 422 and bad.json()["field"] == "url"
        await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
        await record_call(company, "201 answers", caller="+79034440001")
        db = company.kernel.db
        assert db is not None
        async with LOOPBACK_ALLOWED.session() as session:
            assert (
                await deliver_due(db, session, LOOPBACK_ALLOWED) == 2
            )  # the contact and the call; both refused (500, 503)
            async with db.system() as conn:  # time passes: the retries are due
                await conn.execute("UPDATE outbox SET next_attempt_at = now() WHERE channel = 'crm_webhook'")
            await deliver_due(db, session, LOOPBACK_ALLOWED)  # 502 for the first, the second accepted
            async with db.system() as conn:
                await conn.execute("UPDATE outbox SET next_attempt_at = now() WHERE channel = 'crm_webhook'")
            await deliver_due(db, session, LOOPBACK_ALLOWED)
            assert await deliver_due(db, session, LOOPBACK_ALLOWED) == 0
        deliveries = (await admin.get("/api/crm/webhook/deliveries")).json()
        assert sorted((d["kind"], d["state"]) for d in deliveries) == [("call", "delivered"), ("contact", "delivered")]
        assert sorted(d["attempts"] for d in deliveries) == [2, 3]
        for headers, body in received:
            assert verify(secret, headers["X-Vats-Signature"], body)
            assert not verify("another-secret-of-enough-length", headers["X-Vats-Signature"], body)
        call = next(json.loads(b) for h, b in received if h["X-Vats-Event"] == "call")
        assert call["caller"] == "+79034440001" and call["answered_by"] == str(company.people["201"])
        assert len({h["X-Vats-Delivery"] for h, _ in received}) == 2  # the receiver's idempotency key
    finally:
        await runner.cleanup()


async def test_a_refusing_endpoint_is_given_up(company: Company, clients: Clients) -> None:
    calls: list[Any] = []

    async def hook(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=410)

    app = web.Application()
    app.router.add_post("/gone", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        admin = await clients.of("admin")
        await admin.put("/api/crm/webhook", json={"url": f"http://127.0.0.1:{port}/gone"})
        await record_call(company, caller="+79034440002")
        assert company.kernel.db is not None
        async with LOOPBACK_ALLOWED.session() as session:
            await deliver_due(company.kernel.db, session, LOOPBACK_ALLOWED)
            assert await deliver_due(company.kernel.db, session, LOOPBACK_ALLOWED) == 0
        states = {d["state"] for d in (await admin.get("/api/crm/webhook/deliveries")).json()}
        assert states == {"given_up"} and len(calls) >= 2
    finally:
        await runner.cleanup()
