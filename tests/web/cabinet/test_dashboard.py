"""Рабочий стол and Статистика in a real browser: the charts hold the same numbers as the JSON
endpoint they are drawn from (read from the page's Chart.js objects), dd.mm dates, integer
axes, legends below the drawing; the API's chart images open in a tab with the cookie session;
the statistics show each role what its history shows; desktop and 375 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By

from tests.engine.conftest import Company, company  # noqa: F401
from tests.web.cabinet.calls_data import a_few_calls
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.cookie import give_test_password
from tests.web.cabinet.test_browser import page_id, sign_in, wait
from tests.web.cabinet.test_history import fetch
from tests.web.cabinet.test_pages import phone

CHARTS = """
const out = {};
for (const [name, chart] of Object.entries(window.vatsCharts)) {
  if (!chart.data || !chart.data.datasets) { out[name] = {empty: true, values: chart.values}; continue; }
  out[name] = {
    labels: chart.data.labels, datasets: chart.data.datasets.map(d => ({label: d.label, data: d.data})),
    legendBelow: chart.legend.top >= chart.chartArea.bottom,
    yTicks: chart.scales.y ? chart.scales.y.ticks.map(t => t.value) : null,
  };
}
return out;
"""


def drawn(driver: Any) -> dict[str, Any]:
    wait(driver).until(lambda d: d.execute_script("return document.getElementById('charts')?.dataset.drawn"))
    assert driver.execute_script("return document.getElementById('charts').dataset.drawn") == "true"
    charts: dict[str, Any] = driver.execute_script(CHARTS)
    return charts


def look(driver: Any, url: str, name: str, shots: Path) -> list[str]:
    """The page at desktop and 375 px width, screenshots taken once its charts are drawn; the
    problems found at 375 px."""
    problems = []
    for width, on in ((1280, False), (375, True)):
        phone(driver, on)
        driver.get(url)
        drawn(driver)
        driver.save_screenshot(str(shots / f"{name}-{width}.png"))
        scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        if on and scroll > inner:
            problems.append(f"{name}: scrollWidth {scroll} > innerWidth {inner} at 375 px")
    phone(driver, False)
    return problems


def source_json(driver: Any) -> Any:
    import json

    answer = fetch(driver, driver.execute_script("return document.getElementById('charts').dataset.source"))
    assert answer["status"] == 200
    return json.loads(answer["text"])


async def test_the_dashboards_charts_show_the_numbers_of_its_json_endpoint(
    cabinet_server: Server, browser: Any, company: Company, screenshots: Path  # noqa: F811
) -> None:
    await a_few_calls(company)
    email = await give_test_password(company.kernel, company.tenant_id, company.admin_id)
    anna = company.people["201"]
    sign_in(browser, cabinet_server, email, f"/cabinet/dashboard?employee={anna}")
    assert page_id(browser) == "dashboard"
    charts = drawn(browser)
    board = source_json(browser)
    assert "employee_id=" + str(anna) in browser.execute_script("return document.getElementById('charts').dataset.source")
    assert board["calls"]["answered"] == 1 and board["calls"]["missed"] == 1  # Анна took one, one nobody took
    calls = charts["pie-calls"]["datasets"][0]["data"]
    assert calls == [board["calls"]["answered"], board["calls"]["missed"], board["calls"]["outbound"]]
    assert charts["pie-calls"]["labels"] == ["Принятые", "Пропущенные", "Исходящие"]
    assert charts["pie-calls"]["legendBelow"]
    tasks = charts["pie-tasks"]
    assert (tasks.get("values") or tasks["datasets"][0]["data"]) == [board["tasks"][k] for k in sorted(board["tasks"])]
    problems = look(browser, browser.current_url, "dashboard-stats", screenshots)

    browser.find_element(By.ID, "tab-graphs").click()
    wait(browser).until(lambda d: d.execute_script("return document.getElementById('charts')?.dataset.tab") == "graphs")
    charts = drawn(browser)
    board = source_json(browser)
    days = board["per_day"]
    assert len(days) == 7  # this week, Monday to Sunday
    assert charts["lines"]["labels"] == [f"{d['day'][8:10]}.{d['day'][5:7]}" for d in days]
    for i, key in enumerate(("answered", "missed", "outbound")):
        assert charts["lines"]["datasets"][i]["data"] == [d[key] for d in days]
    assert all(float(v).is_integer() for v in charts["lines"]["yTicks"])
    assert charts["lines"]["legendBelow"] and charts["normalised"]["legendBelow"]
    for day, *shares in zip(days, *(d["data"] for d in charts["normalised"]["datasets"]), strict=True):
        total = day["answered"] + day["missed"] + day["outbound"]
        assert abs(sum(shares) - (100 if total else 0)) < 0.5
    assert max(charts["normalised"]["yTicks"]) == 100
    problems += look(browser, browser.current_url, "dashboard-graphs", screenshots)

    # The API's own chart image, linked beside the chart, opens in a browser tab (cookie session).
    image = browser.find_element(By.CSS_SELECTOR, ".image-link").get_attribute("href")
    browser.get(image)
    assert browser.execute_script("return document.contentType") == "image/png"
    assert problems == []


async def test_the_statistics_top_three_and_tables_follow_the_json_and_the_viewer_s_history(
    cabinet_server: Server, browser: Any, company: Company, screenshots: Path  # noqa: F811
) -> None:
    await a_few_calls(company)
    email = await give_test_password(company.kernel, company.tenant_id, company.admin_id)
    sign_in(browser, cabinet_server, email, "/cabinet/statistics?period=last7")
    assert page_id(browser) == "statistics"
    charts = drawn(browser)
    stats = source_json(browser)
    assert stats["totals"]["inbound"] == 4
    assert charts["pie-calls"]["datasets"][0]["data"] == [stats["totals"][k] for k in ("answered", "missed", "outbound")]
    top = browser.execute_script(
        "return [...document.querySelectorAll('#top_employees tbody tr')].map(r => [...r.cells].map(c => c.textContent))"
    )
    assert top == [[r["name"], str(r["calls"]["answered"]), str(r["calls"]["missed"])] for r in stats["top_employees"]]
    assert len(top) == 3
    numbers = browser.find_element(By.ID, "by_number").text
    assert "+74957770000" in numbers
    problems = look(browser, browser.current_url, "statistics", screenshots)
    assert problems == []

    # An employee: the statistics of what their history shows (a user: their own calls).
    browser.delete_all_cookies()
    anna = await give_test_password(company.kernel, company.tenant_id, company.people["201"])
    sign_in(browser, cabinet_server, anna, "/cabinet/dashboard")
    assert not browser.find_elements(By.ID, "employee")  # only my own dashboard
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/cabinet/statistics']").click()
    wait(browser).until(lambda d: page_id(d) == "statistics")
    mine = source_json(browser)
    assert 0 < mine["totals"]["inbound"] < stats["totals"]["inbound"]
    assert str(company.people["201"]) in {row["key"] for row in mine["by_employee"]}
