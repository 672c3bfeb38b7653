"""Conference rooms in the bot: ``/rooms`` lists the PBX's rooms with who is in each now (the
same live list the cabinet shows, core/conferences/live.py), with a button that reads it again
and edits the message in place. Every linked employee may look (seed 003 keeps the rooms'
recordings for admins; who is talking now is not a recording)."""

from __future__ import annotations

import uuid

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from vats.core.bot import BotUser, Language
from vats.core.conferences.live import as_seen_by, live_rooms
from vats.core.conferences.models import LiveRoom
from vats.core.protocols import KernelAPI

TEXTS: dict[str, dict[Language, str]] = {
    "none": {"ru": "В АТС нет комнат конференций.", "en": "The PBX has no conference rooms."},
    "title": {"ru": "Комнаты конференций:", "en": "Conference rooms:"},
    "empty": {"ru": "никого", "en": "nobody"},
    "people": {"ru": "в комнате {count}", "en": "{count} in the room"},
    "refresh": {"ru": "🔄 Обновить", "en": "🔄 Refresh"},
    "refreshed": {"ru": "Обновлено", "en": "Refreshed"},
}


def say(language: Language, key: str, **values: object) -> str:
    return TEXTS[key][language].format(**values)


class Refresh(CallbackData, prefix="rooms"):
    pass


def rooms_message(language: Language, rooms: list[LiveRoom], names: dict[uuid.UUID, str]) -> str:
    if not rooms:
        return say(language, "none")
    lines = [say(language, "title")]
    for room in rooms:
        people = room.participants
        lines.append("")
        lines.append(
            f"🎧 {room.name}: " + (say(language, "people", count=len(people)) if people else say(language, "empty"))
        )
        for p in people:
            who = names.get(p.employee_id) if p.employee_id else None
            lines.append(
                f"  • {who} ({p.caller})" if who and p.caller else f"  • {who or p.caller_name or p.caller or '—'}"
            )
    return "\n".join(lines)


async def _rooms(kernel: KernelAPI, user: BotUser, language: Language) -> tuple[str, InlineKeyboardMarkup]:
    async with kernel.db.tenant(user.tenant_id) as conn:
        rooms = as_seen_by(await live_rooms(conn, user.tenant_id), user.role)
        names = {r["id"]: r["full_name"] for r in await conn.fetch(
            "SELECT id, full_name FROM employees WHERE tenant_id = $1", user.tenant_id)}  # fmt: skip
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=say(language, "refresh"), callback_data=Refresh().pack())]]
    )
    return rooms_message(language, rooms, names), keyboard


def router() -> Router:
    r = Router(name="conferences")

    @r.message(Command("rooms"))
    async def show(message: Message, kernel: KernelAPI, user: BotUser, language: Language) -> None:
        text, keyboard = await _rooms(kernel, user, language)
        await message.answer(text, reply_markup=keyboard)

    @r.callback_query(Refresh.filter())
    async def refresh(query: CallbackQuery, kernel: KernelAPI, user: BotUser, language: Language) -> None:
        text, keyboard = await _rooms(kernel, user, language)
        if isinstance(query.message, Message) and query.message.text != text:
            await query.message.edit_text(text, reply_markup=keyboard)
        await query.answer(say(language, "refreshed"))

    return r
