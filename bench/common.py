"""Helpers shared by the benchmarks: a throwaway PostgreSQL, `vats serve` as a subprocess,
wrk runs pinned to their own core, and process CPU accounting."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec
import psutil


class WrkResult(msgspec.Struct, frozen=True):
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float  # CPU seconds of the server per wall second (1.0 = one core busy)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    """Debian's wrk; installed on the spot when running as root (CI machines are)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True, check=True)
        found = shutil.which("wrk")
    if not found:
        sys.exit("bench needs wrk (Debian package 'wrk'); install it or run as root")
    return found


def _ms(text: str) -> float:
    value = float(re.match(r"[\d.]+", text).group(0))  # type: ignore[union-attr]
    if text.endswith("us"):
        return value / 1000
    if text.endswith("ms"):
        return value
    if text.endswith("s"):
        return value * 1000
    return value


def run_wrk(
    url: str, *, seconds: float, connections: int, headers: dict[str, str], server_pid: int, cpus: str
) -> WrkResult:
    """wrk on its own core(s) (``taskset``), with the server's CPU time measured meanwhile."""
    command = [
        "taskset",
        "-c",
        cpus,
        ensure_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, int(seconds))}s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    server = psutil.Process(server_pid)
    cpu_before = sum(server.cpu_times()[:2])
    started = time.monotonic()
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    wall = time.monotonic() - started
    cpu = (sum(server.cpu_times()[:2]) - cpu_before) / wall
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # The distribution lines ("     50%   12.34ms"); "+/- Stdev" columns also end in "%".
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return WrkResult(requests_per_s=rps, p50_ms=p50, p99_ms=p99, errors=errors, server_cpu=round(cpu, 2))


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Superuser URL of an embedded PostgreSQL in a temporary folder, deleted afterwards."""
    from vats.core.db.embedded import EmbeddedPostgres

    folder = Path(tempfile.mkdtemp(prefix="vats-bench-"))
    server = EmbeddedPostgres(folder, delete_on_stop=True)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def vats_serve(env: dict[str, str], cpus: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`vats serve` pinned to ``cpus``; yields the process and its base URL once it listens."""
    port = free_port()
    full_env = {**os.environ, **env, "VATS_PORT": str(port), "VATS_LOG_LEVEL": "WARNING", "VATS_DEMO": "0"}
    command = ["taskset", "-c", cpus, sys.executable, "-m", "vats.bots.cli", "serve"]
    proc = subprocess.Popen(command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "vats is serving" in line:
            break
        if not line and proc.poll() is not None:
            raise RuntimeError("vats serve exited early")
    # Keep draining its output so a chatty server never blocks on a full pipe.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    try:
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
