""" "Can this terminal of this employee ring at instant T?" across modes, time zones, calendars,
absences, extra periods, terminal schedules and a DST change."""

import datetime as dt
import uuid
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st
from vats.core.availability import CalendarFacts, can_ring, is_working_time
from vats.core.directory.models import Absence, Employee, ExtraPeriod, ForwardTarget, Interval, Terminal
from vats.core.directory.official_calendar import official_days

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
WORKWEEK = [Interval(day=d, start="09:00", end="18:00") for d in range(5)]
RU = CalendarFacts.from_days(official_days("RU", [2025, 2026]))


def employee(**changes: object) -> Employee:
    base = dict(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        full_name="Анна",
        email="a@x.example",
        role="user",
        position="",
        extension="200",
        dial_through=False,
        caller_id_number_id=None,
        time_zone=None,
        schedule_id=uuid.uuid4(),
        calendar_id=uuid.uuid4(),
        availability="by_schedule",
        recording="default",
        ring_mode="parallel",
        no_answer_after_s=20,
        invitation_accepted=True,
    )
    base.update(changes)
    return Employee(**base)  # type: ignore[arg-type]


def terminal(**changes: object) -> Terminal:
    base = dict(
        id=uuid.uuid4(),
        kind="softphone",
        sip_login="0050000001",
        external_number=None,
        active=True,
        is_primary=True,
        schedule_id=None,
        ring_delay_s=0,
        ring_time_s=20,
        channels=1,
        position=0,
    )
    base.update(changes)
    return Terminal(**base)  # type: ignore[arg-type]


def ring(
    emp: Employee,
    at: dt.datetime,
    term: Terminal | None = None,
    term_schedule: list[Interval] | None = None,
    calendar: CalendarFacts = RU,
    schedule: list[Interval] = WORKWEEK,
) -> bool:
    return can_ring(
        emp,
        term or terminal(),
        at,
        schedule=schedule,
        calendar=calendar,
        terminal_schedule=term_schedule,
        tenant_time_zone="Europe/Moscow",
    ).can_ring


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)  # type: ignore[misc]


def test_modes() -> None:
    tuesday_night = msk(2026, 11, 24, 23, 0)
    tuesday_noon = msk(2026, 11, 24, 12, 0)
    assert not ring(employee(availability="unavailable"), tuesday_noon)
    assert ring(employee(availability="available"), tuesday_night)
    assert ring(employee(), tuesday_noon)
    assert not ring(employee(), tuesday_night)


def test_inactive_terminal_never_rings_even_when_available() -> None:
    assert not ring(employee(availability="available"), msk(2026, 11, 24, 12, 0), terminal(active=False))


def test_official_holidays_and_transferred_days() -> None:
    emp = employee()
    assert not ring(emp, msk(2026, 1, 9, 12, 0))  # Friday, a day off moved from Saturday 3 January
    assert not ring(emp, msk(2025, 11, 3, 12, 0))  # Monday, a day off moved from Saturday 1 November
    assert ring(emp, msk(2025, 11, 1, 12, 0))  # Saturday 1 November 2025 was a working day
    assert not ring(emp, msk(2025, 11, 8, 12, 0))  # an ordinary Saturday
    assert ring(emp, msk(2026, 1, 12, 12, 0))  # the first working Monday of 2026


def test_working_weekend_uses_the_calendars_weekend_schedule() -> None:
    short_day = CalendarFacts.from_days(official_days("RU", [2025]), [Interval(day=5, start="10:00", end="14:00")])
    assert ring(employee(), msk(2025, 11, 1, 11, 0), calendar=short_day)
    assert not ring(employee(), msk(2025, 11, 1, 15, 0), calendar=short_day)


def test_custom_override_wins_over_official_day() -> None:
    from vats.core.directory.models import CalendarDay

    days = [*official_days("RU", [2026]), CalendarDay(day=dt.date(2026, 1, 9), kind="working", origin="custom")]
    days.append(CalendarDay(day=dt.date(2026, 11, 24), kind="day_off", origin="custom"))
    cal = CalendarFacts.from_days(days)
    assert ring(employee(), msk(2026, 1, 9, 12, 0), calendar=cal)
    assert not ring(employee(), msk(2026, 11, 24, 12, 0), calendar=cal)


def test_employee_time_zone_is_used() -> None:
    # 15:00 in Moscow is 19:00 in Novosibirsk (UTC+7): the Novosibirsk employee has gone home.
    assert not ring(employee(time_zone="Asia/Novosibirsk"), msk(2026, 11, 24, 15, 0))
    assert ring(employee(), msk(2026, 11, 24, 15, 0))
    assert ring(employee(time_zone="Asia/Novosibirsk"), msk(2026, 11, 24, 8, 0))
    assert not ring(employee(), msk(2026, 11, 24, 8, 0))


