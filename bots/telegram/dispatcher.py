"""The Telegram bot's dispatcher: who is writing (middleware), then the routers in order:

1. linking (``/start CODE``, ``/start``, ``/unlink``), open to everyone;
2. for linked employees only (a root filter on a parent router, so strangers never reach a
   plugin): availability (``/status``) and every plugin's routers (``register_bot_routers``);
3. strangers: short instructions and nothing else.

Handlers may name ``user`` (:class:`vats.core.bot.BotUser`, or None for a stranger),
``language`` and ``kernel``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiogram import BaseMiddleware, Dispatcher, F, Router
from aiogram.types import TelegramObject, User
from vats.bots.telegram import links
from vats.bots.telegram.routers import conferences, linking, status, strangers
from vats.core.bot import BotUser, language_of
from vats.core.plugins import PluginHost
from vats.core.protocols import KernelAPI


class Identify(BaseMiddleware):
    """Puts ``kernel``, ``user`` (the linked employee or None) and ``language`` into the handler data."""

    def __init__(self, kernel: KernelAPI) -> None:
        self.kernel = kernel

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        user = await links.find(self.kernel.db, sender.id) if sender is not None else None
        language = language_of(sender.language_code if sender else None)
        if user is not None and user.chosen_language is not None:  # chosen in the cabinet: it wins
            language = user.chosen_language
        if user is not None and user.language != language:  # alerts follow the app's language too
            await links.set_language(self.kernel.db, user, language)
            user = msgspec.structs.replace(user, language=language)
        data.update(kernel=self.kernel, user=user, language=language)
        return await handler(event, data)


async def is_linked(_event: Any, user: BotUser | None = None) -> bool:
    return user is not None


def plugin_routers(plugins: PluginHost) -> list[Router]:
    routers = plugins.collect("register_bot_routers")
    for router in routers:
        if not isinstance(router, Router):
            raise TypeError(f"register_bot_routers must return aiogram Routers, got {router!r}")
    return routers


def build_dispatcher(kernel: KernelAPI) -> Dispatcher:
    """A new dispatcher; each call asks the plugins for new routers, because an aiogram Router
    can be attached to one dispatcher only."""
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(Identify(kernel))
    dispatcher.include_router(linking.router())
    members = Router(name="linked employees")
    # Private chats only: in a group chat, whatever the bot answered would be read by everyone there.
    members.message.filter(F.chat.type == "private", is_linked)
    members.callback_query.filter(is_linked)
    members.include_router(status.router())
    members.include_router(conferences.router())
    for router in plugin_routers(kernel.plugins):
        members.include_router(router)
    dispatcher.include_router(members)
    dispatcher.include_router(strangers.router())
    return dispatcher
