"""Settings → Employees: the list, adding, and one employee's card (controllers in
bots/web/cabinet/cabinet.py and card.py), with the softphone provisioning link the card's QR
codes hold (provisioning.py)."""

from __future__ import annotations

from vats.bots.web.cabinet.cabinet import CabinetController
from vats.bots.web.cabinet.card import EmployeeCardController
from vats.bots.web.cabinet.kit import EVERYONE, CabinetPages, NavEntry
from vats.bots.web.cabinet.people_texts import texts_of
from vats.bots.web.cabinet.provisioning import provisioning_xml


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[CabinetController, EmployeeCardController, provisioning_xml],
        nav=[
            NavEntry(
                href="/cabinet/settings/employees", label_ru="Сотрудники", label_en="Employees",
                roles=EVERYONE, section="settings", order=100,  # read-only but for admins (seed 001)
            ),
        ],
        texts_ru=texts_of("ru", "card_"),
        texts_en=texts_of("en", "card_"),
    )  # fmt: skip
