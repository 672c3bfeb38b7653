"""Helpers shared by the benchmarks: a throwaway PostgreSQL, `vats serve` as a subprocess,
wrk runs pinned to their own core, and process CPU accounting."""

from __future__ import annotations

import contextlib
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
from urllib.parse import urlsplit

import msgspec
import psutil


class WrkResult(msgspec.Struct, frozen=True):
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float  # CPU seconds of the server per wall second (1.0 = one core busy)
    server_cpu_ms_per_request: float = 0.0  # robust where other processes share the cores
    database_cpu_ms_per_request: float | None = None  # PostgreSQL's (all its processes), if asked
    completed: int = 0  # answers counted for the CPU figures (warm-up included)
    client: str = "wrk"  # or "bench/load.py"
    client_cpu: float | None = None  # bench/load.py's own CPU per wall second (near 1.0: it was the limit)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_wrk() -> str | None:
    """wrk if the machine has it; else the benchmarks use ``bench/load.py`` (nothing is installed)."""
    return shutil.which("wrk")


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
    url: str,
    *,
    seconds: float,
    connections: int,
    headers: dict[str, str],
    server_pid: int,
    cpus: str,
    database_pid: int | None = None,
    unique: str | None = None,
) -> WrkResult:
    """wrk (or ``bench/load.py`` where wrk is missing) on its own core(s) (``taskset``), with
    the server's CPU time measured meanwhile (and PostgreSQL's, given its ``database_pid``).
    With ``unique``, that query parameter gets a new value on every request, so that no
    response cache can answer: the cost of building the answer each time."""
    database_before = process_tree_cpu(database_pid)
    load = _Load(url=url, seconds=seconds, connections=connections, headers=headers, cpus=cpus, unique=unique)
    wrk = find_wrk()
    result = _run_load(load, server_pid) if wrk is None else _run_wrk(wrk, load, server_pid)
    if database_pid is None:
        return result
    database_ms = (process_tree_cpu(database_pid) - database_before) * 1000 / max(result.completed, 1)
    return msgspec.structs.replace(result, database_cpu_ms_per_request=database_ms)


def process_tree_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a process and its children (PostgreSQL: postmaster and backends)."""
    if pid is None:
        return 0.0
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(process.cpu_times()[:2])
    return total


def postmaster_pid(url: str) -> int:
    """The PID of the PostgreSQL server behind ``url`` (the parent of a backend)."""
    import asyncio

    import asyncpg

    async def backend() -> int:
        conn = await asyncpg.connect(url)
        try:  # the backend's parent, read while the backend lives
            return psutil.Process(int(await conn.fetchval("SELECT pg_backend_pid()"))).ppid()
        finally:
            await conn.close()

    return asyncio.run(backend())


class _Load(msgspec.Struct, frozen=True, kw_only=True):
    """What a load client is asked to send."""

    url: str
    seconds: float
    connections: int
    headers: dict[str, str]
    cpus: str  # the client's core(s)
    unique: str | None = None  # a query parameter given a new value on every request


def _server_cpu_while(command: list[str], server_pid: int, cwd: Path | None = None) -> tuple[str, float, float]:
    """Run the load client; its output, the wall seconds and the server's CPU seconds meanwhile."""
    server = psutil.Process(server_pid)
    cpu_before = sum(server.cpu_times()[:2])
    started = time.monotonic()
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=cwd).stdout
    return out, time.monotonic() - started, sum(server.cpu_times()[:2]) - cpu_before


def _unique_script(url: str, unique: str) -> str:
    """A wrk Lua script that sends ``url`` with the query parameter ``unique`` counting up
    (one wrk thread, so every value is new)."""
    parts = urlsplit(url)
    prefix = f"{parts.path}?{parts.query}&" if parts.query else f"{parts.path}?"
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="vats-bench-", delete=False)
    with script:
        script.write(f"local n = 0\nrequest = function()\n  n = n + 1\n"
                     f"  return wrk.format(nil, [[{prefix}{unique}=]] .. n)\nend\n")  # fmt: skip
    return script.name


def _run_wrk(wrk: str, load: _Load, server_pid: int) -> WrkResult:
    command = ["taskset", "-c", load.cpus, wrk, "-t1", f"-c{load.connections}", f"-d{max(1, int(load.seconds))}s"]
    command.append("--latency")
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    script = _unique_script(load.url, load.unique) if load.unique else None
    if script:
        command += ["-s", script]
    try:
        out, wall, cpu_seconds = _server_cpu_while([*command, load.url], server_pid)
    finally:
        if script:
            os.unlink(script)
    completed = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # The distribution lines ("     50%   12.34ms"); "+/- Stdev" columns also end in "%".
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return WrkResult(
        requests_per_s=rps, p50_ms=p50, p99_ms=p99, errors=errors, server_cpu=round(cpu_seconds / wall, 2),
        server_cpu_ms_per_request=cpu_seconds * 1000 / max(completed, 1), completed=completed,
    )  # fmt: skip


def _run_load(load: _Load, server_pid: int) -> WrkResult:
    root = Path(__file__).resolve().parent.parent
    command = ["taskset", "-c", load.cpus, sys.executable, "-m", "bench.load", "--url", load.url]
    command += ["--connections", str(load.connections), "--seconds", str(load.seconds)]
    if load.unique:
        command += ["--unique", load.unique]
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    out, wall, cpu_seconds = _server_cpu_while(command, server_pid, cwd=root)
    cpu = cpu_seconds / wall  # the client's start-up included: a little low
    result = msgspec.json.decode(out.strip().splitlines()[-1])
    return WrkResult(
        requests_per_s=result["requests_per_s"], p50_ms=result["p50_ms"], p99_ms=result["p99_ms"],
        errors=result["errors"], server_cpu=round(cpu, 2), client="bench/load.py",
        server_cpu_ms_per_request=cpu_seconds * 1000 / max(result["completed"], 1),
        client_cpu=round(result["client_cpu"], 2), completed=result["completed"],
    )  # fmt: skip


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
    with serve_process([sys.executable, "-m", "vats.bots.cli", "serve"], env, cpus, "vats is serving") as served:
        yield served


@contextmanager
def serve_process(
    command: list[str], env: dict[str, str], cpus: str, ready_line: str
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A server pinned to ``cpus`` on a free VATS_PORT; yields the process and its base URL once
    it prints ``ready_line``."""
    port = free_port()
    full_env = {**os.environ, **env, "VATS_PORT": str(port), "VATS_LOG_LEVEL": "WARNING", "VATS_DEMO": "0"}
    command = ["taskset", "-c", cpus, *command]
    proc = subprocess.Popen(command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    said: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        said.append(line)
        if ready_line in line:
            break
        if not line and proc.poll() is not None:
            raise RuntimeError(f"{command} exited early:\n{''.join(said[-30:])}")
    # Keep draining its output so a chatty server never blocks on a full pipe.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    try:
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
