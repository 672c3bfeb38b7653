"""`vats serve` as a newcomer runs it: embedded PostgreSQL, migrations, demo tenant, health,
and a clean stop on Ctrl-C."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

from tests.serve import Served, free_port, start_serve


def postgres_running(data_dir: Path) -> bool:
    for p in psutil.process_iter(["name", "cmdline"]):
        if p.info["name"] == "postgres" and str(data_dir) in " ".join(p.info["cmdline"] or []):
            return True
    return False


def next_step(served: Served) -> str:
    """The line printed right after "vats is serving" (read by the server's reader thread)."""
    deadline = time.monotonic() + 15
    while not served.output and time.monotonic() < deadline:
        time.sleep(0.05)
    assert served.output, "nothing printed after the serving line"
    return served.output[0].rstrip("\n")


def test_serve_on_embedded_postgres_with_demo_and_clean_stop(tmp_path: Path) -> None:
    port = free_port()
    served = start_serve(tmp_path, port=port)
    try:
        login = served.admin_login()
        assert login and login[0] == "admin@demo.vats.example"
        # The start-up ends with what to do next, on a line of its own.
        assert next_step(served) == (
            f"Откройте http://127.0.0.1:{port}/ и войдите как admin@demo.vats.example с паролем из строки выше."
        )
        assert f"http://127.0.0.1:{port}/schema" in served.startup_text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            health = json.load(response)
        assert health["status"] == "ok" and health["database"] == "ok" and "audit" in health["plugins"]
        # The API docs are built once serving, yet asked at once they come whole, with examples.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/schema/openapi.json", timeout=30) as response:
            login_body = json.load(response)["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]
        assert "examples" in login_body["application/json"]
        # Another vats command on the same data folder joins the running embedded server.
        env = {k: v for k, v in os.environ.items() if k != "VATS_DATABASE_URL"}
        listed = subprocess.run(
            [sys.executable, "-m", "vats.bots.cli", "tenant", "list"],
            env={**env, "VATS_DATA_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert json.loads(listed.stdout)["name"] == "Demo company"
        assert postgres_running(tmp_path)
    finally:
        out = served.stop()
    assert served.process.returncode == 0, out
    assert "vats stopped" in out and "Traceback" not in out
    assert not postgres_running(tmp_path)

    # A second start keeps the data and does not create the demo again.
    again = start_serve(tmp_path, port=port)
    reminder = next_step(again)
    out = again.startup_text + again.stop()
    assert reminder.startswith(f"Откройте http://127.0.0.1:{port}/ и войдите как admin@demo.vats.example.")
    assert "«Забыли пароль?»" in reminder and "vats mail list" in reminder
    assert "Demo tenant created" not in out and again.process.returncode == 0
    assert login[1] not in out  # the password is never printed again


def test_a_clean_stop_after_a_kill_9_stops_the_embedded_postgres(tmp_path: Path) -> None:
    """kill -9 leaves the database running; the next serve joins it, and its clean stop must
    stop it (the killed process never said it left)."""
    port = free_port()
    killed = start_serve(tmp_path, port=port, log_level="INFO")
    # It names its database first, and each migration once (not also as a log line).
    assert killed.startup[0].strip() == f"database: embedded PostgreSQL in {tmp_path} (VATS_DATA_DIR)"
    said = killed.startup_text
    assert said.count("core/0001_directory.sql") == 1 and "applied migration" not in said
    killed.process.kill()
    killed.process.wait(timeout=10)
    assert postgres_running(tmp_path)
    served = start_serve(tmp_path, port=port)
    out = served.stop()
    assert served.process.returncode == 0, out
    assert not postgres_running(tmp_path)
