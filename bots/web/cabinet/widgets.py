"""Dashboard widgets: what plugins put on Work → Рабочий стол.

A plugin implements ``register_dashboard_widgets`` and returns ``DashboardWidget`` objects: a
template to include and an async ``load`` that gives the template its data for the person who
opens the dashboard (or ``None``: nothing to show this time). The dashboard shows the widgets
the person's role may see, in order, and leaves out those of plugins the tenant switched off.
A widget that fails to load is logged and left out; the rest of the dashboard still shows."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
from litestar import Request
from vats.bots.web.kit import EVERYONE, kernel_of
from vats.core.accounts.service import Principal

log = logging.getLogger(__name__)

Load = Callable[[Request[Any, Any, Any]], Awaitable[Mapping[str, Any] | None]]


class DashboardWidget(msgspec.Struct, frozen=True, kw_only=True):
    """One block of the dashboard."""

    name: str  # unique on the dashboard; the block's element id is ``widget-<name>``
    template: str  # included inside the dashboard; reads its data as ``data`` (and ``t``, ``me``)
    load: Load  # the data for the person asking (the request's user); None hides the widget
    roles: frozenset[str] = EVERYONE
    order: int = 500  # smaller first


class ShownWidget(msgspec.Struct, frozen=True):
    name: str
    template: str
    data: Mapping[str, Any]


_STATE = "dashboard_widgets"


def _registered(request: Request[Any, Any, Any]) -> list[tuple[str, DashboardWidget]]:
    """Every plugin's widgets, collected once per app."""
    state = request.app.state
    if _STATE not in state:
        found = [
            (plugin, widget)
            for plugin, widget in kernel_of(request).plugins.collect_by_plugin("register_dashboard_widgets")
            if isinstance(widget, DashboardWidget)
        ]
        state[_STATE] = sorted(found, key=lambda item: (item[1].order, item[1].name))
    widgets: list[tuple[str, DashboardWidget]] = state[_STATE]
    return widgets


async def dashboard_widgets(request: Request[Any, Any, Any]) -> list[ShownWidget]:
    """The widgets the signed-in person sees, loaded, in order."""
    me = request.user
    assert isinstance(me, Principal)
    registered = [(plugin, w) for plugin, w in _registered(request) if me.role in w.roles]
    if not registered:
        return []
    kernel = kernel_of(request)
    assert kernel.db is not None
    async with kernel.db.tenant(me.tenant_id) as conn:
        disabled = await kernel.plugins.disabled_for(conn, me.tenant_id)
    shown = []
    for plugin, widget in registered:
        if plugin in disabled:
            continue
        try:
            data = await widget.load(request)
        except Exception:  # one plugin's failure must not take the dashboard down
            log.exception("dashboard widget %s of plugin %s failed to load", widget.name, plugin)
            continue
        if data is not None:
            shown.append(ShownWidget(name=widget.name, template=widget.template, data=data))
    return shown
