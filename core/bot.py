"""The Telegram bot's contract with plugins (the bot itself lives in ``vats.bots.telegram``).

* Handlers of the routers a plugin returns from ``register_bot_routers`` run only for linked
  Telegram users and may name these keyword arguments: ``user`` (a :class:`BotUser`: who is
  writing, in which tenant, with which role and language) and ``kernel`` (the running kernel).
  Strangers never reach a plugin's router.
* ``task_alert_buttons`` returns :class:`AlertButton` rows the bot puts under a task alert;
  the plugin's own router answers the button's ``callback_data``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from vats.core.directory.models import Role

Language = Literal["ru", "en"]


class BotUser(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    role: Role
    language: Language  # what the bot speaks to them: their own choice, else their Telegram app's
    telegram_user_id: int
    chat_id: int
    chosen_language: Language | None = None  # employees.language (None: follow the app)


class AlertButton(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    callback_data: Annotated[str, msgspec.Meta(max_length=64)]  # Telegram's limit, in bytes


def language_of(language_code: str | None) -> Language:
    """Russian for Russian (and the languages of its neighbours that read it), English otherwise."""
    return "ru" if (language_code or "").split("-")[0].lower() in ("ru", "uk", "be", "kk", "uz", "ky") else "en"
