"""Billing's events reach people: the monthly charge, the warnings before a suspension for
non-payment and the suspension itself (billing's real monthly job, day by day), and a number
bought (the event as billing emits it), over a real SMTP server and a real HTTP SMS gateway,
each exactly once, and on the admins' bell."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger, monthly

from tests.plugins.notifications.conftest import SmsGateway, eventually, senders, settled, use_gateway
from tests.smtp_server import SmtpServer

DAY = dt.date(2026, 12, 5)
ANNA = "+79031234567"


async def _recipients(kernel: Kernel, tenant: TenantCreated) -> None:
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO notification_recipients (tenant_id, kind, address, verified_at, language) VALUES"
            " ($1, 'email', 'buh@firm.example', now(), 'ru'), ($1, 'email', 'cfo@firm.example', now(), 'en'),"
            " ($1, 'email', 'unconfirmed@firm.example', NULL, 'ru'), ($1, 'sms', $2, now(), 'ru')",
            tenant.tenant_id, ANNA,
        )  # fmt: skip


async def bell(kernel: Kernel, tenant: TenantCreated) -> list[Any]:
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT kind, title, body, link FROM notification_inbox WHERE tenant_id = $1 AND employee_id = $2"
            " ORDER BY id",
            tenant.tenant_id, tenant.admin_id,
        )  # fmt: skip
    return list(rows)


async def test_the_monthly_charge_the_warnings_and_the_suspension_each_reach_their_channels_once(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:  # fmt: skip
    await use_gateway(vats_api, sms_gateway)
    await _recipients(vats_kernel, vats_tenant)
    tenant = vats_tenant.tenant_id
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE billing_settings SET suspend_after_days = 5, warn_days = 2")
        await conn.execute(  # past its trial, billed on the 5th
            "UPDATE billing_accounts SET billing_day = 5, charge_from = '2026-01-01' WHERE tenant_id = $1", tenant
        )
    async with vats_kernel.db.tenant(tenant) as conn:
        await ledger.set_credit_limit(conn, tenant, 50000)
    sms_gateway.faults = [("status", 503)]  # the first SMS fails once: retried, still sent once
    smtp_server.fail(1)
    async with senders(vats_kernel):
        for day in range(8):  # the charge takes the balance to -990 ₽, below the -500 ₽ limit
            await monthly.run_due(vats_kernel, DAY + dt.timedelta(days=day))
            await monthly.run_due(vats_kernel, DAY + dt.timedelta(days=day))  # twice a day: told once
        await settled(vats_kernel, "mail", "notifications.suspended")
        await settled(vats_kernel, "sms", "suspended")
        await eventually(lambda: len(sms_gateway.texts_to(ANNA)) == 3)
        await eventually(lambda: len(smtp_server.to("buh@firm.example")) == 4)
    # Each letter once; a letter whose first try failed (smtp_server.fail) may arrive after a later one.
    subjects = {to: [m["Subject"] for m in smtp_server.to(to)] for to in ("buh@firm.example", "cfo@firm.example")}
    assert sorted(subjects["buh@firm.example"]) == sorted([
        "Абонентская плата АТС «Test company» за 05.12.2026–04.01.2027: 990,00\u00a0₽",
        "АТС «Test company» будет приостановлена 10.12.2026 за неуплату",
        "АТС «Test company» будет приостановлена 10.12.2026 за неуплату",
        "АТС «Test company» приостановлена за неуплату",
    ])  # fmt: skip
    assert "The PBX “Test company” was charged ₽990.00 for 2026-12-05–2027-01-04" in subjects["cfo@firm.example"]
    assert "The PBX “Test company” is suspended for non-payment" in subjects["cfo@firm.example"]
    assert not smtp_server.to("unconfirmed@firm.example")

    def letter(starting: str) -> str:
        return next(m for m in smtp_server.to("buh@firm.example") if m["Subject"].startswith(starting)).get_content()

    monthly_letter = letter("Абонентская плата")
    assert "Тариф «" in monthly_letter and "990,00\u00a0₽" in monthly_letter
    warnings = [m.get_content() for m in smtp_server.to("buh@firm.example") if "будет приостановлена" in m["Subject"]]
    assert all("-990,00\u00a0₽" in w and "-500,00\u00a0₽" in w for w in warnings)
    assert any("осталось дней: 2" in w for w in warnings)
    texts = sms_gateway.texts_to(ANNA)  # the monthly charge is not worth an SMS; calls stopping is
    kinds = sorted(("остановятся" in s, "приостановлена" in s) for s in texts)  # a retried one may come last
    assert kinds == sorted([(True, False), (True, False), (False, True)])
    told = await bell(vats_kernel, vats_tenant)
    assert [r["kind"] for r in told] == [
        "notifications.monthly_charge", "notifications.suspension_warning", "notifications.suspension_warning",
        "notifications.suspended",
    ]  # fmt: skip
    assert told[-1]["title"] == "АТС «Test company» приостановлена за неуплату"
    assert told[-1]["link"] == "/cabinet/settings/finance"


async def test_a_number_bought_in_billings_shop_reaches_the_email_recipients_and_the_bell(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients, smtp_server: SmtpServer
) -> None:
    await _recipients(vats_kernel, vats_tenant)
    offered = await vats_api.operator().put(
        "/api/operator/billing/numbers/+74951234567",
        json={"city": "Москва", "category": "bronze", "price_kop": 150_000, "monthly_kop": 30_000},
    )
    assert offered.status_code == 200, offered.text
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await ledger.post(conn, vats_tenant.tenant_id, kind="adjustment", amount_kop=1_000_000, idempotency_key="gift")
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    bought = await admin.post("/api/billing/numbers/buy", json={"number": "+74951234567", "idempotency_key": "n1"})
    assert bought.status_code in (200, 201), bought.text
    again = await admin.post("/api/billing/numbers/buy", json={"number": "+74951234567", "idempotency_key": "n1"})
    assert again.status_code in (200, 201), again.text  # a retried purchase: told once
    async with senders(vats_kernel):
        await settled(vats_kernel, "mail", "notifications.number_bought")
    (letter,) = smtp_server.to("buh@firm.example")
    assert letter["Subject"] == "Номер +74951234567 подключён к АТС «Test company»"
    body = letter.get_content()
    assert "(Москва)" in body and "Списано сейчас: 1\u00a0500,00\u00a0₽" in body and "300,00\u00a0₽ в месяц" in body
    assert smtp_server.to("cfo@firm.example")[0]["Subject"] == "The number +74951234567 was added to the PBX “Test company”"
    (told,) = await bell(vats_kernel, vats_tenant)
    assert told["kind"] == "notifications.number_bought" and told["link"] == "/cabinet/settings/numbers"


async def test_a_finished_migration_rings_the_admins_bell(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    summary = {"source": "Манго Офис", "counts": {"employees": 12}, "warnings": []}
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await vats_kernel.plugins.emit(
            "migration_completed", tenant_id=vats_tenant.tenant_id, conn=conn, summary=summary, kernel=vats_kernel
        )
    (told,) = await bell(vats_kernel, vats_tenant)
    assert told["title"] == "Перенос в АТС «Test company» завершён" and "employees: 12" in told["body"]


async def test_documents_made_reach_the_email_recipients_with_their_links(
    vats_kernel: Kernel, vats_tenant: TenantCreated, smtp_server: SmtpServer
) -> None:
    await _recipients(vats_kernel, vats_tenant)
    documents = [{
        "id": "d1", "kind": "invoice", "number": 12, "year": 2026, "title": "Счёт № 12 от 01.12.2026",
        "amount_kop": 99000, "period_start": None, "period_end": None,
        "path": "/cabinet/settings/finances/documents/d1.pdf",
    }]  # fmt: skip
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:  # as billing announces it
        await vats_kernel.plugins.emit(
            "billing_event", tenant_id=vats_tenant.tenant_id, conn=conn, kind="documents_made",
            payload={"documents": documents}, kernel=vats_kernel,
        )  # fmt: skip
    async with senders(vats_kernel):
        await settled(vats_kernel, "mail", "notifications.documents")
    (letter,) = smtp_server.to("buh@firm.example")
    assert letter["Subject"] == "Документы АТС «Test company» готовы"
    assert "Счёт № 12 от 01.12.2026: 990,00\u00a0₽ — https://pbx.example/cabinet/settings/finances/documents/d1.pdf" in (
        letter.get_content()
    )
    assert [r["kind"] for r in await bell(vats_kernel, vats_tenant)] == ["notifications.documents"]
