"""The availability switch in the header is the one routing reads: an employee who switches to
"Недоступен" in her cabinet is skipped by the next call, as the admin's "check a call" shows
(the simulator on the same engine and snapshot the router uses); back to "Доступен", she is
rung again."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import availability, give_password, sign_in, wait
from tests.web.cabinet.test_scenarios import _default, _people, _store


def switch(browser: Any, mode: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"label[for=availability-{mode}]").click()
    wait(browser).until(lambda d: availability(d) == mode)


def sign_out(browser: Any) -> None:
    browser.find_element(By.CSS_SELECTOR, "#my-menu summary").click()
    browser.find_element(By.ID, "sign-out").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "email")))


def check_call(browser: Any) -> list[str]:
    """Run "check a call" with Борис answering; the trace's steps."""
    caller = browser.find_element(By.ID, "check-caller")
    caller.clear()
    caller.send_keys("+79161234567")
    Select(browser.find_element(By.ID, "answer-202")).select_by_visible_text("отвечает")
    browser.find_element(By.ID, "check-run").click()
    answered = wait(browser).until(ec.presence_of_element_located((By.ID, "trace-answered")))
    assert answered.text == "Кто ответил: Борис Орлов (202)"
    return [s.text for s in browser.find_elements(By.CSS_SELECTOR, "#trace-steps > li")]


async def test_switching_to_unavailable_in_the_header_makes_the_next_call_skip_me(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    people = await _people(vats_kernel, vats_tenant)
    scenario = await _default(vats_kernel, vats_tenant)
    targets = [{"kind": "employee", "id": str(people[ext])} for ext in ("201", "202")]
    await _store(vats_kernel, vats_tenant, scenario, {"default": {"handling": {"type": "forward", "targets": targets}}})
    anna = await give_password(vats_kernel, vats_tenant.tenant_id, people["201"])
    admin = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    check_page = f"/cabinet/settings/scenarios/{scenario.id}"

    sign_in(browser, cabinet_server, anna)
    switch(browser, "unavailable")
    sign_out(browser)
    sign_in(browser, cabinet_server, admin, check_page)
    steps = check_call(browser)
    assert not any(s.startswith("Звонит: Анна") for s in steps), steps
    assert steps[0].startswith("Звонит: Борис Орлов (202)"), steps
    # and why, in the page's language
    assert "пропустить: Анна Смирнова" in steps[0] and "в режиме «недоступен»" in steps[0], steps

    sign_out(browser)
    sign_in(browser, cabinet_server, anna)
    switch(browser, "available")
    sign_out(browser)
    sign_in(browser, cabinet_server, admin, check_page)
    steps = check_call(browser)
    assert steps[0].startswith("Звонит: Анна Смирнова (201)"), steps
