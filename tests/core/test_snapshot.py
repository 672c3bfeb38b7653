"""In-memory configuration snapshots: loaded once, dropped on change notifications (also from
other processes' connections), rebuilt after the listener reconnects."""

import asyncio
import time

import asyncpg
from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel


async def wait_for(predicate, limit_s: float = 1.0) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if await predicate():
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    raise AssertionError("not within the time limit")


async def test_snapshot_is_cached_and_refreshed_on_change(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    snapshots = vats_kernel.snapshots
    assert snapshots is not None
    tid = vats_tenant.tenant_id
    first = await snapshots.get(tid)
    assert await snapshots.get(tid) is first  # served from memory
    assert set(first.employees) == {vats_tenant.admin_id}
    emp, _ = await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Новый", email="n@test.example"))
    group = await vats_kernel.directory.create_group(tid, GroupCreate(name="Отдел", member_ids=[emp.id]))

    async def fresh() -> bool:
        snap = await snapshots.get(tid)
        return emp.id in snap.employees and snap.extensions.get(group.extension) == group.id

    assert await wait_for(fresh) < 1.0  # never stale for more than a second


async def test_a_change_made_by_another_process_reaches_the_snapshot(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    snapshots = vats_kernel.snapshots
    assert snapshots is not None
    tid = vats_tenant.tenant_id
    assert (await snapshots.get(tid)).employees[vats_tenant.admin_id].availability == "by_schedule"
    other = await asyncpg.connect(vats_kernel.owner_url)  # as if another vats process
    try:
        await other.execute("UPDATE employees SET availability = 'unavailable' WHERE id = $1", vats_tenant.admin_id)
    finally:
        await other.close()

    async def updated() -> bool:
        return (await snapshots.get(tid)).employees[vats_tenant.admin_id].availability == "unavailable"

    await wait_for(updated)


async def test_numbers_map_to_their_tenant(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    snapshots = vats_kernel.snapshots
    assert snapshots is not None
    assert await snapshots.tenant_of_number("+74951112233") is None
    await vats_kernel.directory.assign_number(vats_tenant.tenant_id, "+74951112233")

    async def known() -> bool:
        return await snapshots.tenant_of_number("+74951112233") == vats_tenant.tenant_id

    await wait_for(known)
    assert "+74951112233" in (await snapshots.get(vats_tenant.tenant_id)).numbers


async def test_listener_reconnects_and_drops_everything(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    snapshots = vats_kernel.snapshots
    assert snapshots is not None
    before = await snapshots.get(vats_tenant.tenant_id)
    admin = await asyncpg.connect(vats_kernel.owner_url)
    try:  # cut the listening connection from the server side
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query LIKE 'LISTEN%' AND datname = current_database()"
        )
    finally:
        await admin.close()

    async def relistened() -> bool:
        return snapshots.listening.is_set() and (await snapshots.get(vats_tenant.tenant_id)) is not before

    await wait_for(relistened, limit_s=5)
