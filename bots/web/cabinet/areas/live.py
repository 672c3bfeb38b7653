"""Live updates for open pages: the server-sent event stream (bots/web/cabinet/live.py)."""

from __future__ import annotations

from vats.bots.web.cabinet.kit import CabinetPages
from vats.bots.web.cabinet.live import LiveController


def pages() -> CabinetPages:
    return CabinetPages(handlers=[LiveController])
