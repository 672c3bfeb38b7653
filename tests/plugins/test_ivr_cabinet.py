"""Settings → Голосовые меню, the IVR plugin's own cabinet page: an admin builds a menu (keys to
an employee, a group, extension dialing), a bad timeout is shown beside its field with nothing
saved, a menu a scenario plays is deleted only when confirmed; other roles are refused and
another PBX's menus are not found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.directory.service import TenantCreated
from vats.core.engine import scenarios as scenarios_repo
from vats.core.kernel import Kernel
from vats.plugins.ivr import menus
from vats.plugins.ivr.models import Menu, MenuIn

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server, browser, cabinet_server, screenshots  # noqa: F401 (fixtures)
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look, phone

PAGE = "/cabinet/settings/ivr"


def good_form(**changes: str) -> dict[str, str]:
    return {
        "name": "Главное меню", "level": "1", "instruction": "standard:greeting", "error": "",
        "repeat_timeout_s": "5", "next_timeout_s": "15", "enabled": "1", "key_0": "repeat",
        "key_9": "extension_dialing", **changes,
    }  # fmt: skip


async def stored(kernel: Kernel, tenant: TenantCreated) -> list[Menu]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        return await menus.list_menus(conn, tenant.tenant_id)


async def signed_in(kernel: Kernel, tenant_id: Any, employee_id: Any) -> CabinetClient:
    client = CabinetClient(create_app(kernel))
    email = await give_password(kernel, tenant_id, employee_id)
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
    return client


async def test_an_admin_saves_a_menu_only_when_every_field_is_right_and_others_are_refused(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна", email="anna@test.example")
    )
    sales = await vats_kernel.directory.create_group(tid, GroupCreate(name="Продажи"))
    other = await vats_kernel.directory.create_tenant(name="Other", admin_email="admin@other.example")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(other.tenant_id) as conn:
        foreign = await menus.create_menu(conn, other.tenant_id, msgspec.convert({"name": "Чужое", "body": {
            "instruction": ["standard:greeting"], "items": [{"key": "0", "do": {"action": "repeat"}}]}}, MenuIn))  # fmt: skip

    admin = await signed_in(vats_kernel, tid, vats_tenant.admin_id)
    worker = await signed_in(vats_kernel, tid, anna.id)
    try:
        # An employee neither sees nor saves menus.
        assert (await worker.http.get(PAGE)).status_code == 403
        refused = await worker.post_form(PAGE, good_form(), form_page="/cabinet/me")
        assert refused.status_code == 403 and await stored(vats_kernel, vats_tenant) == []

        # A repeat timeout not shorter than the next-block one: beside its field, nothing saved.
        bad = await admin.post_form(PAGE, good_form(repeat_timeout_s="20"), form_page=f"{PAGE}/new")
        assert bad.status_code == 422 and 'id="repeat_timeout_s-error"' in bad.text
        assert "Повтор должен наступать раньше" in bad.text and 'value="Главное меню"' in bad.text
        # Words for seconds, and no key repeating the instructions: each beside its own field.
        words = await admin.post_form(PAGE, good_form(next_timeout_s="пятнадцать"), form_page=f"{PAGE}/new")
        assert words.status_code == 422 and 'id="next_timeout_s-error"' in words.text
        no_repeat = await admin.post_form(PAGE, good_form(key_0=""), form_page=f"{PAGE}/new")
        assert no_repeat.status_code == 422 and 'id="items-error"' in no_repeat.text
        # A key naming another PBX's menu or a made-up choice: beside that key.
        stolen = await admin.post_form(PAGE, good_form(key_5=f"submenu:{foreign.id}"), form_page=f"{PAGE}/new")
        assert stolen.status_code == 422 and 'id="key_5-error"' in stolen.text and "Такого подменю нет" in stolen.text
        made_up = await admin.post_form(PAGE, good_form(key_star="dance"), form_page=f"{PAGE}/new")
        assert made_up.status_code == 422 and 'id="key_star-error"' in made_up.text
        assert await stored(vats_kernel, vats_tenant) == []

        made = await admin.post_form(
            PAGE, good_form(key_1=f"employee:{anna.id}", key_2=f"group:{sales.id}"), form_page=f"{PAGE}/new"
        )
        assert made.status_code == 303
        (menu,) = await stored(vats_kernel, vats_tenant)
        assert [(i.key, msgspec.to_builtins(i.do)) for i in menu.body.items] == [
            ("1", {"action": "route", "target": {"kind": "employee", "id": str(anna.id), "number": None}}),
            ("2", {"action": "route", "target": {"kind": "group", "id": str(sales.id), "number": None}}),
            ("9", {"action": "extension_dialing"}),
            ("0", {"action": "repeat"}),
        ]
        card = await admin.http.get(made.headers["location"])
        assert card.status_code == 200 and "Меню сохранено" in card.text
        english = (await admin.http.get(made.headers["location"], headers={"accept-language": "en"})).text
        assert "Menu saved." in english and "Extension dialing" in english
        # The worker cannot change it either.
        assert (
            await worker.post_form(f"{PAGE}/{menu.id}", good_form(name="Моё"), form_page="/cabinet/me")
        ).status_code == 403

        # Another PBX's menu: not found, whatever is asked of it.
        assert (await admin.http.get(f"{PAGE}/{foreign.id}")).status_code == 404
        assert (await admin.post_form(f"{PAGE}/{foreign.id}", good_form(), form_page=PAGE)).status_code == 404
        assert (await admin.post_form(f"{PAGE}/{foreign.id}/delete", {"force": "1"}, form_page=PAGE)).status_code == 404
        assert [m.name for m in await stored(vats_kernel, other)] == ["Чужое"]
    finally:
        await admin.close()
        await worker.close()


async def test_a_menu_a_scenario_plays_is_deleted_only_when_the_admin_confirms(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    admin = await signed_in(vats_kernel, tid, vats_tenant.admin_id)
    try:
        assert (await admin.post_form(PAGE, good_form(), form_page=f"{PAGE}/new")).status_code == 303
        (menu,) = await stored(vats_kernel, vats_tenant)
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(tid) as conn:
            scenario = next(s for s in await scenarios_repo.scenarios_of(conn, tid) if s.is_default)
            body = {"default": {"menu": {"type": "ivr", "menu_id": str(menu.id)}, "handling": {"type": "voicemail"}}}
            await scenarios_repo.replace_scenario(conn, tid, scenario.id, scenario.name, body, vats_kernel.blocks)

        asked = await admin.post_form(f"{PAGE}/{menu.id}/delete", {}, form_page=f"{PAGE}/{menu.id}")
        assert asked.status_code == 409 and 'id="in-use"' in asked.text and scenario.name in asked.text
        assert [m.id for m in await stored(vats_kernel, vats_tenant)] == [menu.id]

        gone = await admin.post_form(f"{PAGE}/{menu.id}/delete", {"force": "1"}, form_page=f"{PAGE}/{menu.id}")
        assert gone.status_code == 303 and await stored(vats_kernel, vats_tenant) == []
        async with vats_kernel.db.tenant(tid) as conn:
            after = next(s for s in await scenarios_repo.scenarios_of(conn, tid) if s.is_default)
        assert str(menu.id) not in msgspec.json.encode(after.body).decode()
    finally:
        await admin.close()


async def test_the_menu_pages_read_well_on_a_desktop_and_a_phone(
    cabinet_server: Server,  # noqa: F811
    browser: Any,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    screenshots: Path,  # noqa: F811
) -> None:
    tid = vats_tenant.tenant_id
    await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна Константиновна Иванова-Рождественская", email="anna@test.example")
    )
    sign_in(browser, cabinet_server, await give_password(vats_kernel, tid, vats_tenant.admin_id))
    browser.get(cabinet_server.url + PAGE)
    browser.find_element(By.ID, "ivr-add").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "ivr-form")))
    browser.find_element(By.ID, "name").send_keys("Главное меню")
    select = Select(browser.find_element(By.ID, "key_1"))
    select.select_by_visible_text(next(o.text for o in select.options if o.text.startswith("Анна")))
    Select(browser.find_element(By.ID, "key_9")).select_by_value("extension_dialing")
    timeout = browser.find_element(By.ID, "repeat_timeout_s")
    timeout.clear()
    timeout.send_keys("30")
    browser.find_element(By.ID, "ivr-save").click()
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "repeat_timeout_s-error")))
    assert "раньше" in error.text
    browser.save_screenshot(str(screenshots / "ivr-menu-error-1280.png"))
    problems = accessibility_problems(browser, "ivr-menu-error")
    timeout = browser.find_element(By.ID, "repeat_timeout_s")
    timeout.clear()
    timeout.send_keys("5")
    browser.find_element(By.ID, "ivr-save").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    (menu,) = await stored(vats_kernel, vats_tenant)
    assert [i.key for i in menu.body.items] == ["1", "9", "0"]

    for path, name in ((f"{PAGE}/{menu.id}", "ivr-menu"), (PAGE, "ivr-menus")):
        problems += look(browser, cabinet_server.url + path, name, screenshots)
        problems += accessibility_problems(browser, name)
        phone(browser, True)
        problems += accessibility_problems(browser, f"{name}-375")
        phone(browser, False)
    assert not problems, "\n".join(problems)


async def test_saving_from_the_page_keeps_items_it_does_not_edit_and_a_forced_deletion_frees_the_parent_key(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна", email="anna@test.example")
    )
    voicemail = {"action": "voicemail", "assignee_kind": "employee", "assignee_id": str(anna.id)}
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        sub = await menus.create_menu(
            conn,
            tid,
            msgspec.convert(
                {
                    "name": "Подменю",
                    "level": 2,
                    "body": {"instruction": ["standard:greeting"], "items": [{"key": "0", "do": {"action": "repeat"}}]},
                },
                MenuIn,
            ),
        )
        main = await menus.create_menu(conn, tid, msgspec.convert({"name": "Главное", "body": {
            "instruction": ["standard:greeting"], "items": [
                {"key": "0", "do": {"action": "repeat"}}, {"key": "5", "do": voicemail},
                {"key": "7", "do": {"action": "submenu", "menu_id": str(sub.id)}}]}}, MenuIn))  # fmt: skip
    admin = await signed_in(vats_kernel, tid, vats_tenant.admin_id)
    try:
        card = (await admin.http.get(f"{PAGE}/{main.id}")).text
        assert '<option value="keep" selected>' in card and f'value="submenu:{sub.id}" selected' in card
        form = good_form(name="Главное", key_5="keep", key_7=f"submenu:{sub.id}", key_9="")
        assert (await admin.post_form(f"{PAGE}/{main.id}", form, form_page=f"{PAGE}/{main.id}")).status_code == 303
        after = {m.name: m for m in await stored(vats_kernel, vats_tenant)}["Главное"]
        assert {i.key: msgspec.to_builtins(i.do)["action"] for i in after.body.items} == {
            "0": "repeat",
            "5": "voicemail",
            "7": "submenu",
        }

        asked = await admin.post_form(f"{PAGE}/{sub.id}/delete", {}, form_page=f"{PAGE}/{sub.id}")
        assert asked.status_code == 409 and "Главное" in asked.text
        forced = await admin.post_form(f"{PAGE}/{sub.id}/delete", {"force": "1"}, form_page=f"{PAGE}/{sub.id}")
        assert forced.status_code == 303
        (left,) = await stored(vats_kernel, vats_tenant)
        assert sorted(i.key for i in left.body.items) == ["0", "5"]  # the key to the deleted submenu went
    finally:
        await admin.close()
