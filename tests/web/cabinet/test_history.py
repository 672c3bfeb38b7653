"""Work → История in a real browser: today by default, the seed's periods and filters (the same
rows as GET /api/history), the CSV export and the recording opened with the cookie session,
call back, and each role's visibility; desktop and 375 px."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.bots.web.testing import ApiClients

from tests.engine.conftest import Company, company  # noqa: F401
from tests.web.cabinet.calls_data import a_few_calls
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.cookie import give_test_password
from tests.web.cabinet.test_browser import page_id, sign_in, wait
from tests.web.cabinet.test_pages import look, phone


def peers(driver: Any) -> list[str]:
    return [str(p) for p in driver.execute_script(
        "return [...document.querySelectorAll('#call-list .calls-peer')].map(e => e.textContent)")]  # fmt: skip


def apply(driver: Any, **choices: str) -> None:
    for name, value in choices.items():
        element = driver.find_element(By.ID, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        elif element.get_attribute("type") == "checkbox":
            if element.is_selected() != (value == "1"):
                element.click()
        else:
            element.clear()
            element.send_keys(value)
    before = driver.execute_script("return document.getElementById('main')")
    driver.find_element(By.ID, "apply").click()
    wait(driver).until(lambda d: d.execute_script("return document.getElementById('main')") != before)


def fetch(driver: Any, url: str) -> dict[str, Any]:
    """GET with the page's own cookie session, from inside the page."""
    result: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(async r => done({status: r.status, type: r.headers.get('content-type'),"
        " text: r.headers.get('content-type').startsWith('audio') ? '' : await r.text()}))",
        url,
    )
    return result


async def test_history_periods_filters_csv_player_and_call_back(
    cabinet_server: Server, browser: Any, company: Company, vats_api: ApiClients, screenshots: Path  # noqa: F811
) -> None:
    calls = await a_few_calls(company)
    email = await give_test_password(company.kernel, company.tenant_id, company.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/history")
    assert page_id(browser) == "history"
    # Today by default: the call of three days ago is not there.
    assert sorted(peers(browser)) == ["+79031110001", "+79031110002", "+79031110003"]
    api = await vats_api.as_employee(company.tenant_id, company.admin_id)

    apply(browser, period="last7", result="missed")
    assert sorted(peers(browser)) == ["+79031110003", "+79031110004"]
    same = (await api.get("/api/history", params={"period": "last7", "result": "missed"})).json()
    assert sorted(peers(browser)) == sorted(c["peer"] for c in same["items"])

    # Addressee Борис with "missed": calls he did not answer, also those Вера took after him.
    apply(browser, result="", employee=str(company.people["202"]), missed="1")
    assert sorted(peers(browser)) == ["+79031110002", "+79031110003", "+79031110004"]
    assert browser.current_url.endswith("missed=1") or "missed=1" in browser.current_url

    # The CSV of the same filter, opened with the cookie session.
    href = browser.find_element(By.ID, "export-csv").get_attribute("href")
    assert "missed_by=" in href and "period=last7" in href
    exported = fetch(browser, href)
    assert exported["status"] == 200 and exported["type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported["text"])))
    assert sorted(r["client_number"] for r in rows) == sorted(peers(browser))

    apply(browser, period="today", employee="", missed="0")
    audio = browser.find_element(By.CSS_SELECTOR, f"tr[data-call='{calls['anna'].id}'] audio")
    played = fetch(browser, audio.get_attribute("src"))
    assert played["status"] == 200 and played["type"] == "audio/wav"
    assert not browser.find_elements(By.CSS_SELECTOR, f"tr[data-call='{calls['nobody'].id}'] audio")

    # Call back: no Asterisk here, so the page says so beside the list (no error page).
    browser.find_element(By.CSS_SELECTOR, f"tr[data-call='{calls['nobody'].id}'] .calls-back button").click()
    status = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#callback-status .error")))
    assert "Asterisk" in status.text and page_id(browser) == "history"

    # Tag a call on its card; the list shows the tag and filters by it.
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        complaint = await conn.fetchval(
            "INSERT INTO tags (tenant_id, kind, name) VALUES ($1, 'call', 'Жалоба') RETURNING id", company.tenant_id
        )
    browser.get(f"{cabinet_server.url}/cabinet/history/{calls['vera'].id}")
    browser.find_element(By.CSS_SELECTOR, f"#call-tags input[value='{complaint}']").click()
    browser.find_element(By.ID, "save-tags").click()
    wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, f"#call-tags input[value='{complaint}']").is_selected())
    browser.get(f"{cabinet_server.url}/cabinet/history?tag={complaint}")
    assert peers(browser) == ["+79031110002"]
    assert "Жалоба" in browser.find_element(By.ID, "call-list").text

    # A date range the wrong way round: the message stands beside "to", the page still opens.
    apply(browser, period="range", **{"from": "2026-11-24", "to": "2026-11-01"})
    assert browser.find_element(By.ID, "to-error").text
    assert browser.find_element(By.ID, "to").get_attribute("aria-invalid") == "true"

    problems = look(browser, cabinet_server.url + "/cabinet/history?period=last7", "history", screenshots)
    problems += look(browser, f"{cabinet_server.url}/cabinet/history/{calls['vera'].id}", "call", screenshots)
    phone(browser, True)  # the list itself on a phone: each call a card
    browser.get(cabinet_server.url + "/cabinet/history?period=last7")
    browser.execute_script("document.getElementById('call-list').scrollIntoView()")
    browser.save_screenshot(str(screenshots / "history-list-375.png"))
    scroll, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    phone(browser, False)
    assert problems == []


async def test_an_employee_sees_only_their_calls_and_no_recording_when_the_role_may_not_listen(
    cabinet_server: Server, browser: Any, company: Company  # noqa: F811
) -> None:
    await a_few_calls(company)
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute("UPDATE employees SET role = 'restricted' WHERE id = $1", company.people["201"])
    email = await give_test_password(company.kernel, company.tenant_id, company.people["201"])
    sign_in(browser, cabinet_server, email, "/cabinet/history")
    # Анна took one call and was rung for another; Борис's and Вера's are not hers.
    assert sorted(peers(browser)) == ["+79031110001", "+79031110003"]
    assert not browser.find_elements(By.CSS_SELECTOR, "#call-list audio")  # restricted: no listening
    assert not browser.find_elements(By.ID, "employee")  # no one else's calls to pick
