"""Employees: names, e-mails, extensions, SIP lines, external numbers, reception settings,
absences, extra periods, deletion with references."""

import datetime as dt
import uuid

import pytest
from vats.core.directory import employees as repo
from vats.core.directory.models import (
    AbsenceCreate,
    EmployeeCreate,
    EmployeeUpdate,
    ExtraPeriodCreate,
    ForwardTarget,
    GroupCreate,
    TerminalUpdate,
)
from vats.core.directory.service import TenantCreated
from vats.core.errors import ConflictError, NotFoundError, ReferencedError, ValidationError
from vats.core.kernel import Kernel


async def test_employee_gets_three_sip_lines_with_unique_logins_and_strong_passwords(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d = vats_kernel.directory
    anna, lines = await d.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Анна", email="anna@t.example")
    )
    _boris, lines2 = await d.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Борис", email="boris@t.example")
    )
    assert [t.kind for t in anna.terminals] == ["mobile_app", "softphone", "webphone"]
    logins = [s.sip_login for s in lines + lines2]
    assert len(set(logins)) == 6 and all(x.isdigit() and len(x) == 10 and x.startswith("005") for x in logins)
    for s in lines:
        assert len(s.sip_password) >= 16 and not s.sip_password.isalpha() and not s.sip_password.isdigit()
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert [s.sip_login for s in await repo.sip_secrets(conn, vats_tenant.tenant_id, anna.id)] == [
            s.sip_login for s in lines
        ]
        new = await repo.reset_sip_password(conn, vats_tenant.tenant_id, anna.id, lines[0].terminal_id)
        assert new.sip_password != lines[0].sip_password


