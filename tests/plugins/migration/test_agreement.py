"""The migration agreement's record on the real database: the operator's versions (new on every
save, the old ones unchangeable), and which admin of which tenant accepted which version when."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from vats.core.directory import employees as employees_repo
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated, load_tenant
from vats.core.errors import ConflictError, NotFoundError, ValidationError
from vats.core.kernel import Kernel
from vats.plugins.migration import agreement
from vats.plugins.migration.agreement import AgreementIn


async def _publish(kernel: Kernel, body: str) -> int:
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        return (await agreement.publish(conn, AgreementIn(title="Оферта", body=body), "op@vats.example")).version


async def test_an_admin_accepts_the_version_in_force_and_the_record_says_who_and_when(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    assert vats_kernel.db is not None
    tid = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tid) as conn:
        assert await agreement.accepted_version(conn, tid) is None
        with pytest.raises(NotFoundError):  # nothing published yet
            await agreement.accept(conn, tid, vats_tenant.admin_id, 1)
    assert await _publish(vats_kernel, "Текст 1") == 1
    assert await _publish(vats_kernel, "Текст 2") == 2
    async with vats_kernel.db.tenant(tid) as conn:
        with pytest.raises(ConflictError) as old:
            await agreement.accept(conn, tid, vats_tenant.admin_id, 1)
        assert old.value.field == "version" and old.value.extra == {"latest": 2}
        with pytest.raises(NotFoundError):
            await agreement.accept(conn, tid, vats_tenant.admin_id, 3)
        done = await agreement.accept(conn, tid, vats_tenant.admin_id, 2)
        assert (done.version, done.employee_id, done.employee_email) == (2, vats_tenant.admin_id, "admin@test.example")
        assert await agreement.accepted_version(conn, tid) == 2
        assert not (await agreement.state(conn, tid)).needs_acceptance
    # A newer version: the old acceptance still counts, the cabinet asks for the new one.
    await _publish(vats_kernel, "Текст 3")
    async with vats_kernel.db.tenant(tid) as conn:
        shown = await agreement.state(conn, tid)
        assert (shown.latest, shown.accepted_version, shown.needs_acceptance) == (3, 2, True)


async def test_only_an_admin_of_the_tenant_accepts(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    assert vats_kernel.db is not None
    await _publish(vats_kernel, "Текст")
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="boss@other.example")
    tid = vats_tenant.tenant_id
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE employees SET role = 'user' WHERE id = $1", vats_tenant.admin_id)
    async with vats_kernel.db.tenant(tid) as conn:
        with pytest.raises(ValidationError) as not_admin:
            await agreement.accept(conn, tid, vats_tenant.admin_id, 1)
        assert not_admin.value.field == "employee_id"
        with pytest.raises(NotFoundError):  # another tenant's admin is nobody here
            await agreement.accept(conn, tid, other.admin_id, 1)
    async with vats_kernel.db.tenant(other.tenant_id) as conn:
        await agreement.accept(conn, other.tenant_id, other.admin_id, 1)
    async with vats_kernel.db.tenant(tid) as conn:  # the other tenant's acceptance is invisible here
        assert await agreement.acceptances(conn) == []
        assert await agreement.accepted_version(conn, other.tenant_id) is None


async def test_two_admins_accepting_at_once_make_one_record(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    assert vats_kernel.db is not None
    db = vats_kernel.db
    await _publish(vats_kernel, "Текст")
    tid = vats_tenant.tenant_id
    async with db.system() as conn:
        second, _ = await employees_repo.create_employee(
            conn,
            await load_tenant(conn, tid),
            EmployeeCreate(full_name="Второй", email="two@test.example", role="admin"),
        )

    async def accept(employee_id: object) -> agreement.Acceptance:
        async with db.tenant(tid) as conn:
            return await agreement.accept(conn, tid, employee_id, 1)  # type: ignore[arg-type]

    first, other = await asyncio.gather(accept(vats_tenant.admin_id), accept(second.id))
    assert first == other  # both see the one acceptance that won
    async with db.tenant(tid) as conn:
        assert len(await agreement.acceptances(conn, tid)) == 1


async def test_a_published_version_cannot_be_changed_or_deleted(vats_kernel: Kernel) -> None:
    assert vats_kernel.db is not None
    await _publish(vats_kernel, "Текст")
    async with vats_kernel.db.system() as conn:
        assert await conn.execute("UPDATE migration_agreements SET body = 'другое'") == "UPDATE 0"
        assert await conn.execute("DELETE FROM migration_agreements") == "DELETE 0"
        assert (await agreement.version(conn, 1)).body == "Текст"
        with pytest.raises(ValidationError) as empty:
            await agreement.publish(conn, AgreementIn(title="Оферта", body="  "), "op")
        assert empty.value.field == "body"


async def test_a_tenant_cannot_publish_a_version(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await agreement.publish(conn, AgreementIn(title="Оферта", body="Текст"), "tenant")


async def test_two_operators_saving_at_once_publish_two_consecutive_versions(vats_kernel: Kernel) -> None:
    versions = await asyncio.gather(*(_publish(vats_kernel, f"Текст {i}") for i in range(4)))
    assert sorted(versions) == [1, 2, 3, 4]
