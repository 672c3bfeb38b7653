"""Background workers contributed by plugins (``register_workers``), run by ``vats serve``.

Each worker is an async callable ``worker(kernel)``. One that raises is logged with its
plugin's name and started again after a pause, so one plugin's failing delivery loop never
stops the others (and never stops vats).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)

RESTART_PAUSE_S = 5.0
STOP_TIMEOUT_S = 5.0

Worker = Callable[[KernelAPI], Awaitable[None]]


class Workers:
    def __init__(self, kernel: KernelAPI, restart_pause_s: float = RESTART_PAUSE_S) -> None:
        self.kernel = kernel
        self.restart_pause_s = restart_pause_s
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        from vats.core.calls.retention import retention_worker
        from vats.core.mail import mail_worker  # the kernel's own: letters that could not go at once

        self.tasks.append(asyncio.create_task(self._keep_running("core:mail", mail_worker), name="core:mail"))
        self.tasks.append(
            asyncio.create_task(self._keep_running("core:retention", retention_worker), name="core:retention")
        )
        for plugin, worker in self.kernel.plugins.collect_by_plugin("register_workers"):
            name = f"{plugin}:{getattr(worker, '__name__', 'worker')}"
            self.tasks.append(asyncio.create_task(self._keep_running(name, worker), name=name))

    async def _keep_running(self, name: str, worker: Worker) -> None:
        while True:
            try:
                await worker(self.kernel)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("worker %s failed; restarting in %.0f s", name, self.restart_pause_s)
                await asyncio.sleep(self.restart_pause_s)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.tasks:  # bounded: a worker that ignores cancellation must not hold vats up
            _, pending = await asyncio.wait(self.tasks, timeout=STOP_TIMEOUT_S)
            for task in pending:
                log.warning("worker %s did not stop within %.0f s", task.get_name(), STOP_TIMEOUT_S)
        self.tasks = []
