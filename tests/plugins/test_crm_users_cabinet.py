"""Settings → Пользователи CRM: an admin gives an employee their external CRM user id in the
table of the PBX's employees and /api/crm/users (whose ids the CRM's events carry) shows it;
an emptied input removes the mapping; an over-long id is refused beside its input with nothing
saved; an employee of another PBX is refused; a non-admin gets neither the page nor the save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look, phone

PAGE = "/cabinet/settings/crm-users"


async def signed_in(kernel: Kernel, tenant_id: Any, employee_id: Any) -> CabinetClient:
    client = CabinetClient(create_app(kernel))
    email = await give_password(kernel, tenant_id, employee_id)
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
    return client


async def mapped(client: CabinetClient) -> dict[str, str]:
    """What GET /api/crm/users answers (the cabinet's cookie opens the API's reads)."""
    answer = await client.http.get("/api/crm/users")
    assert answer.status_code == 200, answer.text
    return {m["employee_id"]: m["external_id"] for m in answer.json()}


async def test_an_admin_maps_employees_to_crm_users_and_others_are_refused(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна", email="anna@test.example")
    )
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="admin@other.example")
    admin = await signed_in(vats_kernel, tid, vats_tenant.admin_id)
    worker = await signed_in(vats_kernel, tid, anna.id)
    try:
        shown = await admin.http.get(PAGE)
        assert shown.status_code == 200
        assert "Пользователи CRM" in shown.text and "Анна" in shown.text
        assert f'name="external_{anna.id}"' in shown.text

        saved = await admin.post_form(PAGE, {f"external_{anna.id}": "  crm-user-17 "}, form_page=PAGE)
        assert saved.status_code == 303
        assert await mapped(admin) == {str(anna.id): "crm-user-17"}
        again = await admin.http.get(PAGE + "?done=saved")
        assert 'value="crm-user-17"' in again.text and "Сопоставление сохранено." in again.text

        # Too long: beside its input, what was typed kept, nothing saved.
        refused = await admin.post_form(PAGE, {f"external_{anna.id}": "x" * 201}, form_page=PAGE)
        assert refused.status_code == 422
        assert f'id="external_{anna.id}-error"' in refused.text and "Не длиннее 200 символов" in refused.text
        assert await mapped(admin) == {str(anna.id): "crm-user-17"}

        # Another PBX's employee (its admin): refused, and nothing of the form saved.
        stranger = f"external_{other.admin_id}"
        refused = await admin.post_form(PAGE, {f"external_{anna.id}": "changed", stranger: "crm-9"}, form_page=PAGE)
        assert refused.status_code == 422
        assert 'id="form-error"' in refused.text and "В этой АТС нет такого сотрудника." in refused.text
        assert await mapped(admin) == {str(anna.id): "crm-user-17"}
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(other.tenant_id) as conn:
            assert await conn.fetchval("SELECT count(*) FROM crm_user_map") == 0

        # A non-admin: neither the page nor the save.
        assert (await worker.http.get(PAGE)).status_code == 403
        sneaked = await worker.post_form(PAGE, {f"external_{anna.id}": "mine"}, form_page="/cabinet/me")
        assert sneaked.status_code == 403
        assert await mapped(admin) == {str(anna.id): "crm-user-17"}

        # Emptied: the mapping is removed.
        assert (await admin.post_form(PAGE, {f"external_{anna.id}": " "}, form_page=PAGE)).status_code == 303
        assert await mapped(admin) == {}
    finally:
        for client in (admin, worker):
            await client.close()


async def test_the_crm_users_page_reads_well_on_a_desktop_and_a_phone(
    cabinet_server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    tid = vats_tenant.tenant_id
    for name, email in (("Анна Смирнова", "anna@test.example"), ("Борис Петров", "boris@test.example")):
        await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name=name, email=email))
    sign_in(browser, cabinet_server, await give_password(vats_kernel, tid, vats_tenant.admin_id))
    browser.get(cabinet_server.url + PAGE)
    first = browser.find_element(By.CSS_SELECTOR, "#crm-users input")
    first.send_keys("x" * 200 + "y")  # maxlength stops the browser at 200: force one more
    browser.execute_script("arguments[0].removeAttribute('maxlength'); arguments[0].value += 'z'", first)
    browser.find_element(By.ID, "crm-users-save").click()
    wait(browser).until(ec.staleness_of(first))
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#crm-users .field-error")))
    browser.save_screenshot(str(screenshots / "crm-users-error-1280.png"))
    problems = accessibility_problems(browser, "crm-users-error")
    field = browser.find_element(By.CSS_SELECTOR, "#crm-users input")
    field.clear()
    field.send_keys("crm-17")
    browser.find_element(By.ID, "crm-users-save").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    problems += look(browser, cabinet_server.url + PAGE, "crm-users", screenshots)
    problems += accessibility_problems(browser, "crm-users")
    phone(browser, True)
    problems += accessibility_problems(browser, "crm-users-375")
    phone(browser, False)
    assert not problems, "\n".join(problems)
