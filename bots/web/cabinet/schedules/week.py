"""A schedule as the cabinet shows and edits it: one line of text per weekday
("09:00-13:00, 14:00-18:00"), and the weekly grid drawn from it (working spans, the gaps
between them inside a day shown as breaks, e.g. lunch)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vats.core.directory.models import Interval
from vats.core.directory.validation import minutes

DAYS_RU = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье")
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHORT_RU = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
SHORT_EN = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")
DAY = 24 * 60


@dataclass
class Span:
    start: str
    end: str
    kind: str  # "work" or "break"

    @property
    def left(self) -> float:  # percent of the day
        return round(100 * minutes(self.start) / DAY, 3)

    @property
    def width(self) -> float:
        return round(100 * (minutes(self.end) - minutes(self.start)) / DAY, 3)


@dataclass
class Day:
    index: int
    name: str
    short: str
    text: str  # "09:00-13:00, 14:00-18:00"
    spans: list[Span] = field(default_factory=list)
    error: str = ""


def _padded(time: str) -> str:
    hours, _, mins = time.partition(":")
    return f"{int(hours):02d}:{mins}"


def days(intervals: list[Interval], lang: str) -> list[Day]:
    names, short = (DAYS_EN, SHORT_EN) if lang == "en" else (DAYS_RU, SHORT_RU)
    week = [Day(index=d, name=names[d], short=short[d], text="") for d in range(7)]
    by_day: dict[int, list[Interval]] = {}
    for iv in sorted(intervals, key=lambda iv: (iv.day, minutes(iv.start))):
        by_day.setdefault(iv.day, []).append(iv)
    for d, day in enumerate(week):
        own = by_day.get(d, [])
        day.text = ", ".join(f"{iv.start}-{iv.end}" for iv in own)
        for n, iv in enumerate(own):
            if n:  # the gap since the previous span: a break (lunch)
                day.spans.append(Span(own[n - 1].end, iv.start, "break"))
            day.spans.append(Span(iv.start, iv.end, "work"))
    return week


class ReadError(ValueError):
    def __init__(self, day: int, message: str) -> None:
        super().__init__(message)
        self.day = day


def read(texts: list[str]) -> tuple[list[Interval], list[int]]:
    """The intervals the seven lines give, and each interval's weekday (to put a problem that
    names ``intervals[i]`` beside its day's line). Raises ReadError naming the day."""
    intervals: list[Interval] = []
    owners: list[int] = []
    for d, text in enumerate(texts):
        for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
            found = _SPAN.match(part)
            if not found:
                raise ReadError(d, part)
            intervals.append(Interval(day=d, start=_padded(found.group(1)), end=_padded(found.group(2))))
            owners.append(d)
    return intervals, owners
