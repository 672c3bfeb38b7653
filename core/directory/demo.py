"""The demo tenant `vats serve` creates on an empty database, so a newcomer can try vats at once."""

from __future__ import annotations

from vats.core.directory import schedules as schedules_repo
from vats.core.directory.models import EmployeeCreate, GroupCreate, Interval, ScheduleCreate
from vats.core.directory.service import Directory, TenantCreated

DEMO_TENANT = "Demo company"
DEMO_ADMIN_EMAIL = "admin@demo.vats.example"
DEMO_NUMBER = "+74951234567"


async def ensure_demo(directory: Directory) -> TenantCreated | None:
    """Create the demo tenant if there is no tenant at all; return it (None if not created)."""
    if await directory.list_tenants():
        return None
    created = await directory.create_tenant(
        name=DEMO_TENANT, admin_email=DEMO_ADMIN_EMAIL, admin_name="Анна Админова", admin_phone="+79161234567"
    )
    tid = created.tenant_id
    async with directory.db.tenant(tid) as conn:
        halves = (("09:00", "13:00"), ("14:00", "18:00"))
        intervals = [Interval(day=d, start=start, end=end) for d in range(5) for start, end in halves]
        lunch = await schedules_repo.create_schedule(
            conn, tid, ScheduleCreate(name="Пн-Пт с обедом", intervals=intervals)
        )
    sales, _ = await directory.create_employee(
        tid,
        EmployeeCreate(
            full_name="Борис Продажин",
            email="boris@demo.vats.example",
            position="Менеджер по продажам",
            schedule_id=lunch.id,
        ),
    )
    support, _ = await directory.create_employee(
        tid,
        EmployeeCreate(
            full_name="Вера Поддержкина",
            email="vera@demo.vats.example",
            position="Инженер поддержки",
            availability="available",
        ),
    )
    await directory.create_group(
        tid, GroupCreate(name="Продажи", strategy="uniform", member_ids=[sales.id, support.id])
    )
    await directory.assign_number(tid, DEMO_NUMBER, "Основной")
    return created
