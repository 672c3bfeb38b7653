"""Can this terminal of this employee ring at instant T? A pure function, no I/O.

The rules (seed 001, DESIGN.md "Semantics"), checked in this order:

1. mode "unavailable": never;
2. an inactive terminal: never;
3. an absence (vacation, sick leave) covering the employee's local date: never. We apply it in
   every mode: an admin who records a vacation expects no calls even if the employee forgot
   to leave "available" on;
4. mode "available": always (schedules of the employee and of the terminals are ignored);
5. mode "by schedule": an extra unavailability period covering T blocks; an extra
   availability period covering T allows (even outside the employee's and terminals'
   schedules); otherwise the employee's working time (schedule + calendar, in the employee's
   time zone, else the tenant's) and then the terminal's own weekly schedule must both say yes.

Calendar: a day off (custom overrides win over official days) has no working time; a day
marked working uses the weekday's own intervals, or, if that weekday has none (a working
Saturday), the calendar's schedule for working weekend days, or else the intervals of the
first weekday of the employee's schedule that has any.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from functools import lru_cache

from msgspec import Struct
from vats.core.directory.models import CalendarDay, Employee, Interval, Terminal


class CalendarFacts(Struct, frozen=True, kw_only=True):
    """A calendar reduced to what availability needs."""

    days_off: frozenset[dt.date] = frozenset()
    working_days: frozenset[dt.date] = frozenset()
    weekend_intervals: tuple[Interval, ...] | None = None

    @classmethod
    def from_days(
        cls, days: Iterable[CalendarDay], weekend_intervals: Sequence[Interval] | None = None
    ) -> CalendarFacts:
        """Merge official and custom days; a custom row wins for its date."""
        kinds: dict[dt.date, str] = {}
        for d in sorted(days, key=lambda d: d.origin == "custom"):  # official first, custom over it
            kinds[d.day] = d.kind
        return cls(
            days_off=frozenset(d for d, k in kinds.items() if k == "day_off"),
            working_days=frozenset(d for d, k in kinds.items() if k == "working"),
            weekend_intervals=tuple(weekend_intervals) if weekend_intervals is not None else None,
        )


class Verdict(Struct, frozen=True):
    """The answer and the reason, so traces can explain a skip."""

    can_ring: bool
    reason: str


def _minute_of_day(local: dt.datetime) -> int:
    return local.hour * 60 + local.minute


@lru_cache(maxsize=4096)
def _minutes(hh_mm: str) -> int:
    """'09:30' -> 570 (parsed once per distinct string: routing asks thousands of times)."""
    hours, minutes = hh_mm.split(":")
    return int(hours) * 60 + int(minutes)


def _within(intervals: Iterable[Interval], weekday: int, minute: int) -> bool:
    for iv in intervals:
        if iv.day != weekday:
            continue
        if _minutes(iv.start) <= minute < _minutes(iv.end):
            return True
    return False


def working_intervals_for(
    day: dt.date, schedule: Sequence[Interval], calendar: CalendarFacts
) -> list[tuple[int, int]] | None:
    """(start, end) minutes of working time on ``day``; None for a day off."""
    if day in calendar.days_off:
        return None
    weekday = day.weekday()
    own = [iv for iv in schedule if iv.day == weekday]
    if day in calendar.working_days and not own:
        if calendar.weekend_intervals is not None:
            source = list(calendar.weekend_intervals)
        else:
            first = min((iv.day for iv in schedule), default=None)
            source = [iv for iv in schedule if iv.day == first] if first is not None else []
        own = source
    return [(_minutes(iv.start), _minutes(iv.end)) for iv in own]


def is_working_time(at: dt.datetime, time_zone: str, schedule: Sequence[Interval], calendar: CalendarFacts) -> bool:
    """Is instant ``at`` inside working hours of ``schedule`` + ``calendar`` in ``time_zone``?"""
    local = at.astimezone(zoneinfo.ZoneInfo(time_zone))
    spans = working_intervals_for(local.date(), schedule, calendar)
    minute = _minute_of_day(local)
    return bool(spans) and any(start <= minute < end for start, end in spans or [])


def employee_verdict(
    employee: Employee,
    at: dt.datetime,
    *,
    schedule: Sequence[Interval],
    calendar: CalendarFacts,
    tenant_time_zone: str,
) -> Verdict | None:
    """The rules that hold for all of an employee's terminals (mode, absence, periods, working
    time); None when it is their working time and each terminal's own schedule decides. Worked
    out once per employee when several terminals are judged at the same instant."""
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    if employee.availability == "unavailable":
        return Verdict(False, "employee is in mode 'unavailable'")
    zone = zoneinfo.ZoneInfo(employee.time_zone or tenant_time_zone)
    local_day = at.astimezone(zone).date()
    for absence in employee.absences:
        if absence.starts_on <= local_day <= absence.ends_on:
            return Verdict(False, f"employee is absent ({absence.kind}) until {absence.ends_on}")
    if employee.availability == "available":
        return Verdict(True, "employee is in mode 'available'")
    for period in employee.extra_periods:
        if period.starts_at <= at < period.ends_at and not period.available:
            return Verdict(False, "extra unavailability period")
    for period in employee.extra_periods:
        if period.starts_at <= at < period.ends_at and period.available:
            return Verdict(True, "extra availability period")
    if not is_working_time(at, zone.key, schedule, calendar):
        return Verdict(False, "outside the employee's working hours")
    return None


def terminal_verdict(
    employee: Employee,
    terminal: Terminal,
    at: dt.datetime,
    employee_part: Verdict | None,
    *,
    terminal_schedule: Sequence[Interval] | None,
    tenant_time_zone: str,
) -> Verdict:
    """Whether ``terminal`` may ring, given the employee-wide ``employee_part`` (see above)."""
    if employee.availability == "unavailable" and employee_part is not None:
        return employee_part
    if not terminal.active:
        return Verdict(False, "terminal is switched off")
    if employee_part is not None:
        return employee_part
    if terminal_schedule is not None:
        local = at.astimezone(zoneinfo.ZoneInfo(employee.time_zone or tenant_time_zone))
        if not _within(terminal_schedule, local.weekday(), _minute_of_day(local)):
            return Verdict(False, "outside the terminal's schedule")
    return Verdict(True, "inside working hours")


def can_ring(
    employee: Employee,
    terminal: Terminal,
    at: dt.datetime,
    *,
    schedule: Sequence[Interval],
    calendar: CalendarFacts,
    terminal_schedule: Sequence[Interval] | None,
    tenant_time_zone: str,
) -> Verdict:
    """Whether ``terminal`` of ``employee`` may ring at the aware instant ``at``, and why."""
    employee_part = employee_verdict(
        employee, at, schedule=schedule, calendar=calendar, tenant_time_zone=tenant_time_zone
    )
    return terminal_verdict(
        employee, terminal, at, employee_part, terminal_schedule=terminal_schedule, tenant_time_zone=tenant_time_zone
    )
