"""A tenant's webhook cannot make the server call its own host or LAN: loopback, link-local,
private and other non-public destinations are refused when the URL is saved (422 on ``url``)
and again at every send, on the addresses a name resolves to (so a name that leads to
127.0.0.1, like ``localhost``, is refused as well); the operator's allowed ranges lift it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from vats.core.config import Config
from vats.core.destinations import Destinations
from vats.plugins.crm_webhook.delivery import deliver_due

from tests.plugins.crm.conftest import Clients, Company, record_call


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[int, list[bytes]]]:
    """An HTTP endpoint on 127.0.0.1 that records what it receives."""
    received: list[bytes] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1], received  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://[::1]:1/x",
        "http://localhost:8080/hooks",  # a name that resolves to loopback
        "http://169.254.169.254/latest/meta-data/",  # link-local (cloud metadata)
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://[::ffff:127.0.0.1]/hooks",  # loopback spelled as IPv6
        "http://0.0.0.0:8000/",
        "http://[fd00::1]/hooks",  # unique local IPv6
    ],
)
async def test_saving_a_non_public_destination_is_refused_naming_url(clients: Clients, url: str) -> None:
    admin = await clients.of("admin")
    refused = await admin.put("/api/crm/webhook", json={"url": url})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "url"
    assert (await admin.get("/api/crm/webhook")).status_code == 404  # nothing was saved


async def test_a_public_destination_is_saved(clients: Clients) -> None:
    admin = await clients.of("admin")
    saved = await admin.put("/api/crm/webhook", json={"url": "https://93.184.215.14/hooks"})
    assert saved.status_code == 200, saved.text


async def test_at_send_a_name_resolving_to_loopback_is_refused_and_given_up(
    company: Company, clients: Clients, receiver: tuple[int, list[bytes]]
) -> None:
    port, received = receiver
    db = company.kernel.db
    assert db is not None
    # Saved when the name was public (or by an older version): the send must check again.
    for url in (f"http://localhost:{port}/hooks", f"http://127.0.0.1:{port}/hooks"):
        async with db.tenant(company.tenant_id) as conn:
            await conn.execute(
                "INSERT INTO crm_webhooks (tenant_id, url, secret) VALUES ($1, $2, 'a-secret-of-enough-length')"
                " ON CONFLICT (tenant_id) DO UPDATE SET url = EXCLUDED.url",
                company.tenant_id,
                url,
            )
            await conn.execute("DELETE FROM outbox WHERE tenant_id = $1 AND channel = 'crm_webhook'", company.tenant_id)
        await record_call(company, caller="+79034440003")
        policy = Destinations()
        async with policy.session() as session:
            assert await deliver_due(db, session, policy) > 0
        assert received == []  # nothing reached the local endpoint
        deliveries = (await (await clients.of("admin")).get("/api/crm/webhook/deliveries")).json()
        assert deliveries and all(d["state"] == "given_up" for d in deliveries), deliveries
        assert all(d["last_error"].startswith("refused:") and "loopback" in d["last_error"] for d in deliveries)


async def test_the_operators_allowed_range_lets_a_local_name_through(
    company: Company, receiver: tuple[int, list[bytes]]
) -> None:
    port, received = receiver
    db = company.kernel.db
    assert db is not None
    async with db.tenant(company.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO crm_webhooks (tenant_id, url, secret) VALUES ($1, $2, 'a-secret-of-enough-length')",
            company.tenant_id,
            f"http://localhost:{port}/hooks",
        )
    await record_call(company, caller="+79034440004")
    policy = Destinations(["127.0.0.0/8", "::1/128"])
    async with policy.session() as session:
        assert await deliver_due(db, session, policy) > 0
    assert received


def test_a_bad_allowed_range_stops_start_up_naming_it() -> None:
    with pytest.raises(ValueError, match="VATS_OUTBOUND_ALLOW_NETWORKS: 'ten-dot'"):
        Config.from_env({"VATS_OUTBOUND_ALLOW_NETWORKS": "10.0.0.0/8, ten-dot"})
    assert Config.from_env({"VATS_OUTBOUND_ALLOW_NETWORKS": "10.0.0.0/8, fd00::/8"}).outbound_allow_networks == (
        "10.0.0.0/8",
        "fd00::/8",
    )
