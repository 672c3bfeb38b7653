"""What hooks, blocks and plugins may use of the running kernel, as a typed contract.

``KernelAPI`` is the kernel as the seams see it (hook arguments named ``kernel``, workers,
bot handlers, the engine): strict mypy checks every use against it, and the real ``Kernel``
satisfies it. It is a leaf module: the types it names are imported for type checking only, so
importing it never pulls in the rest of the kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from vats.core.accounts.service import Accounts
    from vats.core.asterisk.service import Telephony
    from vats.core.blocks import BlockRegistry
    from vats.core.config import Config
    from vats.core.db.database import Database
    from vats.core.directory.models import ReferenceFinder
    from vats.core.directory.service import Directory
    from vats.core.engine.engine import Engine
    from vats.core.outbox import Sender
    from vats.core.plugins import PluginHost
    from vats.core.regions import CallerRegion
    from vats.core.snapshot import Snapshots


class TelegramFrontend(Protocol):
    """The Telegram bot as the kernel's other frontends see it (the bot's own code knows more)."""

    @property
    def webhook_url(self) -> str | None: ...

    @property
    def secret(self) -> str: ...

    def deep_link(self, code: str) -> str | None: ...


class KernelAPI(Protocol):
    """The started kernel: settings, database, plugins, in-memory snapshots and services.

    ``db`` and ``snapshots`` raise RuntimeError before ``Kernel.start()``; ``telephony`` and
    ``telegram`` are None unless ``vats serve`` runs them.
    """

    @property
    def config(self) -> Config: ...

    @property
    def db(self) -> Database: ...

    @property
    def owner_url(self) -> str: ...

    @property
    def plugins(self) -> PluginHost: ...

    @property
    def blocks(self) -> BlockRegistry: ...

    @property
    def snapshots(self) -> Snapshots: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def directory(self) -> Directory: ...

    @property
    def accounts(self) -> Accounts: ...

    @property
    def mail(self) -> Sender:
        """E-mail through the outbox: write with ``vats.core.mail.enqueue_mail`` in your
        transaction, then ``await kernel.mail.deliver([id])`` to send at once."""
        ...

    @property
    def references(self) -> ReferenceFinder:
        """What refers to an object about to be deleted (scenarios and every plugin): what a
        deletion outside the directory service (schedules, calendars, media) is given."""
        ...

    @property
    def telephony(self) -> Telephony | None: ...

    @property
    def telegram(self) -> TelegramFrontend | None: ...

    def secret_key(self) -> str: ...

    def lookup_region(self, number: str) -> CallerRegion | None: ...
