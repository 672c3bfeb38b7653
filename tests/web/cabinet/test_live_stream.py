"""/cabinet/events over real HTTP: availability and tasks reach the open pages they concern,
at once, and nothing of one tenant reaches another's pages."""

from __future__ import annotations

import asyncio

import httpx
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.conftest import Server
from tests.web.cabinet.cookie import give_test_password, sign_in
from tests.web.cabinet.sse import open_stream


async def bearer(server: Server, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server.url, timeout=60)
    r = await client.post("/api/auth/login", json={"email": email, "password": TEST_PASSWORD})
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


async def test_availability_and_tasks_reach_the_pages_they_concern_and_no_other_tenant(
    cabinet_server: Server, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    boris, _ = await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Борис", email="b@test.example"))
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="admin@other.example")
    admin_email = await give_test_password(vats_kernel, tid, vats_tenant.admin_id)
    boris_email = await give_test_password(vats_kernel, tid, boris.id)
    other_email = await give_test_password(vats_kernel, other.tenant_id, other.admin_id)
    url = cabinet_server.url
    async with (
        httpx.AsyncClient(base_url=url) as a, httpx.AsyncClient(base_url=url) as b,
        httpx.AsyncClient(base_url=url) as o,
    ):  # fmt: skip
        await sign_in(a, admin_email)
        await sign_in(b, boris_email)
        await sign_in(o, other_email)
        async with open_stream(a) as admin_page, open_stream(b) as boris_page, open_stream(o) as other_page:
            api = await bearer(cabinet_server, admin_email)
            assert (await api.put("/api/me/availability", json={"mode": "unavailable"})).status_code < 300
            mine = await admin_page.next_of("availability")
            assert mine.json() == {"employee_id": str(vats_tenant.admin_id), "mode": "unavailable"}
            assert (await admin_page.next_of("my-availability")).json()["mode"] == "unavailable"
            seen = await boris_page.next_of("availability")  # a colleague's page sees it; not as its own
            assert seen.json()["employee_id"] == str(vats_tenant.admin_id)

            task = await api.post("/api/tasks", json={"title": "Перезвонить Иванову", "assignee_id": str(boris.id)})
            assert task.status_code == 201, task.text
            toast = await boris_page.next_of("task")
            assert "Перезвонить Иванову" in toast.data and task.json()["id"] in toast.data

            # The other tenant's page: its own change arrives, and it is the first thing it got.
            other_api = await bearer(cabinet_server, other_email)
            assert (await other_api.put("/api/me/availability", json={"mode": "available"})).status_code < 300
            first = await other_page.next()
            assert first.event == "availability" and first.json()["employee_id"] == str(other.admin_id)
            await asyncio.sleep(0.2)
            assert "my-availability" in other_page.kinds_so_far()
            assert "task" not in other_page.kinds_so_far()
            # The admin was given no task; Boris was not told of the admin's availability as his own.
            assert "task" not in admin_page.kinds_so_far()
            assert "my-availability" not in boris_page.kinds_so_far()
            await api.aclose()
            await other_api.aclose()


async def test_a_sip_lines_status_from_asterisk_reaches_its_tenants_pages_only(
    cabinet_server: Server, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """AMI events as the AMI client hands them on (after its live state took them in)."""
    from vats.core.asterisk.ami import LiveState
    from vats.core.asterisk.line_events import LineEvents

    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="admin@other.example")
    admin_email = await give_test_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    other_email = await give_test_password(vats_kernel, other.tenant_id, other.admin_id)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        login = await conn.fetchval(
            "SELECT sip_login FROM terminals WHERE tenant_id = $1 AND employee_id = $2 AND sip_login IS NOT NULL"
            " ORDER BY position LIMIT 1",
            vats_tenant.tenant_id, vats_tenant.admin_id,
        )  # fmt: skip
    live, lines = LiveState(), LineEvents(vats_kernel)

    def ami(event: dict[str, str]) -> None:
        live.on_event(event)
        lines.on_event(live, event)

    url = cabinet_server.url
    async with httpx.AsyncClient(base_url=url) as a, httpx.AsyncClient(base_url=url) as o:
        await sign_in(a, admin_email)
        await sign_in(o, other_email)
        async with open_stream(a) as page, open_stream(o) as other_page:
            ami({"Event": "ContactStatus", "AOR": login, "ContactStatus": "Reachable"})
            ami({"Event": "ContactStatus", "AOR": login, "ContactStatus": "Updated"})  # no change: not sent
            await lines.drain()
            first = (await page.next_of("line")).json()  # read before the call starts: a message carries the line's state when sent
            assert first["sip_login"] == login and first["registered"] is True and first["state"] is None
            assert first["employee_id"] == str(vats_tenant.admin_id)
            ami({"Event": "DeviceStateChange", "Device": f"PJSIP/{login}", "State": "INUSE"})
            ami({"Event": "ContactStatus", "AOR": "trunk-rostelecom", "ContactStatus": "Reachable"})  # not a line
            await lines.drain()
            second = (await page.next_of("line")).json()
            assert second["registered"] is True and second["state"] == "INUSE"
            await asyncio.sleep(0.3)
            assert "line" not in page.kinds_so_far()  # the repeat and the trunk were not sent
            assert "line" not in other_page.kinds_so_far()
