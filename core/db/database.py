"""Connections: one asyncpg pool, every query inside a tenant- or system-scoped transaction.

Row-level security is the second wall behind the repositories' ``WHERE tenant_id = $1``:
the pool's connections run as the role ``vats_app``, which owns no table, and every
tenant-owned table has a forced RLS policy that shows only the rows of the tenant named by the
transaction-local setting ``vats.tenant_id``. Work that spans tenants (operator actions, log-in
by e-mail, global uniqueness) runs in a ``system()`` transaction instead, which the policy
also admits. An unscoped query outside both sees nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

APP_ROLE = "vats_app"

Connection: TypeAlias = "PoolConnectionProxy[asyncpg.Record] | asyncpg.Connection[asyncpg.Record]"
"""The connection type handed to repositories and to plugins' event hooks."""


async def _init_connection(conn: asyncpg.Connection[asyncpg.Record]) -> None:
    # jsonb in and out as Python objects; msgspec encodes/decodes where Structs are needed.
    import msgspec

    await conn.set_type_codec(
        "jsonb",
        encoder=lambda v: msgspec.json.encode(v).decode(),
        decoder=msgspec.json.decode,
        schema="pg_catalog",
    )


async def _keep_session(conn: asyncpg.Connection[asyncpg.Record]) -> None:
    return None


# How long a transaction waits for a free pooled connection. A pool that stays exhausted this
# long is a deadlock (holders waiting for a second connection) or an overload; either way an
# error that names it beats a process that hangs for ever.
ACQUIRE_TIMEOUT_S = 30.0


class Database:
    """The application's view of PostgreSQL: scoped transactions on a pool of ``vats_app``."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.url,
            min_size=self._min_size,
            max_size=self._max_size,
            init=_init_connection,
            # Every setting vats makes is transaction-local, so a released connection needs no
            # RESET ALL round trip; asyncpg still rolls back any transaction left open.
            reset=_keep_session,
            # The session's role is the unprivileged one; RESET ALL between uses returns here.
            server_settings={"role": APP_ROLE, "application_name": "vats"},
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._pool is None:
            raise RuntimeError("Database.open() was not called")
        return self._pool

    @asynccontextmanager
    async def tenant(self, tenant_id: uuid.UUID) -> AsyncIterator[Connection]:
        """A transaction that can see and write only ``tenant_id``'s rows."""
        async with self.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            await conn.execute("SELECT set_config('vats.tenant_id', $1, true)", str(tenant_id))
            yield conn

    @asynccontextmanager
    async def system(self) -> AsyncIterator[Connection]:
        """A transaction for operator work and cross-tenant lookups (log-in, uniqueness)."""
        async with self.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            await conn.execute("SELECT set_config('vats.system', 'on', true)")
            yield conn

    @asynccontextmanager
    async def unscoped(self) -> AsyncIterator[Connection]:
        """A connection with no scope at all; RLS shows it no tenant's rows (used in tests)."""
        async with self.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
            yield conn

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.system() as conn:
            return await conn.fetchval(query, *args)
