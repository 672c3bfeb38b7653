"""Settings → Employees and Me (controllers in bots/web/cabinet/cabinet.py)."""

from __future__ import annotations

from vats.bots.web.cabinet.cabinet import CabinetController
from vats.bots.web.cabinet.kit import EVERYONE, MANAGERS, CabinetPages, NavEntry


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[CabinetController],
        nav=[
            NavEntry(
                href="/cabinet/settings/employees", label_ru="Сотрудники", label_en="Employees",
                roles=MANAGERS, section="settings", order=100,
            ),
            NavEntry(href="/cabinet/me", label_ru="Я", label_en="Me", roles=EVERYONE, section="me", order=100),
        ],
    )  # fmt: skip
