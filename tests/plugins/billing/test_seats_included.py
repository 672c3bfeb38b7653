"""The seats a PBX's price includes come from its tariff (the kernel's tenants.seats_included
is gone): the operator's seat maximum may not go below them, and without the billing plugin
nothing is included (the floor is 1 and the employees the PBX has)."""

from __future__ import annotations

from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins import billing


async def test_the_kernel_keeps_no_included_seats_and_the_tariff_sets_the_seat_floor(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    async with vats_kernel.db.system() as conn:
        assert not await conn.fetchval(
            "SELECT true FROM information_schema.columns WHERE table_name = 'tenants' AND column_name = 'seats_included'"
        )
    op = vats_api.operator()
    seats = f"/api/operator/tenants/{vats_tenant.tenant_id}/seats"
    start = await op.put(seats, json={"seats_max": 2})
    assert start.status_code == 422 and "from 3 (included in the tariff)" in start.json()["detail"]
    assert (
        await op.put(f"/api/operator/billing/tenants/{vats_tenant.tenant_id}/tariff", json={"tariff": "pro"})
    ).status_code == 200
    pro = await op.put(seats, json={"seats_max": 9})
    assert pro.status_code == 422 and "from 10 (included in the tariff)" in pro.json()["detail"]
    assert (await op.put(seats, json={"seats_max": 10})).json()["seats_max"] == 10
    small = await op.post(
        "/api/operator/tenants", json={"name": "Крошка", "admin_email": "k@k.example", "seats_max": 2}
    )
    assert small.status_code == 422 and small.json()["field"] == "seats_max"  # a new PBX is on Start: 3


async def test_without_the_billing_plugin_nothing_is_included(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    vats_kernel.plugins.unregister("billing")
    try:
        op = vats_api.operator()
        one = await op.put(f"/api/operator/tenants/{vats_tenant.tenant_id}/seats", json={"seats_max": 1})
        assert one.status_code == 200 and one.json()["seats_max"] == 1
    finally:
        vats_kernel.plugins.register(billing, name="billing")


async def test_hook_tenant_seats_included(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    async with vats_kernel.db.system() as conn:
        ask = vats_kernel.plugins.first
        assert await ask("tenant_seats_included", tenant_id=vats_tenant.tenant_id, isolate_in=conn) == 3  # Start
        await conn.execute(
            "UPDATE billing_accounts SET seats_included = 7 WHERE tenant_id = $1", vats_tenant.tenant_id
        )  # carried over from the kernel's old column
        assert await ask("tenant_seats_included", tenant_id=vats_tenant.tenant_id, isolate_in=conn) == 7
    vats_kernel.plugins.unregister("billing")
    try:
        async with vats_kernel.db.system() as conn:
            assert (
                await vats_kernel.plugins.first(
                    "tenant_seats_included", tenant_id=vats_tenant.tenant_id, isolate_in=conn
                )
                is None
            )
    finally:
        vats_kernel.plugins.register(billing, name="billing")
