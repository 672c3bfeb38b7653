"""Events besides the balance: the kernel's ``migration_completed`` (fired here directly, as the
migration plugin will) tells the tenant's admins by e-mail, through the outbox."""

from __future__ import annotations

from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.notifications.conftest import move_money, outbox_rows, senders
from tests.smtp_server import SmtpServer


async def test_hook_migration_completed(
    vats_kernel: Kernel, vats_tenant: TenantCreated, smtp_server: SmtpServer
) -> None:
    summary = {"source": "Манго Офис", "counts": {"employees": 12, "numbers": 3}, "warnings": ["2 мелодии не найдены"]}
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await vats_kernel.plugins.emit(
            "migration_completed", tenant_id=vats_tenant.tenant_id, conn=conn, summary=summary, kernel=vats_kernel
        )
    (row,) = await outbox_rows(vats_kernel, "mail", "notifications.migration")
    assert row["payload"]["to"] == "admin@test.example" and row["sent_at"] is None  # written with the event
    async with senders(vats_kernel):
        (letter,) = await smtp_server.wait_for(
            lambda: [m for m in smtp_server.to("admin@test.example") if "Перенос" in m["Subject"]]
        )
    body = letter.get_content()
    assert "employees: 12" in body and "! 2 мелодии не найдены" in body


async def test_a_payment_sends_a_receipt_to_verified_email_recipients_only(
    vats_kernel: Kernel, vats_tenant: TenantCreated, smtp_server: SmtpServer
) -> None:
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO notification_recipients (tenant_id, kind, address, verified_at) VALUES"
            " ($1, 'email', 'buh@firm.example', now()), ($1, 'email', 'unconfirmed@firm.example', NULL),"
            " ($1, 'sms', '+79031234567', now())",
            vats_tenant.tenant_id,
        )
    await move_money(vats_kernel, vats_tenant.tenant_id, 150_000)  # a payment of 1 500 ₽
    await move_money(vats_kernel, vats_tenant.tenant_id, -500)  # a charge: no receipt
    (row,) = await outbox_rows(vats_kernel, "mail", "notifications.payment")
    assert row["payload"]["to"] == "buh@firm.example"
    assert "1\u00a0500,00\u00a0₽" in row["payload"]["subject"]
    assert await outbox_rows(vats_kernel, "sms") == []
