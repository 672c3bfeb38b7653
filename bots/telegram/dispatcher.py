"""The Telegram bot's dispatcher: the bot's own routers plus those plugins contribute.

(The bot's features, linking, availability and alert delivery, arrive in their own issue;
this is where plugin routers are attached.)
"""

from __future__ import annotations

from aiogram import Dispatcher, Router
from vats.core.plugins import PluginHost


def build_dispatcher(plugins: PluginHost) -> Dispatcher:
    """A new dispatcher with every plugin's routers; each call asks the plugins for new ones,
    because an aiogram Router can be attached to one dispatcher only."""
    dispatcher = Dispatcher()
    for router in plugins.collect("register_bot_routers"):
        if not isinstance(router, Router):
            raise TypeError(f"register_bot_routers must return aiogram Routers, got {router!r}")
        dispatcher.include_router(router)
    return dispatcher
