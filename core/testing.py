"""pytest fixtures for vats and for plugin authors (loaded automatically: entry point ``pytest11``).

* ``vats_postgres_url``: a real PostgreSQL for the whole session: an embedded throwaway server
  (or ``VATS_TEST_DATABASE_URL``, a superuser URL of a server you run);
* ``vats_database_url``: a fresh database per test, cloned from a migrated template, so tests
  are isolated and fast;
* ``vats_kernel``: a started kernel on that database with the installed plugins;
* ``vats_register_plugin``: register a plugin object for one test (its migrations applied);
* ``vats_tenant``: a tenant with its admin, ready to use.

Example (a plugin's own test)::

    async def test_my_hook(vats_kernel, vats_register_plugin):
        vats_register_plugin(MyPlugin(), name="mine")
        created = await vats_kernel.directory.create_tenant(name="T", admin_email="a@t.example")
        ...
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from vats.core.blocks import registry_from
from vats.core.config import Config
from vats.core.db.embedded import EmbeddedPostgres
from vats.core.db.migrate import KERNEL_MIGRATIONS, MigrationSource, apply_migrations
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel, with_database
from vats.core.plugins import PluginHost

_counter = itertools.count()
OPERATOR_TOKEN = "test-operator-token-0123456789"


def _installed_sources() -> list[MigrationSource]:
    host = PluginHost()
    host.load_installed()
    return [MigrationSource(package="core", folder=KERNEL_MIGRATIONS), *host.collect("register_migrations")]


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def vats_postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Superuser URL of the session's PostgreSQL server."""
    given = os.environ.get("VATS_TEST_DATABASE_URL")
    if given:
        yield given
        return
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("vats-pg")), delete_on_stop=True)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def vats_template(vats_postgres_url: str) -> Iterator[str]:
    """Name of a database migrated with the kernel's and the installed plugins' migrations."""
    name = f"vats_template_{os.getpid()}"
    asyncio.run(_admin(vats_postgres_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    asyncio.run(apply_migrations(with_database(vats_postgres_url, name), _installed_sources()))
    yield name
    asyncio.run(_admin(vats_postgres_url, f'DROP DATABASE IF EXISTS "{name}"'))


@pytest_asyncio.fixture
async def vats_database_url(vats_postgres_url: str, vats_template: str) -> AsyncIterator[str]:
    """Owner URL of a fresh database for one test, dropped afterwards."""
    name = f"vats_test_{os.getpid()}_{next(_counter)}"
    await _admin(vats_postgres_url, f'CREATE DATABASE "{name}" TEMPLATE "{vats_template}"')
    try:
        yield with_database(vats_postgres_url, name)
    finally:
        await _admin(vats_postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def vats_config(vats_database_url: str, tmp_path: Path) -> Config:
    return Config.from_env(
        {"VATS_DATABASE_URL": vats_database_url, "VATS_DATA_DIR": str(tmp_path), "VATS_OPERATOR_TOKEN": OPERATOR_TOKEN}
    )


@pytest_asyncio.fixture
async def vats_kernel(vats_config: Config) -> AsyncIterator[Kernel]:
    """A started kernel (installed plugins, migrated fresh database)."""
    kernel = Kernel(vats_config)
    await kernel.start()
    try:
        yield kernel
    finally:
        await kernel.stop()


@pytest.fixture
def vats_register_plugin(vats_kernel: Kernel) -> Iterator[Callable[..., str]]:
    """``register(plugin, name=None)``: add a plugin to the test's kernel until the test ends.

    Its ``register_migrations`` folders are applied at once (synchronously, on the test DB).
    """
    names: list[str] = []

    def register(plugin: Any, name: str | None = None) -> str:
        registered = vats_kernel.plugins.register(plugin, name=name or f"test-plugin-{uuid.uuid4().hex[:8]}")
        names.append(registered)
        impl = getattr(plugin, "register_migrations", None)
        if impl is not None:
            sources = list(impl())
            _run_in_thread(apply_migrations(vats_kernel.owner_url, sources))
        # Its scenario blocks join the union at once, as they would at a start-up.
        vats_kernel.blocks = registry_from(vats_kernel.plugins)
        return registered

    yield register
    for name in names:
        vats_kernel.plugins.unregister(name)


def _run_in_thread(coro: Any) -> Any:
    """Run a coroutine to completion from sync code while an event loop may be running."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest_asyncio.fixture
async def vats_tenant(vats_kernel: Kernel) -> TenantCreated:
    """A tenant "Test company" with its admin (admin@test.example)."""
    return await vats_kernel.directory.create_tenant(name="Test company", admin_email="admin@test.example")
