"""The low-balance warning from billing's balance changes: once per fall below a recipient's
threshold, however many charges land at once; again only after the balance rose above it."""

from __future__ import annotations

import asyncio

import httpx
from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.notifications.conftest import link_of, move_money, outbox_rows, senders
from tests.smtp_server import SmtpServer


async def verified_email(
    api: ApiClients, admin: httpx.AsyncClient, smtp: SmtpServer, address: str, threshold_kop: int | None
) -> None:
    r = await admin.post(
        "/api/notifications/recipients", json={"kind": "email", "address": address, "threshold_kop": threshold_kop}
    )
    assert r.status_code == 201, r.text
    token = link_of(smtp.to(address)[0]).split("token=")[1]
    assert (await api.client().post("/api/notifications/verify", json={"token": token})).status_code == 204


async def test_a_thousand_concurrent_charges_warn_each_recipient_once(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, admin: httpx.AsyncClient,
    smtp_server: SmtpServer,
) -> None:  # fmt: skip
    tenant = vats_tenant.tenant_id
    await move_money(vats_kernel, tenant, 10_000)  # 100 ₽
    await verified_email(vats_api, admin, smtp_server, "buh@firm.example", 5_000)
    await verified_email(vats_api, admin, smtp_server, "boss@firm.example", 2_000)
    await verified_email(vats_api, admin, smtp_server, "never@firm.example", None)  # no threshold
    r = await admin.post("/api/notifications/recipients", json={"kind": "email", "address": "unconfirmed@firm.example",
                                                                "threshold_kop": 9_000})  # fmt: skip
    assert r.status_code == 201
    async with senders(vats_kernel):
        balances = await asyncio.wait_for(
            asyncio.gather(*(move_money(vats_kernel, tenant, -9, f"call-{n}") for n in range(1000))), 50
        )
        assert min(balances) == 10_000 - 9 * 1000
        await smtp_server.wait_for(lambda: len(smtp_server.to("boss@firm.example")) == 2, within_s=20)
        await smtp_server.wait_for(lambda: len(smtp_server.to("buh@firm.example")) == 2, within_s=20)
    warnings = await outbox_rows(vats_kernel, "mail", "notifications.low_balance")
    assert sorted(w["payload"]["to"] for w in warnings) == ["boss@firm.example", "buh@firm.example"]
    assert len(smtp_server.to("buh@firm.example")) == 2  # the verification and one warning
    assert len(smtp_server.to("never@firm.example")) == 1 and len(smtp_server.to("unconfirmed@firm.example")) == 1
    assert "ниже 50,00" in smtp_server.to("buh@firm.example")[1]["Subject"]
    async with vats_kernel.db.tenant(tenant) as conn:  # the admin's bell: once per threshold crossed, not a flood
        bell = await conn.fetch(
            "SELECT title FROM notification_inbox WHERE tenant_id = $1 AND kind = 'notifications.low_balance'"
            " ORDER BY id",
            tenant,
        )
    assert ["ниже 50,00" in r["title"] for r in bell] == [True, False] and "ниже 20,00" in bell[1]["title"]


async def test_the_warning_is_rearmed_when_the_balance_rises_above_the_threshold(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, admin: httpx.AsyncClient,
    smtp_server: SmtpServer,
) -> None:  # fmt: skip
    tenant = vats_tenant.tenant_id
    await move_money(vats_kernel, tenant, 10_000)
    await verified_email(vats_api, admin, smtp_server, "buh@firm.example", 5_000)
    for amount in (-6_000, -1_000, 500):  # falls below (warns), stays below, rises but not above
        await move_money(vats_kernel, tenant, amount)
    assert len(await outbox_rows(vats_kernel, "mail", "notifications.low_balance")) == 1
    await move_money(vats_kernel, tenant, 2_000)  # 55 ₽: above again, re-armed
    await move_money(vats_kernel, tenant, -1_000)  # 45 ₽: below again, warns again
    assert len(await outbox_rows(vats_kernel, "mail", "notifications.low_balance")) == 2
