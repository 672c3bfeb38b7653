"""Settings → Scenarios: the list, the editor with the diagram beside it, "check a call"
(controllers in bots/web/cabinet/scenarios/pages.py)."""

from __future__ import annotations

from vats.bots.web.cabinet.kit import ADMIN, CabinetPages, NavEntry
from vats.bots.web.cabinet.scenarios.pages import ScenarioPages
from vats.bots.web.cabinet.scenarios.texts import EN, RU


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[ScenarioPages],
        nav=[NavEntry(href="/cabinet/settings/scenarios", label_ru="Сценарии", label_en="Scenarios", roles=ADMIN,
                      section="settings", order=300)],
        texts_ru=RU,
        texts_en=EN,
    )  # fmt: skip
