"""The running kernel: configuration, database (embedded or given), migrations, plugins and
the directory service, started and stopped together by every frontend (CLI, API, bot)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from vats.core.accounts.service import Accounts
from vats.core.accounts.sessions import SessionCache
from vats.core.blocks import BlockRegistry, registry_from
from vats.core.config import Config
from vats.core.db.connect import EMBEDDED_DATABASE, ensure_database, owner_url, with_database
from vats.core.db.database import Database
from vats.core.db.embedded import EmbeddedPostgres
from vats.core.db.migrate import KERNEL_MIGRATIONS, MigrationSource, apply_migrations
from vats.core.directory.service import Directory
from vats.core.engine.engine import Engine
from vats.core.engine.references import References
from vats.core.engine.ring_memory import PLUGIN_NAME as RING_MEMORY
from vats.core.engine.ring_memory import RingMemory
from vats.core.mail import Mailer, mail_sender, mailer_for
from vats.core.outbox import Sender
from vats.core.plugins import PluginHost
from vats.core.regions import CallerRegion
from vats.core.snapshot import Snapshots

if TYPE_CHECKING:
    from vats.core.asterisk.service import Telephony
    from vats.core.protocols import TelegramFrontend

log = logging.getLogger(__name__)

# Re-exported for benches and tests that make databases of their own.
__all__ = ["EMBEDDED_DATABASE", "Kernel", "ensure_database", "with_database"]

class Kernel:
    """Everything a frontend needs, opened with ``start`` and closed with ``stop``."""

    def __init__(self, config: Config, plugins: PluginHost | None = None) -> None:
        self.config = config
        self.plugins = plugins if plugins is not None else PluginHost()
        self.plugins.kernel = self  # event hooks that name ``kernel`` get it (e.g. to announce further events)
        self.embedded: EmbeddedPostgres | None = None
        self.owner_url = ""
        self._db: Database | None = None
        self.blocks = BlockRegistry([])  # rebuilt from the plugins at start()
        self.applied: list[tuple[str, str]] = []  # migrations applied by start()
        self._snapshots: Snapshots | None = None
        self.ring_memory: RingMemory | None = None  # when each employee last finished a call (uniform)
        self.sessions: SessionCache | None = None  # live sessions, for the API's sign-in check
        self._engine: Engine | None = None
        self.telephony: Telephony | None = None  # set by ``vats serve`` when it serves calls
        self.telegram: TelegramFrontend | None = None  # set by ``vats serve`` when the bot runs

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("Kernel.start() was not called")
        return self._db

    @property
    def snapshots(self) -> Snapshots:
        if self._snapshots is None:
            raise RuntimeError("Kernel.start() was not called")
        return self._snapshots

    @property
    def directory(self) -> Directory:
        return Directory(self.db, self.plugins, self.blocks)

    @property
    def references(self) -> References:
        """What refers to an object about to be deleted (scenarios and plugins), for deletions
        outside the directory service (schedules, calendars, media)."""
        return References(self.plugins, self.blocks)

    @property
    def engine(self) -> Engine:
        """The routing engine (stateless; kept to reuse compiled scenarios)."""
        if self._engine is None:
            self._engine = Engine(self)
        return self._engine

    @property
    def mailer(self) -> Mailer:
        return mailer_for(self.config, self.db)

    @property
    def mail(self) -> Sender:
        """The outbox's sender of e-mail (``vats.core.mail``): ``deliver([id])`` sends at once."""
        return mail_sender(self.db, self.mailer)

    @property
    def accounts(self) -> Accounts:
        return Accounts(self.db, self.mail, self.config.base_url, self.sessions, self.config.softphone_url)

    def secret_key(self) -> str:
        """VATS_SECRET_KEY, or a key generated once and kept in VATS_DATA_DIR (mode 0600)."""
        if self.config.secret_key:
            return self.config.secret_key
        path = self.config.data_dir / "secret_key"
        if not path.exists():
            import os
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def migration_sources(self) -> list[MigrationSource]:
        return [MigrationSource(package="core", folder=KERNEL_MIGRATIONS), *self.plugins.collect("register_migrations")]

    async def connect_database(self) -> str:
        """The owner URL: VATS_DATABASE_URL, or an embedded server started now."""
        url, self.embedded = await owner_url(self.config)
        return url

    async def migrate(self, progress: Callable[[str, str], None] | None = None) -> list[tuple[str, str]]:
        return await apply_migrations(self.owner_url, self.migration_sources(), progress=progress)

    async def start(
        self,
        *,
        load_plugins: bool = True,
        migrate: bool = True,
        progress: Callable[[str, str], None] | None = None,
    ) -> Kernel:
        if load_plugins:
            self.plugins.load_installed(self.config.plugins)
        self.blocks = registry_from(self.plugins)
        try:
            self.owner_url = await self.connect_database()
            if migrate:
                self.applied = await self.migrate(progress)
            self._db = Database(self.owner_url)
            await self._db.open()
            self._snapshots = Snapshots(self._db, self.owner_url, plugins=self.plugins)
            await self._snapshots.start()
            self.ring_memory = RingMemory(self._db, self.owner_url)
            await self.ring_memory.start()
            self.plugins.register(self.ring_memory, name=RING_MEMORY)  # answers ring_state: "idle since"
            self.sessions = SessionCache(self.owner_url)
            self.sessions.start()  # not awaited: until it listens, sign-in checks query
            await self._startup()
        except BaseException:
            await self.stop()
            raise
        return self

    async def _startup(self) -> None:
        """Run every plugin's ``startup`` hook; one that fails is logged and vats starts without it."""
        await self.plugins.lifecycle("startup", db=self.db)

    async def _shutdown(self) -> None:
        await self.plugins.lifecycle("shutdown")

    def lookup_region(self, number: str) -> CallerRegion | None:
        """The region of an E.164 number, from the first plugin that knows it."""
        answer: CallerRegion | None = self.plugins.first_now("lookup_region", number=number)
        return answer

    async def stop(self) -> None:
        if self._db is not None:
            await self._shutdown()
        if self._snapshots is not None:
            await self._snapshots.stop()
            self._snapshots = None
        if self.sessions is not None:
            await self.sessions.stop()
            self.sessions = None
        if self.ring_memory is not None:
            if self.plugins.pm.get_plugin(RING_MEMORY) is self.ring_memory:
                self.plugins.unregister(RING_MEMORY)
            await self.ring_memory.stop()
            self.ring_memory = None
        if self._db is not None:
            await self._db.close()
            self._db = None
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
