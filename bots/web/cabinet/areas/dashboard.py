"""Work → Рабочий стол: the blocks plugins contribute through ``register_dashboard_widgets``
(the CRM's calls, tasks and deals charts; billing's balance for admins), for everyone, each to
the roles it names, without the blocks of plugins the tenant switched off."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from vats.bots.web.cabinet.kit import EVERYONE, CabinetPages, NavEntry, dashboard_widgets, page, require

PAGE = "/cabinet/dashboard"


class DashboardPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def dashboard(self, request: Request[Any, Any, Any]) -> Template:
        require(request, EVERYONE)
        return await page(request, "dashboard.html", widgets=await dashboard_widgets(request))


TEXTS_RU = {
    "dashboard_title": "Рабочий стол",
    "dashboard_empty": "На рабочем столе пока ничего нет: его блоки добавляют модули АТС.",
}
TEXTS_EN = {
    "dashboard_title": "Dashboard",
    "dashboard_empty": "Nothing on the dashboard yet: the PBX's modules add its blocks.",
}


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[DashboardPage],
        nav=[
            NavEntry(
                href=PAGE, label_ru=TEXTS_RU["dashboard_title"], label_en=TEXTS_EN["dashboard_title"],
                roles=EVERYONE, section="work", order=100,
            )
        ],
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )  # fmt: skip
