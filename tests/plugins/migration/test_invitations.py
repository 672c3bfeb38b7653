"""A migrated PBX's invitation letter (seed 000): the new cabinet's link, the log-in and a
temporary password that really signs in (real database, real API sign-in); sending again
replaces the password; a placeholder e-mail gets nothing; the letter speaks the person's
language, Russian first."""

from __future__ import annotations

import re

from vats.bots.web.testing import ApiClients
from vats.core.directory import employees as employees_repo
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated, load_tenant
from vats.core.kernel import Kernel
from vats.plugins.migration import invitations


async def letters(kernel: Kernel, tenant_id: object) -> list[dict[str, str]]:
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE tenant_id = $1 AND kind = $2 ORDER BY id", tenant_id, invitations.KIND
        )
    return [dict(r["payload"]) for r in rows]


async def test_the_letter_carries_the_link_the_log_in_and_a_temporary_password_that_signs_in(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    assert await invitations.invite(vats_kernel, tid, vats_tenant.admin_id)
    [letter] = await letters(vats_kernel, tid)
    assert letter["to"] == "admin@test.example"
    assert letter["subject"] == "Приглашение в новый личный кабинет виртуальной АТС «Test company»"
    text = letter["text"]
    assert f"Адрес нового личного кабинета: {vats_kernel.accounts.base_url}/signin" in text
    assert "Логин: admin@test.example" in text
    found = re.search(r"Временный пароль: (\S+)", text)
    assert found
    client = vats_api.client()
    signed = await client.post("/api/auth/login", json={"email": "admin@test.example", "password": found.group(1)})
    assert signed.status_code == 200, signed.text
    # Sent again: a new password, the first one no longer signs in.
    assert await invitations.invite(vats_kernel, tid, vats_tenant.admin_id)
    second = re.search(r"Временный пароль: (\S+)", (await letters(vats_kernel, tid))[1]["text"])
    assert second and second.group(1) != found.group(1)
    stale = await client.post("/api/auth/login", json={"email": "admin@test.example", "password": found.group(1)})
    assert stale.status_code == 401


async def test_a_placeholder_email_gets_nothing_and_an_english_speaker_gets_english(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    assert vats_kernel.db is not None
    tid = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tid) as conn:
        tenant = await load_tenant(conn, tid)
        nobody, _ = await employees_repo.create_employee(
            conn, tenant, EmployeeCreate(full_name="Склад", email="line-7@migration.invalid")
        )
        john, _ = await employees_repo.create_employee(
            conn, tenant, EmployeeCreate(full_name="John Smith", email="john@test.example")
        )
        await conn.execute("UPDATE employees SET language = 'en' WHERE id = $1", john.id)
    assert not await invitations.invite(vats_kernel, tid, nobody.id)
    assert await invitations.invite_all(vats_kernel, tid) == 2  # the admin and John, not the placeholder
    sent = {letter["to"]: letter for letter in await letters(vats_kernel, tid)}
    assert sent.keys() == {"admin@test.example", "john@test.example"}
    assert sent["john@test.example"]["subject"] == "Invitation to the new cabinet of the virtual PBX “Test company”"
    assert "Temporary password: " in sent["john@test.example"]["text"]
    assert "Временный пароль: " in sent["admin@test.example"]["text"]
