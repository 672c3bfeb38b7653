"""The CRM's call pages in the web cabinet: Work → История (the call history), the charts of
Рабочий стол (a dashboard widget) and Статистика (admins), contributed through ``register_cabinet_pages`` like any
plugin's pages: controllers here, templates in ``templates/crm_calls/``, texts in ``texts.py``,
the stylesheet and the chart script in ``static/`` (Chart.js itself is the cabinet's vendored
copy)."""

from __future__ import annotations

from pathlib import Path

from litestar.static_files import create_static_files_router
from vats.bots.web.cabinet.kit import EVERYONE, CabinetPages, NavEntry

HERE = Path(__file__).parent


def pages() -> CabinetPages:
    from vats.plugins.crm.cabinet_calls.dashboard import DashboardPages
    from vats.plugins.crm.cabinet_calls.history import HistoryPages
    from vats.plugins.crm.cabinet_calls.texts import EN, RU

    assets = create_static_files_router(
        path="/cabinet/crm-calls/static", directories=[HERE / "static"], include_in_schema=False
    )
    return CabinetPages(
        handlers=[HistoryPages, DashboardPages, assets],
        nav=[
            NavEntry(href="/cabinet/history", label_ru=RU["calls_history"], label_en=EN["calls_history"],
                     roles=EVERYONE, section="work", order=500),
            NavEntry(href="/cabinet/statistics", label_ru=RU["calls_statistics"], label_en=EN["calls_statistics"],
                     roles=EVERYONE, section="work", order=590),
        ],
        templates=HERE / "templates",
        texts_ru=RU,
        texts_en=EN,
    )  # fmt: skip
