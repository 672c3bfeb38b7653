"""Telegram recipients: an employee who linked the bot is confirmed by the bot reaching them and
then warned there when the balance falls below the threshold; one who did not link it is
refused naming the field. Through the real bot against the fake Bot API (``message_employees``)."""

from __future__ import annotations

from typing import Any

import httpx
from vats.bots.telegram.testing import FakeTelegram
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.bots.test_telegram import link
from tests.plugins.notifications.conftest import move_money

CHAT = 3001


async def test_a_linked_employee_is_warned_in_telegram_and_an_unlinked_one_is_refused(
    vats_telegram: Any, fake_telegram: FakeTelegram, vats_kernel: Kernel, vats_tenant: TenantCreated,
    admin: httpx.AsyncClient,
) -> None:  # fmt: skip
    body = {"kind": "telegram", "address": str(vats_tenant.admin_id), "threshold_kop": 5000}
    unlinked = await admin.post("/api/notifications/recipients", json=body)
    assert unlinked.status_code == 422 and unlinked.json()["field"] == "address"
    await link(fake_telegram, admin, CHAT)
    added = await admin.post("/api/notifications/recipients", json=body)
    assert added.status_code == 201 and added.json()["verified"] is True
    await fake_telegram.wait_for(
        lambda: any("Сюда будут приходить" in m.get("text", "") for m in fake_telegram.shown(CHAT))
    )
    await move_money(vats_kernel, vats_tenant.tenant_id, 10_000)
    await move_money(vats_kernel, vats_tenant.tenant_id, -6_000)
    await move_money(vats_kernel, vats_tenant.tenant_id, -1_000)  # still below: no second warning
    await fake_telegram.wait_for(lambda: [m for m in fake_telegram.shown(CHAT) if "ниже" in m.get("text", "")])
    warnings = [m for m in fake_telegram.shown(CHAT) if "ниже" in m.get("text", "")]
    assert len(warnings) == 1 and "40,00" in warnings[0]["text"]
    stranger = await admin.post("/api/notifications/recipients", json={**body, "address": "not-an-id"})
    assert stranger.status_code == 422 and stranger.json()["field"] == "address"


async def test_hook_message_employees(
    vats_telegram: Any, fake_telegram: FakeTelegram, vats_kernel: Kernel, vats_tenant: TenantCreated,
    admin: httpx.AsyncClient,
) -> None:  # fmt: skip
    """The bot reaches the linked employees among those named, in their language, through the outbox."""
    await link(fake_telegram, admin, CHAT, language="en")
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="admin@other.example")
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        reached = await vats_kernel.plugins.emit(
            "message_employees", tenant_id=vats_tenant.tenant_id, conn=conn,
            employee_ids=[vats_tenant.admin_id, other.admin_id], kind="test", texts={"ru": "Привет", "en": "Hello"},
        )  # fmt: skip
    assert sum(reached) == 1  # the other tenant's admin is not reachable from here
    await fake_telegram.wait_for(lambda: any(m.get("text") == "Hello" for m in fake_telegram.shown(CHAT)))
