"""Plain SQL migrations, owned per package: the kernel's first, then each plugin's.

A package's migrations are the ``*.sql`` files of one folder, applied in name order
(``0001_directory.sql``, ``0002_...``). The runner holds an advisory lock, so several vats
processes starting at once apply each file exactly once; it records every file with its
checksum and refuses to go on if an applied file was edited afterwards.

One deliberate exception: a migration rewritten so that it still runs on a fresh database
after a later migration of another package (the kernel's go first) changed what it relied on.
The rewritten file names each text it replaces by its checksum on a line of its own,
``-- vats-migration-replaces: <sha256>``; a database that applied that text accepts the new
one (recording its checksum) without running it again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import asyncpg
import msgspec
from vats.core.db.database import APP_ROLE

log = logging.getLogger(__name__)

KERNEL_MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x7A7500  # "vats" migrations; any constant shared by all vats processes


class MigrationSource(msgspec.Struct, frozen=True, kw_only=True):
    """A package's migration folder, as returned by the ``register_migrations`` hook."""

    package: str
    folder: Path


class MigrationError(Exception):
    """A migration failed or an applied migration was changed afterwards."""


CEL_ROLE = "vats_cel"  # Asterisk writes its channel event log (CEL) as this role

_BOOTSTRAP = f"""
CREATE TABLE IF NOT EXISTS vats_migrations (
    package    text NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (package, name)
);
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} NOLOGIN;
    END IF;
    -- Asterisk's own log-in: it may only add rows to its event log (cel).
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{CEL_ROLE}') THEN
        CREATE ROLE {CEL_ROLE} LOGIN;
    END IF;
END $$;
"""

# After every run: the application role may use the tables but owns none, and may not touch
# the migration ledger.
_GRANTS = f"""
GRANT USAGE ON SCHEMA public TO {APP_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};
REVOKE ALL ON vats_migrations FROM {APP_ROLE};
GRANT USAGE ON SCHEMA public TO {CEL_ROLE};
GRANT INSERT ON cel TO {CEL_ROLE};
GRANT USAGE ON SEQUENCE cel_id_seq TO {CEL_ROLE};
"""


_REPLACES = re.compile(r"^-- vats-migration-replaces: ([0-9a-f]{64})\s*$", re.MULTILINE)


def replaced_checksums(sql: str) -> set[str]:
    """The checksums of the earlier texts a rewritten migration stands for."""
    return set(_REPLACES.findall(sql))


def _files(source: MigrationSource) -> list[Path]:
    return sorted(p for p in source.folder.glob("*.sql") if p.is_file())


async def apply_migrations(
    url: str,
    sources: Sequence[MigrationSource],
    *,
    progress: Callable[[str, str], None] | None = None,
) -> list[tuple[str, str]]:
    """Apply every pending migration of ``sources`` (in order) on the database at ``url``.

    ``url`` must be a role that may create tables (the owner); returns the (package, file)
    pairs applied by this call.
    """
    applied_now: list[tuple[str, str]] = []
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            await conn.execute(_BOOTSTRAP)
            # The login role must be able to SET ROLE to the application role.
            is_super = await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not is_super:
                await conn.execute(f"GRANT {APP_ROLE} TO current_user")
            done = {
                (r["package"], r["name"]): r["checksum"]
                for r in await conn.fetch("SELECT package, name, checksum FROM vats_migrations")
            }
            for source in sources:
                for path in _files(source):
                    sql = path.read_text(encoding="utf-8")
                    checksum = hashlib.sha256(sql.encode()).hexdigest()
                    key = (source.package, path.name)
                    if key in done:
                        if done[key] != checksum and done[key] in replaced_checksums(sql):
                            await conn.execute(
                                "UPDATE vats_migrations SET checksum = $3 WHERE package = $1 AND name = $2",
                                source.package, path.name, checksum,
                            )  # fmt: skip
                            log.info("migration %s/%s: applied as an earlier text it replaces", *key)
                        elif done[key] != checksum:
                            raise MigrationError(
                                f"migration {source.package}/{path.name} was changed after it "
                                "was applied; add a new migration instead"
                            )
                        continue
                    if progress is not None:
                        progress(source.package, path.name)
                    try:
                        async with conn.transaction():
                            await conn.execute(sql)
                            await conn.execute(
                                "INSERT INTO vats_migrations (package, name, checksum) VALUES ($1, $2, $3)",
                                source.package,
                                path.name,
                                checksum,
                            )
                    except asyncpg.PostgresError as exc:
                        raise MigrationError(f"migration {source.package}/{path.name} failed: {exc}") from exc
                    # DEBUG: the caller's progress already names each file (`vats serve` printed twice).
                    log.debug("applied migration %s/%s", source.package, path.name)
                    applied_now.append(key)
            await conn.execute(_GRANTS)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    finally:
        await conn.close()
    return applied_now
