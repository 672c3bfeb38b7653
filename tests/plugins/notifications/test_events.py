"""Events besides the balance: the kernel's ``migration_completed`` (fired here directly, as the
migration plugin will) tells the tenant's admins by e-mail, through the outbox."""

from __future__ import annotations

from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.notifications.conftest import outbox_rows, senders
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


async def emit_billing(kernel: Kernel, tenant: TenantCreated, kind: str, payload: dict[str, object]) -> None:
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        await kernel.plugins.emit(
            "billing_event", tenant_id=tenant.tenant_id, conn=conn, kind=kind, payload=payload, kernel=kernel
        )


async def test_a_payment_and_a_failed_autopay_reach_confirmed_email_recipients_only(
    vats_kernel: Kernel, vats_tenant: TenantCreated, smtp_server: SmtpServer
) -> None:
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO notification_recipients (tenant_id, kind, address, verified_at, language) VALUES"
            " ($1, 'email', 'buh@firm.example', now(), 'ru'), ($1, 'email', 'cfo@firm.example', now(), 'en'),"
            " ($1, 'email', 'unconfirmed@firm.example', NULL, 'ru'), ($1, 'sms', '+79031234567', now(), 'ru')",
            vats_tenant.tenant_id,
        )
    await emit_billing(vats_kernel, vats_tenant, "payment_received", {
        "payment_id": "p1", "amount_kop": 150_000, "balance_kop": 160_000, "method": "card", "purpose": "top_up",
        "trigger": None, "test": False,
    })  # fmt: skip
    await emit_billing(vats_kernel, vats_tenant, "autopay_failed", {
        "payment_id": "p2", "reason": "card_expired", "trigger": "monthly", "amount_kop": 50_000, "gateway_reason": None,
    })  # fmt: skip
    receipts = await outbox_rows(vats_kernel, "mail", "notifications.payment")
    assert sorted(r["payload"]["to"] for r in receipts) == ["buh@firm.example", "cfo@firm.example"]
    ru = next(r["payload"] for r in receipts if r["payload"]["to"] == "buh@firm.example")
    assert "1\u00a0500,00\u00a0₽" in ru["subject"] and "1\u00a0600,00\u00a0₽" in ru["text"]
    failed = {
        r["payload"]["to"]: r["payload"] for r in await outbox_rows(vats_kernel, "mail", "notifications.autopay_failed")
    }
    assert set(failed) == {"buh@firm.example", "cfo@firm.example"}
    assert "срок действия карты истёк" in failed["buh@firm.example"]["text"]
    assert (
        "the card has expired" in failed["cfo@firm.example"]["text"] and "₽500.00" in failed["cfo@firm.example"]["text"]
    )
    assert await outbox_rows(vats_kernel, "sms") == []
