"""Seed 001: every employee sees the company's employee list, read-only unless an admin; a
colleague's own mobile stays with admins, and a card opens only where the role may open it."""

from __future__ import annotations

from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

LIST = "/cabinet/settings/employees"


async def test_users_and_restricted_users_see_the_whole_list_read_only(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    boris, _ = await d.create_employee(tid, EmployeeCreate(
        full_name="Борис Мобильный", email="boris@test.example", external_numbers=["+79161112233"]))  # fmt: skip
    for role, name in (("user", "Анна Пользователь"), ("restricted", "Вера Ограниченная")):
        viewer, _ = await d.create_employee(
            tid, EmployeeCreate(full_name=name, email=f"{role}@test.example", role=role)  # type: ignore[arg-type]
        )
        api = await vats_api.as_employee(tid, viewer.id)
        listed = (await api.get("/api/employees")).json()
        by_name = {e["full_name"]: e for e in listed["items"]}
        assert {"Администратор", "Борис Мобильный", name} <= set(by_name) and listed["total"] == len(by_name)
        assert by_name["Борис Мобильный"]["external_numbers"] == []  # his own mobile is not theirs to see
        refused = await api.post("/api/employees", json={"full_name": "X", "email": "x@test.example"})
        assert refused.status_code == 403
        assert (await api.patch(f"/api/employees/{boris.id}", json={"position": "X"})).status_code == 403

        page = CabinetClient(create_app(vats_kernel))
        try:
            assert (await page.sign_in(await give_password(vats_kernel, tid, viewer.id), TEST_PASSWORD)).status_code == 303
            shown = await page.http.get(LIST)
            assert shown.status_code == 200 and "Борис Мобильный" in shown.text
            assert f'href="{LIST}/{boris.id}"' not in shown.text  # no card to open
            assert 'method="post" action="/cabinet/settings/employees"' not in shown.text  # no adding
            assert f'href="{LIST}"' in (await page.http.get("/cabinet/me")).text  # in the menu
            forged = await page.post_form(LIST, {"full_name": "X", "email": "x@test.example"}, form_page=LIST)
            assert forged.status_code == 403
        finally:
            await page.close()
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    everything = {e["full_name"]: e for e in (await admin.get("/api/employees")).json()["items"]}
    assert everything["Борис Мобильный"]["external_numbers"] == ["+79161112233"]
