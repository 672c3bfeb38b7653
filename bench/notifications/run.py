"""bench/notifications: e-mail and SMS through the kernel's outbox, against a real local SMTP
server (aiosmtpd) and a real local HTTP SMS gateway (aiohttp), each on a thread of its own.

Measures, in the same run and against the same fake servers:

* baseline: the same messages sent straight, one after another (the SMTP mailer's ``send``;
  the operator's generic HTTP SMS provider's ``send``): the floor of the protocol + the server;
* throughput: N messages written to the outbox in their own transactions, then delivered by
  the channel's sender (claim, send, mark); messages per second and the ratio to the baseline;
* latency: balance changes committed one at a time while the senders run (woken by NOTIFY):
  p50/p99 from the commit of a charge that takes the balance below the recipients' threshold
  to the low-balance warning at the SMTP server and at the SMS server, next to the time of a
  straight send of the same message.

Usage: python bench/notifications/run.py [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aiohttp import web
from aiosmtpd.controller import Controller
from vats.core.config import Config
from vats.core.kernel import Kernel, ensure_database, with_database
from vats.core.mail import Mail, enqueue_mail, mail_sender, mailer_for
from vats.core.outbox import RetryPolicy
from vats.plugins.billing import ledger
from vats.plugins.notifications.sms import HttpSmsConfig, HttpSmsProvider, SmsPayload, enqueue_sms, sms_sender

from bench.common import free_port, throwaway_postgres

MOBILE = "+79031234567"
THRESHOLD_KOP = 50_000


class Smtp:
    """aiosmtpd on its own thread: when each letter arrived, by subject."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrived: list[tuple[float, str]] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        subject = next((line for line in envelope.content.decode(errors="replace").splitlines()
                        if line.startswith("Subject:")), "")  # fmt: skip
        self.arrived.append((time.perf_counter(), subject))
        return "250 OK"


