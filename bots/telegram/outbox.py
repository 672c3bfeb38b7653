"""Telegram messages through the kernel's outbox (``vats.core.outbox``, channel ``telegram``).

Writing: ``enqueue_task_alert`` runs inside the transaction that created or reassigned the task
(the ``task_created`` / ``task_assigned`` hooks), one row per linked recipient, with the
message already rendered in the recipient's language. Nothing is lost while Telegram or the
bot is down: the rows wait.

Sending: :class:`TelegramChannel` tells the outbox how each attempt went:

* sent: done, exactly once;
* Telegram refused it (5xx, 429): it did not show the message, so the retry cannot make a
  duplicate; 429's ``retry_after`` pauses all sending for that long;
* fate unknown (the connection dropped or timed out after the request left, or the sender died
  with the row claimed): Telegram may have shown it, so the retry may show it twice; counted in
  ``uncertain``. Telegram has no idempotency key, so "at most twice" is the honest bound;
* refused for good (403: the user blocked the bot; 400: chat not found): given up, kept as failed.

When a link goes (unlinked, or the employee deleted), a trigger drops the alerts still waiting
for it (``migrations/0002``), so nothing reaches a chat that no longer speaks for the employee.

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
from zoneinfo import ZoneInfo

import aiohttp
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
from vats.core import outbox
from vats.core.bot import AlertButton, Language
from vats.core.db.database import Connection
from vats.core.outbox import Item, Outcome, Refused, Rejected, RetryPolicy, Sender, Sent, Unknown
from vats.core.protocols import KernelAPI
from vats.core.tasks import TaskNotice

log = logging.getLogger(__name__)

CHANNEL = "telegram"


class Message(msgspec.Struct, kw_only=True):
    """What one outbox row sends: text, inline buttons (rows), and optionally a voicemail file."""

    text: str
    language: Language = "ru"
    buttons: list[list[AlertButton]] = []
    voice: str | None = None


class Payload(msgspec.Struct, kw_only=True):
    """One outbox row of the ``telegram`` channel: to whom, and what."""

    employee_id: uuid.UUID
    chat_id: int
    message: Message
    task_id: uuid.UUID | None = None


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
    if task.call_id is not None and task.kind != "manual":
        called = await _call_facts(conn, task, language)
        if called:
            lines.append(called)
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


async def _call_facts(conn: Connection, task: TaskNotice, language: Language) -> str | None:
    """When the call was (the PBX's local time) and which of the company's numbers it came to."""
    row = await conn.fetchrow(
        "SELECT r.started_at, r.number, r.direction, n.name, t.time_zone FROM call_records r"
        " JOIN tenants t ON t.id = r.tenant_id"
        " LEFT JOIN numbers n ON n.tenant_id = r.tenant_id AND n.e164 = r.number"
        " WHERE r.tenant_id = $1 AND r.id = $2",
        task.tenant_id, task.call_id,
    )  # fmt: skip
    if row is None:
        return None
    at = row["started_at"].astimezone(ZoneInfo(row["time_zone"]))
    number = row["number"] if row["direction"] == "inbound" else None
    if number is None:
        return None
    shown = f"{number} «{row['name']}»" if row["name"] and row["name"] != number else number
    return t(language, "call_at", day=f"{at:%d.%m}", time=f"{at:%H:%M}", number=shown)


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
        payload = Payload(
            employee_id=r["employee_id"], chat_id=r["chat_id"], task_id=task.id, message=messages[r["language"]]
        )
        await outbox.enqueue(conn, tenant_id=task.tenant_id, channel=CHANNEL, kind="task", payload=payload)
    return len(rows)


async def enqueue_message(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, chat_id: int, kind: str, message: Message
) -> None:
    payload = Payload(employee_id=employee_id, chat_id=chat_id, message=message)
    await outbox.enqueue(conn, tenant_id=tenant_id, channel=CHANNEL, kind=kind, payload=payload)


def keyboard(buttons: list[list[AlertButton]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.callback_data) for b in row] for row in buttons
        ]
    )


# --- sending ------------------------------------------------------------------------------


class TelegramChannel:
    """Sends one row to Telegram with the bot, and says how it went."""

    name = CHANNEL

    def __init__(self, kernel: KernelAPI, bot: Bot) -> None:
        self.kernel, self.bot = kernel, bot

    async def send(self, item: Item) -> Outcome:
        payload = msgspec.convert(item.payload, Payload)
        try:
            sent = await self._deliver(payload.chat_id, payload.message)
        except TelegramRetryAfter as exc:
            return Refused(
                f"429 retry after {exc.retry_after} s", status=429, retry_after_s=float(exc.retry_after),
                pause_channel=True,
            )  # fmt: skip
        except TelegramServerError as exc:
            return Refused(str(exc))
        except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as exc:
            return Rejected(str(exc))
        except (TelegramNetworkError, OSError, TimeoutError) as exc:
            error = str(exc) or type(exc).__name__
            if isinstance(exc.__cause__, aiohttp.ClientConnectorError):
                return Refused(error)  # never connected: Telegram cannot have shown it
            return Unknown(error)  # the request may have reached Telegram
        return Sent(str(sent))

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


def delivery(
    kernel: KernelAPI,
    bot: Bot,
    *,
    base_delay_s: float = 2.0,
    max_delay_s: float = 300.0,
    give_up_after: dt.timedelta = dt.timedelta(hours=24),
    poll_s: float = 5.0,
    batch: int = 20,
) -> Sender:
    """The outbox sender of this process's bot."""
    retry = RetryPolicy(base_delay_s=base_delay_s, max_delay_s=max_delay_s, give_up_after=give_up_after)
    return Sender(kernel.db, TelegramChannel(kernel, bot), retry=retry, poll_s=poll_s, batch=batch)
