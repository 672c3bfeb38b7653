"""Availability: ``/status`` (or the persistent button) shows the mode with the three modes as
inline buttons; a tap sets it at once (routing reads it from the next call on) and edits the
message in place."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from vats.bots.telegram.texts import TEXTS, mode_name, t
from vats.core.bot import BotUser, Language
from vats.core.directory import employees
from vats.core.directory.models import Availability
from vats.core.protocols import KernelAPI

MODES: tuple[Availability, ...] = ("unavailable", "by_schedule", "available")


class ModeChoice(CallbackData, prefix="mode"):
    mode: Availability


def status_message(language: Language, mode: str) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        [
            InlineKeyboardButton(
                text=("● " if m == mode else "") + mode_name(language, m), callback_data=ModeChoice(mode=m).pack()
            )
        ]
        for m in MODES
    ]
    return t(language, "status", mode=mode_name(language, mode)), InlineKeyboardMarkup(inline_keyboard=buttons)


async def current_mode(kernel: KernelAPI, user: BotUser) -> str:
    async with kernel.db.tenant(user.tenant_id) as conn:
        employee = await employees.get_employee(conn, user.tenant_id, user.employee_id)
    return employee.availability


def router() -> Router:
    r = Router(name="status")
    button_texts = set(TEXTS["status_button"].values())

    @r.message(Command("status"))
    @r.message(F.text.in_(button_texts))
    async def show(message: Message, kernel: KernelAPI, user: BotUser, language: Language) -> None:
        text, keyboard = status_message(language, await current_mode(kernel, user))
        await message.answer(text, reply_markup=keyboard)

    @r.message(Command("help"))
    async def help_(message: Message, language: Language) -> None:
        await message.answer(t(language, "help"))

    @r.callback_query(ModeChoice.filter())
    async def choose(
        query: CallbackQuery, callback_data: ModeChoice, kernel: KernelAPI, user: BotUser, language: Language
    ) -> None:
        await kernel.directory.set_availability(user.tenant_id, user.employee_id, callback_data.mode)
        text, keyboard = status_message(language, callback_data.mode)
        if isinstance(query.message, Message):
            await query.message.edit_text(text, reply_markup=keyboard)
        await query.answer(t(language, "mode_changed"))

    return r
