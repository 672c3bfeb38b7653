"""Import of the numbering-plan registry (the regulator's CSV files: «АВС/ DEF;От;До;Емкость;
Оператор;Регион;...», UTF-8 or Windows-1251) and the in-memory index numbers are looked up in.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

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


async def import_files(db: Database, paths: list[Path], progress: Callable[[int], None] | None = None) -> ImportReport:
    """Replace the stored numbering plan with these files, in one transaction."""
    report = ImportReport()
    ranges: list[Range] = []
    for path in paths:
        for item in parse_registry(_read_text(path), report):
            ranges.append(item)
            if progress is not None and len(ranges) % 1000 == 0:
                progress(1000)
    async with db.system() as conn:
        await conn.execute("DELETE FROM numbering_ranges")
        await conn.copy_records_to_table(
            "numbering_ranges",
            records=[
                (r.first_number, r.last_number, r.code, r.capacity, r.operator, r.region, r.subjects) for r in ranges
            ],
            columns=["first_number", "last_number", "code", "capacity", "operator", "region", "subjects"],
        )
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
    async with db.system() as conn:
        rows = await conn.fetch(
            "SELECT first_number, last_number, code, capacity, operator, region, subjects FROM numbering_ranges"
        )
    return RangeIndex([Range(**dict(r)) for r in rows])
