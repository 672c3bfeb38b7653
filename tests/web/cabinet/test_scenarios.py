"""Settings → Scenarios in a real headless Chromium against a real vats web server: edit and
save a scenario and see its diagram change, a bad value beside its field with nothing saved,
"check a call" with its trace, and the diagram's text inside its boxes (measured in the
browser)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import msgspec
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.directory.models import EmployeeCreate, ScheduleCreate
from vats.core.directory.schedules import create_schedule
from vats.core.directory.service import TenantCreated
from vats.core.engine import scenarios as repo
from vats.core.kernel import Kernel
from vats.plugins.ivr.menus import create_menu
from vats.plugins.ivr.models import MenuIn

from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id, sign_in, wait

LONG_NAME = "Александра Константинопольская-Преображенская"
RING = "f-default-handling-forward-ring_s"  # the ring time of "numbers not in filters"' forwarding


async def _people(kernel: Kernel, tenant: TenantCreated) -> dict[str, uuid.UUID]:
    people = {}
    for name, email, ext in (("Анна Смирнова", "anna@test.example", "201"), ("Борис Орлов", "boris@test.example", "202"),
                             (LONG_NAME, "alexandra@test.example", "203")):  # fmt: skip
        employee, _ = await kernel.directory.create_employee(
            tenant.tenant_id, EmployeeCreate(full_name=name, email=email, extension=ext, availability="available")
        )
        people[ext] = employee.id
    await kernel.directory.assign_number(tenant.tenant_id, "+74951234567", "Основной")
    return people


async def _default(kernel: Kernel, tenant: TenantCreated) -> repo.Scenario:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        return next(s for s in await repo.scenarios_of(conn, tenant.tenant_id) if s.is_default)


async def _store(kernel: Kernel, tenant: TenantCreated, scenario: repo.Scenario, body: dict[str, Any]) -> None:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        await repo.replace_scenario(conn, tenant.tenant_id, scenario.id, scenario.name, body, kernel.blocks)


def _diagram_text(driver: Any) -> str:
    return str(driver.execute_script("return document.querySelector('#diagram svg')?.textContent || ''")).replace("\n", "")


def _fits(driver: Any, width: int) -> tuple[int, int]:
    driver.set_window_size(width, 900)
    return driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")  # type: ignore[no-any-return]


def _shots(driver: Any, folder: Path, name: str) -> None:
    """Screenshots at desktop and phone width; at 375 px the page must not scroll sideways."""
    driver.set_window_size(1280, 900)
    driver.save_screenshot(str(folder / f"{name}-desktop.png"))
    scroll, inner = _fits(driver, 375)
    driver.save_screenshot(str(folder / f"{name}-375.png"))
    driver.set_window_size(1280, 900)
    assert scroll <= inner, f"{name} scrolls sideways at 375 px ({scroll} > {inner})"


async def test_an_admin_edits_a_scenario_saves_it_and_the_diagram_shows_the_change(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    people = await _people(vats_kernel, vats_tenant)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/settings/scenarios")
    assert page_id(browser) == "scenarios"
    assert "+74951234567" in browser.find_element(By.ID, "scenario-list").text  # the number bound to the default
    _shots(browser, screenshots, "scenarios-list")
    browser.find_element(By.LINK_TEXT, "По умолчанию").click()
    wait(browser).until(lambda d: page_id(d) == "scenario")
    assert "Администратор" in _diagram_text(browser) and "Анна Смирнова" not in _diagram_text(browser)

    # "Numbers not in filters" → handling: forward to Анна instead of the admin, 30 s.
    first_target = Select(browser.find_element(By.ID, "f-default-handling-forward-targets-1"))
    first_target.select_by_visible_text("Анна Смирнова (201)")
    ring = browser.find_element(By.ID, "f-default-handling-forward-ring_s")
    ring.clear()
    ring.send_keys("30")
    browser.find_element(By.ID, "save-scenario").click()
    notice = wait(browser).until(ec.presence_of_element_located((By.ID, "notice")))
    assert notice.text == "Сценарий сохранён."
    wait(browser).until(lambda d: "Анна Смирнова" in _diagram_text(d))
    assert "Администратор" not in _diagram_text(browser)
    stored = (await _default(vats_kernel, vats_tenant)).body["default"]["handling"]
    assert stored["targets"][0] == {"kind": "employee", "id": str(people["201"])}
    assert stored["ring_s"] == 30
    assert stored["on_failure"]["action"] == "insurance"  # what the form did not change is kept

    # A filter by region, with its own off-hours branch: the diagram ties both to the filter.
    browser.find_element(By.ID, "add-filter").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "unsaved")))
    browser.find_element(By.ID, "f-filters-0--name").send_keys("Москва")
    Select(browser.find_element(By.ID, "f-filters-0--condition-type")).select_by_visible_text("по региону звонящего")
    moscow = browser.find_element(By.CSS_SELECTOR, "#filter-0 input[name='filters[0].condition.subjects'][value='\"RU-MOW\"']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", moscow)  # as a person scrolls to it
    moscow.click()
    Select(browser.find_element(By.ID, "s-filters-0--working-handling-type")).select_by_visible_text("Переадресация")
    Select(browser.find_element(By.ID, "f-filters-0--working-handling-forward-targets-1")).select_by_visible_text(
        "Борис Орлов (202)"
    )
    browser.find_element(By.ID, "save-scenario").click()
    wait(browser).until(lambda d: "Фильтр 1. «Москва»" in _diagram_text(d))
    assert "регион: Москва" in _diagram_text(browser)  # by name, not RU-MOW
    _shots(browser, screenshots, "scenario-editor")


async def test_a_bad_ring_time_is_shown_beside_its_field_and_nothing_is_saved(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    await _people(vats_kernel, vats_tenant)
    before = await _default(vats_kernel, vats_tenant)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, f"/cabinet/settings/scenarios/{before.id}")
    for typed, message in (("3", "Время дозвона — от 5 до 600 секунд."), ("двадцать", "Введите целое число.")):
        ring = browser.find_element(By.ID, "f-default-handling-forward-ring_s")
        ring.clear()
        ring.send_keys(typed)
        browser.find_element(By.ID, "save-scenario").click()
        wait(browser).until(ec.text_to_be_present_in_element((By.ID, "f-default-handling-forward-ring_s-error"), message))
        error = browser.find_element(By.ID, "f-default-handling-forward-ring_s-error")
        assert error.text == message
        # beside its field: inside the same field block as the input, which is marked invalid
        ring = browser.find_element(By.ID, "f-default-handling-forward-ring_s")
        assert ring.find_element(By.XPATH, "..").find_element(By.CLASS_NAME, "field-error") == error
        assert ring.get_attribute("aria-invalid") == "true"
        assert ring.get_attribute("value") == typed  # the input is kept for fixing
        # the first field with a problem has the focus
        wait(browser).until(lambda d: d.switch_to.active_element.get_attribute("id") == RING)
        assert browser.find_element(By.ID, "notice").text == "Не сохранено: исправьте отмеченные поля."
        assert (await _default(vats_kernel, vats_tenant)).body == before.body
    _shots(browser, screenshots, "scenario-error")


async def test_checking_a_call_shows_who_rang_and_who_answered_step_by_step(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    people = await _people(vats_kernel, vats_tenant)
    scenario = await _default(vats_kernel, vats_tenant)
    targets = [{"kind": "employee", "id": str(people[ext])} for ext in ("201", "202")]
    await _store(vats_kernel, vats_tenant, scenario, {"default": {"handling": {"type": "forward", "targets": targets}}})
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, f"/cabinet/settings/scenarios/{scenario.id}")
    browser.find_element(By.ID, "check-caller").send_keys("+79161234567")
    assert Select(browser.find_element(By.ID, "answer-201")).first_selected_option.text == "не отвечает"
    Select(browser.find_element(By.ID, "answer-202")).select_by_visible_text("отвечает")
    browser.find_element(By.ID, "check-run").click()
    answered = wait(browser).until(ec.presence_of_element_located((By.ID, "trace-answered")))
    assert answered.text == "Кто ответил: Борис Орлов (202)"
    steps = [s.text for s in browser.find_elements(By.CSS_SELECTOR, "#trace-steps > li")]
    assert steps[0].startswith("Звонит: Анна Смирнова (201)") and "→ нет ответа" in steps[0]
    assert steps[1].startswith("Звонит: Борис Орлов (202)") and "→ ответили: Борис Орлов (202)" in steps[1]
    assert browser.find_element(By.ID, "check-caller").get_attribute("value") == "+79161234567"
    path = browser.find_element(By.CSS_SELECTOR, "#trace-steps ~ p.path").text
    assert path == "Путь по сценарию: Номера, не входящие в фильтры → Обработка звонка: Переадресация", path
    assert "sip/" not in browser.find_element(By.ID, "trace-steps").text
    _shots(browser, screenshots, "scenario-check")

    # A caller number that is no number is shown beside its field.
    caller = browser.find_element(By.ID, "check-caller")
    caller.clear()
    caller.send_keys("не номер")
    browser.find_element(By.ID, "check-run").click()
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "check-caller-error")))
    assert error.text
    assert not browser.find_elements(By.ID, "trace")


async def test_the_diagram_opens_with_the_cookie_session_and_its_text_stays_inside_its_boxes(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, screenshots: Path
) -> None:
    people = await _people(vats_kernel, vats_tenant)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        office = await create_schedule(conn, vats_tenant.tenant_id, ScheduleCreate(name="Офис пн–пт 9–18"))
        menu = await create_menu(conn, vats_tenant.tenant_id, msgspec.convert({"name": "Главное меню компании", "body": {
            "instruction": ["standard:greeting"], "items": [
                {"key": "0", "do": {"action": "repeat"}},
                {"key": "1", "do": {"action": "route", "target": {"kind": "employee", "id": str(people["203"])}}},
                {"key": "2", "do": {"action": "route", "target": {"kind": "employee", "id": str(people["201"])}}},
            ]}}, MenuIn))  # fmt: skip
    scenario = await _default(vats_kernel, vats_tenant)
    forward = {"type": "forward", "targets": [{"kind": "employee", "id": str(people["203"])}]}
    body = {
        "filters": [{
            "name": "Звонки из Москвы и Московской области в рабочее время",
            "condition": {"type": "region", "subjects": ["RU-MOW", "RU-MOS"]},
            "schedule_id": str(office.id),
            "working": {"options": {"recording": "on", "hold_music": True}, "menu": {"type": "ivr", "menu_id": str(menu.id)},
                        "handling": forward, "insurance": {"type": "voicemail", "assignee_id": str(people["203"])}},
            "off_hours": {"handling": {"type": "voicemail"}},
        }],
        "default": {"handling": forward},
    }  # fmt: skip
    await _store(vats_kernel, vats_tenant, scenario, body)
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/settings/scenarios")
    browser.get(f"{cabinet_server.url}/cabinet/settings/scenarios/{scenario.id}/diagram.svg")  # a tab: no Bearer
    wait(browser).until(lambda d: d.execute_script("return document.documentElement.tagName") == "svg")
    browser.save_screenshot(str(screenshots / "scenario-diagram.png"))
    boxes = browser.execute_script("""
        return [...document.querySelectorAll('g.box')].map(g => {
            const r = g.querySelector('rect').getBBox(), t = g.querySelector('text').getBBox();
            return {kind: g.getAttribute('class'), text: g.querySelector('text').textContent,
                    rect: [r.x, r.y, r.x + r.width, r.y + r.height], text_box: [t.x, t.y, t.x + t.width, t.y + t.height],
                    lines: [...g.querySelectorAll('tspan')].map(s => s.textContent)};
        });""")  # fmt: skip
    assert len(boxes) > 10
    for box in boxes:
        (rx1, ry1, rx2, ry2), (tx1, ty1, tx2, ty2) = box["rect"], box["text_box"]
        assert rx1 < tx1 and ty1 >= ry1 and tx2 < rx2 and ty2 <= ry2, f"text spills out of its box: {box}"
    words = " ".join(" ".join(b["lines"]) for b in boxes).split()
    for word in ("Константинопольская-Преображенская", "«Звонки", "Московская", "пн–пт"):
        assert word in words, f"{word!r} was cut"  # whole words only: wrapped at spaces, never inside
    texts = [b["text"] for b in boxes]
    assert any("регион: Москва, Московская область" in " ".join(b["lines"]) for b in boxes)
    keys = [b for b in boxes if "box-key" in b["kind"]]
    assert [k["lines"][0].split()[0] for k in keys] == ["0", "1", "2"]  # IVR keys as branches
    assert any(LONG_NAME.split()[0] in " ".join(k["lines"]) for k in keys)
    # Off hours hang off their filter: both branch columns sit under the filter's box.
    head = next(b for b in boxes if "Фильтр 1." in b["text"])
    branches = [b for b in boxes if "box-time" in b["kind"] and b["rect"][0] < head["rect"][2]]
    assert {" ".join(b["lines"]) for b in branches} == {"рабочее время: график «Офис пн–пт 9–18»", "нерабочее время"}
    assert all(head["rect"][0] <= b["rect"][0] and b["rect"][2] <= head["rect"][2] for b in branches)
    assert "Номера не в фильтрах" in " ".join(texts)

    # The same diagram beside the editor, inside its own scrolling box at phone width.
    browser.get(f"{cabinet_server.url}/cabinet/settings/scenarios/{scenario.id}")
    wait(browser).until(lambda d: page_id(d) == "scenario")
    assert "Главное меню компании" in _diagram_text(browser)
    _shots(browser, screenshots, "scenario-ivr")
