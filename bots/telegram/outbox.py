"""Alerts through an outbox in PostgreSQL.

Writing: ``enqueue_task_alert`` runs inside the transaction that created or reassigned the task
(the ``task_created`` / ``task_assigned`` hooks), one row per linked recipient, with the
message already rendered in the recipient's language. Nothing is lost while Telegram or the
bot is down: the rows wait.

Sending (``Delivery``): any number of vats processes share the rows (``FOR UPDATE SKIP
LOCKED``). A row is claimed (attempt counted, ``sending_since`` set) and committed before the
request goes out, then marked with the outcome:

* sent: done, exactly once;
* Telegram refused it (5xx, 429): it did not show the message, so the retry cannot make a
  duplicate; 429's ``retry_after`` pauses all sending for that long;
* fate unknown (the connection dropped or timed out after the request left, or the sender died
  with the row claimed): Telegram may have shown it, so the retry may show it twice; counted in
  ``uncertain``. Telegram has no idempotency key, so "at most twice" is the honest bound;
* refused for good (403: the user blocked the bot; 400: chat not found): given up, kept as failed.

Retries back off from ``base_delay_s`` doubling to ``max_delay_s``; after ``give_up_after`` an
alert is stale and given up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import msgspec
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from vats.bots.telegram.texts import t
from vats.bots.telegram.voice import find_recording, to_mp3
from vats.core.bot import AlertButton, Language
from vats.core.db.database import Connection
from vats.core.protocols import KernelAPI
from vats.core.tasks import TaskNotice

log = logging.getLogger(__name__)

CHANNEL = "vats_telegram_outbox"


class Message(msgspec.Struct, kw_only=True):
    """What one outbox row sends: text, inline buttons (rows), and optionally a voicemail file."""

    text: str
    language: Language = "ru"
    buttons: list[list[AlertButton]] = []
    voice: str | None = None


# --- writing ------------------------------------------------------------------------------


async def recipients(conn: Connection, task: TaskNotice) -> list[Any]:
    """Linked employees the task is for: the assignee, or the members of the assignee group."""
    if task.assignee_kind == "employee":
        query = "SELECT employee_id, chat_id, language FROM telegram_links WHERE tenant_id = $1 AND employee_id = $2"
    else:
        query = (
            "SELECT l.employee_id, l.chat_id, l.language FROM telegram_links l JOIN group_members m"
            " ON m.tenant_id = l.tenant_id AND m.employee_id = l.employee_id"
            " WHERE l.tenant_id = $1 AND m.group_id = $2 ORDER BY m.position, l.employee_id"
        )
    rows = await conn.fetch(query, task.tenant_id, task.assignee_id)
    return [r for r in rows if r["employee_id"] != task.assigned_by]


async def alert_text(conn: Connection, task: TaskNotice, language: Language, *, reassigned: bool) -> str:
    lines = [t(language, f"reason_{task.kind}")]
    if reassigned:
        lines[0] += f" · {t(language, 'reassigned')}"
    who = ", ".join(filter(None, (task.contact_name, task.number)))
    if who:
        lines.append(t(language, "from", who=who))
    if task.kind == "manual" or not task.number:
        lines.append(task.title)
    if task.assignee_kind == "group":
        name = await conn.fetchval(
            "SELECT name FROM groups WHERE tenant_id = $1 AND id = $2", task.tenant_id, task.assignee_id
        )
        lines.append(t(language, "for_group", group=name or "?"))
    if task.deadline is not None:
        lines.append(t(language, "deadline", deadline=f"{task.deadline:%Y-%m-%d %H:%M} UTC"))
    return "\n".join(lines)


async def enqueue_task_alert(conn: Connection, kernel: KernelAPI, task: TaskNotice, *, reassigned: bool) -> int:
    """Write the task's alert for each linked recipient; returns how many rows were written."""
    rows = await recipients(conn, task)
    messages: dict[str, Message] = {}
    for language in sorted({r["language"] for r in rows}):
        results = await kernel.plugins.emit(
            "task_alert_buttons", tenant_id=task.tenant_id, conn=conn, task=task, language=language
        )
        buttons = [[b] for returned in results for b in returned]
        messages[language] = Message(
            text=await alert_text(conn, task, language, reassigned=reassigned), language=language, buttons=buttons,
            voice=task.voicemail if task.kind == "voicemail" else None,
        )  # fmt: skip
    for r in rows:
        await conn.execute(
            "INSERT INTO telegram_outbox (tenant_id, employee_id, chat_id, kind, task_id, message)"
            " VALUES ($1, $2, $3, 'task', $4, $5)",
            task.tenant_id, r["employee_id"], r["chat_id"], task.id, msgspec.to_builtins(messages[r["language"]]),
        )  # fmt: skip
    return len(rows)


