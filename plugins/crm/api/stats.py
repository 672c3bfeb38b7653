"""/api/dashboard (one employee: yourself, or anyone for admins) and /api/statistics (per
number and per employee, top 3, of the calls the viewer's history shows), as JSON and as
charts (SVG or PNG)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Response, get
from litestar.params import FromQuery, QueryParameter
from vats.bots.web.kit import EVERYONE, TenantDep
from vats.core.errors import NotFoundError
from vats.plugins.crm import charts, stats
from vats.plugins.crm.api.common import VIEWER, ViewerDep
from vats.plugins.crm.api.history import FromParam, ToParam
from vats.plugins.crm.contacts import Forbidden
from vats.plugins.crm.periods import period_bounds

StatsPeriod = Annotated[
    Literal["today", "week", "last7", "last30", "month", "range"],
    QueryParameter(description="today (default), week (from Monday), last7, last30, month, range"),
]
ChartParam = Annotated[charts.ChartKind, QueryParameter(description="pie, lines (per day) or normalised (per-day %)")]
FormatParam = Annotated[charts.ImageFormat, QueryParameter(name="format", description="svg or png")]
MEDIA = {"svg": "image/svg+xml", "png": "image/png"}


async def _dashboard(
    tx: TenantDep, viewer: ViewerDep, employee_id: uuid.UUID | None, period: str, start: Any, end: Any
) -> Any:
    who = employee_id or viewer.employee_id
    if who != viewer.employee_id and not viewer.is_admin:
        raise Forbidden("only admins see other employees' dashboards", field="employee_id")
    name = await tx.conn.fetchval("SELECT full_name FROM employees WHERE tenant_id = $1 AND id = $2", tx.tenant.id, who)
    if name is None:
        raise NotFoundError("no such employee", field="employee_id")
    since, until = period_bounds(period, tx.tenant.time_zone, start=start, end=end)
    return name, await stats.dashboard(tx.conn, tx.tenant.id, who, since, until, tx.tenant.time_zone)


class StatsController(Controller):
    path = "/api"
    dependencies = VIEWER
    tags = ["crm: statistics"]

    @get("/dashboard", operation_id="getDashboard", summary="Your calls, tasks and deals (admins: anyone's)",
         opt={"roles": EVERYONE})  # fmt: skip
    async def dashboard(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        employee_id: FromQuery[uuid.UUID | None] = None,
        period: StatsPeriod = "today",
        start: FromParam = None,
        end: ToParam = None,
    ) -> stats.Dashboard:
        _, board = await _dashboard(tx, viewer, employee_id, period, start, end)
        return board  # type: ignore[no-any-return]

    @get("/dashboard/chart", operation_id="getDashboardChart", summary="The dashboard as a chart (SVG or PNG)",
         opt={"roles": EVERYONE})  # fmt: skip
    async def dashboard_chart(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        employee_id: FromQuery[uuid.UUID | None] = None,
        period: StatsPeriod = "week",
        start: FromParam = None,
        end: ToParam = None,
        chart: ChartParam = "pie",
        fmt: FormatParam = "svg",
    ) -> Response[bytes]:
        name, board = await _dashboard(tx, viewer, employee_id, period, start, end)
        image = await asyncio.to_thread(charts.render, chart, f"Звонки: {name}", board.calls, board.per_day, fmt)
        return Response(image, media_type=MEDIA[fmt])

    @get("/statistics", operation_id="getStatistics", summary="Per number and per employee, top 3 (what you may see)",
         opt={"roles": EVERYONE})  # fmt: skip
    async def statistics(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        period: StatsPeriod = "today",
        start: FromParam = None,
        end: ToParam = None,
    ) -> stats.Statistics:
        since, until = period_bounds(period, tx.tenant.time_zone, start=start, end=end)
        return await stats.statistics(tx.conn, viewer, since, until, tx.tenant.time_zone)

    @get("/statistics/chart", operation_id="getStatisticsChart", summary="The statistics as a chart (SVG or PNG)",
         opt={"roles": EVERYONE})  # fmt: skip
    async def statistics_chart(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        period: StatsPeriod = "week",
        start: FromParam = None,
        end: ToParam = None,
        chart: ChartParam = "pie",
        fmt: FormatParam = "svg",
    ) -> Response[bytes]:
        since, until = period_bounds(period, tx.tenant.time_zone, start=start, end=end)
        data = await stats.statistics(tx.conn, viewer, since, until, tx.tenant.time_zone)
        image = await asyncio.to_thread(charts.render, chart, "Звонки ВАТС", data.totals, data.per_day, fmt)
        return Response(image, media_type=MEDIA[fmt])
