"""A real `vats serve` process, for the tests that need the whole server: several processes on
one database, the API fuzz, the embedded database's start and stop, the bot in webhook mode."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

READY = "vats is serving"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A started `vats serve`: what it printed while starting, and what it prints afterwards
    (read by a thread all along: a full pipe would block the server's logging and so the server)."""

    def __init__(self, process: subprocess.Popen[str], port: int, startup: list[str]) -> None:
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.startup = startup
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    @property
    def startup_text(self) -> str:
        return "".join(self.startup)

    def admin_login(self) -> tuple[str, str] | None:
        """The demo admin's e-mail and one-time password, printed when this start created the demo."""
        found = re.search(r"Admin log-in: (\S+) password: (\S+)", self.startup_text)
        return (found.group(1), found.group(2)) if found else None

    def stop(self) -> str:
        """Ctrl-C, as a person stops it, and wait; returns what it printed after starting."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise
        self._reader.join(timeout=10)
        return "".join(self.output)


def start_serve(
    data_dir: Path,
    *,
    database_url: str | None = None,
    port: int | None = None,
    log_level: str = "WARNING",
    env: Mapping[str, str] | None = None,
) -> Served:
    """`vats serve` on ``data_dir``, returned once it says it is serving. It uses ``database_url``,
    or without one the embedded PostgreSQL in ``data_dir`` (VATS_DATABASE_URL is then left out of
    its environment); ``env`` adds variables."""
    port = port or free_port()
    full_env = {k: v for k, v in os.environ.items() if k != "VATS_DATABASE_URL"}
    if database_url is not None:
        full_env["VATS_DATABASE_URL"] = database_url
    full_env.update(VATS_DATA_DIR=str(data_dir), VATS_PORT=str(port), VATS_LOG_LEVEL=log_level)
    full_env.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "vats.bots.cli", "serve"],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    startup: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:  # it exited
            break
        startup.append(line)
        if READY in line:
            return Served(process, port, startup)
    process.kill()
    process.wait(timeout=10)
    raise AssertionError("vats serve did not start:\n" + "".join(startup))


@contextmanager
def serving(
    data_dir: Path,
    *,
    database_url: str | None = None,
    port: int | None = None,
    log_level: str = "WARNING",
    env: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """``start_serve`` stopped on leaving."""
    served = start_serve(data_dir, database_url=database_url, port=port, log_level=log_level, env=env)
    try:
        yield served
    finally:
        served.stop()
