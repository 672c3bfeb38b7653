"""The CRM pages under concurrency, through the cabinet's real pages (cookie session,
CSRF token, the real database): two people tagging the same contacts with different tags at
the same moment both keep their tag on every contact; of two people taking one task at the same
moment one gets it and the other is told who has it."""

from __future__ import annotations

import asyncio
import re

from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.crm.cabinet_browser import office_of
from tests.web.cabinet.client import CabinetClient

ROUNDS = 5
CONTACTS = 12


async def test_two_people_tagging_the_same_contacts_at_once_both_keep_their_tag(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    app = create_app(vats_kernel)
    admin, olga = CabinetClient(app), CabinetClient(app)
    try:
        assert (await admin.sign_in("admin@test.example", TEST_PASSWORD)).status_code == 303
        assert (await olga.sign_in("olga@test.example", TEST_PASSWORD)).status_code == 303
        tokens = [await admin.csrf("/cabinet/contacts"), await olga.csrf("/cabinet/contacts")]
        for round_no in range(ROUNDS):
            ids = [str(await office.contact(f"+749577{round_no:02d}{n:03d}", f"Клиент {n}")) for n in range(CONTACTS)]
            tags = [str(await office.tag(f"Партия {round_no}-{who}")) for who in ("a", "o")]
            answers = await asyncio.gather(
                *(
                    client.http.post(
                        "/cabinet/contacts/bulk",
                        data={"action": "tag", "tag_id": tag, "contact_ids": ids, "_csrf_token": token},
                    )
                    for client, tag, token in zip((admin, olga), tags, tokens, strict=True)
                )
            )
            assert [a.status_code for a in answers] == [200, 200], [a.text[:300] for a in answers]
            assert vats_kernel.db is not None
            async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
                missing = await conn.fetchval(
                    "SELECT count(*) FROM unnest($1::uuid[]) AS c CROSS JOIN unnest($2::uuid[]) AS t"
                    " WHERE NOT EXISTS (SELECT 1 FROM crm_contact_tags x WHERE x.contact_id = c AND x.tag_id = t)",
                    ids, tags,
                )  # fmt: skip
            assert missing == 0, f"round {round_no}: {missing} tags lost"
    finally:
        await admin.close()
        await olga.close()


async def test_of_two_people_taking_one_task_at_once_one_gets_it_and_the_other_is_told_who(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute("UPDATE employees SET role = 'admin' WHERE id = $1", office.pavel_id)  # sees every task
    app = create_app(vats_kernel)
    admin, pavel = CabinetClient(app), CabinetClient(app)
    try:
        assert (await admin.sign_in("admin@test.example", TEST_PASSWORD)).status_code == 303
        assert (await pavel.sign_in("pavel@test.example", TEST_PASSWORD)).status_code == 303
        tokens = [await admin.csrf("/cabinet/tasks"), await pavel.csrf("/cabinet/tasks")]
        for round_no in range(ROUNDS):
            async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
                task_id = await conn.fetchval(
                    "INSERT INTO crm_tasks (tenant_id, kind, title, assignee_kind, assignee_id)"
                    " VALUES ($1, 'manual', $2, 'employee', $3) RETURNING id",
                    vats_tenant.tenant_id, f"Перезвонить {round_no}", office.olga_id,
                )  # fmt: skip
            answers = await asyncio.gather(
                *(
                    client.http.post(f"/cabinet/tasks/{task_id}/take", data={"_csrf_token": token})
                    for client, token in zip((admin, pavel), tokens, strict=True)
                )
            )
            codes = sorted(a.status_code for a in answers)
            assert codes == [200, 409], [a.text[:300] for a in answers]
            refused = next(a for a in answers if a.status_code == 409)
            async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
                holder = await conn.fetchval(
                    "SELECT e.full_name FROM crm_tasks t JOIN employees e ON e.id = t.assignee_id WHERE t.id = $1",
                    task_id,
                )
            error = re.search(r'id="task-error">([^<]*)<', refused.text)
            assert error, refused.text[-2000:]
            assert error.group(1).strip() == f"Задачу уже взял(а) в работу {holder}."
    finally:
        await admin.close()
        await pavel.close()
