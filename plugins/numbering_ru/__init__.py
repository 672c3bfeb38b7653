"""Russia's numbering plan: where a caller's number is from, for the region filters of
scenarios. Mobile numbers (+7 9xx) carry no region in phonenumbers, so the regulator's range
registry is imported (`vats numbering-plan import FILE...`) and kept in memory; fixed-line
numbers not in the registry fall back to phonenumbers' geocoder. Other countries can answer
the same ``lookup_region`` hook from their own plugin.

An import notifies ``registry.CHANNEL``; every ``vats serve`` listens (a worker), builds the
new index aside and swaps it in, so routing never pauses and never needs a restart.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import typer
from vats.core import hookimpl
from vats.core.db.database import Connection, Database
from vats.core.db.migrate import MigrationSource
from vats.core.plugins import PluginAbout
from vats.core.protocols import KernelAPI
from vats.core.regions import CallerRegion
from vats.plugins.numbering_ru.registry import CHANNEL, RangeIndex, import_files, load_index
from vats.plugins.numbering_ru.subjects import SUBJECTS, subjects_for

vats_about = PluginAbout(
    title="Российская нумерация",
    description="Узнаёт регион и оператора звонящего по российскому номеру (для фильтров по региону).",
    title_en="Russian numbering",
    description_en="Finds a Russian caller's region and carrier (for filters by region).",
)

log = logging.getLogger(__name__)

SAMPLE = Path(__file__).with_name("sample") / "numbering-plan-sample.csv"

# The process's index: loaded at start-up, replaced whole (never edited) when an import commits.
_index = RangeIndex([])

# Area codes the numbering plan gives to one federal subject, where phonenumbers' geocoder
# words it wrongly: it calls every +7 495 number «Московская обл.» and every +7 496 «г. Москва»,
# the other way round. Moscow and Saint Petersburg and their oblasts are told apart by code.
AREA_CODES: dict[str, str] = {
    "495": "RU-MOW", "499": "RU-MOW", "496": "RU-MOS", "498": "RU-MOS", "812": "RU-SPE", "813": "RU-LEN",
}  # fmt: skip


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="numbering_ru", folder=Path(__file__).with_name("migrations"))]


@hookimpl
async def startup(db: Database) -> None:
    global _index
    _index = await load_index(db)


async def reload(db: Database) -> None:
    """Build the stored plan's index aside, then swap it in (lookups go on meanwhile)."""
    global _index
    fresh = await load_index(db)
    _index = fresh
    log.info("numbering plan reloaded: %d ranges", len(fresh))


async def follow_imports(kernel: KernelAPI) -> None:
    """``vats serve``'s worker: reload the index whenever an import commits (any process)."""
    import asyncpg

    # Load the geocoder's data now, in a thread, rather than in the first call that needs it.
    await asyncio.to_thread(_geocoder)
    assert kernel.db is not None
    changed = asyncio.Event()
    conn = await asyncpg.connect(kernel.owner_url)
    try:
        await conn.add_listener(CHANNEL, lambda *_: changed.set())
        await reload(kernel.db)  # an import may have committed before we listened
        while not conn.is_closed():
            try:  # asyncio.timeout, not wait_for: a cancellation racing wait_for's timeout is lost on 3.11
                async with asyncio.timeout(30):
                    await changed.wait()
            except TimeoutError:
                continue  # wake up now and then to notice a lost connection
            changed.clear()
            await reload(kernel.db)
    finally:
        await conn.close()
    raise ConnectionError("the numbering plan's listener lost its connection")  # restarted by Workers


@hookimpl
def register_workers() -> Sequence[Any]:
    return [follow_imports]


def _geocoder() -> Any:
    # phonenumbers' geocoder loads data for every country on import (seconds on a busy machine),
    # so no command that does not look up a region pays for it.
    from phonenumbers import geocoder

    return geocoder


@lru_cache(maxsize=65536)
def geocoded(e164: str) -> CallerRegion | None:
    """A fixed-line number's region from its area code or phonenumbers' geocoder (no operator).
    Cached: the geocoder takes ~0.2 ms a number and callers call again."""
    if not e164.startswith("+7"):
        return None
    if (code := AREA_CODES.get(e164[2:5])) is not None and len(e164) == 12:
        return CallerRegion(subjects=[code], name=SUBJECTS[code], source="area code")
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 7:
        return None
    name = _geocoder().description_for_number(parsed, "ru")
    subjects = subjects_for(name) if name else None
    if subjects is None:
        return None
    return CallerRegion(subjects=subjects, name=name, source="geocoder")


@hookimpl
def snapshot_extras(tenant_id: uuid.UUID, conn: Connection) -> dict[str, Any]:
    """The federal subjects' names by code, for region filters in the cabinet and its diagram
    (one shared dict: it costs a snapshot nothing)."""
    return {"region_names": SUBJECTS}


@hookimpl
def lookup_region(number: str) -> CallerRegion | None:
    return _index.region(number) or geocoded(number)


async def _import(paths: list[Path]) -> None:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from vats.core.config import Config
    from vats.core.kernel import Kernel

    config = Config.from_env()
    print(f"database: {config.database_label}", file=sys.stderr)
    kernel = await Kernel(config).start()
    try:
        assert kernel.db is not None
        columns = (
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TextColumn("ETA"), TimeRemainingColumn(),
        )  # fmt: skip
        with Progress(*columns, transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    label = "reading lines" if phase == "reading" else "storing ranges"
                    tasks[phase] = bar.add_task(label, total=total)
                bar.update(tasks[phase], completed=done, total=total)

            report = await import_files(kernel.db, paths, progress=progress)
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
    config = Config.from_env()
    print(f"database: {config.database_label}", file=sys.stderr)
    kernel = await Kernel(config).start()
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
