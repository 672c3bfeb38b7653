"""bench/mail: a letter with a large attachment, as the e-mailed call detail report sends it.

An SMTP server that discards what it takes (aiosmtpd's Sink) runs in its own process, so only
the sender's memory is measured. For a file of S/10 and S bytes:

* baseline: the usual way, the file read into an ``EmailMessage`` and handed to
  ``aiosmtplib.send`` (the whole message built and flattened in memory);
* streamed: ``core.mail.SmtpMailer`` with the attachment given by its path (the letter written
  to the connection piece by piece).

Printed: the peak Python memory (tracemalloc) and the time of each, and the ratio of the
streamed peak to the baseline's; the streamed peak should stay flat as the file grows tenfold.

Usage: python bench/mail/run.py [--smoke]   (full: 2 and 20 MB; smoke: 0.2 and 2 MB)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import aiosmtplib
from vats.core.mail import Attachment, Mail, SmtpMailer

from bench.common import free_port

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def start_sink(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the SMTP sink did not start")


async def measured(send: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Peak traced memory (MB) and seconds of one send."""
    tracemalloc.start()
    started = time.perf_counter()
    await send()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, seconds


async def main(smoke: bool) -> None:
    port = free_port()
    sink = start_sink(port)
    sizes = (200_000, 2_000_000) if smoke else (2_000_000, 20_000_000)
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "АТС <pbx@vats.example>")
    results: dict[int, tuple[tuple[float, float], tuple[float, float]]] = {}
    try:
        for size in sizes:
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
                file.write(os.urandom(size))
                file.flush()

                async def usual(path: str = file.name) -> object:
                    message = EmailMessage()
                    message["From"], message["To"], message["Subject"] = "pbx@vats.example", "b@r.example", "Отчёт"
                    message.set_content("Во вложении отчёт.")
                    content = await asyncio.to_thread(Path(path).read_bytes)
                    message.add_attachment(content, maintype="application", subtype="octet-stream",
                                           filename="calls.xlsx")  # fmt: skip
                    return await aiosmtplib.send(message, hostname="127.0.0.1", port=port, timeout=60)

                async def streamed(path: str = file.name) -> object:
                    attachment = Attachment(filename="calls.xlsx", mime_type=XLSX, path=path)
                    return await mailer.send(Mail(to="b@r.example", subject="Отчёт", text="Во вложении отчёт.",
                                                  attachments=(attachment,)))  # fmt: skip

                results[size] = (await measured(usual), await measured(streamed))
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    print(f"{'file':>10} {'usual peak':>12} {'usual s':>9} {'streamed peak':>14} {'streamed s':>11} {'ratio':>7}")
    for size, ((usual_mb, usual_s), (streamed_mb, streamed_s)) in results.items():
        print(f"{size / 1e6:>8.1f}MB {usual_mb:>10.2f}MB {usual_s:>9.2f} {streamed_mb:>12.2f}MB {streamed_s:>11.2f}"
              f" {streamed_mb / usual_mb:>7.3f}")  # fmt: skip
    small, large = (results[s][1][0] for s in sizes)
    print(f"streamed peak, file x10: {small:.2f} MB -> {large:.2f} MB (x{large / small:.2f})")
    if large > 4 * small + 1:
        raise SystemExit("the streamed letter's memory grows with the file")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small files, for CI")
    asyncio.run(main(parser.parse_args().smoke))
