"""Settings → Numbers (admins): scenario, recording and number-as-caller-ID of each of the
PBX's numbers (controller in bots/web/cabinet/numbers.py)."""

from __future__ import annotations

from vats.bots.web.cabinet.kit import ADMIN, CabinetPages, NavEntry
from vats.bots.web.cabinet.numbers import NumbersController
from vats.bots.web.cabinet.people_texts import texts_of


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[NumbersController],
        nav=[
            NavEntry(
                href="/cabinet/settings/numbers", label_ru="Номера", label_en="Numbers",
                roles=ADMIN, section="settings", order=150,
            ),
        ],
        texts_ru=texts_of("ru", "numbers_"),
        texts_en=texts_of("en", "numbers_"),
    )  # fmt: skip