class SmsGateway:
    """An HTTP SMS gateway (aiohttp) on its own thread: when each SMS arrived, with its text."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrived: list[tuple[float, str]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.arrived.append((time.perf_counter(), str(body.get("text", ""))))
        return web.json_response({"status": "ok", "id": f"m{len(self.arrived)}"})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/send", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def rate_line(name: str, rate: float, base: float | None = None) -> str:
    ratio = f"   ratio {rate / base:.2f}" if base else ""
    return f"  {name:<38}{rate:8.0f} msg/s{ratio}"


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {statistics.median(ordered):6.1f} ms   p99 {ordered[max(0, int(len(ordered) * 0.99) - 1)]:6.1f} ms"


async def wait_for(condition: Any, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            sys.exit("bench/notifications: messages did not arrive in time")
        await asyncio.sleep(0.0005)


async def main_async(messages: int, trickle: int) -> None:
    smtp, gateway = Smtp(), SmsGateway()
    smtp.controller.start()
    gateway.start()
    quick = RetryPolicy(base_delay_s=0.05, max_delay_s=0.5)
    try:
        with throwaway_postgres() as server_url:
            url = with_database(server_url, "vats_bench")
            await ensure_database(server_url, "vats_bench")
            config = Config.from_env({
                "VATS_DATABASE_URL": url, "VATS_DATA_DIR": "/tmp", "VATS_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
                "VATS_MAIL_FROM": "pbx@bench.example",
            })  # fmt: skip
            kernel = await Kernel(config).start()
            try:
                results = await measure(kernel, smtp, gateway, quick, messages, trickle)
            finally:
                await kernel.stop()
    finally:
        smtp.controller.stop()
        gateway.stop()
    report(messages, trickle, *results)


async def measure(
    kernel: Kernel, smtp: Smtp, gateway: SmsGateway, quick: RetryPolicy, messages: int, trickle: int
) -> tuple[Any, ...]:
    created = await kernel.directory.create_tenant(name="Bench", admin_email="admin@bench.example")
    tenant_id = created.tenant_id
    provider_config = HttpSmsConfig(url=f"http://127.0.0.1:{gateway.port}/send", success_contains='"ok"',
                                    message_id_field="id")  # fmt: skip
    import msgspec

    async with kernel.db.system() as conn:
        await conn.execute(
            "UPDATE notification_settings SET sms_http = $1, sms_daily_limit = 1000000",
            msgspec.to_builtins(provider_config),
        )
    mailer = mailer_for(kernel.config, kernel.db)
    provider = HttpSmsProvider(provider_config)
    text = "АТС «Bench»: баланс -1,00 ₽, ниже 500,00 ₽. Пополните счёт."

    # Baselines: straight sends, one after another.
    started = time.perf_counter()
    straight_mail = []
    for n in range(messages):
        t0 = time.perf_counter()
        await mailer.send(Mail(to="buh@bench.example", subject=f"straight {n}", text=text))
        straight_mail.append((time.perf_counter() - t0) * 1000)
    mail_direct = messages / (time.perf_counter() - started)
    started = time.perf_counter()
    straight_sms = []
    for _ in range(messages):
        t0 = time.perf_counter()
        await provider.send(MOBILE, text)
        straight_sms.append((time.perf_counter() - t0) * 1000)
    sms_direct = messages / (time.perf_counter() - started)

    # Throughput: write all (each in its own transaction), then deliver.
    mail_out, sms_out = mail_sender(kernel.db, mailer, retry=quick, poll_s=0.2), sms_sender(kernel, retry=quick, poll_s=0.2)
    for n in range(messages):
        async with kernel.db.tenant(tenant_id) as conn:
            await enqueue_mail(conn, tenant_id=tenant_id, kind="bench", mail=Mail(to="buh@bench.example",
                                                                                   subject=f"outbox {n}", text=text))
    before = len(smtp.arrived)
    started = time.perf_counter()
    while len(smtp.arrived) - before < messages:
        if not await mail_out.deliver_due():
            await asyncio.sleep(0.01)
    mail_outbox = messages / (time.perf_counter() - started)
    for _ in range(messages):
        async with kernel.db.tenant(tenant_id) as conn:
            await enqueue_sms(conn, tenant_id=tenant_id, kind="bench", payload=SmsPayload(to=MOBILE, text=text))
    before = len(gateway.arrived)
    started = time.perf_counter()
    while len(gateway.arrived) - before < messages:
        if not await sms_out.deliver_due():
            await asyncio.sleep(0.01)
    sms_outbox = messages / (time.perf_counter() - started)

    # Latency: a charge crossing the threshold, committed while the senders run.
    async with kernel.db.tenant(tenant_id) as conn:
        await conn.execute(
            "INSERT INTO notification_recipients (tenant_id, kind, address, threshold_kop, verified_at) VALUES"
            " ($1, 'email', 'buh@bench.example', $2, now()), ($1, 'sms', $3, $2, now())",
            tenant_id, THRESHOLD_KOP, MOBILE,
        )  # fmt: skip
    runners = [asyncio.create_task(mail_out.run()), asyncio.create_task(sms_out.run())]
    await asyncio.sleep(0.3)
    to_mail, to_sms = [], []
    try:
        for n in range(trickle):
            async with kernel.db.tenant(tenant_id) as conn:  # back above the threshold: armed again
                await ledger.post(conn, tenant_id, kind="payment", amount_kop=THRESHOLD_KOP + 100,
                                  idempotency_key=f"up-{n}", kernel=kernel)  # fmt: skip
            mails, smses = len(smtp.arrived), len(gateway.arrived)
            async with kernel.db.tenant(tenant_id) as conn:
                await ledger.post(conn, tenant_id, kind="charge", amount_kop=-(THRESHOLD_KOP + 100),
                                  idempotency_key=f"down-{n}", kernel=kernel)  # fmt: skip
            committed = time.perf_counter()
            await wait_for(lambda: len(smtp.arrived) > mails and len(gateway.arrived) > smses)  # noqa: B023
            to_mail.append((smtp.arrived[mails][0] - committed) * 1000)
            to_sms.append((gateway.arrived[smses][0] - committed) * 1000)
        deadline = time.monotonic() + 5  # the senders mark the last messages just after the servers took them
        while time.monotonic() < deadline and await kernel.db.fetchval(  # noqa: ASYNC110
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        ):
            await asyncio.sleep(0.01)
    finally:
        for runner in runners:
            runner.cancel()
        await asyncio.gather(*runners, return_exceptions=True)
    async with kernel.db.system() as conn:
        pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        failed = await conn.fetchval("SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL")
    return (mail_direct, mail_outbox, sms_direct, sms_outbox, straight_mail, straight_sms, to_mail, to_sms,
            pending, failed)  # fmt: skip


def report(
    messages: int, trickle: int, mail_direct: float, mail_outbox: float, sms_direct: float, sms_outbox: float,
    straight_mail: list[float], straight_sms: list[float], to_mail: list[float], to_sms: list[float],
    pending: int, failed: int,
) -> None:  # fmt: skip
    print(f"bench/notifications ({messages} messages per channel; aiosmtpd and an HTTP SMS gateway on 127.0.0.1)")
    print(rate_line("e-mail baseline: straight SMTP send", mail_direct))
    print(rate_line("e-mail outbox: claim, send, mark", mail_outbox, mail_direct))
    print(rate_line("SMS baseline: straight HTTP send", sms_direct))
    print(rate_line("SMS outbox: claim, send, mark", sms_outbox, sms_direct))
    print(f"  straight send, e-mail                 {percentiles(straight_mail)}")
    print(f"  straight send, SMS                    {percentiles(straight_sms)}")
    print(f"  balance commit -> SMTP ({trickle} falls)   {percentiles(to_mail)}")
    print(f"  balance commit -> SMS ({trickle} falls)    {percentiles(to_sms)}")
    print(f"  left undelivered: {pending}, given up: {failed}")
    if pending or failed:
        sys.exit("bench/notifications: messages were left undelivered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a short run for CI")
    args = parser.parse_args()
    asyncio.run(main_async(50 if args.smoke else 1000, 10 if args.smoke else 200))


if __name__ == "__main__":
    main()
