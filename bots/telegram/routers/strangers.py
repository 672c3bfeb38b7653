"""Whoever is not linked gets the same short instructions, whatever they send: no data."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from vats.bots.telegram.texts import t
from vats.core.bot import Language


def router() -> Router:
    r = Router(name="strangers")

    @r.message()
    async def instructions(message: Message, language: Language) -> None:
        if message.chat.type == "private":
            await message.answer(t(language, "stranger"))

    @r.callback_query()
    async def refuse(query: CallbackQuery, language: Language) -> None:
        await query.answer(t(language, "not_linked_alert"), show_alert=True)

    return r
