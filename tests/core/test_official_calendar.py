"""The default calendar against Russia's official production calendars, written out by hand
from the Government's transfer decrees (not from the holidays package under test)."""

import datetime as dt

import pytest
from vats.core.directory.official_calendar import default_years, official_days

D = dt.date
# Weekdays (Mon-Fri) that are days off, and weekend days that are working days.
OFFICIAL = {
    2025: (
        {D(2025, 1, d) for d in (1, 2, 3, 6, 7, 8)}
        | {D(2025, 5, 1), D(2025, 5, 2), D(2025, 5, 8), D(2025, 5, 9), D(2025, 6, 12), D(2025, 6, 13)}
        | {D(2025, 11, 3), D(2025, 11, 4), D(2025, 12, 31)},
        {D(2025, 11, 1)},
    ),
    2026: (
        {D(2026, 1, d) for d in (1, 2, 5, 6, 7, 8, 9)}
        | {
            D(2026, 2, 23),
            D(2026, 3, 9),
            D(2026, 5, 1),
            D(2026, 5, 11),
            D(2026, 6, 12),
            D(2026, 11, 4),
            D(2026, 12, 31),
        },
        set(),
    ),
}


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_matches_the_production_calendar(year: int) -> None:
    days = official_days("RU", [year])
    weekday_days_off = {d.day for d in days if d.kind == "day_off" and d.day.weekday() < 5}
    working_weekends = {d.day for d in days if d.kind == "working"}
    expected_off, expected_working = OFFICIAL[year]
    assert weekday_days_off == expected_off
    assert working_weekends == expected_working


def test_transferred_days_name_their_source() -> None:
    notes = {d.day: d.note for d in official_days("RU", [2026])}
    assert "03.01.2026" in notes[D(2026, 1, 9)]


def test_default_years_are_previous_current_next() -> None:
    assert default_years(D(2026, 11, 22)) == [2025, 2026, 2027]


def test_unknown_country_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no official calendar"):
        official_days("XX", [2026])
