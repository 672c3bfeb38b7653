"""Dashboard widgets: what plugins put on Work → Рабочий стол, and on the operator portal's
Сводка.

A plugin implements ``register_dashboard_widgets`` and returns ``DashboardWidget`` objects: a
template to include and an async ``load`` that gives the template its data for the person who
opens the dashboard (or ``None``: nothing to show this time). A widget's ``area`` says whose
dashboard it is on: the tenant cabinet's (the default) or the operator portal's. The cabinet's
dashboard shows the widgets the person's role may see, in order, and leaves out those of plugins
the tenant switched off; the portal's shows every operator widget (an operator sees all). A
widget that fails to load is logged and left out; the rest of the dashboard still shows."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

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
    roles: frozenset[str] = EVERYONE  # the tenant's roles that see it (the cabinet's area only)
    order: int = 500  # smaller first
    area: Literal["tenant", "operator"] = "tenant"  # the cabinet's dashboard or the operator portal's


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
    """The cabinet's widgets the signed-in person sees, loaded, in order."""
    me = request.user
    assert isinstance(me, Principal)
    registered = [(plugin, w) for plugin, w in _registered(request) if w.area == "tenant" and me.role in w.roles]
    if not registered:
        return []
    kernel = kernel_of(request)
    assert kernel.db is not None
    async with kernel.db.tenant(me.tenant_id) as conn:
        disabled = await kernel.plugins.disabled_for(conn, me.tenant_id)
    return await _loaded(request, [(plugin, w) for plugin, w in registered if plugin not in disabled])


async def operator_dashboard_widgets(request: Request[Any, Any, Any]) -> list[ShownWidget]:
    """The operator portal's widgets, loaded, in order (every operator sees every one)."""
    return await _loaded(request, [(plugin, w) for plugin, w in _registered(request) if w.area == "operator"])


async def _loaded(request: Request[Any, Any, Any], widgets: list[tuple[str, DashboardWidget]]) -> list[ShownWidget]:
    shown = []
    for plugin, widget in widgets:
        try:
            data = await widget.load(request)
        except Exception:  # one plugin's failure must not take the dashboard down
            log.exception("dashboard widget %s of plugin %s failed to load", widget.name, plugin)
            continue
        if data is not None:
            shown.append(ShownWidget(name=widget.name, template=widget.template, data=data))
    return shown
