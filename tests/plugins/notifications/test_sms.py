"""SMS through the outbox and the operator's generic HTTP gateway, against a real local HTTP
server that fails (5xx), rate-limits (429 with Retry-After), delays past the timeout and drops
the connection after taking the message: each code arrives exactly once where the gateway
answered, at most twice (counted) where it could not; numbers are confirmed by their code; the
per-number and per-tenant limits hold; a plugin's own provider (``sms_provider``) takes over."""

from __future__ import annotations

from typing import Any

import httpx
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.outbox import Outcome, Sent

from tests.plugins.notifications.conftest import SmsGateway, outbox_rows, senders, settled, use_gateway

ANNA = "+79031234567"


def code_in(text: str) -> str:
    return text.split(": ")[1].split(".")[0]


async def add_mobile(admin: httpx.AsyncClient, number: str = ANNA) -> dict[str, Any]:
    r = await admin.post("/api/notifications/recipients", json={"kind": "sms", "address": number,
                                                                "threshold_kop": 5000})  # fmt: skip
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_code_reaches_the_number_once_through_failures_and_confirms_it(
    vats_kernel: Kernel, vats_api: ApiClients, admin: httpx.AsyncClient, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway)
    sms_gateway.faults = [("status", 503), ("retry", 1), ("status", 500), ("delay", 0.5)]  # slow, but within time
    recipient = await add_mobile(admin)
    async with senders(vats_kernel):
        (row,) = await settled(vats_kernel, "sms", "code")
    (text,) = sms_gateway.texts_to(ANNA)  # exactly once
    assert row["sent_at"] is not None and row["uncertain"] == 0 and row["attempts"] == 4 and row["reference"] == "m1"
    retried = [r["_at"] for r in sms_gateway.requests]
    assert retried[2] - retried[1] >= 0.95  # Retry-After was respected
    assert all(r["_auth"] == "Bearer sms-secret-token" and r["from"] == "VATS" for r in sms_gateway.requests)
    url = f"/api/notifications/recipients/{recipient['id']}/confirm"
    wrong = await admin.post(url, json={"code": "000000" if code_in(text) != "000000" else "111111"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "code"
    right = await admin.post(url, json={"code": code_in(text)})
    assert right.status_code == 200 and right.json()["verified"] is True


async def test_a_lost_answer_sends_the_sms_at_most_twice_and_counts_it(
    vats_kernel: Kernel, vats_api: ApiClients, admin: httpx.AsyncClient, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway)
    sms_gateway.faults = [("drop", 0), ("delay", 3)]  # taken twice without an answer (dropped, timed out)
    await add_mobile(admin)
    async with senders(vats_kernel):
        (row,) = await settled(vats_kernel, "sms", "code")
    assert len(sms_gateway.texts_to(ANNA)) == 3
    assert row["sent_at"] is not None and row["uncertain"] == 2 and row["attempts"] == 3


async def test_a_refusal_in_the_answer_gives_up_without_retrying(
    vats_kernel: Kernel, vats_api: ApiClients, admin: httpx.AsyncClient, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway)
    sms_gateway.faults = [("refuse", 0)]  # 200, but the body says it was not sent
    await add_mobile(admin)
    (row,) = await outbox_rows(vats_kernel, "sms", "code")
    assert row["failed_at"] is not None and row["attempts"] == 1 and "did not confirm" in row["last_error"]
    assert len(sms_gateway.requests) == 1


async def test_codes_to_one_number_are_limited_per_hour_and_sms_per_tenant_per_day(
    vats_kernel: Kernel, vats_api: ApiClients, admin: httpx.AsyncClient, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway, codes_per_hour=2, sms_daily_limit=3)
    recipient = await add_mobile(admin)
    resend = f"/api/notifications/recipients/{recipient['id']}/resend"
    assert (await admin.post(resend)).status_code == 204
    limited = await admin.post(resend)
    assert limited.status_code == 429 and limited.json()["field"] == "address"
    await add_mobile(admin, "+79037654321")  # the day's third SMS
    over = await admin.post("/api/notifications/recipients", json={"kind": "sms", "address": "+79161234567"})
    assert over.status_code == 429 and "daily" in over.json()["detail"]
    assert len(sms_gateway.accepted) == 3


async def test_the_operator_settings_never_show_the_gateway_secret(
    vats_api: ApiClients, sms_gateway: SmsGateway
) -> None:
    await use_gateway(vats_api, sms_gateway)
    shown = (await vats_api.operator().get("/api/operator/notifications/settings")).json()
    assert shown["sms_http"]["url"] == sms_gateway.url and "sms-secret-token" not in str(shown)
    bad = await vats_api.operator().put(
        "/api/operator/notifications/settings", json={"sms_http": {"url": "ftp://x.example/send"}}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "sms_http.url"
    assert (await vats_api.client().get("/api/operator/notifications/settings")).status_code == 401


class Gateway:
    """A third party's SMS provider plugin."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    name = "third-party"

    async def send(self, to: str, text: str) -> Outcome:
        self.sent.append((to, text))
        return Sent(f"tp-{len(self.sent)}")


async def test_hook_sms_provider(
    vats_kernel: Kernel, vats_api: ApiClients, admin: httpx.AsyncClient, sms_gateway: SmsGateway,
    vats_register_plugin: Any, vats_tenant: TenantCreated,
) -> None:  # fmt: skip
    """A plugin's provider is used before the operator's generic HTTP one."""
    gateway = Gateway()

    class Provider:
        @hookimpl
        def sms_provider(self, kernel: Any) -> Gateway:
            return gateway

    vats_register_plugin(Provider(), name="sms-third-party")
    await use_gateway(vats_api, sms_gateway)
    await add_mobile(admin)
    ((to, text),) = gateway.sent
    assert to == ANNA and "Код подтверждения" in text and sms_gateway.requests == []
    (row,) = await outbox_rows(vats_kernel, "sms", "code")
    assert row["reference"] == "tp-1"


async def test_removing_a_number_drops_its_waiting_code(
    vats_kernel: Kernel, vats_api: ApiClients, admin: httpx.AsyncClient
) -> None:
    recipient = await add_mobile(admin)  # no gateway configured yet: the code waits in the outbox
    (waiting,) = await outbox_rows(vats_kernel, "sms", "code")
    assert waiting["sent_at"] is None and waiting["last_error"] == "no SMS provider is configured"
    assert (await admin.delete(f"/api/notifications/recipients/{recipient['id']}")).status_code == 204
    assert await outbox_rows(vats_kernel, "sms") == []
