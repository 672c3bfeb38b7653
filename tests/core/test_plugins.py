"""The plugin manager and one test per hook (``test_hook_<name>``; the docs test checks that
every hook has one)."""

import logging
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pluggy
import pytest
from litestar import get
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.blocks import BlockRegistry, BlockRegistryError
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.directory.models import EmployeeCreate, GroupCreate, Number, Reference, Tenant
from vats.core.directory.service import TenantCreated
from vats.core.engine.block import NoCursor
from vats.core.errors import ReferencedError
from vats.core.kernel import Kernel
from vats.core.plugins import PluginHost

THIRD_PARTY = """
from vats.core import hookimpl

calls = []

@hookimpl
async def tenant_created(tenant, conn):
    calls.append(tenant.name)
    await conn.execute(
        "INSERT INTO tags (tenant_id, kind, name) VALUES ($1, 'contact', 'added-by-plugin')", tenant.id
    )
"""


def install_dist_info(root: Path, dist: str, module: str, source: str, ep_name: str) -> None:
    """Install a plugin as pip would leave it: a module plus a dist-info with an entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[vats]\n{ep_name} = {module}\n")


@pytest.fixture
def third_party(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    install_dist_info(root, "vats-hello", "vats_hello_plugin", THIRD_PARTY, "hello")
    monkeypatch.syspath_prepend(str(root))
    return root


async def test_third_party_plugin_installed_through_an_entry_point_is_loaded_and_called(
    vats_kernel: Kernel, third_party: Path
) -> None:
    vats_kernel.plugins.load_installed()
    assert "hello" in vats_kernel.plugins.names()
    created = await vats_kernel.directory.create_tenant(name="Hello Inc", admin_email="a@hello.example")
    import vats_hello_plugin  # type: ignore[import-not-found]

    assert vats_hello_plugin.calls == ["Hello Inc"]
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(created.tenant_id) as conn:
        assert await conn.fetchval("SELECT name FROM tags") == "added-by-plugin"


def test_vats_plugins_lists_the_third_party_plugin_and_its_hooks(third_party: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(third_party)}
    out = subprocess.run(
        [sys.executable, "-m", "vats.bots.cli", "plugins", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    plugins = {p["name"]: p for p in msgspec.json.decode(out.stdout)}
    assert plugins["hello"]["hooks"] == ["tenant_created"]
    assert "audit" in plugins


def test_allow_list_loads_only_named_plugins(third_party: Path) -> None:
    host = PluginHost()
    host.load_installed(["hello"])
    assert host.names() == ["hello"]
    with pytest.raises(ValueError, match="not installed"):
        PluginHost().load_installed(["hello", "no-such-plugin"])


def test_a_misspelled_hook_fails_loudly() -> None:
    class Typo:
        @hookimpl
        def employe_changed(self, employee_id: uuid.UUID) -> None: ...

    with pytest.raises(pluggy.PluginValidationError):
        PluginHost().register(Typo(), name="typo")


class Recorder:
    """Records every event hook it receives; sync and async implementations mixed on purpose."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    @hookimpl
    def tenant_created(self, tenant: Tenant, admin_id: uuid.UUID) -> None:
        self.events.append(("tenant_created", tenant.name))

    @hookimpl
    async def employee_changed(self, employee_id: uuid.UUID, change: str, conn: Connection) -> None:
        name = await conn.fetchval("SELECT full_name FROM employees WHERE id = $1", employee_id)
        self.events.append(("employee_changed", (name, change)))

    @hookimpl
    def group_changed(self, group_id: uuid.UUID, change: str) -> None:
        self.events.append(("group_changed", change))

    @hookimpl
    async def number_assigned(self, number: Number) -> None:
        self.events.append(("number_assigned", number.e164))


async def test_hook_tenant_created(vats_kernel: Kernel, vats_register_plugin: Any) -> None:
    recorder = Recorder()
    vats_register_plugin(recorder)
    await vats_kernel.directory.create_tenant(name="Evented", admin_email="e@e.example")
    assert ("tenant_created", "Evented") in recorder.events


