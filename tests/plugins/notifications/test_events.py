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
