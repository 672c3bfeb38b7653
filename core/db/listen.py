"""A LISTEN connection kept open for an in-memory copy of database state.

The configuration snapshots (channel ``vats_config``) and the ring memory
(``vats_ring_memory``) each keep one. ``on_gap`` is told whenever notifications may have been
missed, right after (re)connecting and when the connection drops, so the holder drops its copy
and reads again; the connection is retried with back-off (0.5 s doubling to 10 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from vats.core.stopping import stop_if_asked

log = logging.getLogger(__name__)

Notified = Callable[[Any, int, str, object], None]  # asyncpg's listener: (connection, pid, channel, payload)


class Listener:
    def __init__(self, url: str, channel: str, on_notify: Notified, on_gap: Callable[[], None]) -> None:
        self.url = url
        self.channel = channel
        self.on_notify = on_notify  # must not raise: asyncpg would lose the exception
        self.on_gap = on_gap
        self.listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _forever(self) -> None:
        delay = 0.5
        while True:
            stop_if_asked()
            try:
                conn = await asyncpg.connect(self.url)
                closed = asyncio.Event()
                conn.add_termination_listener(lambda _conn, closed=closed: closed.set())
                try:
                    await conn.add_listener(self.channel, self.on_notify)
                    self.on_gap()  # anything may have changed while we were not listening
                    self.listening.set()
                    delay = 0.5
                    await closed.wait()
                finally:
                    self.listening.clear()
                    if not conn.is_closed():
                        await conn.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the %s listener lost its connection; retrying in %.1f s", self.channel, delay)
            self.on_gap()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)

    async def start(self, timeout_s: float = 10) -> None:
        self._task = asyncio.create_task(self._forever(), name=f"vats-listen-{self.channel}")
        await asyncio.wait_for(self.listening.wait(), timeout=timeout_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
