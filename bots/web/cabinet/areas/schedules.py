"""Settings → Schedules: weekly grids with breaks (controllers in bots/web/cabinet/schedules/pages.py)."""

from __future__ import annotations

from vats.bots.web.cabinet.kit import ADMIN, CabinetPages, NavEntry
from vats.bots.web.cabinet.schedules.pages import SchedulePages
from vats.bots.web.cabinet.schedules.texts import EN, RU


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[SchedulePages],
        nav=[NavEntry(href="/cabinet/settings/schedules", label_ru="Графики", label_en="Schedules", roles=ADMIN,
                      section="settings", order=250)],
        texts_ru=RU,
        texts_en=EN,
    )  # fmt: skip
