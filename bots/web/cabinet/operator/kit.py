"""The operator portal's public kit, for pages of ``area="operator"`` (built-in or a plugin's,
through ``register_cabinet_pages``). Such pages are mounted behind the operator's own cookie
session and the CSRF check, so ``request.user`` is an :class:`Operator`.

* ``page(request, "myplugin/page.html", **context)`` renders inside the portal's shell (its
  menu is the registry's operator area: every operator sees every entry); templates extend
  "operator/base.html". ``public_page`` renders without the shell.
* ``current(request)`` is the signed-in :class:`Operator`; ``actions(request)`` the operator
  actions of the API (core/operators/actions.py), each audited with that operator's account.
* ``actor(request)`` and ``record`` (core/operators/audit.py) audit a plugin's own operator
  action the same way, e.g. ``async with kernel.db.system() as conn: await record(conn,
  actor(request), "tariff_changed", tenant_id=...)``.
* ``texts(lang)``, ``message(lang, detail)``: the portal's texts and a service's message in
  the page's language; ``language(request)`` picks the language."""

from __future__ import annotations

from typing import Any

from litestar import Request
from vats.bots.web.cabinet.operator.portal import actions, current, page, public_page
from vats.bots.web.cabinet.operator.texts import message, texts
from vats.bots.web.cabinet.pages import language
from vats.core.operators.accounts import Operator
from vats.core.operators.audit import Actor, record


def actor(request: Request[Any, Any, Any]) -> Actor:
    """The signed-in operator, as the audit log names them."""
    me = current(request)
    return Actor(label=me.email, operator_id=me.operator_id)


__all__ = [
    "Actor",
    "Operator",
    "actions",
    "actor",
    "current",
    "language",
    "message",
    "page",
    "public_page",
    "record",
    "texts",
]
