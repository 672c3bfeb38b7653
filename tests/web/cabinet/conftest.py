"""A real vats web server (uvicorn in a thread, its own kernel on the test's database) and a
real headless Chromium driven by selenium. Without chromium the tests skip, except under CI
(CI=true), where they fail: CI installs chromium (scripts/test.sh)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from vats.bots.web.app import create_app
from vats.core.config import Config
from vats.core.kernel import Kernel

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn serving create_app(kernel) on 127.0.0.1 from a thread with its own event loop;
    over HTTPS with ``tls`` (certificate, key), addressed as ``name`` (a browser maps it to 127.0.0.1)."""

    def __init__(self, config: Config, *, tls: tuple[Path, Path] | None = None, name: str = "127.0.0.1") -> None:
        self.config = config
        self.port = _free_port()
        self.tls = tls
        self.url = f"{'https' if tls else 'http'}://{name}:{self.port}"
        self.started = threading.Event()
        self.error: BaseException | None = None
        self.server: uvicorn.Server | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the test by start()
            self.error = exc
            self.started.set()

    async def _serve(self) -> None:
        kernel = Kernel(self.config)
        await kernel.start()
        try:
            config = uvicorn.Config(
                create_app(kernel), host="127.0.0.1", port=self.port, log_level="warning",
                ssl_certfile=str(self.tls[0]) if self.tls else None, ssl_keyfile=str(self.tls[1]) if self.tls else None,
            )  # fmt: skip
            self.server = uvicorn.Server(config)
            serving = asyncio.create_task(self.server.serve())
            while not self.server.started and not serving.done():  # noqa: ASYNC110 (uvicorn has no event)
                await asyncio.sleep(0.05)
            self.started.set()
            await serving
        finally:
            await kernel.stop()

    def start(self) -> None:
        self.thread.start()
        self.started.wait(60)
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def cabinet_server(vats_config: Config, vats_kernel: Kernel) -> Iterator[Server]:
    """The server shares the test's database; the test's own kernel (vats_kernel) sets data up."""
    server = Server(vats_config)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _need_chromium() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("chromium and chromedriver are required under CI (scripts/test.sh installs them)")
    pytest.skip("chromium/chromedriver not installed")


@contextlib.contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    """A fresh headless Chromium (its own profile), 1280 px wide, with ``extra_args``."""
    _need_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="vats-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for arg in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", "--window-size=1280,900", "--lang=ru", *extra_args,
    ):  # fmt: skip
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "ru,en"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser() -> Iterator[Any]:
    """A fresh headless Chromium (its own profile), 1280 px wide."""
    with chromium() as driver:
        yield driver


@pytest.fixture
def screenshots() -> Path:
    """Where tests leave screenshots for a person to look at (VATS_SCREENSHOTS, else a temp dir)."""
    path = Path(os.environ.get("VATS_SCREENSHOTS") or tempfile.mkdtemp(prefix="vats-shots-"))
    path.mkdir(parents=True, exist_ok=True)
    return path
