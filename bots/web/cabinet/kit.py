"""The cabinet's public kit: what a page needs, for built-in areas and plugins alike.

A plugin adds pages to the tenant cabinet or the operator portal by implementing the hook
``register_cabinet_pages`` and returning ``CabinetPages``: its Litestar controllers, its
navigation entries, a folder of Jinja templates and its texts in Russian and English. The
cabinet mounts the controllers behind the cookie session and CSRF check, hides a plugin's pages
and entries from tenants who switched the plugin off, and draws the entries in the shell's menu
for the roles they name. A page renders inside the shell with ``page()``, checks a role with
``require()`` and reads a posted form with ``form_fields()``: the same rules the API applies.
A form's refusal comes back with ``refusal()`` and ``form_context()`` (``formkit``); blocks on
the dashboard come from the hook ``register_dashboard_widgets`` as ``DashboardWidget`` objects.

Built-in areas use the same kit: one module per area in ``bots/web/cabinet/areas/``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import msgspec
from litestar import Request
from litestar.exceptions import PermissionDeniedException
from vats.bots.web.cabinet.formkit import REFUSED, form_context, refusal
from vats.bots.web.cabinet.pages import is_htmx, language, my_language, page, public_page
from vats.bots.web.cabinet.session import PUBLIC, redirect
from vats.bots.web.cabinet.texts import Lang, problem_text, texts
from vats.bots.web.cabinet.widgets import DashboardWidget, dashboard_widgets, operator_dashboard_widgets
from vats.bots.web.deps import caller
from vats.bots.web.kit import ADMIN, EVERYONE, MANAGERS, WORKERS, kernel_of, tenant_transaction
from vats.core.accounts.service import Principal

Area = Literal["tenant", "operator"]
# Where an entry sits in the menu: the day's work, the PBX's settings (admins, heads), my own
# pages; the operator portal has one section of its own.
Section = Literal["work", "settings", "me", "operator"]
SECTIONS: tuple[Section, ...] = ("work", "settings", "me", "operator")

# Longest value a cabinet form field may carry; anything longer is cut before services see it
# (services refuse over-long values themselves with a message naming the field).
MAX_FIELD = 10_000


class NavEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One link in the shell's menu."""

    href: str
    label_ru: str
    label_en: str
    roles: frozenset[str] = EVERYONE  # the roles that see the entry (and may open the page)
    section: Section = "work"
    order: int = 500  # smaller first within a section; built-in entries use 100..400

    def label(self, lang: Lang) -> str:
        return self.label_en if lang == "en" else self.label_ru


class CabinetPages(msgspec.Struct, kw_only=True):
    """What an area or a plugin adds to the cabinet."""

    handlers: Sequence[object]  # Litestar controllers / route handlers; paths under /cabinet or /operator
    nav: Sequence[NavEntry] = ()
    # A folder added to the template search path. Put templates in a subfolder named after the
    # plugin (``<folder>/crm/contacts.html``) so names never clash; extend "cabinet/base.html".
    templates: Path | None = None
    # Texts the templates read as ``t.<key>``; keys must be unique across the cabinet (prefix
    # them with the area or plugin name). A key missing in English falls back to Russian.
    texts_ru: Mapping[str, str] = msgspec.field(default_factory=dict)
    texts_en: Mapping[str, str] = msgspec.field(default_factory=dict)
    area: Area = "tenant"
    # Templates drawn in the shell's header of every tenant page (a plugin's bell, ...), in
    # contribution order; they render with the shell's context (``me``, ``t``, ``lang``).
    header: Sequence[str] = ()
    # Other ways to recover a password, offered on the "forgot password" page (href: a route
    # of the plugin's with ``opt={PUBLIC: True}``).
    recovery: Sequence[NavEntry] = ()


def require(request: Request[Any, Any, Any], roles: frozenset[str]) -> Principal:
    """The signed-in person, if their role is among ``roles``; others get the no-access page."""
    me = caller(request)
    if me.role not in roles:
        raise PermissionDeniedException("no access")
    return me


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """A posted form's text fields (the CSRF token and other ``_`` fields left out), each cut
    to ``MAX_FIELD`` characters."""
    form = await request.form()
    return {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str) and not k.startswith("_")}


__all__ = [
    "ADMIN",
    "EVERYONE",
    "MANAGERS",
    "MAX_FIELD",
    "PUBLIC",
    "REFUSED",
    "SECTIONS",
    "WORKERS",
    "Area",
    "CabinetPages",
    "DashboardWidget",
    "NavEntry",
    "Section",
    "caller",
    "dashboard_widgets",
    "form_context",
    "form_fields",
    "is_htmx",
    "kernel_of",
    "language",
    "my_language",
    "operator_dashboard_widgets",
    "page",
    "problem_text",
    "public_page",
    "redirect",
    "refusal",
    "require",
    "tenant_transaction",
    "texts",
]
