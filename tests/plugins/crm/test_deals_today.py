"""Work → Deals opens with today's deals (the seed: pages open with today's records); another
period shows the older ones."""

from __future__ import annotations

import datetime as dt

from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.plugins.crm.cabinet_browser import office_of
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password


async def test_deals_open_with_todays_and_another_period_shows_the_older(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    office = await office_of(vats_kernel, vats_tenant)
    fresh = await office.contact("+74956660101", "Свежий клиент")
    old = await office.contact("+74956660102", "Давний клиент")
    assert vats_kernel.db is not None
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO crm_deals (tenant_id, contact_id, title, created_at, updated_at) VALUES"
            " ($1, $2, 'Сделка сегодня', now(), now()), ($1, $3, 'Сделка давняя', $4, $4)",
            vats_tenant.tenant_id, fresh, old, long_ago,
        )  # fmt: skip
    client = CabinetClient(create_app(vats_kernel))
    try:
        email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
        assert (await client.sign_in(email, TEST_PASSWORD)).status_code in (302, 303)
        opened = await client.http.get("/cabinet/deals")
        assert opened.status_code == 200, opened.text[:2000]
        assert "Сделка сегодня" in opened.text and "Сделка давняя" not in opened.text
        month = await client.http.get("/cabinet/deals", params={"period": "last30"})
        assert "Сделка сегодня" in month.text and "Сделка давняя" in month.text
    finally:
        await client.close()
