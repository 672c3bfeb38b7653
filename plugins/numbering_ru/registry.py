"""Import of the numbering-plan registry (the regulator's CSV files: «АВС/ DEF;От;До;Емкость;
Оператор;Регион;...», UTF-8 or Windows-1251) and the in-memory index numbers are looked up in.
"""

from __future__ import annotations

import asyncio
import bisect
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
from vats.core.db.database import Database
from vats.core.regions import CallerRegion
from vats.plugins.numbering_ru.subjects import subjects_for


class Range(msgspec.Struct, frozen=True, kw_only=True):
    first_number: int
    last_number: int
    code: int
    capacity: int
    operator: str
    region: str
    subjects: list[str] | None


class ImportReport(msgspec.Struct, kw_only=True):
    """What an import did: ranges stored, lines refused (with reasons), unmapped region names
    (stored too, with no subject, so a region filter never matches them by mistake)."""

    ranges: int = 0
    bad_lines: list[str] = []
    unmapped_regions: dict[str, int] = {}


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: neither UTF-8 nor Windows-1251")


def parse_registry(text: str, report: ImportReport) -> Iterator[Range]:
    """Ranges from one registry file; a bad line is reported (with its number) and skipped."""
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    rows = csv.reader(io.StringIO(text), dialect)
    header = next(rows, None)
    if header is None or len(header) < 6:
        raise ValueError("not a numbering-plan registry: expected columns code, from, to, capacity, operator, region")
    unmapped: Counter[str] = Counter(report.unmapped_regions)
    for line_number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            code, first, last, capacity = (int(row[i].strip()) for i in range(4))
            operator, region = row[4].strip(), row[5].strip()
            if not (100 <= code <= 999 and 0 <= first <= last <= 9_999_999):
                raise ValueError("code must be 3 digits and the range 7 digits, from <= to")
        except (ValueError, IndexError) as exc:
            report.bad_lines.append(f"line {line_number}: {exc}")
            continue
        subjects = subjects_for(region)
        if subjects is None:
            unmapped[region] += 1
        yield Range(
            first_number=code * 10_000_000 + first,
            last_number=code * 10_000_000 + last,
            code=code,
            capacity=capacity,
            operator=operator,
            region=region,
            subjects=subjects,
        )
    report.unmapped_regions = dict(unmapped)


CHANNEL = "vats_numbering_plan"
"""Notified when an import commits: every running vats process reloads its index."""

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: phase "reading" counts lines, "storing" counts ranges."""

_STEP = 5000


async def import_files(db: Database, paths: list[Path], progress: Progress | None = None) -> ImportReport:
    """Replace the stored numbering plan with these files, in one transaction, and notify
    every running process (``CHANNEL``) when it commits."""
    report = ImportReport()
    ranges: list[Range] = []
    texts = [_read_text(path) for path in paths]
    lines = sum(text.count("\n") for text in texts)
    for text in texts:
        for item in parse_registry(text, report):
            ranges.append(item)
            if progress is not None and len(ranges) % _STEP == 0:
                progress("reading", len(ranges), lines)
    if progress is not None:
        progress("reading", lines, lines)

    def records() -> Iterator[tuple[object, ...]]:
        for done, r in enumerate(ranges, start=1):
            if progress is not None and done % _STEP == 0:
                progress("storing", done, len(ranges))
            yield (r.first_number, r.last_number, r.code, r.capacity, r.operator, r.region, r.subjects)

    async with db.system() as conn:
        await conn.execute("DELETE FROM numbering_ranges")
        await conn.copy_records_to_table(
            "numbering_ranges",
            records=records(),
            columns=["first_number", "last_number", "code", "capacity", "operator", "region", "subjects"],
        )
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)  # delivered at commit
    if progress is not None:
        progress("storing", len(ranges), len(ranges))
    report.ranges = len(ranges)
    return report


class RangeIndex:
    """Sorted range starts and a binary search: a lookup is one bisect (microseconds)."""

    def __init__(self, ranges: list[Range]) -> None:
        ranges = sorted(ranges, key=lambda r: r.first_number)
        self._firsts = [r.first_number for r in ranges]
        self._ranges = ranges

    def __len__(self) -> int:
        return len(self._ranges)

    def find(self, national: int) -> Range | None:
        i = bisect.bisect_right(self._firsts, national) - 1
        if i >= 0 and self._ranges[i].last_number >= national:
            return self._ranges[i]
        return None

    def region(self, e164: str) -> CallerRegion | None:
        if not e164.startswith("+7") or len(e164) != 12 or not e164[1:].isdigit():
            return None
        found = self.find(int(e164[2:]))
        if found is None or found.subjects is None:
            return None
        return CallerRegion(subjects=found.subjects, name=found.region, operator=found.operator, source="registry")


async def load_index(db: Database) -> RangeIndex:
    """A new index from the stored plan. The rows arrive in order and the index is built in a
    thread, so a process that routes calls meanwhile keeps answering from its current index."""
    async with db.system() as conn:
        rows = await conn.fetch(
            "SELECT first_number, last_number, code, capacity, operator, region, subjects"
            " FROM numbering_ranges ORDER BY first_number"
        )
    return await asyncio.to_thread(_build_index, rows)


def _build_index(rows: list[Any]) -> RangeIndex:
    return RangeIndex(
        [
            Range(first_number=a, last_number=b, code=c, capacity=d, operator=e, region=f, subjects=g)
            for a, b, c, d, e, f, g in rows
        ]
    )
