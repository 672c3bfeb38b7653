"""Gathers the cabinet's pages: every built-in area (one module per area in ``areas/``) and
every plugin's ``register_cabinet_pages``; mounts their controllers, adds their templates and
texts, and answers which menu entries a person sees."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Collection
from pathlib import Path

import msgspec
from litestar import Router
from vats.bots.web.auth import plugin_guard
from vats.bots.web.cabinet import areas
from vats.bots.web.cabinet.kit import SECTIONS, Area, CabinetPages, NavEntry, Section
from vats.bots.web.cabinet.texts import add_texts
from vats.core.plugins import PluginHost


class Contribution(msgspec.Struct, frozen=True):
    pages: CabinetPages
    plugin: str | None  # None for a built-in area


class MenuEntry(msgspec.Struct, frozen=True):
    """A menu link as the shell draws it, in the page's language."""

    href: str
    label: str
    section: Section


class CabinetRegistry:
    def __init__(self, contributions: list[Contribution]) -> None:
        self.contributions = contributions
        self._nav: list[tuple[str | None, NavEntry, Area]] = sorted(
            ((c.plugin, entry, c.pages.area) for c in contributions for entry in c.pages.nav),
            key=lambda item: (SECTIONS.index(item[1].section), item[1].order, item[1].href),
        )

    @property
    def template_dirs(self) -> list[Path]:
        return [c.pages.templates for c in self.contributions if c.pages.templates is not None]

    def routers(self, area: Area) -> list[Router]:
        """One router per contribution; a plugin's sits behind the guard that answers 404 to a
        tenant who switched the plugin off (the API's plugin routes use the same guard)."""
        return [
            Router(
                path="/",
                route_handlers=list(c.pages.handlers),  # type: ignore[arg-type]
                guards=[plugin_guard(c.plugin)] if c.plugin else [],
                opt={"plugin": c.plugin} if c.plugin else {},
                include_in_schema=False,
            )
            for c in self.contributions
            if c.pages.area == area and c.pages.handlers
        ]

    def menu(self, area: Area, role: str, lang: str, disabled: Collection[str] = ()) -> list[MenuEntry]:
        """The entries ``role`` sees in ``area``, in menu order, without switched-off plugins'.
        Operators have no roles: every operator sees every entry of the operator area."""
        return [
            MenuEntry(href=entry.href, label=entry.label("en" if lang == "en" else "ru"), section=entry.section)
            for plugin, entry, entry_area in self._nav
            if entry_area == area
            and (area == "operator" or role in entry.roles)
            and (plugin is None or plugin not in disabled)
        ]

    @property
    def has_plugin_entries(self) -> bool:
        return any(plugin is not None for plugin, _, _ in self._nav) or any(
            c.plugin is not None and c.pages.header for c in self.contributions
        )

    def recovery(self, lang: str) -> list[MenuEntry]:
        """Other ways to recover a password (the "forgot password" page's links)."""
        return [MenuEntry(href=e.href, label=e.label("en" if lang == "en" else "ru"), section=e.section)
                for c in self.contributions for e in c.pages.recovery]  # fmt: skip

    def header(self, disabled: Collection[str] = ()) -> list[str]:
        """The templates drawn in the tenant shell's header, without switched-off plugins'."""
        return [t for c in self.contributions if c.plugin not in disabled for t in c.pages.header]


def builtin_areas() -> list[CabinetPages]:
    """Every module in ``bots/web/cabinet/areas`` with a ``pages()`` function, by module name."""
    found = []
    for info in sorted(pkgutil.iter_modules(areas.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{areas.__name__}.{info.name}")
        make = getattr(module, "pages", None)
        if callable(make):
            found.append(make())
    return found


def collect_cabinet(plugins: PluginHost) -> CabinetRegistry:
    """Built-in areas first, then plugins' pages in hook order. Texts join the catalogue; a
    key given twice stops the start with an error naming it (two pages would show one text)."""
    contributions = [Contribution(pages=p, plugin=None) for p in builtin_areas()]
    contributions += [
        Contribution(pages=p, plugin=plugin)
        for plugin, p in plugins.collect_by_plugin("register_cabinet_pages")
        if isinstance(p, CabinetPages)
    ]
    for c in contributions:
        add_texts("ru", c.pages.texts_ru, owner=c.plugin or "cabinet")
        add_texts("en", c.pages.texts_en, owner=c.plugin or "cabinet")
    return CabinetRegistry(contributions)
