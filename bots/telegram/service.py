"""The running bot inside ``vats serve`` (when ``VATS_TELEGRAM_TOKEN`` is set): updates by long
polling, or by webhook into the Litestar app when ``VATS_TELEGRAM_WEBHOOK_URL`` is set; the
outbox sender; the admins' daily digest.

Telegram being unreachable at start-up does not stop vats: the bot keeps trying in the
background (alerts wait in the outbox meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.types import BotCommand
from vats.bots.telegram.dispatcher import build_dispatcher
from vats.bots.telegram.links import WEBHOOK_PATH
from vats.bots.telegram.outbox import Message, delivery, enqueue_message
from vats.bots.telegram.texts import t
from vats.core.bot import Language
from vats.core.protocols import KernelAPI
from vats.core.stopping import idle

log = logging.getLogger(__name__)

DIGEST_HOUR = 9  # local time of each tenant
STOP_STEP_S = 5.0  # the longest stop() waits for any one step of shutting down
COMMANDS = {
    "ru": [("status", "Моя доступность"), ("tasks", "Открытые задачи"), ("calls", "Звонки за сегодня")],
    "en": [("status", "My availability"), ("tasks", "Open tasks"), ("calls", "Today's calls")],
}


def webhook_secret(token: str) -> str:
    """The secret Telegram sends back in ``X-Telegram-Bot-Api-Secret-Token``: derived from the
    token, so every vats process behind one URL agrees without another setting."""
    return hmac.new(token.encode(), b"vats telegram webhook", hashlib.sha256).hexdigest()


class TelegramBot:
    def __init__(self, kernel: KernelAPI, **delivery_options: Any) -> None:
        config = kernel.config
        if not config.telegram_token:
            raise ValueError("VATS_TELEGRAM_TOKEN is not set")
        self.kernel = kernel
        session = AiohttpSession(api=TelegramAPIServer.from_base(config.telegram_api_url), timeout=20)
        self.bot = Bot(config.telegram_token, session=session)
        self.dispatcher = build_dispatcher(kernel)
        self.delivery = delivery(kernel, self.bot, **delivery_options)
        self.webhook_url: str | None = config.telegram_webhook_url
        self.secret = webhook_secret(config.telegram_token)
        self.username: str | None = None
        self.ready = asyncio.Event()  # set once Telegram answered getMe and updates flow
        self._tasks: list[asyncio.Task[None]] = []
        self._handling: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._keep_running("updates", self._updates), name="telegram updates"),
            asyncio.create_task(self._keep_running("outbox", self.delivery.run), name="telegram outbox"),
            asyncio.create_task(self._keep_running("digest", self._digests), name="telegram digest"),
        ]

    async def stop(self) -> None:
        """Stop within a bounded time, whatever is in flight: every wait here has a timeout, and
        the background tasks and in-flight webhook updates are cancelled, not awaited forever."""
        # RuntimeError "Polling is not started": webhook mode, or Telegram was never reached.
        with contextlib.suppress(RuntimeError, TimeoutError):
            await asyncio.wait_for(self.dispatcher.stop_polling(), timeout=STOP_STEP_S)
        tasks = [*self._tasks, *self._handling]
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=STOP_STEP_S)
            if pending:
                log.warning("telegram: %d task(s) did not stop within %.0f s; left behind", len(pending), STOP_STEP_S)
        self._tasks = []
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.bot.session.close(), timeout=STOP_STEP_S)

    async def _keep_running(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        delay = 1.0
        while True:
            try:
                await job()
                return
            except asyncio.CancelledError:
                raise
            except TelegramUnauthorizedError:
                log.error("Telegram refuses VATS_TELEGRAM_TOKEN; the bot is off until it is fixed")
                return
            except Exception as exc:
                log.warning("telegram %s stopped (%s: %s); again in %.0f s", name, type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def _updates(self) -> None:
        me = await self.bot.get_me()
        self.username = me.username
        for language, commands in COMMANDS.items():
            await self.bot.set_my_commands(
                [BotCommand(command=c, description=d) for c, d in commands],
                language_code=None if language == "en" else language,
            )
        if self.webhook_url:
            await self.bot.set_webhook(
                self.webhook_url, secret_token=self.secret,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )  # fmt: skip
            log.info("telegram bot @%s takes updates by webhook", self.username)
            self.ready.set()
            return
        await self.bot.delete_webhook()
        log.info("telegram bot @%s takes updates by long polling", self.username)
        self.ready.set()
        await self.dispatcher.start_polling(self.bot, handle_signals=False, close_bot_session=False)

    def feed_webhook(self, update: dict[str, Any]) -> None:
        """Handle one update posted by Telegram (already authenticated) without making it wait."""
        task: asyncio.Task[Any] = asyncio.create_task(self.dispatcher.feed_webhook_update(self.bot, update))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    def deep_link(self, code: str) -> str | None:
        return f"https://t.me/{self.username}?start={code}" if self.username else None

    # --- the admins' daily digest -------------------------------------------------------

    async def _digests(self) -> None:
        while True:
            await self.send_digests(dt.datetime.now(dt.UTC))
            await idle(60)

    async def send_digests(self, now: dt.datetime) -> int:
        """Queue the digest for every tenant whose 09:00 has come today and who has not had it;
        returns the number of messages queued."""
        async with self.kernel.db.system() as conn:
            tenants = await conn.fetch(
                "SELECT DISTINCT t.id, t.name, t.time_zone, d.sent_on FROM tenants t"
                " JOIN telegram_links l ON l.tenant_id = t.id"
                " JOIN employees e ON e.tenant_id = l.tenant_id AND e.id = l.employee_id AND e.role = 'admin'"
                " LEFT JOIN telegram_digests d ON d.tenant_id = t.id WHERE NOT t.suspended"
            )
        queued = 0
        for tenant in tenants:
            local = now.astimezone(zoneinfo.ZoneInfo(tenant["time_zone"]))
            if local.hour < DIGEST_HOUR or tenant["sent_on"] == local.date():
                continue
            async with self.kernel.db.tenant(tenant["id"]) as conn:
                # Claim the day first: of several vats processes, one sends the digest.
                claimed = await conn.fetchval(
                    "INSERT INTO telegram_digests AS d (tenant_id, sent_on) VALUES ($1, $2)"
                    " ON CONFLICT (tenant_id) DO UPDATE SET sent_on = EXCLUDED.sent_on"
                    " WHERE d.sent_on < EXCLUDED.sent_on RETURNING true",
                    tenant["id"], local.date(),
                )  # fmt: skip
                if not claimed:
                    continue
                admins = await conn.fetch(
                    "SELECT l.employee_id, l.chat_id, l.language FROM telegram_links l JOIN employees e"
                    " ON e.tenant_id = l.tenant_id AND e.id = l.employee_id"
                    " WHERE l.tenant_id = $1 AND e.role = 'admin'",
                    tenant["id"],
                )
                texts: dict[Language, str] = {}
                for language in {a["language"] for a in admins}:
                    parts = await self.kernel.plugins.emit(
                        "daily_digest", tenant_id=tenant["id"], conn=conn, language=language
                    )
                    if parts:
                        texts[language] = "\n\n".join([t(language, "digest", company=tenant["name"]), *parts])
                for admin in admins:
                    if admin["language"] in texts:
                        message = Message(text=texts[admin["language"]], language=admin["language"])
                        await enqueue_message(
                            conn, tenant["id"], admin["employee_id"], admin["chat_id"], "digest", message
                        )
                        queued += 1
        return queued


__all__ = ["WEBHOOK_PATH", "TelegramAPIError", "TelegramBot", "webhook_secret"]