async def test_hook_employee_changed(
    vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated
) -> None:
    recorder = Recorder()
    vats_register_plugin(recorder)
    d, tid = vats_kernel.directory, vats_tenant.tenant_id
    emp, _ = await d.create_employee(tid, EmployeeCreate(full_name="Ева", email="eva@t.example"))
    await d.set_availability(tid, emp.id, "available")
    await d.delete_employee(tid, emp.id)
    assert [e for e in recorder.events if e[0] == "employee_changed"] == [
        ("employee_changed", ("Ева", "created")),
        ("employee_changed", ("Ева", "updated")),
        ("employee_changed", (None, "deleted")),
    ]


async def test_hook_group_changed(vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated) -> None:
    recorder = Recorder()
    vats_register_plugin(recorder)
    group = await vats_kernel.directory.create_group(vats_tenant.tenant_id, GroupCreate(name="G"))
    await vats_kernel.directory.delete_group(vats_tenant.tenant_id, group.id)
    assert [e for e in recorder.events if e[0] == "group_changed"] == [
        ("group_changed", "created"),
        ("group_changed", "deleted"),
    ]


async def test_hook_number_assigned(vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated) -> None:
    recorder = Recorder()
    vats_register_plugin(recorder)
    await vats_kernel.directory.assign_number(vats_tenant.tenant_id, "+74957654321")
    assert ("number_assigned", "+74957654321") in recorder.events


