"""Tenants (defaults, seats, settings) and numbers (global uniqueness, tags)."""

import uuid

import pytest
from vats.core.directory import numbers as numbers_repo
from vats.core.directory import schedules as schedules_repo
from vats.core.directory.employees import get_employee, list_employees
from vats.core.directory.models import EmployeeCreate, NumberUpdate, TagCreate, TenantSettings
from vats.core.directory.secrets import verify_password
from vats.core.directory.service import TenantCreated
from vats.core.errors import ConflictError, LimitError, NotFoundError, ValidationError
from vats.core.kernel import Kernel


async def test_new_tenant_has_admin_default_schedule_and_calendar(vats_kernel: Kernel) -> None:
    created = await vats_kernel.directory.create_tenant(
        name="Рога и копыта", admin_email="Boss@Roga.example", admin_phone="8 916 555-12-34"
    )
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(created.tenant_id) as conn:
        admin = await get_employee(conn, created.tenant_id, created.admin_id)
        schedules = await schedules_repo.list_schedules(conn, created.tenant_id)
        calendars = await schedules_repo.list_calendars(conn, created.tenant_id)
        days = await schedules_repo.calendar_days(conn, created.tenant_id, created.calendar_id)
        pw_hash = await conn.fetchval("SELECT password_hash FROM employees WHERE id = $1", admin.id)
    assert admin.role == "admin" and admin.email == "boss@roga.example" and admin.invitation_accepted
    assert [t.kind for t in admin.terminals] == ["mobile_app", "softphone", "webphone", "external"]
    assert admin.terminals[-1].external_number == "+79165551234"
    assert [s.name for s in schedules] == ["Пн-Пт 09:00-18:00"] and schedules[0].is_default
    assert [iv.day for iv in schedules[0].intervals] == [0, 1, 2, 3, 4]
    assert calendars[0].is_default and calendars[0].official_country == "RU"
    assert len({d.day.year for d in days}) == 3  # previous, current and next year
    assert pw_hash.startswith("$argon2") and verify_password(pw_hash, created.admin_password)
    assert created.admin_password not in pw_hash


async def test_failed_tenant_creation_writes_nothing(vats_kernel: Kernel) -> None:
    await vats_kernel.directory.create_tenant(name="First", admin_email="same@x.example")
    with pytest.raises(ConflictError) as info:
        await vats_kernel.directory.create_tenant(name="Second", admin_email="SAME@x.example")
    assert info.value.field == "email"
    assert [t.name for t in await vats_kernel.directory.list_tenants()] == ["First"]
    with pytest.raises(ValidationError) as info2:
        await vats_kernel.directory.create_tenant(name="Third", admin_email="a@b.example", time_zone="Mars/Base")
    assert info2.value.field == "time_zone"


async def test_seat_maximum_refuses_more_employees(vats_kernel: Kernel) -> None:
    created = await vats_kernel.directory.create_tenant(name="Small", admin_email="a@small.example", seats_max=3)
    tid = created.tenant_id
    await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Two", email="2@small.example"))
    await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Three", email="3@small.example"))
    with pytest.raises(LimitError) as info:
        await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Four", email="4@small.example"))
    assert info.value.field == "seats"
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        assert len(await list_employees(conn, tid)) == 3


async def test_email_domain_deny_list_is_a_tenant_setting(vats_kernel: Kernel) -> None:
    strict = await vats_kernel.directory.create_tenant(
        name="Strict", admin_email="a@strict.example", settings=TenantSettings(denied_email_domains=["ru"])
    )
    lax = await vats_kernel.directory.create_tenant(name="Lax", admin_email="a@lax.example")
    with pytest.raises(ValidationError, match="not accepted"):
        await vats_kernel.directory.create_employee(
            strict.tenant_id, EmployeeCreate(full_name="Иван", email="ivan@mail.ru")
        )
    employee, _ = await vats_kernel.directory.create_employee(
        lax.tenant_id, EmployeeCreate(full_name="Иван", email="ivan@mail.ru")
    )
    assert employee.email == "ivan@mail.ru"


async def test_numbers_are_unique_across_the_system(vats_kernel: Kernel) -> None:
    a = await vats_kernel.directory.create_tenant(name="A", admin_email="a@a.example")
    b = await vats_kernel.directory.create_tenant(name="B", admin_email="b@b.example")
    number = await vats_kernel.directory.assign_number(a.tenant_id, "8 (495) 123-45-67", "Офис")
    assert number.e164 == "+74951234567" and number.name == "Офис"
    with pytest.raises(ConflictError) as info:
        await vats_kernel.directory.assign_number(b.tenant_id, "+74951234567")
    assert info.value.field == "number"
    with pytest.raises(ValidationError):
        await vats_kernel.directory.assign_number(b.tenant_id, "12345")
    with pytest.raises(NotFoundError):
        await vats_kernel.directory.assign_number(uuid.uuid4(), "+74951234568")


async def test_number_settings_and_tags(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tid = vats_tenant.tenant_id
    number = await vats_kernel.directory.assign_number(tid, "+74951112233")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        ad = await numbers_repo.create_tag(conn, tid, TagCreate(kind="number", name="Реклама"))
        vip = await numbers_repo.create_tag(conn, tid, TagCreate(kind="contact", name="VIP"))
    async with vats_kernel.db.tenant(tid) as conn:
        with pytest.raises(ConflictError):
            await numbers_repo.create_tag(conn, tid, TagCreate(kind="number", name="Реклама"))
    async with vats_kernel.db.tenant(tid) as conn:
        updated = await numbers_repo.update_number(
            conn,
            tid,
            number.id,
            NumberUpdate(name="Реклама в метро", recording="on", number_as_caller_id=True, tag_ids=[ad.id]),
        )
        assert updated.tag_ids == [ad.id] and updated.recording == "on" and updated.number_as_caller_id
        with pytest.raises(ValidationError) as info:
            await numbers_repo.update_number(conn, tid, number.id, NumberUpdate(tag_ids=[vip.id]))
        assert info.value.field == "tag_ids[0]"
    # the same tag name in another kind is a different tag
    async with vats_kernel.db.tenant(tid) as conn:
        await numbers_repo.create_tag(conn, tid, TagCreate(kind="call", name="Реклама"))
        assert len(await numbers_repo.list_tags(conn, tid)) == 3
