"""The dashboard (one employee) and the statistics (per number and per employee, top 3; each
viewer sees the figures of the calls, tasks and deals their history shows them):
calls in / out / missed / answered, talk time, tasks and deals by status, totals and per day.

An employee's calls are those they made, took or were rung for; "missed" counts inbound calls
they were rung for that nobody answered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.plugins.crm.deals import visibility as deals_visibility
from vats.plugins.crm.tasks import visibility as tasks_visibility
from vats.plugins.crm.viewer import Viewer


class CallCounts(msgspec.Struct, kw_only=True):
    inbound: int = 0
    outbound: int = 0
    missed: int = 0
    answered: int = 0
    talk_s: int = 0


class DayCounts(CallCounts, kw_only=True):
    day: dt.date


class Dashboard(msgspec.Struct, kw_only=True):
    employee_id: uuid.UUID
    since: dt.datetime
    until: dt.datetime
    calls: CallCounts
    tasks: dict[str, int]  # by status
    deals: dict[str, int]  # by status
    per_day: list[DayCounts]


class Row(msgspec.Struct, kw_only=True):
    key: str  # a number (E.164) or an employee id
    name: str
    calls: CallCounts


class Statistics(msgspec.Struct, kw_only=True):
    since: dt.datetime
    until: dt.datetime
    totals: CallCounts
    by_number: list[Row]
    by_employee: list[Row]
    top_employees: list[Row]  # the 3 who answered most
    top_numbers: list[Row]  # the 3 numbers with most inbound calls
    tasks: dict[str, int]
    deals: dict[str, int]
    per_day: list[DayCounts]


def _counts(r: Any) -> CallCounts:
    return CallCounts(
        inbound=r["inbound"] or 0, outbound=r["outbound"] or 0, missed=r["missed"] or 0, answered=r["answered"] or 0,
        talk_s=r["talk_s"] or 0,
    )  # fmt: skip


def _aggregates(me: str | None) -> str:
    if me is None:
        return (
            "count(*) FILTER (WHERE direction = 'inbound') AS inbound,"
            " count(*) FILTER (WHERE direction = 'outbound') AS outbound,"
            " count(*) FILTER (WHERE direction = 'inbound' AND NOT answered) AS missed,"
            " count(*) FILTER (WHERE answered) AS answered, sum(talk_s) AS talk_s"
        )
    return (
        "count(*) FILTER (WHERE direction = 'inbound') AS inbound,"
        f" count(*) FILTER (WHERE direction = 'outbound' AND made_by = {me}) AS outbound,"
        " count(*) FILTER (WHERE direction = 'inbound' AND NOT answered) AS missed,"
        f" count(*) FILTER (WHERE answered_by = {me} OR (made_by = {me} AND answered)) AS answered,"
        f" sum(talk_s) FILTER (WHERE answered_by = {me} OR made_by = {me}) AS talk_s"
    )


async def _by_status(conn: Connection, sql: str, *args: Any) -> dict[str, int]:
    return {r["status"]: r["n"] for r in await conn.fetch(sql, *args)}


async def dashboard(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, since: dt.datetime, until: dt.datetime, tz: str
) -> Dashboard:
    involved = "(made_by = $4 OR answered_by = $4 OR addressed @> ARRAY[$4::uuid])"
    where = f"tenant_id = $1 AND started_at >= $2 AND started_at < $3 AND {involved}"
    total = await conn.fetchrow(
        f"SELECT {_aggregates('$4')} FROM crm_calls WHERE {where}", tenant_id, since, until, employee_id
    )
    days = await conn.fetch(
        f"SELECT (started_at AT TIME ZONE $5)::date AS day, {_aggregates('$4')} FROM crm_calls WHERE {where}"
        " GROUP BY 1 ORDER BY 1",
        tenant_id, since, until, employee_id, tz,
    )  # fmt: skip
    tasks = await _by_status(
        conn,
        "SELECT status, count(*) AS n FROM crm_tasks WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3"
        " AND assignee_kind = 'employee' AND assignee_id = $4 GROUP BY status",
        tenant_id, since, until, employee_id,
    )  # fmt: skip
    deals = await _by_status(
        conn,
        "SELECT status, count(*) AS n FROM crm_deals WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3"
        " AND responsible_id = $4 GROUP BY status",
        tenant_id, since, until, employee_id,
    )  # fmt: skip
    return Dashboard(
        employee_id=employee_id, since=since, until=until, calls=_counts(total), tasks=tasks, deals=deals,
        per_day=_fill_days(days, since, until, tz),
    )  # fmt: skip


def _fill_days(rows: list[Any], since: dt.datetime, until: dt.datetime, tz: str) -> list[DayCounts]:
    """Every day of the period, zeros included (a line chart needs them)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    found = {r["day"]: r for r in rows}
    day, last = since.astimezone(zone).date(), (until - dt.timedelta(microseconds=1)).astimezone(zone).date()
    out = []
    while day <= last:
        r = found.get(day)
        counts = _counts(r) if r else CallCounts()
        out.append(DayCounts(day=day, **msgspec.structs.asdict(counts)))
        day += dt.timedelta(days=1)
    return out


