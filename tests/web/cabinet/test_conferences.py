"""Settings → Конференции in a real browser: an admin adds a room, sets its PIN, leaders and
recording (a bad PIN is refused beside its field, nothing saved), and the room's page follows who
is in the room as it changes (the cabinet's live stream), without a reload; its recordings play
for admins; the page reads well at 1280 and 375 px and axe finds nothing; users never see it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import msgspec
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.conferences import rooms as repo
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look

PAGE = "/cabinet/settings/conferences"
MAIN = "+74955550001"


async def _join(kernel: Kernel, tenant_id: uuid.UUID, room_id: uuid.UUID, channel: str, caller: str,
                employee_id: uuid.UUID | None = None) -> None:  # fmt: skip
    """Someone enters the room, as the AMI listener writes it (core/conferences/live.py)."""
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        await conn.execute(
            "INSERT INTO conference_participants (tenant_id, room_id, channel, caller, employee_id)"
            " VALUES ($1, $2, $3, $4, $5)",
            tenant_id, room_id, channel, caller, employee_id,
        )  # fmt: skip


async def _leave(kernel: Kernel, room_id: uuid.UUID, channel: str) -> None:
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        await conn.execute("DELETE FROM conference_participants WHERE room_id = $1 AND channel = $2", room_id, channel)


async def test_an_admin_sets_up_a_room_and_watches_who_is_in_it(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    tid = vats_tenant.tenant_id
    await vats_kernel.directory.assign_number(tid, MAIN)
    boss, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Борис Руководитель", email="boris@test.example", extension="201")
    )
    sign_in(browser, cabinet_server, await give_password(vats_kernel, tid, vats_tenant.admin_id))
    browser.get(cabinet_server.url + PAGE)
    browser.find_element(By.CSS_SELECTOR, "#add-room summary").click()
    browser.find_element(By.ID, "new-name").send_keys("Планёрка отдела продаж")
    Select(browser.find_element(By.ID, "new-number")).select_by_value(MAIN)
    browser.find_element(By.ID, "new-extension").send_keys("700")
    browser.find_element(By.ID, "new-pin").send_keys("1234")
    browser.find_element(By.ID, "add-room-submit").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "room-form")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Планёрка отдела продаж"
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        (room,) = await repo.list_rooms(conn, tid)
    assert (room.number, room.extension, room.pin) == (MAIN, "700", "1234")

    # A bad PIN: beside its field, nothing saved.
    pin = browser.find_element(By.ID, "pin")
    pin.clear()
    pin.send_keys("12-34")
    browser.find_element(By.ID, "room-save").click()
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "pin-error")))
    assert "от 1 до 10 цифр" in error.text
    async with vats_kernel.db.tenant(tid) as conn:
        assert (await repo.get_room(conn, tid, room.id)).pin == "1234"

    # Leaders and recording.
    pin = browser.find_element(By.ID, "pin")
    pin.clear()
    pin.send_keys("4321")
    Select(browser.find_element(By.ID, "starts")).select_by_value("leaders")
    browser.find_element(By.ID, f"leader-{boss.id}").click()
    browser.find_element(By.ID, "record").click()
    old = browser.find_element(By.ID, "room-form")
    browser.find_element(By.ID, "room-save").click()
    wait(browser).until(ec.staleness_of(old))
    assert "Комната сохранена" in wait(browser).until(ec.presence_of_element_located((By.ID, "notice"))).text
    async with vats_kernel.db.tenant(tid) as conn:
        saved = await repo.get_room(conn, tid, room.id)
    assert (saved.pin, saved.starts, saved.leader_ids, saved.record) == ("4321", "leaders", [boss.id], True)
    # the PBX has no recording service switched on: the form says the room will not be recorded yet
    assert "Услуга записи не подключена" in browser.find_element(By.ID, "recording-off").text
    current = await vats_kernel.directory.get_tenant(tid)  # switched on, on a tariff without recording
    await vats_kernel.directory.update_tenant(tid, settings=msgspec.structs.replace(current.settings, recording_enabled=True))
    browser.refresh()
    hint = wait(browser).until(ec.presence_of_element_located((By.ID, "recording-off")))
    assert "тариф не включает запись" in hint.text

    # Who is in the room, live: two join, one leaves; the page follows without a reload.
    assert "В комнате никого нет" in browser.find_element(By.ID, "conference-live").text
    browser.execute_script("window.vatsNotReloaded = true")
    stream_open = "return document.getElementById('live').dataset.open"
    wait(browser).until(lambda d: d.execute_script(stream_open))
    await _join(vats_kernel, tid, room.id, "PJSIP/boris-00000001", "201", boss.id)
    await _join(vats_kernel, tid, room.id, "Local/+74955550001@vats-in-00000002;2", "+79165550002")
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "live-count"), "2"))
    shown = browser.find_element(By.ID, "participants").text
    assert "Борис Руководитель" in shown and "+79165550002" in shown
    problems = look(browser, f"{cabinet_server.url}{PAGE}/{room.id}", "conference", screenshots)
    problems += accessibility_problems(browser, "conference")
    browser.execute_script("window.vatsNotReloaded = true")
    wait(browser).until(lambda d: d.execute_script(stream_open))
    await _leave(vats_kernel, room.id, "PJSIP/boris-00000001")
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "live-count"), "1"))
    assert "Борис" not in browser.find_element(By.ID, "participants").text
    assert browser.execute_script("return window.vatsNotReloaded === true")

    # A recording of the room plays here (the file ConfBridge would have written).
    folder = vats_kernel.config.media_dir / "recordings" / str(tid)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"conf-{room.id.hex}-{uuid.uuid4().hex}.wav").write_bytes(b"RIFF0000WAVE")
    browser.get(f"{cabinet_server.url}{PAGE}/{room.id}")
    audio = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#recordings audio")))
    assert audio.get_attribute("src").startswith(f"{cabinet_server.url}{PAGE}/{room.id}/recordings/conf-")
    browser.execute_script("document.getElementById('room-form').scrollIntoView()")
    browser.save_screenshot(str(screenshots / "conference-form-1280.png"))  # the leaders, recording and files

    problems += look(browser, cabinet_server.url + PAGE, "conferences", screenshots)
    browser.find_element(By.CSS_SELECTOR, "#add-room summary").click()
    problems += accessibility_problems(browser, "conferences")
    assert not problems, "\n".join(problems)


async def test_a_user_has_no_conference_settings(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    user, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Юлия", email="julia@test.example", role="user")
    )
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, user.id))
    assert not browser.find_elements(By.CSS_SELECTOR, f'nav a[href="{PAGE}"]')
    browser.get(cabinet_server.url + PAGE)
    wait(browser).until(ec.presence_of_element_located((By.ID, "main")))
    assert not browser.find_elements(By.ID, "add-room")


async def test_a_room_added_without_number_or_extension_gets_one_and_cannot_lose_its_only_way_in(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from tests.web.cabinet.test_company import admin_client

    tid = vats_tenant.tenant_id
    admin = await admin_client(vats_kernel, vats_tenant)
    try:
        added = await admin.post_form(PAGE, {"name": "Летучка", "number": "", "extension": ""}, form_page=PAGE)
        assert added.status_code in (302, 303), added.text[:500]
        assert vats_kernel.db is not None
        async with vats_kernel.db.tenant(tid) as conn:
            (room,) = await repo.list_rooms(conn, tid)
        assert room.number is None and room.extension is not None
        listed = (await admin.http.get(PAGE)).text
        assert f"добавочный {room.extension}" in listed
        # Emptying the only way in: refused beside the extension field, nothing saved.
        card = f"{PAGE}/{room.id}"
        refused = await admin.post_form(card, {"name": "Летучка", "number": "", "extension": ""}, form_page=card)
        assert refused.status_code == 422
        assert (
            '<small class="field-error" id="extension-error">'
            "У комнаты должен остаться номер или добавочный, иначе в неё не попасть.</small>"
        ) in refused.text
        async with vats_kernel.db.tenant(tid) as conn:
            assert (await repo.get_room(conn, tid, room.id)).extension == room.extension
    finally:
        await admin.close()
