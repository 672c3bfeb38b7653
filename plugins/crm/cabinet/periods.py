"""The periods the deals and tasks pages offer: the API's (today by default, as the seeds say)
and "all time", which the task filters "mine" and "overdue" need (an overdue task was made
before today)."""

from __future__ import annotations

import datetime as dt

from vats.plugins.crm.periods import period_bounds

PERIODS = ("today", "last7", "last30", "month", "all")
ALL_TIME_START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def bounds(period: str, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    if period == "all":
        return ALL_TIME_START, dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    return period_bounds(period, time_zone)
