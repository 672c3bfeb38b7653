"""Settings → PBX (time zone, recording, role rights, plugins on/off) and the audit plugin's
Settings → Журнал изменений, through the real sign-in form; and both pages in the browser at
both widths with axe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
from selenium.webdriver.common.by import By
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems, phone
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, sign_in
from tests.web.cabinet.test_pages import look

PBX = "/cabinet/settings/pbx"
AUDIT = "/cabinet/settings/audit"


def rights_form(**changes: str) -> dict[str, str]:
    form = {
        "time_zone": "Europe/Moscow",
        "head-scope": "department", "head-download": "on", "head-play": "on",
        "user-scope": "own", "user-download": "on", "user-play": "on",
        "restricted-scope": "own",
    }  # fmt: skip
    form.update(changes)
    return {k: v for k, v in form.items() if v}


async def admin_client(kernel: Kernel, tenant: TenantCreated) -> CabinetClient:
    client = CabinetClient(create_app(kernel))
    email = await give_password(kernel, tenant.tenant_id, tenant.admin_id)
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
    return client


async def test_an_admin_sets_time_zone_recording_and_role_rights(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    admin = await admin_client(vats_kernel, vats_tenant)
    try:
        saved = await admin.post_form(
            PBX, rights_form(time_zone="Asia/Yekaterinburg", **{"user-scope": "company", "user-play": "",
                             "recording_enabled": "on"}), form_page=PBX,
        )  # fmt: skip
        assert saved.status_code == 200 and 'id="notice"' in saved.text
        tenant = await vats_kernel.directory.get_tenant(vats_tenant.tenant_id)
        assert tenant.time_zone == "Asia/Yekaterinburg"
        assert tenant.settings.recording_enabled and not tenant.settings.recording_default
        user = tenant.settings.roles.user
        assert user.history_scope == "company" and user.may_download_history and not user.may_play_recordings

        # A time zone that does not exist: the message beside the field, nothing saved.
        refused = await admin.post_form(PBX, rights_form(time_zone="Mars/Olympus"), form_page=PBX)
        assert refused.status_code == 422 and 'id="time_zone-error"' in refused.text
        # A scope that does not exist (a forged form): named beside its select, nothing saved.
        forged = await admin.post_form(PBX, rights_form(**{"head-scope": "galaxy"}), form_page=PBX)
        assert forged.status_code == 422 and 'id="head-scope-error"' in forged.text
        again = await vats_kernel.directory.get_tenant(vats_tenant.tenant_id)
        assert again.time_zone == "Asia/Yekaterinburg" and again.settings.roles.head.history_scope == "department"
    finally:
        await admin.close()


async def test_an_admin_sets_the_default_recording_warning_and_the_retention_period(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.core.media.library import create_media
    from vats.core.media.models import MediaCreate

    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        chain = await create_media(conn, vats_tenant.tenant_id, msgspec.convert(
            {"name": "Наше предупреждение", "items": [{"type": "file", "file_id": "standard:recording_warning"}]},
            MediaCreate))  # fmt: skip
    admin = await admin_client(vats_kernel, vats_tenant)
    try:
        shown = (await admin.http.get(PBX)).text
        assert "Наше предупреждение" in shown and "по умолчанию оператора: 365" in shown
        saved = await admin.post_form(
            PBX, rights_form(recording_warning_media=str(chain.id), retention_days="90"), form_page=PBX
        )
        assert saved.status_code == 200 and 'id="notice"' in saved.text
        tenant = await vats_kernel.directory.get_tenant(vats_tenant.tenant_id)
        assert tenant.settings.recording_warning_media == str(chain.id) and tenant.settings.retention_days == 90
        # Days out of range and media of nobody's: refused beside the field, nothing saved.
        refused = await admin.post_form(PBX, rights_form(retention_days="0"), form_page=PBX)
        assert refused.status_code == 422 and 'id="retention_days-error"' in refused.text
        forged = await admin.post_form(
            PBX, rights_form(recording_warning_media="00000000-0000-0000-0000-000000000000"), form_page=PBX
        )
        assert forged.status_code == 422 and 'id="recording_warning_media-error"' in forged.text
        again = await vats_kernel.directory.get_tenant(vats_tenant.tenant_id)
        assert again.settings == tenant.settings
        # Emptied: the standard warning and the operator's period again.
        await admin.post_form(PBX, rights_form(), form_page=PBX)
        cleared = await vats_kernel.directory.get_tenant(vats_tenant.tenant_id)
        assert cleared.settings.recording_warning_media is None and cleared.settings.retention_days is None
    finally:
        await admin.close()


async def test_plugins_are_switched_per_pbx_and_billing_cannot_be(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    admin = await admin_client(vats_kernel, vats_tenant)
    try:
        listed = (await admin.http.get(PBX)).text
        assert 'data-plugin="audit"' in listed and 'data-plugin="vats.ring_memory"' not in listed
        off = await admin.post_form(PBX + "/plugins", {"plugin": "audit", "enabled": "0"}, form_page=PBX)
        assert off.status_code == 200
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
            assert not await vats_kernel.plugins.is_enabled(conn, vats_tenant.tenant_id, "audit")
        # The audit plugin's page and menu entry are gone for this PBX.
        assert (await admin.http.get(AUDIT)).status_code == 404
        assert AUDIT not in off.text
        # Billing is not the PBX's to switch off: no button, and a forged form is refused.
        if "billing" in vats_kernel.plugins.names():
            row = listed.split('data-plugin="billing"', 1)[1].split("</li>", 1)[0]
            assert "<button" not in row
            forged = await admin.post_form(PBX + "/plugins", {"plugin": "billing", "enabled": "0"}, form_page=PBX)
            assert forged.status_code == 422 and 'id="plugin-error"' in forged.text
            async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
                assert await vats_kernel.plugins.is_enabled(conn, vats_tenant.tenant_id, "billing")
    finally:
        await admin.close()


async def test_the_modules_list_names_each_plugin_in_russian_with_a_line_on_what_it_does(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    class Bare:  # a third party's plugin without vats_about: shown by its name
        pass

    vats_register_plugin(Bare(), name="bare_plugin")
    admin = await admin_client(vats_kernel, vats_tenant)
    try:
        listed = (await admin.http.get(PBX)).text
        rows = {
            name: row.split("</li>", 1)[0]
            for name, row in re.findall(r'data-plugin="([^"]+)"(.*?</li>)', listed, re.S)
        }
        audit = rows["audit"]
        assert '<strong class="plugin-title">Журнал изменений</strong> <small>(audit)</small>' in audit
        assert "Кто и когда создал, изменил или удалил" in audit
        assert 'aria-label="Выключить: Журнал изменений"' in audit
        assert '<strong class="plugin-title">Голосовое меню</strong>' in rows["ivr"]
        assert '<strong class="plugin-title">bare_plugin</strong>' in rows["bare_plugin"]
        assert "plugin-description" not in rows["bare_plugin"]
        await admin.post_form("/cabinet/me/language", {"language": "en"}, form_page="/cabinet/me")
        english = (await admin.http.get(PBX)).text
        assert '<strong class="plugin-title">Audit log</strong>' in english
    finally:
        await admin.close()


async def test_the_audit_page_lists_changes_with_current_names_for_admins_only(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    anna, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Анна Петрова", email="anna@test.example", role="head")
    )
    admin = await admin_client(vats_kernel, vats_tenant)
    head = CabinetClient(create_app(vats_kernel))
    try:
        shown = await admin.http.get(AUDIT)
        assert shown.status_code == 200
        assert f'data-id="{anna.id}"' in shown.text and "Анна Петрова</a>" in shown.text
        # The change agrees with the noun: "Сотрудник … создан", "АТС … создана", never "создан(а)".
        changes = re.findall(
            r'<tr data-subject="(\w+)" data-id="([^"]+)">.*?<td data-label="[^"]*">([^<]*)</td>', shown.text, re.S
        )
        assert ("employee", str(anna.id), "создан") in changes
        assert ("tenant", str(vats_tenant.tenant_id), "создана") in changes
        assert "(а)" not in shown.text
        email = await give_password(vats_kernel, vats_tenant.tenant_id, anna.id)
        assert (await head.sign_in(email, TEST_PASSWORD)).status_code == 303
        assert (await head.http.get(AUDIT)).status_code == 403
        assert AUDIT not in (await head.http.get("/cabinet/me")).text
    finally:
        await admin.close()
        await head.close()


async def test_the_pbx_and_audit_pages_read_well_at_both_widths(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id))
    problems = []
    for path, name in ((PBX, "pbx"), (AUDIT, "audit")):
        problems += look(browser, cabinet_server.url + path, name, screenshots)
        problems += accessibility_problems(browser, name)
        assert browser.find_element(By.ID, "main").get_attribute("data-page") == name
    for width in (1280, 375):  # the modules' titles and lines, for a person to look at (a tall screen)
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 3000, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        browser.get(cabinet_server.url + PBX)
        browser.save_screenshot(str(screenshots / f"pbx-plugins-{width}.png"))
    phone(browser, False)
    assert not problems, "\n".join(problems)
