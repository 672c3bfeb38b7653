"""Work → Рабочий стол's charts (my calls, tasks and deals; an admin picks anyone's), a dashboard
widget, and the page Статистика (admins: the PBX by number and by employee, the top three).

The seed's two tabs each: "Статистика" draws pies for a period (today by default, this week or
chosen dates), "Графики" draws per-day lines, plain and normalised (this week by default, or
any earlier week). The page itself holds no numbers: the browser reads them from the API's
JSON (GET /api/dashboard, /api/statistics, with the cookie session) and draws them with
Chart.js (``static/charts.js``), so the page and the API can never disagree. The API's
server-drawn chart images are linked beside each chart (they open in a tab the same way)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    EVERYONE,
    DashboardWidget,
    kernel_of,
    language,
    page,
    problem_text,
    require,
    tenant_transaction,
)
from vats.plugins.crm.cabinet_calls.periods import choose_period, query_of, weeks_back

STATS_PERIODS = ("today", "week", "last7", "range")  # the seed: today, this week, chosen dates (and the last 7 days)


def _tab(value: str | None) -> str:
    return "graphs" if value == "graphs" else "stats"


def _week(value: str | None, weeks: list[tuple[dt.date, dt.date]]) -> tuple[dt.date, dt.date]:
    for first, last in weeks:
        if value == first.isoformat():
            return first, last
    return weeks[0]


async def board(request: Request[Any, Any, Any], *, statistics: bool) -> dict[str, Any]:
    """What the tabs, the filters and the charts show: the dashboard's (mine; an admin picks
    anyone's) or the statistics (each viewer sees what their history shows)."""
    me = require(request, EVERYONE)
    q = request.query_params
    lang = language(request)
    tab = _tab(q.get("tab"))
    async with tenant_transaction(kernel_of(request), me) as tx:
        tz = tx.tenant.time_zone
        people: dict[uuid.UUID, str] = {}
        whose = me.employee_id
        if me.role == "admin" and not statistics:
            rows = await tx.conn.fetch(
                "SELECT id, full_name FROM employees WHERE tenant_id = $1 ORDER BY full_name", tx.tenant.id
            )
            people = {r["id"]: r["full_name"] for r in rows}
            try:
                asked = uuid.UUID(q.get("employee") or "")
            except ValueError:
                asked = whose
            whose = asked if asked in people else whose
    weeks = weeks_back(tz)
    errors: dict[str, str] = {}
    shown: dict[str, Any] = {"tab": tab, "employee": str(whose)}
    if tab == "stats":
        asked_period = q.get("period") if q.get("period") in STATS_PERIODS else None
        chosen = choose_period(tz, asked_period, q.get("from"), q.get("to"))
        if q.get("period") and asked_period is None:
            chosen.errors["period"] = "period is one of today, week, last7, range"
        errors = chosen.errors
        params = chosen.api_params()
        shown |= {
            "period": asked_period or chosen.period,
            "from": chosen.start.isoformat() if chosen.start else "",
            "to": chosen.end.isoformat() if chosen.end else "",
        }
    else:
        first, last = _week(q.get("week"), weeks)
        params = {"period": "range", "from": first.isoformat(), "to": last.isoformat()}
        shown |= {"week": first.isoformat()}
    if not statistics and whose != me.employee_id:
        params = {"employee_id": str(whose), **params}
    endpoint = "/api/statistics" if statistics else "/api/dashboard"
    return dict(
        tab=tab, shown=shown, people=people, weeks=weeks, periods=STATS_PERIODS,
        source=f"{endpoint}?{query_of(params)}", image=f"{endpoint}/chart?{query_of(params)}",
        errors={k: problem_text(lang, v) for k, v in errors.items()},
        here="/cabinet/statistics" if statistics else "/cabinet/dashboard",
    )  # fmt: skip


async def dashboard_charts(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The dashboard's widget: my calls, tasks and deals (``board`` for the dashboard)."""
    return await board(request, statistics=False)


def widgets() -> list[DashboardWidget]:
    return [DashboardWidget(name="crm-calls", template="crm_calls/_dashboard_widget.html", load=dashboard_charts)]


class DashboardPages(Controller):
    path = "/cabinet"
    include_in_schema = False

    @get("/statistics")
    async def statistics(self, request: Request[Any, Any, Any]) -> Template:
        return await page(request, "crm_calls/statistics.html", **await board(request, statistics=True))
