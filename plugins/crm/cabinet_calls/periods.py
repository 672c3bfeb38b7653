"""The period a call page asks for, read from its query as typed: a bad value becomes a message
beside its field (the page still opens, with today's calls), never a 4xx page; the same
bounds as the API (``periods.period_bounds``), in the PBX's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from vats.core.errors import ValidationError
from vats.plugins.crm.periods import period_bounds

PERIODS = ("today", "last7", "week", "last30", "month", "range")


@dataclass
class PeriodChoice:
    period: str = "today"
    start: dt.date | None = None
    end: dt.date | None = None
    since: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    until: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    errors: dict[str, str] = field(default_factory=dict)  # field -> service message (English)

    def api_params(self) -> dict[str, str]:
        """The same period as the API's query parameters."""
        params = {"period": self.period}
        if self.period == "range" and self.start and self.end:
            params |= {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return params


def _date(value: str | None, name: str, errors: dict[str, str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[name] = "not a date (YYYY-MM-DD)"
        return None


def choose_period(
    time_zone: str, period: str | None, start: str | None, end: str | None, default: str = "today"
) -> PeriodChoice:
    errors: dict[str, str] = {}
    chosen = period if period in PERIODS else default
    if period and period not in PERIODS:
        errors["period"] = "period is one of today, last7, week, last30, month, range"
    first, last = _date(start, "from", errors), _date(end, "to", errors)
    try:
        since, until = period_bounds(chosen, time_zone, start=first, end=last)
    except ValidationError as exc:
        errors.setdefault(exc.field or "period", exc.message)
        chosen = default
        since, until = period_bounds(chosen, time_zone)
    return PeriodChoice(period=chosen, start=first, end=last, since=since, until=until, errors=errors)


def local(moment: dt.datetime, time_zone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(time_zone))


def weeks_back(time_zone: str, count: int = 8) -> list[tuple[dt.date, dt.date]]:
    """This week and the ``count - 1`` before it, Monday to Sunday, newest first."""
    today = dt.datetime.now(ZoneInfo(time_zone)).date()
    monday = today - dt.timedelta(days=today.weekday())
    mondays = [monday - dt.timedelta(weeks=i) for i in range(count)]
    return [(first, first + dt.timedelta(days=6)) for first in mondays]


def query_of(params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode([(k, v) for k, v in params.items() if v not in (None, "", False)], doseq=True)
