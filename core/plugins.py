"""The plugin manager: which plugins are loaded, and how the kernel calls their hooks.

Every plugin, our default ones included, is found through the entry-point group ``vats``
(``[project.entry-points.vats]`` in its pyproject), so the kernel never names a plugin and a
third-party plugin is loaded exactly like ours. ``VATS_PLUGINS`` is an allow-list of names.
A tenant may switch a plugin off (table ``tenant_plugins``): its event hooks then do nothing
for that tenant, and frontends ask ``is_enabled`` before serving its blocks and routes.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy
from vats.core import hookspecs
from vats.core.db.database import Connection

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "vats"


class PluginInfo:
    """What ``vats plugins`` shows: a plugin's name, where it comes from, its hooks."""

    def __init__(self, name: str, module: str, hooks: list[str]) -> None:
        self.name = name
        self.module = module
        self.hooks = hooks

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "module": self.module, "hooks": self.hooks}


class PluginHost:
    """Wraps pluggy's PluginManager with vats' loading rules and calling conventions."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("vats")
        self.pm.add_hookspecs(hookspecs)
        self.kernel: Any = None  # the Kernel using this host (set by Kernel)

    # --- loading ----------------------------------------------------------------------

    def load_installed(self, allow: Iterable[str] | None = None) -> None:
        """Register every plugin of the entry-point group, or only the allowed names."""
        allowed = set(allow) if allow is not None else None
        found = set()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            found.add(ep.name)
            if allowed is not None and ep.name not in allowed:
                continue
            if self.pm.get_plugin(ep.name) is not None:
                continue
            self.register(ep.load(), name=ep.name)
        if allowed is not None and (missing := allowed - found):
            raise ValueError(f"VATS_PLUGINS names plugins that are not installed: {sorted(missing)}")
        # A misspelled hook name fails loudly here instead of silently never being called.
        self.pm.check_pending()

    def register(self, plugin: object, name: str | None = None) -> str:
        registered = self.pm.register(plugin, name=name)
        if registered is None:
            raise ValueError(f"plugin {name!r} is already registered")
        self.pm.check_pending()
        return registered

    def unregister(self, name: str) -> None:
        self.pm.unregister(name=name)

    def names(self) -> list[str]:
        return sorted(name for name, _ in self.pm.list_name_plugin())

    def describe(self) -> list[PluginInfo]:
        infos = []
        for name, plugin in sorted(self.pm.list_name_plugin()):
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            module = getattr(plugin, "__name__", type(plugin).__module__)
            infos.append(PluginInfo(name, module, hooks))
        return infos

    # --- calling ----------------------------------------------------------------------

    def collect(self, hook: str, **kwargs: Any) -> list[Any]:
        """Call a registration hook; flatten the lists the plugins return."""
        results: list[Any] = []
        for returned in getattr(self.pm.hook, hook)(**kwargs):
            if returned:
                results.extend(returned)
        return results

    def collect_by_plugin(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Like ``collect`` but each object paired with the name of the plugin that gave it."""
        pairs: list[tuple[str, Any]] = []
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            returned = impl.function(**{a: kwargs[a] for a in impl.argnames})
            pairs.extend((impl.plugin_name, obj) for obj in returned or [])
        return pairs

    async def disabled_for(self, conn: Connection, tenant_id: uuid.UUID) -> set[str]:
        rows = await conn.fetch("SELECT plugin FROM tenant_plugins WHERE tenant_id = $1 AND NOT enabled", tenant_id)
        return {r["plugin"] for r in rows}

    async def is_enabled(self, conn: Connection, tenant_id: uuid.UUID, plugin: str) -> bool:
        return plugin not in await self.disabled_for(conn, tenant_id)

    async def set_enabled(self, conn: Connection, tenant_id: uuid.UUID, plugin: str, enabled: bool) -> None:
        if self.pm.get_plugin(plugin) is None:
            from vats.core.errors import NotFoundError

            raise NotFoundError(f"no plugin named {plugin!r} is loaded", field="plugin")
        await conn.execute(
            "INSERT INTO tenant_plugins (tenant_id, plugin, enabled) VALUES ($1, $2, $3)"
            " ON CONFLICT (tenant_id, plugin) DO UPDATE SET enabled = EXCLUDED.enabled",
            tenant_id,
            plugin,
            enabled,
        )

    async def emit(self, hook: str, *, tenant_id: uuid.UUID, conn: Connection, **kwargs: Any) -> list[Any]:
        """Call an event hook on every plugin enabled for the tenant, one at a time.

        Each implementation gets only the arguments it names, runs in its own savepoint, and
        its awaitable (if it returns one) is awaited. An exception is logged with the plugin's
        name and rolled back to the savepoint; the other plugins still run. Returns the
        non-None results in call order.
        """
        kwargs = {"tenant_id": tenant_id, "conn": conn, "kernel": self.kernel, **kwargs}
        disabled = await self.disabled_for(conn, tenant_id)
        results: list[Any] = []
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin_name in disabled:
                continue
            try:
                async with conn.transaction():
                    result = impl.function(**{a: kwargs[a] for a in impl.argnames})
                    if inspect.isawaitable(result):
                        result = await result
            except Exception:
                log.exception("plugin %r failed in hook %s; other plugins go on", impl.plugin_name, hook)
                continue
            if result is not None:
                results.append(result)
        return results