async def test_a_failing_plugin_is_logged_and_isolated(
    vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        @hookimpl
        async def employee_changed(self, tenant_id: uuid.UUID, conn: Connection) -> None:
            await conn.execute("INSERT INTO tags (tenant_id, kind, name) VALUES ($1, 'call', 'half-done')", tenant_id)
            raise RuntimeError("boom")

    vats_register_plugin(Broken(), name="broken")
    recorder = Recorder()
    vats_register_plugin(recorder, name="recorder")
    with caplog.at_level(logging.ERROR):
        emp, _ = await vats_kernel.directory.create_employee(
            vats_tenant.tenant_id, EmployeeCreate(full_name="Ок", email="ok@t.example")
        )
    assert "'broken'" in caplog.text and "employee_changed" in caplog.text
    assert ("employee_changed", ("Ок", "created")) in recorder.events  # the other plugin still ran
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM employees WHERE id = $1", emp.id) == 1  # the change stands
        assert (
            await conn.fetchval("SELECT count(*) FROM tags WHERE name = 'half-done'") == 0
        )  # broken's write rolled back
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE subject_id = $1", emp.id) == 1


async def test_a_plugin_disabled_for_one_tenant_does_nothing_there(vats_kernel: Kernel) -> None:
    d = vats_kernel.directory
    a = await d.create_tenant(name="A", admin_email="a@a.example")
    b = await d.create_tenant(name="B", admin_email="b@b.example")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(a.tenant_id) as conn:
        await vats_kernel.plugins.set_enabled(conn, a.tenant_id, "audit", False)
        assert not await vats_kernel.plugins.is_enabled(conn, a.tenant_id, "audit")
    await d.create_employee(a.tenant_id, EmployeeCreate(full_name="X", email="x@a.example"))
    await d.create_employee(b.tenant_id, EmployeeCreate(full_name="X", email="x@b.example"))
    async with vats_kernel.db.system() as conn:
        per_tenant = dict(
            await conn.fetch("SELECT tenant_id, count(*) FROM audit_log WHERE subject = 'employee' GROUP BY tenant_id")
        )
    assert per_tenant == {a.tenant_id: 1, b.tenant_id: 2}  # A: only the admin, before the switch
    async with vats_kernel.db.tenant(a.tenant_id) as conn:
        await vats_kernel.plugins.set_enabled(conn, a.tenant_id, "audit", True)
    await d.create_employee(a.tenant_id, EmployeeCreate(full_name="Y", email="y@a.example"))
    async with vats_kernel.db.tenant(a.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE subject = 'employee'") == 2


async def test_hook_register_migrations(
    vats_kernel: Kernel, vats_register_plugin: Any, tmp_path: Path, vats_tenant: TenantCreated
) -> None:
    (tmp_path / "0001_notes.sql").write_text(
        "CREATE TABLE plugin_notes (tenant_id uuid NOT NULL REFERENCES tenants, body text);"
        " SELECT vats_enable_tenant_rls('plugin_notes');"
    )

    class Notes:
        @hookimpl
        def register_migrations(self) -> list[MigrationSource]:
            return [MigrationSource(package="notes", folder=tmp_path)]

    vats_register_plugin(Notes(), name="notes")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await conn.execute("INSERT INTO plugin_notes VALUES ($1, 'hi')", vats_tenant.tenant_id)
    async with vats_kernel.db.unscoped() as conn:
        assert await conn.fetch("SELECT * FROM plugin_notes") == []  # the kernel's RLS helper applied
    sources = [s.package for s in vats_kernel.migration_sources()]
    assert sources[0] == "core" and "notes" in sources


class Webhook(msgspec.Struct, tag="webhook", tag_field="type", frozen=True, kw_only=True):
    url: str
    timeout_s: float = 3.0

    Cursor: ClassVar[type[msgspec.Struct]] = NoCursor

    async def run(self, ctx: Any, cursor: NoCursor, result: Any) -> Any:
        from vats.core.engine.context import Outcome

        return Outcome(done="next")

    async def validate(self, conn: Any, tenant_id: Any, where: str) -> None:
        return None

    def describe(self, snapshot: Any) -> str:
        return "webhook"

    def references(self) -> list[Any]:
        return []

    def without(self, ref: Any) -> Any:
        return self


class Announce(msgspec.Struct, tag="time_announcement", tag_field="type", frozen=True, kw_only=True):
    voice: str = "female"

    Cursor: ClassVar[type[msgspec.Struct]] = NoCursor

    async def run(self, ctx: Any, cursor: NoCursor, result: Any) -> Any:
        from vats.core.engine.context import Outcome

        return Outcome(done="next")

    async def validate(self, conn: Any, tenant_id: Any, where: str) -> None:
        return None

    def describe(self, snapshot: Any) -> str:
        return "time"

    def references(self) -> list[Any]:
        return []

    def without(self, ref: Any) -> Any:
        return self


def test_hook_register_blocks() -> None:
    class Blocks:
        @hookimpl
        def register_blocks(self) -> list[type[Any]]:
            return [Webhook, Announce]

    host = PluginHost()
    host.register(Blocks(), name="blocks")
    registry = BlockRegistry(host.collect("register_blocks"))
    assert registry.decode(b'{"type": "webhook", "url": "https://crm.example/hook"}') == Webhook(
        url="https://crm.example/hook"
    )
    assert registry.convert({"type": "time_announcement"}) == Announce()
    with pytest.raises(msgspec.ValidationError, match="url"):
        registry.decode(b'{"type": "webhook"}')
    with pytest.raises(BlockRegistryError, match="two plugins"):
        BlockRegistry([Webhook, Webhook])
    with pytest.raises(BlockRegistryError):
        BlockRegistry([EmployeeCreate])

    class NoHandler(msgspec.Struct, tag="mute", tag_field="type"):
        pass

    with pytest.raises(BlockRegistryError, match=r"'mute' \(NoHandler\) has no async run\(ctx, cursor, result\)"):
        BlockRegistry([NoHandler])
    with pytest.raises(BlockRegistryError, match="plugin 'blocks': block 'mute'"):
        BlockRegistry([NoHandler], owners={NoHandler: "blocks"})


async def test_hook_register_routes(vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated) -> None:
    class Routes:
        @hookimpl
        def register_routes(self) -> list[Any]:
            @get("/api/hello", operation_id="hello", tags=["hello"])
            async def hello() -> dict[str, str]:
                return {"hello": "world"}

            return [hello]

    vats_register_plugin(Routes(), name="routes")
    api = ApiClients(vats_kernel)
    admin = await api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    assert (await admin.get("/api/hello")).json() == {"hello": "world"}
    assert (await api.client().get("/api/hello")).status_code == 401  # behind sign-in like every route
    assert (await api.client().get("/health")).json()["status"] == "ok"
    spec = (await api.client().get("/schema/openapi.json")).json()
    assert spec["paths"]["/api/hello"]["get"]["operationId"] == "hello"
    await api.close()


def test_hook_register_commands(tmp_path: Path) -> None:
    install_dist_info(
        tmp_path,
        "vats-greet",
        "vats_greet_plugin",
        """
        import typer
        from vats.core import hookimpl

        @hookimpl
        def register_commands():
            app = typer.Typer(name="greet", help="Say hello.")

            @app.command()
            def hello(name: str) -> None:
                print(f"hello {name}")

            return [app]
        """,
        "greet",
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "vats.bots.cli", "greet", "hello", "Ann"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello Ann"


class Holder:
    """A plugin that owns references to employees (like a scenario pointing at one)."""

    def __init__(self, employee_id: uuid.UUID) -> None:
        self.employee_id = employee_id
        self.dropped: list[uuid.UUID] = []

    @hookimpl
    def collect_references(self, kind: str, object_id: uuid.UUID) -> list[Reference]:
        if kind == "employee" and object_id == self.employee_id and object_id not in self.dropped:
            return [Reference(kind="scenario", id="s1", description="forwarding in scenario «Основной»")]
        return []

    @hookimpl
    async def drop_references(self, kind: str, object_id: uuid.UUID) -> None:
        self.dropped.append(object_id)


async def test_hook_collect_references(
    vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated
) -> None:
    emp, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Р", email="r@t.example")
    )
    vats_register_plugin(Holder(emp.id))
    with pytest.raises(ReferencedError) as info:
        await vats_kernel.directory.delete_employee(vats_tenant.tenant_id, emp.id)
    assert [r.kind for r in info.value.references] == ["scenario"]


async def test_hook_drop_references(vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated) -> None:
    emp, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Р", email="r@t.example")
    )
    holder = Holder(emp.id)
    vats_register_plugin(holder)
    removed = await vats_kernel.directory.delete_employee(vats_tenant.tenant_id, emp.id, force=True)
    assert [r.kind for r in removed] == ["scenario"] and holder.dropped == [emp.id]


async def test_hook_register_workers(vats_kernel: Kernel, vats_register_plugin: Any) -> None:
    """vats serve runs each worker; one that raises is restarted, and stop cancels them."""
    import asyncio

    from vats.core.workers import Workers

    runs: list[str] = []
    stopped = asyncio.Event()

    async def flaky(kernel: Any) -> None:
        runs.append("flaky")
        if len(runs) < 3:
            raise RuntimeError("the endpoint is down")
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            stopped.set()
            raise

    class Outbox:
        @hookimpl
        def register_workers(self) -> list[Any]:
            return [flaky]

    vats_register_plugin(Outbox(), name="outbox-test")
    workers = Workers(vats_kernel, restart_pause_s=0.01)
    workers.start()
    for _ in range(200):
        if len(runs) >= 3:
            break
        await asyncio.sleep(0.01)
    assert runs == ["flaky"] * 3 and "outbox-test:flaky" in [t.get_name() for t in workers.tasks]
    await workers.stop()
    assert stopped.is_set() and workers.tasks == []


async def test_hook_shutdown(vats_config: Any) -> None:
    """Kernel.stop calls shutdown while the database is still open."""
    from vats.core.kernel import Kernel as FreshKernel

    seen: list[bool] = []
    kernel = FreshKernel(vats_config)

    class Listener:
        @hookimpl
        async def shutdown(self) -> None:
            seen.append(kernel.db is not None)

    kernel.plugins.register(Listener(), name="listener-test")
    await kernel.start(migrate=False)
    await kernel.stop()
    assert seen == [True]
