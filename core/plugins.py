"""The plugin manager: which plugins are loaded, and how the kernel calls their hooks.

Every plugin, our default ones included, is found through the entry-point group ``vats``
(``[project.entry-points.vats]`` in its pyproject), so the kernel never names a plugin and a
third-party plugin is loaded exactly like ours. ``VATS_PLUGINS`` is an allow-list of names.
A tenant may switch a plugin off (table ``tenant_plugins``): its event hooks then do nothing
for that tenant, and frontends ask ``is_enabled`` before serving its blocks and routes. A
plugin that sets ``vats_tenant_switchable = False`` (billing: a PBX must not switch its own
charges off) cannot be switched off and is never skipped. A plugin's module may set
``vats_about = PluginAbout(...)``: its title and one line on what it does, shown in the
cabinet's Settings → АТС → Модули (without it the plugin's name is shown).
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import AsyncGenerator, Callable, Collection, Iterable, Iterator, Sequence
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import msgspec
import pluggy
from pluggy import HookImpl
from vats.core import hookspecs
from vats.core.db.database import Connection

if TYPE_CHECKING:
    from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "vats"

T = TypeVar("T")


class PluginAbout(msgspec.Struct, frozen=True, kw_only=True):
    """A plugin's title and one line on what it does, for a PBX's admin (Russian first, and
    English): set as ``vats_about`` in the plugin's module."""

    title: str
    description: str
    title_en: str = ""
    description_en: str = ""


