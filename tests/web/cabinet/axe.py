"""axe-core (npm, vendored in vendor/) run inside the page the browser shows: what it reports
against WCAG 2.1 A and AA (labels, contrast, keyboard and the rest), one line per problem.

Any browser test can call ``accessibility_problems(driver)`` on the page it has open; every
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