async def statistics(conn: Connection, viewer: Viewer, since: dt.datetime, until: dt.datetime, tz: str) -> Statistics:
    """The PBX's figures as the viewer may see them: the calls of their history (the role's
    scope, internal calls left out for users), and the tasks and deals they see."""
    args: list[Any] = [viewer.tenant_id, since, until]
    seen = viewer.calls_condition("h", args)
    where = f"h.tenant_id = $1 AND h.started_at >= $2 AND h.started_at < $3 AND {seen}"
    numbers = await conn.fetch(
        f"SELECT h.number AS key, coalesce(n.name, '') AS name, {_aggregates(None)} FROM crm_calls h"
        " LEFT JOIN numbers n ON n.tenant_id = h.tenant_id AND n.e164 = h.number"
        f" WHERE {where} AND h.direction = 'inbound' GROUP BY 1, 2 ORDER BY inbound DESC, 1",
        *args,
    )  # fmt: skip
    # One row per (call, employee involved), grouped: a lateral unnest, not a join on arrays.
    people = await conn.fetch(
        "SELECT x.who::text AS key, e.full_name AS name,"
        " count(*) FILTER (WHERE h.direction = 'inbound') AS inbound,"
        " count(*) FILTER (WHERE h.direction = 'outbound' AND h.made_by = x.who) AS outbound,"
        " count(*) FILTER (WHERE h.direction = 'inbound' AND NOT h.answered) AS missed,"
        " count(*) FILTER (WHERE h.answered_by = x.who OR (h.made_by = x.who AND h.answered)) AS answered,"
        " sum(h.talk_s) FILTER (WHERE h.answered_by = x.who OR h.made_by = x.who) AS talk_s"
        " FROM crm_calls h CROSS JOIN LATERAL (SELECT DISTINCT u.who FROM"
        "  unnest(h.addressed || ARRAY[h.made_by, h.answered_by]) AS u(who) WHERE u.who IS NOT NULL) AS x"
        " JOIN employees e ON e.tenant_id = h.tenant_id AND e.id = x.who"
        f" WHERE {where} GROUP BY x.who, e.full_name ORDER BY answered DESC, e.full_name",
        *args,
    )  # fmt: skip
    days = await conn.fetch(
        f"SELECT (h.started_at AT TIME ZONE ${len(args) + 1})::date AS day, {_aggregates(None)} FROM crm_calls h"
        f" WHERE {where} GROUP BY 1 ORDER BY 1",
        *args, tz,
    )  # fmt: skip
    task_args: list[Any] = [viewer.tenant_id, since, until]
    task_seen = tasks_visibility(viewer, task_args)
    tasks = await _by_status(
        conn,
        "SELECT t.status, count(*) AS n FROM crm_tasks t WHERE t.tenant_id = $1 AND t.created_at >= $2"
        f" AND t.created_at < $3 AND {task_seen} GROUP BY t.status",
        *task_args,
    )  # fmt: skip
    deal_args: list[Any] = [viewer.tenant_id, since, until]
    deal_seen = deals_visibility(viewer, deal_args)
    deals = await _by_status(
        conn,
        "SELECT d.status, count(*) AS n FROM crm_deals d WHERE d.tenant_id = $1 AND d.created_at >= $2"
        f" AND d.created_at < $3 AND {deal_seen} GROUP BY d.status",
        *deal_args,
    )  # fmt: skip
    per_day = _fill_days(days, since, until, tz)
    totals = CallCounts(
        **{f: sum(getattr(d, f) for d in per_day) for f in ("inbound", "outbound", "missed", "answered", "talk_s")}
    )
    by_number = [Row(key=r["key"], name=r["name"], calls=_counts(r)) for r in numbers]
    by_employee = [Row(key=r["key"], name=r["name"], calls=_counts(r)) for r in people]
    return Statistics(
        since=since, until=until, totals=totals, by_number=by_number, by_employee=by_employee,
        top_employees=by_employee[:3], top_numbers=by_number[:3], tasks=tasks, deals=deals, per_day=per_day,
    )  # fmt: skip
