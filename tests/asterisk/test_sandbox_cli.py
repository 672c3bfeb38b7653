"""`vats asterisk sandbox` prints values a person can copy, whatever the width: the settings for
`vats serve` whole on their lines (never wrapped, even piped with a narrow COLUMNS) and the real
route of the SIP credentials."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from vats.core.asterisk.sandbox import free_port

from tests.asterisk.conftest import _need_asterisk


def test_sandbox_prints_whole_copyable_settings_and_the_real_credentials_route(
    vats_database_url: str, tmp_path: Path
) -> None:
    if os.geteuid() != 0 and not _need_asterisk():
        pytest.skip("the Asterisk sandbox needs root")
    env = {
        **os.environ, "VATS_DATABASE_URL": vats_database_url, "VATS_MEDIA_DIR": str(tmp_path / "media"),
        "VATS_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "40",
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "vats.bots.cli", "asterisk", "sandbox", "--sip-port", str(free_port()),
         "--ami-port", str(free_port())],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    heard: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [heard.put(line) for line in process.stdout or ()], daemon=True).start()
    deadline = time.monotonic() + 60
    try:
        while not any("Phones register" in line for line in lines):
            assert time.monotonic() < deadline, "".join(lines)
            with contextlib.suppress(queue.Empty):
                lines.append(heard.get(timeout=1))
            assert process.poll() is None or not heard.empty(), "".join(lines)  # it exited early
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    conf_dir = next(line for line in lines if line.strip().startswith("VATS_ASTERISK_CONF_DIR="))
    assert Path(conf_dir.strip().split("=", 1)[1]).is_dir()  # the whole path, on one line
    ami = next(line for line in lines if line.strip().startswith("VATS_AMI_URL="))
    assert ami.strip().startswith("VATS_AMI_URL=ami://vats:") and "@127.0.0.1:" in ami
    route = next(line for line in lines if "Phones register" in line)
    assert "/api/employees/{id}/sip-credentials" in route and "/api/me/sip-credentials" in route
