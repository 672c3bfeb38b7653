"""Notification recipients through the API: a new e-mail address gets a single-use, expiring
verification link and receives nothing else until confirmed; bad input is refused naming the
field; removing a recipient stops what waits for it at once; tenants never see each other's."""

from __future__ import annotations

import httpx
import pytest
from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.notifications.conftest import eventually, link_of, move_money, outbox_rows, senders
from tests.smtp_server import SmtpServer


async def test_a_new_email_is_verified_by_its_link_once_and_warned_only_then(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, admin: httpx.AsyncClient,
    smtp_server: SmtpServer,
) -> None:  # fmt: skip
    await move_money(vats_kernel, vats_tenant.tenant_id, 10_000)
    r = await admin.post(
        "/api/notifications/recipients", json={"kind": "email", "address": " Buh@Firm.Example ", "threshold_kop": 5000}
    )
    assert r.status_code == 201, r.text
    recipient = r.json()
    assert recipient["address"] == "buh@firm.example" and recipient["verified"] is False
    (letter,) = smtp_server.to("buh@firm.example")  # sent at once, before the answer
    assert "Подтвердите адрес" in letter["Subject"]
    async with senders(vats_kernel):
        await move_money(vats_kernel, vats_tenant.tenant_id, -6000)  # below 50 ₽ while unverified: nothing
        page = await vats_api.client().get(link_of(letter))
        assert page.status_code == 200 and "Подтвердить" in page.text
        token = link_of(letter).split("token=")[1]
        confirmed = await vats_api.client().post("/notifications/verify", data={"token": token})
        assert confirmed.status_code == 200 and "Адрес подтверждён" in confirmed.text
        again = await vats_api.client().post("/api/notifications/verify", json={"token": token})
        assert again.status_code == 422 and again.json()["field"] == "token"  # single use
        assert (await admin.get("/api/notifications/recipients")).json()[0]["verified"] is True
        await move_money(vats_kernel, vats_tenant.tenant_id, -1000)  # 30 ₽: still below, now verified
        warning = await smtp_server.wait_for(lambda: [m for m in smtp_server.to("buh@firm.example")[1:]])
    assert len(smtp_server.to("buh@firm.example")) == 2 and "ниже" in warning[0]["Subject"]


async def test_an_expired_link_is_refused(
    vats_kernel: Kernel, vats_api: ApiClients, admin: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    await admin.post("/api/notifications/recipients", json={"kind": "email", "address": "late@firm.example"})
    token = link_of(smtp_server.to("late@firm.example")[0]).split("token=")[1]
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE notification_recipients SET secret_expires = now() - interval '1 second'")
    r = await vats_api.client().post("/api/notifications/verify", json={"token": token})
    assert r.status_code == 422 and r.json()["field"] == "token"
    assert (await admin.get("/api/notifications/recipients")).json()[0]["verified"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "email", "address": "buh@localhost"}, "address"),  # no domain
        ({"kind": "email", "address": "buh"}, "address"),
        ({"kind": "sms", "address": "+7 903 12ab"}, "address"),  # not a number
        ({"kind": "sms", "address": "+7 495 123-45-67"}, "address"),  # a landline: SMS cannot reach it
        ({"kind": "email", "address": "a@b.example", "threshold_kop": -1}, "threshold_kop"),
        ({"kind": "email", "address": "a@b.example", "threshold_kop": 10.5}, "threshold_kop"),  # a fraction of a kopeck
        ({"kind": "fax", "address": "a@b.example"}, "kind"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    admin: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    r = await admin.post("/api/notifications/recipients", json=body)
    assert r.status_code in (400, 422), r.text  # 400: the body's shape; 422: a value's meaning
    assert r.json()["field"] == field


async def test_the_same_address_twice_is_a_conflict(admin: httpx.AsyncClient) -> None:
    first = await admin.post("/api/notifications/recipients", json={"kind": "sms", "address": "8 903 123-45-67"})
    assert first.status_code == 201 and first.json()["address"] == "+79031234567"
    second = await admin.post("/api/notifications/recipients", json={"kind": "sms", "address": "+79031234567"})
    assert second.status_code == 409 and second.json()["field"] == "address"


async def test_removing_a_recipient_stops_its_delivery_at_once(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, admin: httpx.AsyncClient,
    smtp_server: SmtpServer,
) -> None:  # fmt: skip
    await move_money(vats_kernel, vats_tenant.tenant_id, 10_000)
    r = await admin.post("/api/notifications/recipients", json={"kind": "email", "address": "gone@firm.example",
                                                                  "threshold_kop": 5000})  # fmt: skip
    token = link_of(smtp_server.to("gone@firm.example")[0]).split("token=")[1]
    assert (await vats_api.client().post("/api/notifications/verify", json={"token": token})).status_code == 204
    await move_money(vats_kernel, vats_tenant.tenant_id, -9000)  # the warning waits in the outbox
    assert len(await outbox_rows(vats_kernel, "mail", "notifications.low_balance")) == 1
    assert (await admin.delete(f"/api/notifications/recipients/{r.json()['id']}")).status_code == 204
    assert await outbox_rows(vats_kernel, "mail", "notifications.low_balance") == []
    async with senders(vats_kernel):
        await move_money(vats_kernel, vats_tenant.tenant_id, 9000)
        await move_money(vats_kernel, vats_tenant.tenant_id, -9000)
        await eventually(lambda: True)
    assert len(smtp_server.to("gone@firm.example")) == 1  # the verification letter only


async def test_tenants_never_see_each_others_recipients(
    vats_kernel: Kernel, vats_api: ApiClients, admin: httpx.AsyncClient
) -> None:
    mine = (
        await admin.post("/api/notifications/recipients", json={"kind": "email", "address": "a@one.example"})
    ).json()
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="admin@other.example")
    stranger = await vats_api.as_employee(other.tenant_id, other.admin_id)
    assert (await stranger.get("/api/notifications/recipients")).json() == []
    assert (await stranger.delete(f"/api/notifications/recipients/{mine['id']}")).status_code == 404
    changed = await stranger.put(f"/api/notifications/recipients/{mine['id']}", json={"threshold_kop": 1})
    assert changed.status_code == 404
    assert len((await admin.get("/api/notifications/recipients")).json()) == 1
