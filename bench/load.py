"""A small HTTP/1.1 load generator for machines without wrk: keep-alive connections, each
sending its next GET as soon as the previous answer is complete, like ``wrk -t1 -cN``.

Run as its own process (pinned to its own core by the caller); prints one JSON line::

    python -m bench.load --url http://127.0.0.1:8000/x --connections 50 --seconds 5 -H "Authorization: Bearer ..."

Written on asyncio protocols (no streams, minimal parsing) so one core drives several times
the requests a Python server answers; the caller reports when the client was the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit


class _Connection(asyncio.Protocol):
    def __init__(self, request: Callable[[], bytes], stats: _Stats) -> None:
        self.request = request
        self.stats = stats
        self.buffer = b""
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        if self.stats.stopping:
            self.transport.close()
            return
        self.sent_at = time.perf_counter()
        self.transport.write(self.request())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            status = int(head[9:12])
            at = head.find(b"content-length:")
            if at >= 0:
                length = int(head[at + 15 : head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
                total = end + 4 + length
                if len(self.buffer) < total:
                    return
            else:  # chunked: the answer ends with the last, empty chunk
                last = self.buffer.find(b"\r\n0\r\n\r\n", end)
                if last < 0:
                    return
                total = last + 7
            self.buffer = self.buffer[total:]
            self.stats.record(status, time.perf_counter() - self.sent_at)
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.stats.stopping:
            self.stats.errors += 1
        if not self.closed.done():
            self.closed.set_result(None)


class _Stats:
    def __init__(self) -> None:
        self.stopping = False
        self.recording = False
        self.latencies: list[float] = []
        self.non_2xx = 0
        self.errors = 0
        self.completed = 0  # every answer, the warm-up's included (for CPU per request)

    def record(self, status: int, latency: float) -> None:
        self.completed += 1
        if not self.recording:
            return
        self.latencies.append(latency)
        if not 200 <= status < 400:
            self.non_2xx += 1


def request_maker(url: str, headers: dict[str, str], unique: str | None) -> Callable[[], bytes]:
    """The GET to send, the same each time, or with ``unique`` a query parameter given a new value
    on every request (so that no response cache can answer it)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    rest = "".join(f"\r\n{line}" for line in [f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items())])
    if unique is None:
        request = f"GET {path} HTTP/1.1{rest}\r\n\r\n".encode()
        return lambda: request
    head, tail = f"GET {path}{'&' if parts.query else '?'}{unique}=".encode(), f" HTTP/1.1{rest}\r\n\r\n".encode()
    counter = itertools.count()
    return lambda: head + str(next(counter)).encode() + tail


async def run(
    url: str, headers: dict[str, str], connections: int, seconds: float, unique: str | None = None
) -> dict[str, float]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = request_maker(url, headers, unique)
    stats = _Stats()
    loop = asyncio.get_running_loop()
    protocols = []
    for _ in range(connections):
        _, protocol = await loop.create_connection(lambda: _Connection(request, stats), host, port)
        protocols.append(protocol)
    await asyncio.sleep(min(0.5, seconds / 4))  # let every connection get going
    stats.recording = True
    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    stats.recording = False
    wall = time.perf_counter() - started
    cpu = (time.process_time() - cpu_started) / wall
    stats.stopping = True
    await asyncio.wait([p.closed for p in protocols], timeout=5)
    latencies = sorted(stats.latencies)

    def percentile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests_per_s": len(latencies) / wall,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "errors": stats.non_2xx + stats.errors,
        "completed": stats.completed,
        "client_cpu": cpu,  # near 1.0: the client, not the server, was the limit
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("-H", "--header", action="append", default=[])
    parser.add_argument("--unique", metavar="PARAM", help="a query parameter given a new value on every request")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    print(json.dumps(asyncio.run(run(args.url, headers, args.connections, args.seconds, args.unique))))


if __name__ == "__main__":
    main()