async def enqueue_message(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, chat_id: int, kind: str, message: Message
) -> None:
    await conn.execute(
        "INSERT INTO telegram_outbox (tenant_id, employee_id, chat_id, kind, message) VALUES ($1, $2, $3, $4, $5)",
        tenant_id, employee_id, chat_id, kind, msgspec.to_builtins(message),
    )  # fmt: skip


def keyboard(buttons: list[list[AlertButton]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.callback_data) for b in row] for row in buttons
        ]
    )


# --- sending ------------------------------------------------------------------------------


class Delivery:
    """The outbox sender of one vats process."""

    LEASE = dt.timedelta(minutes=2)  # a claimed row another sender may take over after this

    def __init__(
        self,
        kernel: KernelAPI,
        bot: Bot,
        *,
        base_delay_s: float = 2.0,
        max_delay_s: float = 300.0,
        give_up_after: dt.timedelta = dt.timedelta(hours=24),
        poll_s: float = 5.0,
        batch: int = 20,
    ) -> None:
        self.kernel, self.bot = kernel, bot
        self.base_delay_s, self.max_delay_s, self.give_up_after = base_delay_s, max_delay_s, give_up_after
        self.poll_s, self.batch = poll_s, batch
        self.paused_until = 0.0  # loop time: Telegram's retry_after
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Send due alerts until cancelled; a new alert wakes the loop through NOTIFY."""
        listener = await self._listen()
        try:
            while True:
                pause = self.paused_until - asyncio.get_running_loop().time()
                if pause > 0:
                    await asyncio.sleep(pause)
                self._wake.clear()
                if await self.deliver_due() == self.batch:
                    continue
                wait = await self._next_due_in()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=min(self.poll_s, wait))
                except TimeoutError:
                    pass
        finally:
            if listener is not None:
                try:
                    await listener.close(timeout=2)
                except (OSError, TimeoutError, asyncpg.PostgresError):
                    listener.terminate()  # shutting down must not wait on the database

    async def _listen(self) -> asyncpg.Connection[asyncpg.Record] | None:
        try:
            conn: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(self.kernel.db.url)
            await conn.add_listener(CHANNEL, lambda *_: self._wake.set())
            return conn
        except (OSError, asyncpg.PostgresError) as exc:  # polling still delivers, a little later
            log.warning("telegram outbox cannot listen for new alerts (%s); polling", type(exc).__name__)
            return None

    async def _next_due_in(self) -> float:
        async with self.kernel.db.system() as conn:
            due = await conn.fetchval(
                "SELECT extract(epoch FROM min(next_attempt_at) - now()) FROM telegram_outbox"
                " WHERE sent_at IS NULL AND failed_at IS NULL"
            )
        return self.poll_s if due is None else max(0.0, float(due))

    async def deliver_due(self) -> int:
        """Claim and send the alerts that are due; returns how many were claimed."""
        async with self.kernel.db.system() as conn:
            claimed = await conn.fetch(
                "WITH due AS (SELECT id FROM telegram_outbox WHERE sent_at IS NULL AND failed_at IS NULL"
                "  AND next_attempt_at <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)"
                " UPDATE telegram_outbox o SET attempts = attempts + 1, next_attempt_at = now() + $2::interval,"
                "  uncertain = uncertain + (o.sending_since IS NOT NULL)::int, sending_since = now()"
                " FROM due WHERE o.id = due.id"
                " RETURNING o.id, o.tenant_id, o.chat_id, o.message, o.attempts, o.created_at",
                self.batch, self.LEASE,
            )  # fmt: skip
        for row in sorted(claimed, key=lambda r: r["id"]):
            if asyncio.get_running_loop().time() < self.paused_until:
                # Not tried: give the claim back (the loop sleeps out the pause first).
                await self._mark(row["id"], "attempts = attempts - 1, next_attempt_at = now(), sending_since = NULL")
                continue
            await self._send(row)
        return len(claimed)

    async def _send(self, row: Any) -> None:
        message = msgspec.convert(row["message"], Message)
        try:
            sent = await self._deliver(row["chat_id"], message)
        except TelegramRetryAfter as exc:
            self.paused_until = asyncio.get_running_loop().time() + exc.retry_after
            await self._retry(row["id"], float(exc.retry_after), f"429 retry after {exc.retry_after} s")
        except TelegramServerError as exc:
            await self._retry_or_give_up(row, str(exc))
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            await self._give_up(row["id"], str(exc))
        except TelegramBadRequest as exc:
            await self._give_up(row["id"], str(exc))
        except (TelegramNetworkError, OSError, TimeoutError) as exc:
            if not isinstance(exc.__cause__, aiohttp.ClientConnectorError):
                # The request may have reached Telegram: the retry may show the alert a second time.
                await self._mark(row["id"], "uncertain = uncertain + 1")
            await self._retry_or_give_up(row, str(exc) or type(exc).__name__)
        else:
            await self._mark(
                row["id"], "sent_at = now(), message_id = $2, sending_since = NULL, last_error = NULL", sent
            )

    async def _deliver(self, chat_id: int, message: Message) -> int:
        markup = keyboard(message.buttons)
        if message.voice:
            path = find_recording(Path(self.kernel.config.media_dir), message.voice)
            if path is not None:
                audio = await asyncio.to_thread(to_mp3, path)
                sent = await self.bot.send_voice(
                    chat_id, BufferedInputFile(audio, "voicemail.mp3"), caption=message.text[:1024],
                    reply_markup=markup,
                )  # fmt: skip
                return sent.message_id
            message = msgspec.structs.replace(message, text=f"{message.text}\n{t(message.language, 'no_voicemail')}")
        sent = await self.bot.send_message(chat_id, message.text, reply_markup=markup)
        return sent.message_id

    async def _mark(self, outbox_id: int, assignments: str, *args: Any) -> None:
        async with self.kernel.db.system() as conn:
            await conn.execute(f"UPDATE telegram_outbox SET {assignments} WHERE id = $1", outbox_id, *args)

    async def _retry(self, outbox_id: int, delay_s: float | None, error: str) -> None:
        await self._mark(
            outbox_id,
            "next_attempt_at = now() + make_interval(secs => $2), sending_since = NULL, last_error = $3",
            delay_s if delay_s is not None else self.base_delay_s, error[:500],
        )  # fmt: skip

    async def _retry_or_give_up(self, row: Any, error: str) -> None:
        if dt.datetime.now(dt.UTC) - row["created_at"] > self.give_up_after:
            await self._give_up(row["id"], f"stale: {error}")
            return
        delay = min(self.max_delay_s, self.base_delay_s * 2 ** (row["attempts"] - 1))
        log.warning("telegram alert %s not delivered (%s); retrying in %.1f s", row["id"], error, delay)
        await self._retry(row["id"], delay, error)

    async def _give_up(self, outbox_id: int, error: str) -> None:
        log.warning("telegram alert %s given up: %s", outbox_id, error)
        await self._mark(outbox_id, "failed_at = now(), sending_since = NULL, last_error = $2", error[:500])
