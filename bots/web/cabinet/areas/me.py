"""Профиль (Me): my details, language, SIP lines, password and Telegram (controller in
bots/web/cabinet/me.py). The Telegram bot sends people here: "Профиль → Telegram"."""

from __future__ import annotations

from vats.bots.web.cabinet.kit import EVERYONE, CabinetPages, NavEntry
from vats.bots.web.cabinet.me import MeController
from vats.bots.web.cabinet.people_texts import texts_of


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[MeController],
        nav=[
            NavEntry(
                href="/cabinet/me", label_ru="Профиль", label_en="Profile", roles=EVERYONE, section="me", order=100
            ),
        ],
        texts_ru=texts_of("ru", "me_"),
        texts_en=texts_of("en", "me_"),
    )
