"""A real SMTP server for tests (aiosmtpd, in its own thread on 127.0.0.1) that keeps what it
accepted and misbehaves on demand: answers 4xx or 5xx to a letter, or takes a letter and drops
the connection before saying so (the client cannot tell whether it was delivered)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class SmtpServer:
    def __init__(self) -> None:
        self.messages: list[Message] = []  # every letter accepted, duplicates included
        self.attempts = 0  # every DATA received, accepted or not
        self._faults: list[tuple[str, int]] = []  # ("status", code) or ("drop", 0), used first to last
        self._lock = threading.Lock()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port: int = s.getsockname()[1]
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        # A new controller each time: a stopped one has closed its event loop.
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail(self, times: int, code: int = 451) -> None:
        """Answer the next ``times`` letters with ``code`` (4xx: try later; 5xx: never)."""
        with self._lock:
            self._faults += [("status", code)] * times

    def drop_after_accept(self, times: int = 1) -> None:
        """Keep the next ``times`` letters but drop the connection instead of answering 250."""
        with self._lock:
            self._faults += [("drop", 0)] * times

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.attempts += 1
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None and fault[0] == "status":
            return f"{fault[1]} {'try again later' if fault[1] < 500 else 'refused'}"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if fault is not None:  # "drop": taken, but the client never hears so
            server.transport.close()
            await asyncio.sleep(0)
        return "250 OK"

    async def wait_for(self, condition: Callable[[], Any], within_s: float = 10.0) -> Any:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if result := condition():
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"the SMTP server did not see it within {within_s} s: {len(self.messages)} letters")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
