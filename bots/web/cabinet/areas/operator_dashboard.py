"""Operator portal → Сводка: the blocks plugins contribute through ``register_dashboard_widgets``
with ``area="operator"`` (billing's money across every PBX, say), one under another."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from vats.bots.web.cabinet.kit import CabinetPages, NavEntry, operator_dashboard_widgets
from vats.bots.web.cabinet.operator.kit import page

PAGE = "/operator/dashboard"


class OperatorDashboardPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def dashboard(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "operator/dashboard.html", widgets=await operator_dashboard_widgets(request))


TEXTS_RU = {
    "op_dashboard_title": "Сводка",
    "op_dashboard_empty": "В сводке пока ничего нет: её блоки добавляют модули vats.",
}
TEXTS_EN = {
    "op_dashboard_title": "Overview",
    "op_dashboard_empty": "Nothing in the overview yet: vats's modules add its blocks.",
}


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[OperatorDashboardPage],
        nav=[
            NavEntry(
                href=PAGE, label_ru=TEXTS_RU["op_dashboard_title"], label_en=TEXTS_EN["op_dashboard_title"],
                section="operator", order=50,
            )
        ],
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
        area="operator",
    )  # fmt: skip
