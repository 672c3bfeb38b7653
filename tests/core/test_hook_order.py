"""Every PluginHost method calls hooks in pluggy's order: tryfirst, then plain implementations
last-registered-first, then trylast; and hook wrappers are refused."""

import logging
import uuid
from typing import Any

import pluggy
import pytest
from vats.core import hookimpl
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.plugins import PluginError, PluginHost

# pluggy's own order for these registrations (checked against pluggy itself below).
PLUGGY_ORDER = ["first", "plain-registered-last", "plain-registered-first", "last"]


def order_plugin(name: str, calls: list[str], **marks: bool) -> object:
    """A plugin whose every hook notes its name in ``calls`` and answers with it."""

    class OrderPlugin:
        @hookimpl(**marks)
        def register_routes(self) -> list[str]:
            return [name]

        @hookimpl(**marks)
        async def employee_changed(self, change: str) -> str:
            calls.append(name)
            return name

        @hookimpl(**marks)
        def lookup_contact(self, number: str) -> str | None:
            calls.append(name)
            # The tryfirst plugin does not know the caller, so the next one's answer wins.
            return None if name == "first" else name

        @hookimpl(**marks)
        async def ring_state(self, employee_ids: list[uuid.UUID]) -> list[str]:
            calls.append(name)
            return [name]

        @hookimpl(**marks)
        def lookup_region(self, number: str) -> str | None:
            calls.append(name)
            return None if name == "first" else name

        @hookimpl(**marks)
        def startup(self) -> None:
            calls.append(name)

    return OrderPlugin()


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def host(calls: list[str]) -> PluginHost:
    """The four plugins registered in the reverse of pluggy's calling order."""
    host = PluginHost()
    host.register(order_plugin("last", calls, trylast=True), name="last")
    host.register(order_plugin("plain-registered-first", calls), name="plain-registered-first")
    host.register(order_plugin("plain-registered-last", calls), name="plain-registered-last")
    host.register(order_plugin("first", calls, tryfirst=True), name="first")
    return host


def test_the_expected_order_is_the_one_pluggy_itself_calls(host: PluginHost) -> None:
    assert [routes[0] for routes in host.pm.hook.register_routes()] == PLUGGY_ORDER


def test_collect_gives_registrations_in_pluggys_order(host: PluginHost) -> None:
    assert host.collect("register_routes") == PLUGGY_ORDER
    assert [plugin for plugin, _ in host.collect_by_plugin("register_routes")] == PLUGGY_ORDER


async def test_emit_calls_event_hooks_in_pluggys_order(
    host: PluginHost, calls: list[str], vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        answers = await host.emit(
            "employee_changed", tenant_id=vats_tenant.tenant_id, conn=conn, employee_id=uuid.uuid4(), change="updated"
        )
    assert answers == PLUGGY_ORDER
    assert calls == PLUGGY_ORDER


async def test_first_takes_the_first_answer_in_pluggys_order_and_asks_no_further(
    host: PluginHost, calls: list[str]
) -> None:
    found = await host.first("lookup_contact", tenant_id=uuid.uuid4(), number="+74950000000")
    assert found == "plain-registered-last"
    assert calls == ["first", "plain-registered-last"]


def test_first_now_takes_the_first_answer_in_pluggys_order_and_asks_no_further(
    host: PluginHost, calls: list[str]
) -> None:
    assert host.first_now("lookup_region", number="+74950000000") == "plain-registered-last"
    assert calls == ["first", "plain-registered-last"]


async def test_merge_folds_answers_in_pluggys_order(host: PluginHost, calls: list[str]) -> None:
    def combine(so_far: list[str], answer: list[str]) -> list[str]:
        return so_far + answer

    merged = await host.merge("ring_state", combine, tenant_id=uuid.uuid4(), employee_ids=[])
    assert merged == PLUGGY_ORDER


async def test_startup_runs_in_pluggys_order(host: PluginHost, calls: list[str]) -> None:
    await host.lifecycle("startup", db=None)
    assert calls == PLUGGY_ORDER


async def test_a_switched_off_plugin_is_skipped_and_a_failing_one_is_logged_by_name(
    host: PluginHost, calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    class Failing:
        @hookimpl
        def lookup_contact(self, number: str) -> Any:
            raise RuntimeError("the CRM is down")

    host.register(Failing(), name="failing")
    with caplog.at_level(logging.ERROR, logger="vats.core.plugins"):
        found = await host.first(
            "lookup_contact", tenant_id=uuid.uuid4(), disabled={"plain-registered-last"}, number="+74950000000"
        )
    assert found == "plain-registered-first"
    assert calls == ["first", "plain-registered-first"]
    assert "plugin 'failing' failed in hook lookup_contact" in caplog.text


@pytest.mark.parametrize("marks", [{"hookwrapper": True}, {"wrapper": True}])
def test_a_hook_wrapper_is_refused_at_registration_naming_the_plugin(marks: dict[str, bool]) -> None:
    class Wrapping:
        @pluggy.HookimplMarker("vats")(**marks)
        def lookup_contact(self, number: str) -> Any:
            return (yield)

    host = PluginHost()
    with pytest.raises(PluginError, match=r"plugin 'wrapping'.*lookup_contact"):
        host.register(Wrapping(), name="wrapping")
    assert "wrapping" not in host.names()


def test_a_plugin_failing_to_register_stops_the_start_naming_it() -> None:
    class Broken:
        @hookimpl
        def register_routes(self) -> list[Any]:
            raise ImportError("litestar is missing")

    host = PluginHost()
    host.register(Broken(), name="broken")
    with pytest.raises(PluginError, match="plugin 'broken' failed in hook register_routes"):
        host.collect("register_routes")


async def test_a_plugin_registered_or_unregistered_after_a_lookup_is_seen_by_the_next_one(
    host: PluginHost, calls: list[str]
) -> None:
    tenant = uuid.uuid4()
    assert await host.first("lookup_contact", tenant_id=tenant, number="+74950000000") == "plain-registered-last"
    host.register(order_plugin("newest", calls), name="newest")  # plain, registered last: asked first of the plain
    assert await host.first("lookup_contact", tenant_id=tenant, number="+74950000000") == "newest"
    assert await host.merge("ring_state", lambda a, b: a + b, tenant_id=tenant, employee_ids=[]) == [
        "first", "newest", *PLUGGY_ORDER[1:]
    ]  # fmt: skip
    host.unregister("newest")
    assert await host.first("lookup_contact", tenant_id=tenant, number="+74950000000") == "plain-registered-last"
