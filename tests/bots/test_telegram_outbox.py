"""Alert delivery through the outbox against a misbehaving fake Bot API: exactly once after 5xx
and 429 (whose retry_after is respected), at most twice when the connection drops after
Telegram accepted the message (counted), nothing lost while the bot is down, given up when the
user blocked the bot; the hooks plugins use to add buttons and digest paragraphs."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from aiogram.types import Message as TgMessage
from vats.bots.telegram.testing import FakeTelegram, running_bot
from vats.core import hookimpl
from vats.core.bot import AlertButton, BotUser
from vats.core.tasks import TaskNotice

from tests.bots.test_telegram import ANNA, link
from tests.plugins.crm.conftest import Clients, Company


async def new_task(admin: httpx.AsyncClient, company: Company, title: str, who: str = "201") -> str:
    response = await admin.post(
        "/api/tasks", json={"title": title, "assignee_kind": "employee", "assignee_id": str(company.people[who])}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def outbox(company: Company) -> list[Any]:
    assert company.kernel.db is not None
    async with company.kernel.db.system() as conn:
        return list(await conn.fetch("SELECT * FROM outbox WHERE channel = 'telegram' AND kind = 'task' ORDER BY id"))


async def settled(company: Company, count: int) -> list[Any]:
    """The outbox rows once ``count`` of them are sent or given up (the sender marks a row just
    after Telegram answered, so a test that saw the message waits for the mark)."""
    for _ in range(500):
        rows = await outbox(company)
        if len([r for r in rows if r["sent_at"] or r["failed_at"]]) >= count:
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError(f"outbox not settled: {rows}")


def delivered_texts(fake: FakeTelegram) -> list[str]:
    return [m["text"].splitlines()[1] for m in fake.delivered if m["chat"]["id"] == ANNA and "📝" in m["text"]]


async def test_refusals_and_rate_limits_deliver_each_alert_exactly_once(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients, caplog: Any
) -> None:
    await link(fake_telegram, await clients.of("201"), ANNA)
    admin = await clients.of("admin")
    fake_telegram.fail("sendMessage", 3, status=502)
    fake_telegram.rate_limit("sendMessage", 1, retry_after=1)
    fake_telegram.fail("sendMessage", 1, status=500)
    titles = [f"Задача {n}" for n in range(4)]
    for title in titles:
        await new_task(admin, company, title)
    await fake_telegram.wait_for(lambda: len(delivered_texts(fake_telegram)) >= 4, within_s=20)
    rows = await settled(company, 4)
    assert sorted(delivered_texts(fake_telegram)) == titles  # each once, none twice
    assert all(r["sent_at"] is not None and r["uncertain"] == 0 for r in rows)
    assert sum(r["attempts"] for r in rows) == 4 + 5  # every refusal was retried
    # retry_after was respected: nothing was sent within a second of the 429.
    sends = fake_telegram.sent("sendMessage")
    (limited,) = [p["_at"] for p in sends if p.get("_fault") == "retry"]
    assert min(p["_at"] for p in sends if p["_at"] > limited) - limited >= 0.95
    assert "retrying" in caplog.text and fake_telegram.token.split(":")[1] not in caplog.text  # no secret in logs


async def test_dropped_connection_after_accept_sends_at_most_twice_and_counts_it(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    await link(fake_telegram, await clients.of("201"), ANNA)
    fake_telegram.drop_after_accept("sendMessage")
    await new_task(await clients.of("admin"), company, "Перезвонить поставщику")
    await fake_telegram.wait_for(lambda: len(delivered_texts(fake_telegram)) == 2)
    (row,) = await settled(company, 1)
    assert row["sent_at"] is not None and row["uncertain"] == 1 and row["attempts"] == 2
    assert delivered_texts(fake_telegram) == ["Перезвонить поставщику"] * 2  # Telegram showed it twice, no more


async def test_alerts_wait_while_the_bot_is_down(
    vats_kernel: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    async with running_bot(vats_kernel, fake_telegram):
        await link(fake_telegram, await clients.of("201"), ANNA)
    await new_task(await clients.of("admin"), company, "Пока бот спал")
    (row,) = await outbox(company)
    assert row["sent_at"] is None and row["attempts"] == 0
    async with running_bot(vats_kernel, fake_telegram):
        await fake_telegram.wait_for(lambda: delivered_texts(fake_telegram) == ["Пока бот спал"])


async def test_blocked_bot_is_given_up_without_retries(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    await link(fake_telegram, await clients.of("201"), ANNA)
    fake_telegram.fail("sendMessage", 1, status=403)
    await new_task(await clients.of("admin"), company, "Никому")
    (row,) = await settled(company, 1)
    assert row["failed_at"] is not None and row["attempts"] == 1 and row["sent_at"] is None
    assert delivered_texts(fake_telegram) == []


class Ticket(CallbackData, prefix="tickets"):
    task_id: uuid.UUID


class TicketsPlugin:
    """A third party's plugin: a button under every task alert, its router, a digest line."""

    pressed: list[tuple[uuid.UUID, uuid.UUID]] = []

    @hookimpl
    def task_alert_buttons(self, task: TaskNotice, language: str) -> list[AlertButton]:
        text = "🎫 В тикет" if language == "ru" else "🎫 To a ticket"
        return [AlertButton(text=text, callback_data=Ticket(task_id=task.id).pack())]

    @hookimpl
    def register_bot_routers(self) -> list[Router]:
        router = Router(name="tickets")

        @router.callback_query(Ticket.filter())
        async def to_ticket(query: CallbackQuery, callback_data: Ticket, user: BotUser) -> None:
            self.pressed.append((callback_data.task_id, user.employee_id))
            await query.answer("🎫")

        return [router]

    @hookimpl
    async def daily_digest(self, tenant_id: uuid.UUID, language: str, conn: Any) -> str:
        count = await conn.fetchval("SELECT count(*) FROM employees WHERE tenant_id = $1", tenant_id)
        return f"Сотрудников: {count}" if language == "ru" else f"Employees: {count}"


