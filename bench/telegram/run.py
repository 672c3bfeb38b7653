"""bench/telegram: task alerts through the outbox, against the fake Bot API over real HTTP.

Measures, in the same run and against the same fake server:

* baseline: the same alerts sent straight with ``bot.send_message``, one after another (what
  a bot without an outbox does: the floor of HTTP + the fake server);
* throughput: N alerts written to the outbox in their own transactions (as the CRM's tasks
  write them), then delivered by the outbox sender; alerts per second and the ratio to the
  baseline (the price of durability: claim, send, mark);
* latency: alerts written one at a time while the sender runs (woken by NOTIFY): p50/p99 from
  the commit to the fake server receiving the message.

Usage: python bench/telegram/run.py [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.progress import Progress
from vats.bots.telegram.outbox import delivery as telegram_delivery
from vats.bots.telegram.outbox import enqueue_task_alert
from vats.bots.telegram.service import TelegramBot
from vats.bots.telegram.testing import FakeTelegram
from vats.core.config import Config
from vats.core.kernel import Kernel, ensure_database, with_database
from vats.core.tasks import TaskNotice

from bench.common import throwaway_postgres

CHAT = 5000


def notice(tenant_id: uuid.UUID, employee_id: uuid.UUID, n: int) -> TaskNotice:
    return TaskNotice(
        id=uuid.uuid4(), tenant_id=tenant_id, kind="missed", title=f"alert {n}", assignee_kind="employee",
        assignee_id=employee_id, number=f"+7903{n:07d}", created_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip


def received(fake: FakeTelegram) -> int:
    return len(fake.delivered)


async def main_async(alerts: int, trickle: int) -> None:
    fake = FakeTelegram()
    fake.start()
    with throwaway_postgres() as server_url:
        url = with_database(server_url, "vats_bench")
        await ensure_database(server_url, "vats_bench")
        config = Config.from_env(
            {"VATS_DATABASE_URL": url, "VATS_DATA_DIR": "/tmp", "VATS_TELEGRAM_TOKEN": fake.token,
             "VATS_TELEGRAM_API_URL": fake.base_url}
        )  # fmt: skip
        kernel = await Kernel(config).start()
        bot = TelegramBot(kernel)  # its Bot and session only; the loops are started below by hand
        try:
            created = await kernel.directory.create_tenant(name="Bench", admin_email="admin@bench.example")
            tenant_id, employee_id = created.tenant_id, created.admin_id
            assert kernel.db is not None
            async with kernel.db.tenant(tenant_id) as conn:
                await conn.execute(
                    "INSERT INTO telegram_links (tenant_id, employee_id, telegram_user_id, chat_id) VALUES ($1, $2, 1, $3)",
                    tenant_id, employee_id, CHAT,
                )  # fmt: skip

            # Baseline: straight sends.
            started = time.perf_counter()
            for n in range(alerts):
                await bot.bot.send_message(CHAT, f"alert {n}")
            direct_s = time.perf_counter() - started
            before = received(fake)

            # Throughput: write all, then deliver.
            with Progress(transient=True) as progress:
                writing = progress.add_task("writing alerts", total=alerts)
                for n in range(alerts):
                    async with kernel.db.tenant(tenant_id) as conn:
                        await enqueue_task_alert(conn, kernel, notice(tenant_id, employee_id, n), reassigned=False)
                    progress.advance(writing)
            delivery = telegram_delivery(kernel, bot.bot, poll_s=0.2)
            started = time.perf_counter()
            while received(fake) - before < alerts:
                await delivery.deliver_due()
            outbox_s = time.perf_counter() - started

            # Latency: one alert at a time while the sender runs.
            runner = asyncio.create_task(delivery.run())
            await asyncio.sleep(0.3)
            latencies = []
            for n in range(trickle):
                count = received(fake)
                async with kernel.db.tenant(tenant_id) as conn:
                    await enqueue_task_alert(conn, kernel, notice(tenant_id, employee_id, n), reassigned=False)
                committed = time.perf_counter()
                while received(fake) == count:  # noqa: ASYNC110 (the fake counts in its own thread: poll)
                    await asyncio.sleep(0.0005)
                latencies.append((time.perf_counter() - committed) * 1000)
            deadline = time.monotonic() + 5  # the sender marks the last alert just after Telegram took it
            while time.monotonic() < deadline and await kernel.db.fetchval(  # noqa: ASYNC110
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
            ):
                await asyncio.sleep(0.01)
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            async with kernel.db.system() as conn:
                pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        finally:
            await bot.bot.session.close()
            await kernel.stop()
            fake.stop()
    direct_rate, outbox_rate = alerts / direct_s, alerts / outbox_s
    latencies.sort()
    print(f"bench/telegram ({alerts} alerts, fake Bot API over HTTP on 127.0.0.1)")
    print(f"  baseline: straight sendMessage        {direct_rate:8.0f} alerts/s")
    print(
        f"  outbox: claim, send, mark             {outbox_rate:8.0f} alerts/s   ratio {outbox_rate / direct_rate:.2f}"
    )
    print(f"  commit -> delivered ({trickle} alerts)      p50 {statistics.median(latencies):6.1f} ms"
          f"   p99 {latencies[int(len(latencies) * 0.99) - 1]:6.1f} ms")  # fmt: skip
    print(f"  left undelivered: {pending}")
    if pending:
        sys.exit("bench/telegram: alerts were left undelivered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a short run for CI")
    args = parser.parse_args()
    asyncio.run(main_async(200 if args.smoke else 3000, 50 if args.smoke else 500))


if __name__ == "__main__":
    main()
