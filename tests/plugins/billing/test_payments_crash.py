"""`kill -9` of a real `vats serve` between YooKassa's notification and the answer to it: after
the restart, the gateway's retry credits the payment exactly once, even when the answer to the
retry is lost too and the gateway asks once more."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from vats.plugins.billing.payments.fake_yookassa import OK_CARD, FakeYooKassa

from tests.serve import Served, free_port, start_serve

NOTIFY = "/api/billing/payments/notifications/yookassa"


async def eventually(check: Callable[[], Any], within_s: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within_s
    while not (result := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)
    return result


@pytest.fixture
def fake() -> Iterator[FakeYooKassa]:
    # Retried for a minute: long enough for the restart, as YooKassa retries for a day.
    server = FakeYooKassa(notify_delay_s=0.05, retry_s=0.3, max_attempts=200)
    server.start_in_thread()
    try:
        yield server
    finally:
        server.stop_thread()


async def test_a_kill_9_before_answering_the_notification_credits_the_payment_exactly_once_after_restart(
    vats_database_url: str, tmp_path: Path, fake: FakeYooKassa
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake.notify_url = base + NOTIFY
    env = {"VATS_AGI_PORT": "0", "VATS_PUBLIC_URL": base, "VATS_YOOKASSA_SHOP_ID": fake.shop_id,
           "VATS_YOOKASSA_SECRET_KEY": fake.secret_key, "VATS_YOOKASSA_API_URL": fake.api_url}  # fmt: skip
    # Blocking starts are fine here: the fake runs in its own thread, nothing else on this loop.
    served: Served = start_serve(tmp_path, database_url=vats_database_url, port=port, env=env)
    restarted: Served | None = None
    try:
        login = served.admin_login()
        assert login, served.startup_text
        async with httpx.AsyncClient(base_url=base, timeout=20) as http:
            token = (await http.post("/api/auth/login", json={"email": login[0], "password": login[1]})).json()
            http.headers["Authorization"] = f"Bearer {token['access_token']}"
            payment = (await http.post("/api/billing/payments", json={"amount_kop": 123400})).json()
            [gateway_id] = fake.payments
            # vats will hold the notification while it asks YooKassa about the payment: kill it then.
            fake.hold_fetch(gateway_id)
            async with httpx.AsyncClient() as payer:
                form = {"card": OK_CARD, "expiry": "12/30", "action": "pay"}
                assert (await payer.post(payment["confirmation_url"], data=form)).status_code == 303
            await eventually(lambda: gateway_id in fake.fetches_waiting)
            served.process.kill()  # kill -9
            served.process.wait(timeout=10)
            fake.release_fetch(gateway_id)
            assert fake.answered(gateway_id) == 0

            fake.lose_answers = 1  # and the answer to the first retry never reaches YooKassa either
            restarted = start_serve(tmp_path, database_url=vats_database_url, port=port, env=env)
            await eventually(lambda: fake.answered(gateway_id) >= 1)
            lost = [d for d in fake.deliveries if d[1] == gateway_id and d[2] == "answer lost"]
            assert len(lost) == 1  # vats credited on that delivery, YooKassa asked again

            balance = (await http.get("/api/billing/balance")).json()
            movements = (await http.get("/api/billing/ledger")).json()
            assert balance["balance_kop"] == 123400
            assert movements["total"] == 1 and movements["items"][0]["kind"] == "payment"
            state = (await http.get(f"/api/billing/payments/{payment['id']}")).json()
            assert state["status"] == "succeeded"
    finally:
        if served.process.poll() is None:
            served.process.kill()
        if restarted is not None:
            out = restarted.stop()
            assert "Traceback" not in out, out
