"""Periods of the history, tasks, deals and statistics, in the PBX's time zone.

"today" (the default everywhere, as in the cabinet), "last7" (the seeds' "неделя": the last
7 days up to now), "week" (this calendar week from Monday), "last30", "month" (this calendar
month), "range" (``from``..``to`` inclusive dates).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from vats.core.errors import ValidationError

Period = Literal["today", "last7", "week", "last30", "month", "range"]
MAX_RANGE_DAYS = 366


def period_bounds(
    period: str,
    time_zone: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """[from, to) as aware datetimes."""
    zone = ZoneInfo(time_zone)
    local_now = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    today = local_now.date()

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone)

    tomorrow = midnight(today + dt.timedelta(days=1))
    if period == "today":
        return midnight(today), tomorrow
    if period == "last7":
        return local_now - dt.timedelta(days=7), local_now
    if period == "week":
        return midnight(today - dt.timedelta(days=today.weekday())), tomorrow
    if period == "last30":
        return local_now - dt.timedelta(days=30), local_now
    if period == "month":
        return midnight(today.replace(day=1)), tomorrow
    if period == "range":
        if start is None or end is None:
            raise ValidationError("a range needs both 'from' and 'to' dates", field="from" if start is None else "to")
        if end < start:
            raise ValidationError("'to' is before 'from'", field="to")
        if (end - start).days > MAX_RANGE_DAYS:
            raise ValidationError(f"a range is at most {MAX_RANGE_DAYS} days", field="to")
        return midnight(start), midnight(end + dt.timedelta(days=1))
    raise ValidationError("period is one of today, last7, week, last30, month, range", field="period")
