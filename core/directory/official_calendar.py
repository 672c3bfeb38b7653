"""Official days off and transferred working days, from the ``holidays`` package.

For Russia ``holidays`` lists every non-working holiday and each transferred day off with the
date it was moved from ("Day off (substituted from 11/01/2025)"), and ``weekend_workdays``
gives the Saturdays and Sundays made working days. Tests compare its output for 2025 and 2026
against the production calendars the Government approved for those years (written out by hand
in the test), so a wrong package release fails CI instead of mis-routing calls.
"""

from __future__ import annotations

import datetime as dt

from vats.core.directory.models import CalendarDay


def official_days(country: str, years: list[int]) -> list[CalendarDay]:
    """Days off and working weekend days of ``country`` for ``years``, as official rows."""
    try:
        import holidays  # here: its country tables take a tenth of a second to import

        table = holidays.country_holidays(country, years=years, language="ru" if country == "RU" else None)
    except NotImplementedError as exc:  # unknown country code
        raise ValueError(f"no official calendar for country {country!r}") from exc
    days = [
        CalendarDay(day=day, kind="day_off", origin="official", note=str(name)) for day, name in sorted(table.items())
    ]
    workdays: set[dt.date] = set(getattr(table, "weekend_workdays", set()))
    days.extend(
        CalendarDay(day=day, kind="working", origin="official", note="перенесённый рабочий день")
        for day in sorted(workdays)
        if day not in table
    )
    return days


def default_years(today: dt.date) -> list[int]:
    """The previous, current and next year, as the seeds' default calendar shows."""
    return [today.year - 1, today.year, today.year + 1]