async def test_extensions_are_auto_assigned_and_shared_with_groups(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    admin_ext = (await d.create_employee(tid, EmployeeCreate(full_name="X", email="x@t.example"))), None
    first, _ = await d.create_employee(tid, EmployeeCreate(full_name="Y", email="y@t.example"))
    assert first.extension == "107"  # admin took 105, X 106
    group = await d.create_group(tid, GroupCreate(name="Продажи", extension="200"))
    assert group.extension == "200"
    with pytest.raises(ConflictError) as info:
        await d.create_employee(tid, EmployeeCreate(full_name="Z", email="z@t.example", extension="200"))
    assert info.value.field == "extension"
    with pytest.raises(ConflictError):
        await d.create_group(tid, GroupCreate(name="Поддержка", extension="107"))
    with pytest.raises(ValidationError) as info2:
        await d.create_employee(tid, EmployeeCreate(full_name="Z", email="z@t.example", extension="112"))
    assert info2.value.field == "extension"
    with pytest.raises(ConflictError):
        await d.update_employee(tid, first.id, EmployeeUpdate(extension="200"))
    moved = await d.update_employee(tid, first.id, EmployeeUpdate(extension="4321"))
    assert moved.extension == "4321"
    # the old extension is free again
    again, _ = await d.create_employee(tid, EmployeeCreate(full_name="Z", email="z@t.example", extension="107"))
    assert again.extension == "107" and admin_ext


async def test_other_tenants_may_reuse_extensions_but_not_emails(vats_kernel: Kernel) -> None:
    d = vats_kernel.directory
    a = await d.create_tenant(name="A", admin_email="a@a.example")
    b = await d.create_tenant(name="B", admin_email="b@b.example")
    ea, _ = await d.create_employee(
        a.tenant_id, EmployeeCreate(full_name="Same Name", email="p@x.example", extension="300")
    )
    eb, _ = await d.create_employee(
        b.tenant_id, EmployeeCreate(full_name="Same Name", email="q@x.example", extension="300")
    )
    assert ea.extension == eb.extension == "300"
    with pytest.raises(ConflictError) as info:
        await d.create_employee(b.tenant_id, EmployeeCreate(full_name="Other", email="P@X.example"))
    assert info.value.field == "email"


async def test_full_name_is_unique_in_the_tenant(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    d = vats_kernel.directory
    await d.create_employee(vats_tenant.tenant_id, EmployeeCreate(full_name="Менеджер один", email="1@t.example"))
    with pytest.raises(ConflictError) as info:
        await d.create_employee(vats_tenant.tenant_id, EmployeeCreate(full_name=" Менеджер один ", email="2@t.example"))
    assert info.value.field == "full_name"
    with pytest.raises(ValidationError):
        await d.create_employee(vats_tenant.tenant_id, EmployeeCreate(full_name="   ", email="3@t.example"))


async def test_email_changes_only_until_the_invitation_is_accepted(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    emp, _ = await d.create_employee(tid, EmployeeCreate(full_name="Вика", email="vika@t.example"))
    emp = await d.update_employee(tid, emp.id, EmployeeUpdate(email="viktoria@t.example"))
    assert emp.email == "viktoria@t.example"
    with pytest.raises(ValidationError) as info:
        await d.update_employee(tid, vats_tenant.admin_id, EmployeeUpdate(email="new-admin@t.example"))
    assert info.value.field == "email"


async def test_external_numbers_are_normalised_and_checked(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    emp, _ = await d.create_employee(
        tid, EmployeeCreate(full_name="Гена", email="g@t.example", external_numbers=["8 916 000-11-22"])
    )
    assert emp.terminals[-1].external_number == "+79160001122"
    with pytest.raises(ValidationError) as info:
        await d.create_employee(
            tid, EmployeeCreate(full_name="Дина", email="d@t.example", external_numbers=["+7 916 000-11-23", "12"])
        )
    assert info.value.field == "external_numbers[1]"
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM employees WHERE full_name = 'Дина'") == 0
        )  # nothing half-written
        with pytest.raises(ConflictError):
            await repo.add_external_number(conn, tid, emp.id, "+79160001122")
    async with vats_kernel.db.tenant(tid) as conn:
        mobile = await repo.add_external_number(conn, tid, emp.id, "+7 903 111 22 33")
        assert mobile.kind == "external" and mobile.external_number == "+79031112233"
        with pytest.raises(ValidationError):
            await repo.remove_external_number(conn, tid, emp.id, emp.terminals[0].id)  # a SIP line
        await repo.remove_external_number(conn, tid, emp.id, mobile.id)


async def test_terminal_settings(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    emp, _ = await d.create_employee(
        tid,
        EmployeeCreate(full_name="Ира", email="i@t.example", ring_mode="sequential", external_numbers=["+79160001199"]),
    )
    mobile = emp.terminals[-1]
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        updated = await repo.update_terminal(
            conn, tid, emp.id, mobile.id, TerminalUpdate(ring_delay_s=5, ring_time_s=25, is_primary=False, channels=3)
        )
        assert (updated.ring_delay_s, updated.ring_time_s, updated.is_primary, updated.channels) == (5, 25, False, 3)
        with pytest.raises(ValidationError) as info:
            await repo.update_terminal(conn, tid, emp.id, mobile.id, TerminalUpdate(ring_time_s=1))
        assert info.value.field == "ring_time_s"
        with pytest.raises(NotFoundError):
            await repo.update_terminal(conn, tid, emp.id, uuid.uuid4(), TerminalUpdate(active=False))


async def test_reception_settings_absences_and_extra_periods(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    colleague, _ = await d.create_employee(tid, EmployeeCreate(full_name="Коллега", email="c@t.example"))
    emp, _ = await d.create_employee(
        tid,
        EmployeeCreate(
            full_name="Петя",
            email="p@t.example",
            no_answer_after_s=15,
            on_no_answer=ForwardTarget(action="employee", employee_id=colleague.id),
            off_hours=ForwardTarget(action="voicemail"),
        ),
    )
    assert emp.on_no_answer == ForwardTarget(action="employee", employee_id=colleague.id)
    assert emp.off_hours == ForwardTarget(action="voicemail")
    with pytest.raises(ValidationError) as info:
        await d.update_employee(tid, emp.id, EmployeeUpdate(on_no_answer=ForwardTarget(action="group")))
    assert info.value.field == "on_no_answer.group_id"
    with pytest.raises(NotFoundError):
        await d.update_employee(
            tid, emp.id, EmployeeUpdate(on_no_answer=ForwardTarget(action="group", group_id=uuid.uuid4()))
        )
    ext = await d.update_employee(
        tid, emp.id, EmployeeUpdate(on_no_answer=ForwardTarget(action="external", external_number="8 916 123 45 67"))
    )
    assert ext.on_no_answer == ForwardTarget(action="external", external_number="+79161234567")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        absence = await repo.add_absence(
            conn,
            tid,
            emp.id,
            AbsenceCreate(
                kind="vacation",
                starts_on=dt.date(2026, 12, 1),
                ends_on=dt.date(2026, 12, 14),
                forward=ForwardTarget(action="employee", employee_id=colleague.id),
            ),
        )
        with pytest.raises(ValidationError):
            await repo.add_absence(
                conn,
                tid,
                emp.id,
                AbsenceCreate(kind="sick_leave", starts_on=dt.date(2026, 12, 5), ends_on=dt.date(2026, 12, 1)),
            )
        period = await repo.add_extra_period(
            conn,
            tid,
            emp.id,
            ExtraPeriodCreate(
                available=True,
                starts_at=dt.datetime(2026, 12, 19, 10, tzinfo=dt.UTC),
                ends_at=dt.datetime(2026, 12, 19, 14, tzinfo=dt.UTC),
            ),
        )
        with pytest.raises(ValidationError) as info2:
            await repo.add_extra_period(
                conn,
                tid,
                emp.id,
                ExtraPeriodCreate(
                    available=False, starts_at=dt.datetime(2026, 12, 19, 10), ends_at=dt.datetime(2026, 12, 19, 14)
                ),
            )
        assert info2.value.field == "starts_at"
    loaded = await vats_kernel_get(vats_kernel, tid, emp.id)
    assert loaded.absences[0].id == absence.id and loaded.extra_periods[0].id == period.id


async def vats_kernel_get(kernel: Kernel, tid: uuid.UUID, eid: uuid.UUID) -> repo.Employee:
    assert kernel.db is not None
    async with kernel.db.tenant(tid) as conn:
        return await repo.get_employee(conn, tid, eid)


async def test_deleting_a_referenced_employee_is_refused_unless_forced(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    target, _ = await d.create_employee(tid, EmployeeCreate(full_name="Нужный", email="n@t.example"))
    other, _ = await d.create_employee(
        tid,
        EmployeeCreate(
            full_name="Другой",
            email="o@t.example",
            on_no_answer=ForwardTarget(action="employee", employee_id=target.id),
        ),
    )
    group = await d.create_group(tid, GroupCreate(name="Отдел", member_ids=[target.id, other.id]))
    with pytest.raises(ReferencedError) as info:
        await d.delete_employee(tid, target.id)
    kinds = sorted(r.kind for r in info.value.references)
    assert kinds == ["forward_rule", "group_member"]
    assert "Отдел" in " ".join(r.description for r in info.value.references)
    assert (await vats_kernel_get(vats_kernel, tid, target.id)).id == target.id  # still there
    removed = await d.delete_employee(tid, target.id, force=True)
    assert len(removed) == 2
    with pytest.raises(NotFoundError):
        await vats_kernel_get(vats_kernel, tid, target.id)
    assert (await vats_kernel_get(vats_kernel, tid, other.id)).on_no_answer is None
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        from vats.core.directory.groups import get_group

        assert (await get_group(conn, tid, group.id)).member_ids == [other.id]
    # an unreferenced employee goes at once
    lonely, _ = await d.create_employee(tid, EmployeeCreate(full_name="Один", email="one@t.example"))
    assert await d.delete_employee(tid, lonely.id) == []


async def test_the_last_admin_cannot_be_deleted_or_demoted(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    with pytest.raises(ValidationError) as info:
        await d.update_employee(tid, vats_tenant.admin_id, EmployeeUpdate(role="user"))
    assert info.value.field == "role"
    with pytest.raises(ValidationError):
        await d.delete_employee(tid, vats_tenant.admin_id)
    second, _ = await d.create_employee(tid, EmployeeCreate(full_name="Второй", email="2@t.example", role="admin"))
    await d.update_employee(tid, vats_tenant.admin_id, EmployeeUpdate(role="head"))
    assert second.role == "admin"


async def test_another_tenants_employee_is_not_found(vats_kernel: Kernel) -> None:
    d = vats_kernel.directory
    a = await d.create_tenant(name="A", admin_email="a@a.example")
    b = await d.create_tenant(name="B", admin_email="b@b.example")
    with pytest.raises(NotFoundError):
        await d.update_employee(b.tenant_id, a.admin_id, EmployeeUpdate(position="x"))
    with pytest.raises(NotFoundError):
        await d.delete_employee(b.tenant_id, a.admin_id, force=True)
    # references into another tenant are impossible even with a known id
    with pytest.raises(NotFoundError):
        await d.create_employee(
            b.tenant_id, EmployeeCreate(full_name="X", email="x@b.example", schedule_id=a.schedule_id)
        )
    with pytest.raises(NotFoundError):
        await d.create_group(b.tenant_id, GroupCreate(name="G", member_ids=[a.admin_id]))


async def test_availability_mode_is_stored(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    await vats_kernel.directory.set_availability(vats_tenant.tenant_id, vats_tenant.admin_id, "unavailable")
    assert (
        await vats_kernel_get(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    ).availability == "unavailable"