async def test_hook_task_alert_buttons(
    vats_kernel: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients, vats_register_plugin: Any
) -> None:
    """A plugin's button sits under the CRM's on the alert, and its own router answers it."""
    plugin = TicketsPlugin()
    vats_register_plugin(plugin, name="tickets")
    async with running_bot(vats_kernel, fake_telegram):
        await link(fake_telegram, await clients.of("201"), ANNA)
        task_id = await new_task(await clients.of("admin"), company, "Счёт")
        alert = await fake_telegram.wait_for(
            lambda: next((m for m in fake_telegram.shown(ANNA) if "Счёт" in m.get("text", "")), None)
        )
        assert list(fake_telegram.buttons(alert)) == ["✅ Выполнено", "🎫 В тикет"]
        fake_telegram.press(ANNA, alert, fake_telegram.buttons(alert)["🎫 В тикет"])
        await fake_telegram.wait_for(lambda: plugin.pressed)
    assert plugin.pressed == [(uuid.UUID(task_id), company.people["201"])]


async def test_hook_daily_digest(
    vats_kernel: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients, vats_register_plugin: Any
) -> None:
    """At 09:00 local time each linked admin gets one digest a day: the CRM's paragraph and
    every plugin's; employees get none."""
    vats_register_plugin(TicketsPlugin(), name="tickets")
    admin_chat = 1000
    async with running_bot(vats_kernel, fake_telegram) as bot:
        await link(fake_telegram, await clients.of("admin"), admin_chat)
        await link(fake_telegram, await clients.of("201"), ANNA)
        await new_task(await clients.of("admin"), company, "Открытая")
        msk = dt.timezone(dt.timedelta(hours=3))  # the company's time zone: Europe/Moscow
        assert await bot.send_digests(dt.datetime(2026, 11, 24, 8, 59, tzinfo=msk)) == 0  # not yet
        assert await bot.send_digests(dt.datetime(2026, 11, 24, 9, 0, tzinfo=msk)) == 1
        assert await bot.send_digests(dt.datetime(2026, 11, 24, 18, 0, tzinfo=msk)) == 0  # once a day
        digest = await fake_telegram.wait_for(
            lambda: next((m for m in fake_telegram.shown(admin_chat) if "Сводка" in m.get("text", "")), None)
        )
        assert digest["text"].splitlines() == [
            "Сводка за день: Engine Co", "", "Открытых задач: 1 (новых за сутки: 1), просрочено: 0", "",
            "Сотрудников: 4",
        ]  # fmt: skip
        assert await bot.send_digests(dt.datetime(2026, 11, 25, 9, 1, tzinfo=msk)) == 1  # the next day
    assert not any("Сводка" in m.get("text", "") for m in fake_telegram.shown(ANNA))


async def test_stop_cancels_a_webhook_update_still_being_handled(
    vats_kernel: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients, vats_register_plugin: Any
) -> None:
    """A handler that never finishes (a plugin waiting on something that never answers) does not
    keep ``vats serve`` from stopping: stop() cancels it instead of waiting for it."""
    started, cancelled = asyncio.Event(), asyncio.Event()

    class Stuck:
        @hookimpl
        def register_bot_routers(self) -> list[Router]:
            router = Router(name="stuck")

            @router.message(Command("stuck"))
            async def stuck(message: TgMessage) -> None:
                started.set()
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    cancelled.set()
                    raise

            return [router]

    vats_register_plugin(Stuck(), name="stuck")

    async def run_and_stop() -> None:
        async with running_bot(vats_kernel, fake_telegram) as bot:
            await link(fake_telegram, await clients.of("201"), ANNA)
            message = {"message_id": 1, "date": 0, "chat": {"id": ANNA, "type": "private"},
                       "from": fake_telegram.user(ANNA), "text": "/stuck",
                       "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}  # fmt: skip
            bot.feed_webhook({"update_id": 10**6, "message": message})
            await asyncio.wait_for(started.wait(), 10)

    await asyncio.wait_for(run_and_stop(), 30)  # before the fix: stop() waited for the handler forever
    assert cancelled.is_set()
