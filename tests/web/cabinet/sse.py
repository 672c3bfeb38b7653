"""Reading a server-sent event stream over real HTTP in tests (httpx streaming, every wait
bounded)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class SseEvent:
    event: str
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


class EventStream:
    """The events of one open stream, gathered by a background task."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.events: asyncio.Queue[SseEvent] = asyncio.Queue()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        event, data = "message", []
        async for line in self.response.aiter_lines():
            if line == "":
                if data:
                    await self.events.put(SseEvent(event, "\n".join(data)))
                event, data = "message", []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))

    async def next(self, timeout_s: float = 20) -> SseEvent:
        return await asyncio.wait_for(self.events.get(), timeout_s)

    async def next_of(self, kind: str, timeout_s: float = 20) -> SseEvent:
        """The next event of this kind (others before it are skipped)."""
        async with asyncio.timeout(timeout_s):
            while True:
                event = await self.events.get()
                if event.event == kind:
                    return event

    def kinds_so_far(self) -> list[str]:
        return [e.event for e in list(self.events._queue)]  # type: ignore[attr-defined]

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self._task


@contextlib.asynccontextmanager
async def open_stream(client: httpx.AsyncClient, path: str = "/cabinet/events") -> AsyncIterator[EventStream]:
    async with client.stream("GET", path, timeout=httpx.Timeout(10, read=60)) as response:
        assert response.status_code == 200, response.status_code
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(response)
        try:
            assert (await stream.next()).event == "hello"
            yield stream
        finally:
            await stream.close()