def test_absence_blocks_in_every_mode_and_ends_by_itself() -> None:
    vacation = Absence(
        id=uuid.uuid4(),
        kind="vacation",
        starts_on=dt.date(2026, 11, 23),
        ends_on=dt.date(2026, 11, 27),
        forward=ForwardTarget(action="voicemail"),
    )
    for mode in ("by_schedule", "available"):
        emp = employee(availability=mode, absences=[vacation])
        assert not ring(emp, msk(2026, 11, 24, 12, 0))
        assert ring(emp, msk(2026, 11, 30, 12, 0))  # back on Monday without anyone touching it


def test_extra_periods() -> None:
    off = ExtraPeriod(
        id=uuid.uuid4(), available=False, starts_at=msk(2026, 11, 24, 11, 0), ends_at=msk(2026, 11, 24, 13, 0)
    )
    extra = ExtraPeriod(
        id=uuid.uuid4(), available=True, starts_at=msk(2026, 11, 28, 10, 0), ends_at=msk(2026, 11, 28, 16, 0)
    )
    emp = employee(extra_periods=[off, extra])
    assert not ring(emp, msk(2026, 11, 24, 12, 0))  # inside working hours but given time off
    assert ring(emp, msk(2026, 11, 24, 14, 0))
    assert ring(emp, msk(2026, 11, 28, 12, 0))  # Saturday, extra availability
    # extra availability also overrides the terminal's own schedule
    assert ring(emp, msk(2026, 11, 28, 12, 0), term_schedule=[Interval(day=0, start="09:00", end="10:00")])
    assert not ring(emp, msk(2026, 11, 28, 17, 0))


def test_terminal_schedule_applies_only_by_schedule() -> None:
    mornings = [Interval(day=d, start="09:00", end="12:00") for d in range(7)]
    assert ring(employee(), msk(2026, 11, 24, 10, 0), term_schedule=mornings)
    assert not ring(employee(), msk(2026, 11, 24, 15, 0), term_schedule=mornings)
    assert ring(employee(availability="available"), msk(2026, 11, 24, 23, 0), term_schedule=mornings)


def test_dst_change_day_uses_the_new_offset() -> None:
    every_day = [Interval(day=d, start="09:00", end="17:00") for d in range(7)]
    emp = employee(time_zone="America/New_York")
    none = CalendarFacts()
    # 2026-03-08: clocks go forward at 02:00. 13:30 UTC is 09:30 EDT (it would be 08:30 EST).
    at = dt.datetime(2026, 3, 8, 13, 30, tzinfo=dt.UTC)
    assert ring(emp, at, calendar=none, schedule=every_day)
    assert not ring(emp, dt.datetime(2026, 3, 7, 13, 30, tzinfo=dt.UTC), calendar=none, schedule=every_day)


def test_verdict_explains_the_reason() -> None:
    verdict = can_ring(
        employee(availability="unavailable"),
        terminal(),
        msk(2026, 11, 24, 12, 0),
        schedule=WORKWEEK,
        calendar=RU,
        terminal_schedule=None,
        tenant_time_zone="Europe/Moscow",
    )
    assert "unavailable" in verdict.reason


minutes = st.integers(min_value=0, max_value=24 * 60)


@st.composite
def intervals(draw: st.DrawFn) -> list[Interval]:
    result = []
    for day in range(7):
        a, b = sorted(draw(st.tuples(minutes, minutes)))
        if a < b:
            result.append(Interval(day=day, start=f"{a // 60:02d}:{a % 60:02d}", end=f"{b // 60:02d}:{b % 60:02d}"))
    return result


@given(
    intervals(),
    st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 31)),
    st.sampled_from(["Europe/Moscow", "Asia/Vladivostok", "Europe/Berlin", "America/New_York"]),
)
def test_working_time_agrees_with_a_naive_reading_of_the_schedule(
    schedule: list[Interval], when: dt.datetime, zone: str
) -> None:
    at = when.replace(tzinfo=dt.UTC)
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    m = local.hour * 60 + local.minute
    expected = any(
        iv.day == local.weekday()
        and int(iv.start[:2]) * 60 + int(iv.start[3:]) <= m < int(iv.end[:2]) * 60 + int(iv.end[3:])
        for iv in schedule
    )
    assert is_working_time(at, zone, schedule, CalendarFacts()) == expected


@given(intervals(), st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31)))
def test_never_rings_on_an_official_day_off_by_schedule(schedule: list[Interval], when: dt.datetime) -> None:
    at = when.replace(tzinfo=MSK)
    if at.date() in RU.days_off:
        assert not ring(employee(), at, schedule=schedule)
