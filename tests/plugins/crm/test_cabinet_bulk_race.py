"""Contacts' "add a tag" under concurrency, through the cabinet's real pages (cookie session,
CSRF token, the real database): two people tagging the same contacts with different tags at
the same moment both keep their tag on every contact."""

from __future__ import annotations

import asyncio

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
