"""bench/startup: how long vats takes to start, next to what it cannot go faster than, in the
same run on the same machine.

* ``vats serve`` on an existing data dir (embedded PostgreSQL, demo tenant made by a first
  run): seconds until it is ready, i.e. ``/health`` answers 200 AND a signed-in API request
  (``GET /api/me`` with the token of ``POST /api/auth/login``) is answered AND the FastAGI
  port accepts a connection; next to the moment its PostgreSQL was ready (its log line), and
  to the embedded PostgreSQL's own start on that data dir without vats (baseline).
  Goal: ready within 2 s of its PostgreSQL being ready.
* ``vats --help`` next to ``python -c "import litestar"`` (baseline), and ``vats tenant list``
  (opens the database; run while the server is up, so it joins the running PostgreSQL).
  Goal: within 1.5x of the baseline.

    python bench/startup/run.py            # 3 serve starts, 7 runs of each command
    python bench/startup/run.py --smoke    # 1 serve start, 3 runs of each (CI)

Figures are medians of wall seconds, and of CPU seconds (the process's own, user + system),
which a busy machine changes much less than wall time: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
VATS = [PYTHON, "-m", "vats.bots.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VATS_")}
    env.update(VATS_DATA_DIR=str(data_dir), VATS_LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``command``."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return elapsed, _children_cpu() - cpu


def _request(url: str, body: dict[str, str] | None = None, token: str = "") -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Serve:
    """One `vats serve` start: timestamps of its output lines and of each readiness check."""

    def __init__(self, data_dir: Path) -> None:
        self.port, self.agi_port = free_port(), free_port()
        env = base_env(data_dir)
        env.update(VATS_PORT=str(self.port), VATS_AGI_PORT=str(self.agi_port))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [*VATS, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[tuple[float, str]] = []
        self.cpu_at_pg_ready = 0.0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        import psutil

        for line in self.process.stdout:
            self.lines.append((time.perf_counter() - self.started, line.rstrip()))
            if "embedded PostgreSQL ready" in line:  # the serve process's CPU so far
                times = psutil.Process(self.process.pid).cpu_times()
                self.cpu_at_pg_ready = times.user + times.system

    def seen(self, pattern: str) -> tuple[float, re.Match[str]] | None:
        for at, line in list(self.lines):
            if found := re.search(pattern, line):
                return at, found
        return None

    def wait_ready(self, email: str, password: str, timeout_s: float = 120) -> dict[str, float]:
        """Seconds from the start to each readiness check passing (polled every 20 ms)."""
        base = f"http://127.0.0.1:{self.port}"
        done: dict[str, float] = {}
        token = ""
        deadline = time.perf_counter() + timeout_s
        while len([name for name in done if name != "cpu"]) < 3:
            if time.perf_counter() > deadline or self.process.poll() is not None:
                output = "\n".join(line for _, line in self.lines)
                sys.exit(f"vats serve did not become ready:\n{output}")
            now = lambda: time.perf_counter() - self.started  # noqa: E731
            if "agi" not in done:
                with socket.socket() as s:
                    s.settimeout(1)
                    if s.connect_ex(("127.0.0.1", self.agi_port)) == 0:
                        done["agi"] = now()
            try:
                if "health" not in done and _request(f"{base}/health")[0] == 200:
                    done["health"] = now()
                if "api" not in done:
                    if not token:
                        status, body = _request(f"{base}/api/auth/login", {"email": email, "password": password})
                        if status == 200:
                            token = json.loads(body)["access_token"]
                    if token and _request(f"{base}/api/me", token=token)[0] == 200:
                        done["api"] = now()
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.02)
        import psutil

        times = psutil.Process(self.process.pid).cpu_times()
        done["cpu"] = times.user + times.system
        return done

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.reader.join(timeout=5)


def postgres_alone(data_dir: Path) -> float:
    """The embedded PostgreSQL's own start on this data dir (no vats), in a fresh process;
    only the start is timed, not the interpreter or the import."""
    code = (
        "import sys, time\n"
        "from vats.core.db.embedded import EmbeddedPostgres\n"
        "from pathlib import Path\n"
        "server = EmbeddedPostgres(Path(sys.argv[1]))\n"
        "t = time.perf_counter(); server.start(); print(time.perf_counter() - t)\n"
        "server.stop()\n"
    )
    done = subprocess.run([PYTHON, "-c", code, str(data_dir)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"embedded PostgreSQL did not start:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    starts, runs = (1, 3) if args.smoke else (3, 7)

    with tempfile.TemporaryDirectory(prefix="vats-bench-startup-") as folder:
        data_dir = Path(folder)
        first = Serve(data_dir)  # makes the data dir: database, migrations, demo tenant
        while (login := first.seen(r"Admin log-in: (\S+) password: (\S+)")) is None:
            if first.process.poll() is not None or time.perf_counter() - first.started > 180:
                sys.exit("the first vats serve printed no demo log-in:\n" + "\n".join(text for _, text in first.lines))
            time.sleep(0.05)
        email, password = login[1].group(1), login[1].group(2)
        first.wait_ready(email, password)
        first.stop()

        pg_alone: list[float] = []
        pg_ready: list[float] = []
        ready: list[float] = []
        after_pg: list[float] = []
        cpu_after_pg: list[float] = []
        checks: list[dict[str, float]] = []
        cli_help: list[tuple[float, float]] = []
        tenant_list: list[tuple[float, float]] = []
        baseline: list[tuple[float, float]] = []
        env = base_env(data_dir)
        for attempt in range(starts):
            pg_alone.append(postgres_alone(data_dir))
            serve = Serve(data_dir)
            done = serve.wait_ready(email, password)
            pg = serve.seen(r"embedded PostgreSQL ready")
            assert pg is not None, "no 'embedded PostgreSQL ready' line (VATS_LOG_LEVEL=INFO)"
            checks.append(done)
            pg_ready.append(pg[0])
            ready_at = max(done["health"], done["api"], done["agi"])
            ready.append(ready_at)
            after_pg.append(ready_at - pg[0])
            cpu_after_pg.append(done["cpu"] - serve.cpu_at_pg_ready)
            if attempt == 0:  # the commands, while the server (and its PostgreSQL) is up
                for _ in range(runs):
                    baseline.append(timed([PYTHON, "-c", "import litestar"], env))
                    cli_help.append(timed([*VATS, "--help"], env))
                    tenant_list.append(timed([*VATS, "tenant", "list"], env))
            serve.stop()

    med = statistics.median
    print(f"bench/startup ({starts} serve start(s) on an existing data dir, {runs} runs of each command; medians)")
    print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  embedded PostgreSQL alone, start          {med(pg_alone):6.2f} s   (baseline)")
    print(f"  vats serve: its PostgreSQL ready after    {med(pg_ready):6.2f} s")
    for name in ("health", "api", "agi"):
        label = {"health": "/health 200", "api": "signed-in GET /api/me", "agi": "AGI port accepts"}[name]
        print(f"  vats serve: {label:<28}  {med(c[name] for c in checks):6.2f} s")
    print(f"  vats serve: ready (all three)             {med(ready):6.2f} s   ({med(c['cpu'] for c in checks):.2f} s CPU)")
    gap = med(after_pg)
    print(
        f"  ready after its PostgreSQL was ready      {gap:6.2f} s   ({med(cpu_after_pg):.2f} s CPU)"
        f"  goal <= 2 s: {'met' if gap <= 2 else 'MISSED'}"
    )
    base_wall, base_cpu = med(w for w, _ in baseline), med(c for _, c in baseline)
    print(f"  python -c 'import litestar'               {base_wall:6.2f} s   ({base_cpu:.2f} s CPU; baseline)")
    for label, values in (("vats --help", cli_help), ("vats tenant list", tenant_list)):
        wall, cpu = med(w for w, _ in values), med(c for _, c in values)
        ratio = wall / base_wall
        verdict = "met" if ratio <= 1.5 else "MISSED"
        print(
            f"  {label:<40}  {wall:6.2f} s   ({cpu:.2f} s CPU)  ratio {ratio:4.2f} (CPU {cpu / base_cpu:4.2f}),"
            f" goal <= 1.5: {verdict}"
        )

if __name__ == "__main__":
    main()