class PluginError(ValueError):
    """A plugin cannot be loaded or failed while registering; the message names it."""


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
        self.kernel: KernelAPI | None = None  # the Kernel using this host (set by Kernel)
        # Each hook's implementations in calling order, computed once: lookups run on every
        # routing step. Plugins are (un)registered only through this host, which clears it.
        self._order: dict[str, tuple[HookImpl, ...]] = {}

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
        self._order.clear()
        registered = self.pm.register(plugin, name=name)
        if registered is None:
            raise PluginError(f"plugin {name!r} is already registered")
        wrappers = sorted(
            caller.name
            for caller in self.pm.get_hookcallers(plugin) or []
            for impl in caller.get_hookimpls()
            if impl.plugin is plugin and (impl.hookwrapper or impl.wrapper)
        )
        if wrappers:
            # Wrappers would run around our per-plugin calls in no defined way (each() calls
            # implementations one by one), so they are refused instead of silently ignored.
            self.pm.unregister(plugin)
            raise PluginError(
                f"plugin {registered!r}: hook wrappers are not supported on vats hooks ({', '.join(wrappers)})"
            )
        self.pm.check_pending()
        return registered

    def unregister(self, name: str) -> None:
        self._order.clear()
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

    def about(self, name: str) -> PluginAbout | None:
        """The plugin's ``vats_about`` (None: it gives none, show its name)."""
        about = getattr(self.pm.get_plugin(name), "vats_about", None)
        return about if isinstance(about, PluginAbout) else None

    def switchable(self, name: str) -> bool:
        """May a tenant switch this plugin off? (False: ``vats_tenant_switchable = False``.)"""
        return bool(getattr(self.pm.get_plugin(name), "vats_tenant_switchable", True))

    async def disabled_for(self, conn: Connection, tenant_id: uuid.UUID) -> set[str]:
        rows = await conn.fetch("SELECT plugin FROM tenant_plugins WHERE tenant_id = $1 AND NOT enabled", tenant_id)
        return {r["plugin"] for r in rows if self.switchable(r["plugin"])}

    async def is_enabled(self, conn: Connection, tenant_id: uuid.UUID, plugin: str) -> bool:
        return plugin not in await self.disabled_for(conn, tenant_id)

    async def set_enabled(self, conn: Connection, tenant_id: uuid.UUID, plugin: str, enabled: bool) -> None:
        if self.pm.get_plugin(plugin) is None:
            from vats.core.errors import NotFoundError

            raise NotFoundError(f"no plugin named {plugin!r} is loaded", field="plugin")
        if not enabled and not self.switchable(plugin):
            from vats.core.errors import ConflictError

            raise ConflictError(f"the plugin {plugin!r} cannot be switched off for a PBX", field="plugin")
        await conn.execute(
            "INSERT INTO tenant_plugins (tenant_id, plugin, enabled) VALUES ($1, $2, $3)"
            " ON CONFLICT (tenant_id, plugin) DO UPDATE SET enabled = EXCLUDED.enabled",
            tenant_id,
            plugin,
            enabled,
        )

    # --- calling ----------------------------------------------------------------------
    #
    # The rules live in three small methods only: ``_in_order`` (pluggy's order), ``_enabled``
    # (the tenant's switch-off) and ``_call`` (the arguments each implementation names, one
    # savepoint per plugin, a failure logged with the plugin's name; ``each_now`` is its
    # synchronous twin). The public methods loop over them and only decide what to keep of the
    # answers. ``first`` and ``merge`` run on every routing step, so they are plain loops, not
    # built on the async generator ``each``: creating, finalising and (for an early stop)
    # closing an async generator costs more than the rest of a one-block step's hook calls.

    def _in_order(self, hook: str) -> tuple[HookImpl, ...]:
        """The implementations in the order pluggy itself calls them (``_multicall`` walks
        ``get_hookimpls()`` backwards): tryfirst ones, then plain ones last-registered-first,
        then trylast ones."""
        order = self._order.get(hook)
        if order is None:
            order = self._order[hook] = tuple(reversed(getattr(self.pm.hook, hook).get_hookimpls()))
        return order

    def implemented(self, hook: str) -> bool:
        """Does any loaded plugin implement ``hook`` (to skip preparing its arguments)?"""
        return bool(self._in_order(hook))

    async def _enabled(
        self, hook: str, isolate_in: Connection | None, tenant_id: uuid.UUID | None, disabled: Collection[str] | None
    ) -> Iterable[HookImpl]:
        """The implementations to call, in order, without the plugins the tenant switched off:
        ``disabled`` names them, or they are read with ``isolate_in`` when only ``tenant_id``
        is given."""
        order = self._in_order(hook)
        if disabled is None:
            disabled = ()
            # a query only when some implementation could be switched off (billing's cannot)
            if isolate_in and tenant_id and any(self.switchable(impl.plugin_name) for impl in order):
                disabled = await self.disabled_for(isolate_in, tenant_id)
        if not disabled:
            return order
        return [impl for impl in order if impl.plugin_name not in disabled]

    def _arguments(
        self, kwargs: dict[str, Any], isolate_in: Connection | None, tenant_id: uuid.UUID | None
    ) -> dict[str, Any]:
        """What an implementation may name: the call's own arguments, ``tenant_id``, ``conn``
        (the connection of ``isolate_in``) and ``kernel``."""
        if tenant_id is not None:
            kwargs["tenant_id"] = tenant_id
        if isolate_in is not None:
            kwargs["conn"] = isolate_in
        kwargs["kernel"] = self.kernel
        return kwargs

    async def _call(self, hook: str, impl: HookImpl, kwargs: dict[str, Any], isolate_in: Connection | None) -> Any:
        """One plugin's answer, awaited; ``_FAILED`` if it raised (logged with its name, and
        rolled back to its own savepoint of ``isolate_in`` when given)."""
        try:
            if isolate_in is not None:
                async with isolate_in.transaction():
                    answer = impl.function(**{a: kwargs[a] for a in impl.argnames})
                    if inspect.isawaitable(answer):
                        answer = await answer
            else:
                answer = impl.function(**{a: kwargs[a] for a in impl.argnames})
                if inspect.isawaitable(answer):
                    answer = await answer
        except Exception:
            log.exception("plugin %r failed in hook %s; other plugins go on", impl.plugin_name, hook)
            return _FAILED
        return answer

    def each_now(self, hook: str, *, on_failure: Literal["stop", "log"], **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call a synchronous hook plugin by plugin, in pluggy's order: yield (plugin, answer).

        ``on_failure="stop"`` (registration hooks, at start-up): a plugin that raises stops the
        start with an error naming it, since a plugin that cannot say what it registers must not
        be half-loaded. ``"log"`` (``lookup_region``, during calls): logged with its name; the
        others go on.
        """
        for impl in self._in_order(hook):
            try:
                answer = impl.function(**{a: kwargs[a] for a in impl.argnames})
            except Exception as exc:
                if on_failure == "stop":
                    raise PluginError(f"plugin {impl.plugin_name!r} failed in hook {hook}: {exc}") from exc
                log.exception("plugin %r failed in hook %s; other plugins go on", impl.plugin_name, hook)
                continue
            yield impl.plugin_name, answer

    async def each(
        self,
        hook: str,
        *,
        isolate_in: Connection | None = None,
        tenant_id: uuid.UUID | None = None,
        disabled: Collection[str] | None = None,
        **kwargs: Any,
    ) -> AsyncGenerator[tuple[str, Any], None]:
        """Call a hook plugin by plugin, in pluggy's order; yield (plugin, answer), answers awaited.

        Each implementation gets only the arguments it names (``kernel`` included). With
        ``isolate_in`` it runs in its own savepoint of that connection; an exception is logged
        with the plugin's name (and rolled back to the savepoint) and the other plugins still
        run. Plugins the tenant switched off are skipped: ``disabled`` names them, or they are
        read with ``isolate_in`` when only ``tenant_id`` is given. The savepoint is closed
        before the answer is yielded, so a caller may stop early.
        """
        kwargs = self._arguments(kwargs, isolate_in, tenant_id)
        for impl in await self._enabled(hook, isolate_in, tenant_id, disabled):
            answer = await self._call(hook, impl, kwargs, isolate_in)
            if answer is not _FAILED:
                yield impl.plugin_name, answer

    def collect(self, hook: str, **kwargs: Any) -> list[Any]:
        """Call a registration hook; flatten the lists the plugins return."""
        return [obj for _, obj in self.collect_by_plugin(hook, **kwargs)]

    def collect_by_plugin(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Like ``collect`` but each object paired with the name of the plugin that gave it."""
        return [
            (plugin, obj)
            for plugin, returned in self.each_now(hook, on_failure="stop", **kwargs)
            for obj in returned or []
        ]

    async def emit(self, hook: str, *, tenant_id: uuid.UUID, conn: Connection, **kwargs: Any) -> list[Any]:
        """Call an event hook on every plugin enabled for the tenant, each in its own savepoint
        of ``conn``; the non-None answers in call order."""
        return [a async for _, a in self.each(hook, isolate_in=conn, tenant_id=tenant_id, **kwargs) if a is not None]

    async def emit_batch(
        self,
        hook: str,
        *,
        tenant_id: uuid.UUID,
        conn: Connection,
        batch_arg: str,
        batch: Sequence[Any],
        disabled: Collection[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """Call a batch event hook (``calls_ended``) once per plugin enabled for the tenant, the
        whole ``batch`` as the argument ``batch_arg``, each plugin in its own savepoint of ``conn``.

        A plugin that raises on the batch is rolled back to its savepoint and called again with
        each item alone, each in its own savepoint: it loses its work only on the items it fails
        on, as it would with the per-item hook, and the other plugins' work stays.
        """
        if not batch:
            return
        kwargs = self._arguments(kwargs, conn, tenant_id)
        for impl in await self._enabled(hook, conn, tenant_id, disabled):
            kwargs[batch_arg] = batch
            if await self._call(hook, impl, kwargs, conn) is _FAILED and len(batch) > 1:
                log.warning("plugin %r: hook %s again, one item at a time", impl.plugin_name, hook)
                for item in batch:
                    kwargs[batch_arg] = [item]
                    await self._call(hook, impl, kwargs, conn)

    async def switched_off(self, conn: Connection, tenant_id: uuid.UUID, *hooks: str) -> Collection[str]:
        """The plugins the tenant switched off, read only when some implementation of ``hooks``
        could be switched off (else empty, without a query): read once for several emits."""
        if any(self.switchable(impl.plugin_name) for hook in hooks for impl in self._in_order(hook)):
            return await self.disabled_for(conn, tenant_id)
        return ()

    async def first(
        self,
        hook: str,
        *,
        isolate_in: Connection | None = None,
        tenant_id: uuid.UUID | None = None,
        disabled: Collection[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """The first non-None answer (later plugins are not called), or None: for lookups."""
        kwargs = self._arguments(kwargs, isolate_in, tenant_id)
        for impl in await self._enabled(hook, isolate_in, tenant_id, disabled):
            answer = await self._call(hook, impl, kwargs, isolate_in)
            if answer is not None and answer is not _FAILED:
                return answer
        return None

    def first_now(self, hook: str, **kwargs: Any) -> Any:
        """``first`` for a synchronous lookup (``lookup_region``, asked on every call)."""
        for _, answer in self.each_now(hook, on_failure="log", **kwargs):
            if answer is not None:
                return answer
        return None

    async def merge(
        self,
        hook: str,
        combine: Callable[[T, T], T],
        *,
        isolate_in: Connection | None = None,
        tenant_id: uuid.UUID | None = None,
        disabled: Collection[str] | None = None,
        **kwargs: Any,
    ) -> T | None:
        """The non-None answers folded in call order, ``combine(so_far, next)``; None if none.
        A single answer is returned as it is."""
        kwargs = self._arguments(kwargs, isolate_in, tenant_id)
        merged: T | None = None
        for impl in await self._enabled(hook, isolate_in, tenant_id, disabled):
            answer = await self._call(hook, impl, kwargs, isolate_in)
            if answer is not None and answer is not _FAILED:
                merged = answer if merged is None else combine(merged, answer)
        return merged

    async def lifecycle(self, hook: str, **kwargs: Any) -> None:
        """``startup``/``shutdown``: every plugin in turn; a failure is logged, the rest go on."""
        async for _ in self.each(hook, **kwargs):
            pass


_FAILED: Any = object()  # ``_call``'s answer when the plugin raised (None is a real answer)
