"""Russia's numbering plan: where a caller's number is from, for the region filters of
scenarios. Mobile numbers (+7 9xx) carry no region in phonenumbers, so the regulator's range
registry is imported (`vats numbering-plan import FILE...`) and kept in memory; fixed-line
numbers not in the registry fall back to phonenumbers' geocoder. Other countries can answer
the same ``lookup_region`` hook from their own plugin.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import phonenumbers
import typer
from phonenumbers import geocoder
from vats.core import hookimpl
from vats.core.db.database import Database
from vats.core.db.migrate import MigrationSource
from vats.core.regions import CallerRegion
from vats.plugins.numbering_ru.registry import RangeIndex, import_files, load_index
from vats.plugins.numbering_ru.subjects import subjects_for

SAMPLE = Path(__file__).with_name("sample") / "numbering-plan-sample.csv"

# The process's index, loaded at start-up and after an import in this process.
_index = RangeIndex([])


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="numbering_ru", folder=Path(__file__).with_name("migrations"))]


@hookimpl
async def startup(db: Database) -> None:
    global _index
    _index = await load_index(db)


@lru_cache(maxsize=65536)
def geocoded(e164: str) -> CallerRegion | None:
    """A fixed-line number's region from phonenumbers' geocoder (no operator). Cached: the
    geocoder takes ~0.2 ms a number and callers call again; its data never changes at runtime."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 7:
        return None
    name = geocoder.description_for_number(parsed, "ru")
    subjects = subjects_for(name) if name else None
    if subjects is None:
        return None
    return CallerRegion(subjects=subjects, name=name, source="geocoder")


@hookimpl
def lookup_region(number: str) -> CallerRegion | None:
    return _index.region(number) or geocoded(number)


async def _import(paths: list[Path]) -> None:
    from rich.progress import Progress
    from vats.core.config import Config
    from vats.core.kernel import Kernel

    kernel = await Kernel(Config.from_env()).start()
    try:
        assert kernel.db is not None
        with Progress(transient=True) as bar:
            task = bar.add_task("reading the registry", total=None)
            report = await import_files(kernel.db, paths, progress=lambda n: bar.advance(task, n))
    finally:
        await kernel.stop()
    print(f"{report.ranges} ranges imported")
    for line in report.bad_lines:
        print(f"skipped {line}")
    for name, count in sorted(report.unmapped_regions.items()):
        print(f"no federal subject for region {name!r} ({count} ranges; stored, never matched by a region filter)")


async def _lookup(number: str) -> None:
    from vats.core.config import Config
    from vats.core.directory.validation import normalise_phone
    from vats.core.kernel import Kernel

    e164 = normalise_phone(number)
    kernel = await Kernel(Config.from_env()).start()
    try:
        found = kernel.lookup_region(e164)
    finally:
        await kernel.stop()
    if found is None:
        print(f"{e164}: region unknown", file=sys.stderr)
        raise typer.Exit(1)
    print(f"{e164}: {', '.join(found.subjects)} ({found.name}; {found.operator or 'operator unknown'}; {found.source})")


@hookimpl
def register_commands() -> Sequence[typer.Typer]:
    app = typer.Typer(name="numbering-plan", help="Russia's numbering plan (number ranges and their regions).")

    @app.command("import")
    def import_command(
        files: Annotated[list[Path], typer.Argument(help="registry CSV files (ABC-3xx, ABC-4xx, ABC-8xx, DEF-9xx)")],
    ) -> None:
        """Replace the stored plan with these registry files; report unmapped regions."""
        for path in files:
            if not path.is_file():
                raise typer.BadParameter(f"{path} is not a file", param_hint="FILES")
        try:
            asyncio.run(_import(files))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="FILES") from None

    @app.command("lookup")
    def lookup_command(number: Annotated[str, typer.Argument(help="a phone number")]) -> None:
        """Show the region, operator and source of a number."""
        asyncio.run(_lookup(number))

    @app.command("sample")
    def sample_command() -> None:
        """Print the path of the sample registry file shipped with vats."""
        print(SAMPLE)

    return [app]
