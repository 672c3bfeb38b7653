"""Property-based API fuzzing with schemathesis over the OpenAPI spec, against a real
`vats serve` process: no 5xx, no status code the document does not list for the operation,
and no answer (success or problem details) that breaks its schema. Bounded for CI."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
OPERATOR = "fuzz-operator-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fuzz(base: str, header: str, *extra: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            SCHEMATHESIS, "run", f"{base}/schema/openapi.json",
            "--checks", "not_a_server_error,status_code_conformance,response_schema_conformance",
            "--header", header, "--max-examples", os.environ.get("VATS_FUZZ_EXAMPLES", "5"),
            "--no-shrink", "--seed", "20261122", "--request-timeout", "10", *extra,
        ],
        capture_output=True, text=True, timeout=600, cwd=cwd,
    )  # fmt: skip


def test_api_survives_fuzzing(vats_database_url: str, tmp_path: Path) -> None:
    port = free_port()
    # VATS_AGI_PORT=0: no call router, whose fixed port would clash with other runs on the machine.
    env = {**os.environ, "VATS_DATABASE_URL": vats_database_url, "VATS_PORT": str(port), "VATS_DATA_DIR": str(tmp_path),
           "VATS_OPERATOR_TOKEN": OPERATOR, "VATS_LOG_LEVEL": "WARNING",
           "VATS_AGI_PORT": "0"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "vats.bots.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    try:
        password = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if found := re.search(r"password: (\S+)", line):
                password = found.group(1)
            if "vats is serving" in line:
                break
        # Keep reading the server's output: a full pipe would block its logging and so the server.
        log: list[str] = []
        threading.Thread(target=lambda: log.extend(server.stdout), daemon=True).start()  # type: ignore[arg-type]
        assert password, "vats serve printed no demo password"
        base = f"http://127.0.0.1:{port}"
        request = urllib.request.Request(
            f"{base}/api/auth/login", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"email": "admin@demo.vats.example", "password": password}).encode(),
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.load(response)["access_token"]
        # The admin's token for the cabinet (routes that would end the session are left out) ...
        cabinet = fuzz(
            base,
            f"Authorization: Bearer {token}",
            "--exclude-path-regex",
            "^/api/(auth/logout|me/password|operator/)",
            cwd=tmp_path,
        )
        assert cabinet.returncode == 0, cabinet.stdout[-6000:]
        assert re.search(r"\d+ generated, \d+ passed", cabinet.stdout), cabinet.stdout[-2000:]
        # ... and the operator's token for the operator API.
        operator = fuzz(
            base, f"Authorization: Bearer {OPERATOR}", "--include-path-regex", "^/api/operator/", cwd=tmp_path
        )
        assert operator.returncode == 0, operator.stdout[-6000:]
        print(f"server logged {len(log)} lines, {sum(map(len, log))} characters")
        print("".join(log[-40:]))
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
