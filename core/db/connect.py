"""Where vats's database is: the configured URL, or the embedded server in the data folder,
started on demand; and a small read-only opening for commands that only look.

``Kernel.start`` uses ``owner_url`` and then migrates, opens its pool, its listeners and the
plugins. A command that only reads (``vats tenant list``) needs none of that: ``reading`` opens
one pooled connection after checking that the kernel's schema is not behind this vats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from vats.core.config import Config
from vats.core.db.database import Database
from vats.core.db.embedded import EmbeddedPostgres
from vats.core.db.migrate import KERNEL_MIGRATIONS
from vats.core.errors import ConflictError

EMBEDDED_DATABASE = "vats"


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database (keeps query parameters, e.g. host=)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


async def ensure_database(server_url: str, database: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        if not await conn.fetchval("SELECT true FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


async def owner_url(config: Config) -> tuple[str, EmbeddedPostgres | None]:
    """The owner's URL: VATS_DATABASE_URL, or the embedded server, started now (and returned,
    so the caller stops it; a server ``vats serve`` already runs is shared, not restarted)."""
    if config.database_url:
        return config.database_url, None
    embedded = EmbeddedPostgres(config.data_dir)
    server_url = embedded.start()
    try:
        await ensure_database(server_url, EMBEDDED_DATABASE)
    except BaseException:
        embedded.stop()
        raise
    return with_database(server_url, EMBEDDED_DATABASE), embedded


async def kernel_schema_behind(url: str) -> list[str]:
    """The kernel's migrations this vats has and the database has not applied."""
    known = sorted(p.name for p in KERNEL_MIGRATIONS.glob("*.sql") if p.is_file())
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT to_regclass('vats_migrations') IS NOT NULL"):
            return known
        applied = {r["name"] for r in await conn.fetch("SELECT name FROM vats_migrations WHERE package = 'core'")}
    finally:
        await conn.close()
    return [name for name in known if name not in applied]


@asynccontextmanager
async def reading(config: Config) -> AsyncIterator[Database]:
    """The database with one pooled connection, for a command that only reads. Nothing is
    migrated here: a database whose kernel schema is behind is refused with what to run."""
    url, embedded = await owner_url(config)
    try:
        behind = await kernel_schema_behind(url)
        if behind:
            raise ConflictError(
                f"the database lacks {len(behind)} of this vats's migrations (first: {behind[0]});"
                " run `vats db migrate` (or start `vats serve`) first",
                field="VATS_DATA_DIR" if embedded else "VATS_DATABASE_URL",
            )
        db = Database(url, min_size=1, max_size=1)
        await db.open()
        try:
            yield db
        finally:
            await db.close()
    finally:
        if embedded is not None:
            embedded.stop()
