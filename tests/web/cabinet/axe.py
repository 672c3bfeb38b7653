"""axe-core (npm, vendored in vendor/) run inside the page the browser shows: what it reports
against WCAG 2.1 A and AA (labels, contrast, keyboard and the rest), one line per problem.

Any browser test can call ``accessibility_problems(driver)`` on the page it has open (or
``problems_at_both_widths`` for a desktop's and a phone's width, with screenshots); every
cabinet page is checked by tests/web/cabinet/test_accessibility.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').split('\\n').slice(1).join(' ')),
  }))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
"""


def accessibility_problems(driver: Any, page: str = "") -> list[str]:
    """axe's violations on the page ``driver`` shows, each as one readable line."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE)
    driver.set_script_timeout(30)
    violations = driver.execute_async_script(_RUN, TAGS)
    where = f"{page}: " if page else ""
    return [f"{where}{v['id']} ({v['impact']}): {v['help']} — {'; '.join(v['nodes'])}" for v in violations]


def phone(driver: Any, on: bool) -> None:
    """Emulate a 375 px wide phone screen (device metrics, as the browser's own tools do)."""
    if on:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True}
        )
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def problems_at_both_widths(driver: Any, name: str, shots: Path | None = None) -> list[str]:
    """axe's problems on the page the browser shows at 1280 px and at a phone's 375 px, with a
    screenshot of each (``<name>-1280.png``, ``<name>-375.png``) when ``shots`` is given; the
    browser is back at the desktop's width afterwards."""
    problems = []
    for width, on in ((1280, False), (375, True)):
        phone(driver, on)
        if shots is not None:
            driver.save_screenshot(str(shots / f"{name}-{width}.png"))
        problems += accessibility_problems(driver, f"{name} at {width} px")
    phone(driver, False)
    return problems
