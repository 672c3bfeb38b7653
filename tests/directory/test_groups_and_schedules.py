"""Groups (order, strategies, forwarding) and schedules/calendars (defaults, overrides)."""

import datetime as dt
import uuid

import pytest
from vats.core.availability import is_working_time
from vats.core.directory import schedules as repo
from vats.core.directory.groups import get_group
from vats.core.directory.models import (
    CalendarOverride,
    CalendarUpdate,
    EmployeeCreate,
    ForwardTarget,
    GroupCreate,
    GroupUpdate,
    Interval,
    ScheduleCreate,
    ScheduleUpdate,
    TerminalUpdate,
)
from vats.core.directory.service import TenantCreated
from vats.core.errors import ConflictError, NotFoundError, ReferencedError, ValidationError
from vats.core.kernel import Kernel


async def test_group_members_keep_their_order_and_an_employee_may_be_in_many(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    a, _ = await d.create_employee(tid, EmployeeCreate(full_name="A", email="a@t.example"))
    b, _ = await d.create_employee(tid, EmployeeCreate(full_name="B", email="b@t.example"))
    sales = await d.create_group(
        tid, GroupCreate(name="Продажи", strategy="one_by_one", step_delay_s=15, member_ids=[b.id, a.id])
    )
    support = await d.create_group(tid, GroupCreate(name="Поддержка", strategy="least_busy", member_ids=[a.id]))
    assert sales.member_ids == [b.id, a.id] and sales.strategy == "one_by_one" and sales.step_delay_s == 15
    reordered = await d.update_group(tid, sales.id, GroupUpdate(member_ids=[a.id, b.id], strategy="incremental"))
    assert reordered.member_ids == [a.id, b.id] and reordered.strategy == "incremental"
    with pytest.raises(ValidationError):
        await d.update_group(tid, sales.id, GroupUpdate(member_ids=[a.id, a.id]))
    with pytest.raises(ConflictError) as info:
        await d.create_group(tid, GroupCreate(name="Продажи"))
    assert info.value.field == "name"
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        from vats.core.directory.employees import get_employee

        assert set((await get_employee(conn, tid, a.id)).group_ids) == {sales.id, support.id}


async def test_group_no_answer_forwarding_and_deletion_references(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    backup = await d.create_group(tid, GroupCreate(name="Резерв"))
    main = await d.create_group(
        tid,
        GroupCreate(
            name="Главная", no_answer_after_s=45, on_no_answer=ForwardTarget(action="group", group_id=backup.id)
        ),
    )
    assert main.on_no_answer == ForwardTarget(action="group", group_id=backup.id)
    with pytest.raises(ValidationError):
        await d.update_group(tid, main.id, GroupUpdate(on_no_answer=ForwardTarget(action="group", group_id=main.id)))
    with pytest.raises(ReferencedError) as info:
        await d.delete_group(tid, backup.id)
    assert [r.kind for r in info.value.references] == ["forward_rule"]
    await d.delete_group(tid, backup.id, force=True)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        assert (await get_group(conn, tid, main.id)).on_no_answer is None


async def test_default_schedule_cannot_be_deleted_and_others_refuse_while_used(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        with pytest.raises(ValidationError, match="default"):
            await repo.delete_schedule(conn, tid, vats_tenant.schedule_id, references=vats_kernel.references)
        lunch = await repo.create_schedule(
            conn,
            tid,
            ScheduleCreate(
                name="С обедом",
                intervals=[Interval(day=0, start="09:00", end="13:00"), Interval(day=0, start="14:00", end="18:00")],
            ),
        )
    emp, _ = await d.create_employee(
        tid, EmployeeCreate(full_name="Обедающий", email="l@t.example", schedule_id=lunch.id)
    )
    async with vats_kernel.db.tenant(tid) as conn:
        from vats.core.directory.employees import get_employee, update_terminal

        await update_terminal(conn, tid, emp.id, emp.terminals[0].id, TerminalUpdate(schedule_id=lunch.id))
    async with vats_kernel.db.tenant(tid) as conn:
        with pytest.raises(ReferencedError) as info:
            await repo.delete_schedule(conn, tid, lunch.id, references=vats_kernel.references)
        assert sorted(r.kind for r in info.value.references) == ["employee", "terminal"]
    async with vats_kernel.db.tenant(tid) as conn:
        await repo.delete_schedule(conn, tid, lunch.id, force=True, references=vats_kernel.references)
        moved = await get_employee(conn, tid, emp.id)
        assert moved.schedule_id == vats_tenant.schedule_id and moved.terminals[0].schedule_id is None


async def test_switching_the_default_schedule(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tid = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        night = await repo.create_schedule(
            conn,
            tid,
            ScheduleCreate(name="Ночь", intervals=[Interval(day=d, start="20:00", end="24:00") for d in range(7)]),
        )
        await repo.update_schedule(conn, tid, night.id, ScheduleUpdate(is_default=True))
        assert await repo.default_schedule_id(conn, tid) == night.id
        with pytest.raises(ValidationError):
            await repo.update_schedule(conn, tid, night.id, ScheduleUpdate(is_default=False))
        # no longer the default
        await repo.delete_schedule(conn, tid, vats_tenant.schedule_id, force=True, references=vats_kernel.references)
        assert (await repo.get_schedule(conn, tid, night.id)).is_default
        with pytest.raises(ValidationError) as info:
            await repo.update_schedule(
                conn, tid, night.id, ScheduleUpdate(intervals=[Interval(day=1, start="10:00", end="09:00")])
            )
        assert info.value.field == "intervals[0].end"


async def test_calendar_overrides_by_day_and_range_change_working_time(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid, cal = vats_tenant.tenant_id, vats_tenant.calendar_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        workweek = (await repo.get_schedule(conn, tid, vats_tenant.schedule_id)).intervals
        today = dt.date.today()
        year = today.year
        await repo.set_calendar_days(
            conn,
            tid,
            cal,
            CalendarOverride(
                starts_on=dt.date(year, 7, 1), ends_on=dt.date(year, 7, 10), kind="day_off", note="Корпоративный отпуск"
            ),
        )
        await repo.set_calendar_days(conn, tid, cal, CalendarOverride(starts_on=dt.date(year, 1, 9), kind="working"))
        facts = await repo.calendar_facts(conn, tid, cal)
        with pytest.raises(ValidationError) as info:
            await repo.set_calendar_days(
                conn,
                tid,
                cal,
                CalendarOverride(starts_on=dt.date(year, 7, 10), ends_on=dt.date(year, 7, 1), kind="day_off"),
            )
        assert info.value.field == "ends_on"
    july_5 = dt.datetime(year, 7, 5, 12, tzinfo=dt.UTC)
    jan_9 = dt.datetime(year, 1, 9, 10, tzinfo=dt.UTC)
    if july_5.weekday() < 5:
        assert not is_working_time(july_5, "Europe/Moscow", workweek, facts)
    if jan_9.weekday() < 5:
        assert is_working_time(jan_9, "Europe/Moscow", workweek, facts)
    async with vats_kernel.db.tenant(tid) as conn:
        await repo.clear_calendar_days(conn, tid, cal, dt.date(year, 7, 1), dt.date(year, 7, 10))
        days = await repo.calendar_days(conn, tid, cal, dt.date(year, 7, 1), dt.date(year, 7, 10))
        assert all(d.origin == "official" for d in days)


async def test_calendar_weekend_schedule_and_default_switch(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tid = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        short = await repo.create_schedule(
            conn, tid, ScheduleCreate(name="Короткий", intervals=[Interval(day=5, start="10:00", end="15:00")])
        )
        other = await repo.create_calendar(conn, tid, "Второй", official_country=None)
        updated = await repo.update_calendar(
            conn, tid, vats_tenant.calendar_id, CalendarUpdate(name="Производственный", weekend_schedule_id=short.id)
        )
        assert updated.name == "Производственный" and updated.weekend_schedule_id == short.id
        facts = await repo.calendar_facts(conn, tid, vats_tenant.calendar_id)
        assert facts.weekend_intervals == (Interval(day=5, start="10:00", end="15:00"),)
        await repo.update_calendar(conn, tid, other.id, CalendarUpdate(is_default=True))
        assert await repo.default_calendar_id(conn, tid) == other.id
    async with vats_kernel.db.tenant(tid) as conn:
        with pytest.raises(NotFoundError):
            await repo.update_calendar(conn, tid, other.id, CalendarUpdate(weekend_schedule_id=uuid.uuid4()))


async def test_default_calendar_cannot_be_deleted_custom_one_refuses_while_used(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        with pytest.raises(ValidationError):
            await repo.delete_calendar(conn, tid, vats_tenant.calendar_id, references=vats_kernel.references)
        own = await repo.create_calendar(conn, tid, "Свой", official_country=None)
    await d.create_employee(tid, EmployeeCreate(full_name="K", email="k@t.example", calendar_id=own.id))
    async with vats_kernel.db.tenant(tid) as conn:
        with pytest.raises(ReferencedError):
            await repo.delete_calendar(conn, tid, own.id, references=vats_kernel.references)
    async with vats_kernel.db.tenant(tid) as conn:
        await repo.delete_calendar(conn, tid, own.id, force=True, references=vats_kernel.references)
        assert [c.id for c in await repo.list_calendars(conn, tid)] == [vats_tenant.calendar_id]
    assert uuid.UUID(str(own.id))
