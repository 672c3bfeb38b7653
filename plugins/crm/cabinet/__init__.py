"""The CRM's pages in the web cabinet (Work → Contacts, Deals, Tasks), contributed through
``register_cabinet_pages`` as a third party's pages would be: controllers here, templates in
``templates/crm/``, texts in ``texts.py``, a stylesheet in ``static/``."""

from __future__ import annotations

from pathlib import Path

from vats.bots.web.cabinet.kit import ADMIN, EVERYONE, WORKERS, CabinetPages, NavEntry

TEMPLATES = Path(__file__).with_name("templates")


def pages() -> CabinetPages:
    from vats.plugins.crm.cabinet.assets import stylesheet
    from vats.plugins.crm.cabinet.contacts import ContactPages
    from vats.plugins.crm.cabinet.deals import DealPages
    from vats.plugins.crm.cabinet.tasks import TaskPages
    from vats.plugins.crm.cabinet.texts import EN, RU
    from vats.plugins.crm.cabinet.users import PAGE as USERS_PAGE
    from vats.plugins.crm.cabinet.users import TEXTS_EN as USERS_EN
    from vats.plugins.crm.cabinet.users import TEXTS_RU as USERS_RU
    from vats.plugins.crm.cabinet.users import CrmUserPages

    # The menu shows each page to the roles its API route admits: /api/deals is for workers.
    return CabinetPages(
        handlers=[ContactPages, DealPages, TaskPages, CrmUserPages, stylesheet],
        nav=[
            NavEntry(href="/cabinet/contacts", label_ru=RU["crm_contacts"], label_en=EN["crm_contacts"],
                     roles=EVERYONE, section="work", order=520),
            NavEntry(href="/cabinet/deals", label_ru=RU["crm_deals"], label_en=EN["crm_deals"],
                     roles=WORKERS, section="work", order=540),
            NavEntry(href="/cabinet/tasks", label_ru=RU["crm_tasks"], label_en=EN["crm_tasks"],
                     roles=EVERYONE, section="work", order=560),
            # After the webhook plugin's Интеграции (order 800): the ids its events carry.
            NavEntry(href=USERS_PAGE, label_ru="Пользователи CRM", label_en="CRM users",
                     roles=ADMIN, section="settings", order=801),
        ],
        templates=TEMPLATES,
        texts_ru={**RU, **USERS_RU},
        texts_en={**EN, **USERS_EN},
    )  # fmt: skip
