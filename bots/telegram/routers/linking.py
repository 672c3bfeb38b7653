"""``/start CODE`` links this Telegram account to the employee who asked the cabinet for the
code; ``/start`` alone greets; ``/unlink`` removes the link from the bot's side."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup
from vats.bots.telegram import links
from vats.bots.telegram.texts import t
from vats.core.bot import BotUser, Language
from vats.core.directory.service import load_tenant
from vats.core.protocols import KernelAPI


def status_keyboard(language: Language) -> ReplyKeyboardMarkup:
    """The persistent button under the input field."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t(language, "status_button"))]], resize_keyboard=True, is_persistent=True
    )


def router() -> Router:
    r = Router(name="linking")
    r.message.filter(F.chat.type == "private")  # links are personal: never from a group chat

    @r.message(CommandStart(deep_link=True))
    async def start_with_code(
        message: Message, command: CommandObject, kernel: KernelAPI, language: Language, user: BotUser | None
    ) -> None:
        assert message.from_user is not None
        linked = await links.redeem(
            kernel.db, command.args or "", telegram_user_id=message.from_user.id, chat_id=message.chat.id,
            username=message.from_user.username, language=language,
        )  # fmt: skip
        if linked is None:
            await message.answer(t(language, "link_bad"))
            return
        async with kernel.db.tenant(linked.tenant_id) as conn:
            tenant = await load_tenant(conn, linked.tenant_id)
            name = await conn.fetchval(
                "SELECT full_name FROM employees WHERE tenant_id = $1 AND id = $2",
                linked.tenant_id, linked.employee_id,
            )  # fmt: skip
        await message.answer(
            t(language, "linked", name=name, company=tenant.name, help=t(language, "help")),
            reply_markup=status_keyboard(language),
        )

    @r.message(CommandStart())
    async def start(message: Message, language: Language, user: BotUser | None) -> None:
        if user is None:
            await message.answer(t(language, "stranger"))
        else:
            await message.answer(t(language, "help"), reply_markup=status_keyboard(language))

    @r.message(Command("unlink"))
    async def unlink(message: Message, kernel: KernelAPI, language: Language, user: BotUser | None) -> None:
        if user is None:
            await message.answer(t(language, "stranger"))
            return
        async with kernel.db.tenant(user.tenant_id) as conn:
            await links.unlink(conn, user.tenant_id, user.employee_id)
        await message.answer(t(language, "unlinked"))

    return r
