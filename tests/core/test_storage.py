"""Storage: migrations (ordered, recorded, idempotent, locked), row-level security as the
second wall, and the application role owning nothing."""

import asyncio
from pathlib import Path

import asyncpg
import pytest
from vats.core.db.migrate import MigrationError, MigrationSource, apply_migrations
from vats.core.kernel import Kernel


async def test_unscoped_select_sees_no_other_tenants_rows(vats_kernel: Kernel) -> None:
    d = vats_kernel.directory
    a = await d.create_tenant(name="A", admin_email="a@a.example")
    b = await d.create_tenant(name="B", admin_email="b@b.example")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(a.tenant_id) as conn:
        # No WHERE clause at all: RLS alone keeps B out.
        emails = {r["email"] for r in await conn.fetch("SELECT email FROM employees")}
        tenants = {r["id"] for r in await conn.fetch("SELECT id FROM tenants")}
        schedules = {r["tenant_id"] for r in await conn.fetch("SELECT tenant_id FROM schedules")}
        audit = {r["tenant_id"] for r in await conn.fetch("SELECT tenant_id FROM audit_log")}
    assert emails == {"a@a.example"}
    assert tenants == {a.tenant_id}
    assert schedules == {a.tenant_id}
    assert audit == {a.tenant_id}
    async with vats_kernel.db.unscoped() as conn:
        assert await conn.fetch("SELECT * FROM employees") == []
        assert await conn.fetch("SELECT * FROM tenants") == []
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT count(*) FROM employees") == 2
    assert b.tenant_id != a.tenant_id


async def test_a_tenant_cannot_write_rows_of_another(vats_kernel: Kernel) -> None:
    d = vats_kernel.directory
    a = await d.create_tenant(name="A", admin_email="a@a.example")
    b = await d.create_tenant(name="B", admin_email="b@b.example")
    assert vats_kernel.db is not None
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with vats_kernel.db.tenant(a.tenant_id) as conn:
            await conn.execute("INSERT INTO tags (tenant_id, kind, name) VALUES ($1, 'call', 'x')", b.tenant_id)
    async with vats_kernel.db.tenant(a.tenant_id) as conn:
        changed = await conn.execute("UPDATE employees SET position = 'hacked' WHERE tenant_id = $1", b.tenant_id)
    assert changed == "UPDATE 0"


async def test_every_tenant_table_forces_rls_and_app_role_owns_nothing(vats_kernel: Kernel) -> None:
    conn = await asyncpg.connect(vats_kernel.owner_url)
    try:
        tables = await conn.fetch(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
        with_tenant = {
            r["table_name"]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND column_name = 'tenant_id'"
            )
        }
    finally:
        await conn.close()
    assert with_tenant, "no tenant tables found"
    for t in tables:
        assert t["owner"] != "vats_app", t["relname"]
        if t["relname"] in with_tenant or t["relname"] == "tenants":
            assert t["relrowsecurity"] and t["relforcerowsecurity"], f"{t['relname']} lacks forced RLS"


async def test_app_role_cannot_read_the_migration_ledger(vats_kernel: Kernel) -> None:
    assert vats_kernel.db is not None
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with vats_kernel.db.system() as conn:
            await conn.fetch("SELECT * FROM vats_migrations")


async def test_migrations_are_recorded_ordered_and_idempotent(vats_kernel: Kernel, tmp_path: Path) -> None:
    folder = tmp_path / "mig"
    folder.mkdir()
    (folder / "0002_second.sql").write_text("INSERT INTO trail VALUES ('second');")
    (folder / "0001_first.sql").write_text("CREATE TABLE trail (step text); INSERT INTO trail VALUES ('first');")
    source = MigrationSource(package="sample", folder=folder)
    applied = await apply_migrations(vats_kernel.owner_url, [source])
    assert applied == [("sample", "0001_first.sql"), ("sample", "0002_second.sql")]
    assert await apply_migrations(vats_kernel.owner_url, [source]) == []
    conn = await asyncpg.connect(vats_kernel.owner_url)
    try:
        assert [r["step"] for r in await conn.fetch("SELECT step FROM trail")] == ["first", "second"]
    finally:
        await conn.close()


async def test_concurrent_runners_apply_each_migration_once(vats_kernel: Kernel, tmp_path: Path) -> None:
    folder = tmp_path / "mig"
    folder.mkdir()
    (folder / "0001_counter.sql").write_text(
        "CREATE TABLE counter (n int); INSERT INTO counter VALUES (1); SELECT pg_sleep(0.2);"
    )
    source = MigrationSource(package="race", folder=folder)
    results = await asyncio.gather(*(apply_migrations(vats_kernel.owner_url, [source]) for _ in range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    conn = await asyncpg.connect(vats_kernel.owner_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM counter") == 1
    finally:
        await conn.close()


async def test_an_edited_applied_migration_is_refused(vats_kernel: Kernel, tmp_path: Path) -> None:
    folder = tmp_path / "mig"
    folder.mkdir()
    path = folder / "0001_t.sql"
    path.write_text("CREATE TABLE t1 (x int);")
    source = MigrationSource(package="edited", folder=folder)
    await apply_migrations(vats_kernel.owner_url, [source])
    path.write_text("CREATE TABLE t1 (x int, y int);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await apply_migrations(vats_kernel.owner_url, [source])


async def test_a_rewritten_migration_naming_the_text_it_replaces_is_accepted_not_rerun(
    vats_kernel: Kernel, tmp_path: Path
) -> None:
    import hashlib

    folder = tmp_path / "mig"
    folder.mkdir()
    path = folder / "0001_t.sql"
    first = "CREATE TABLE t2 (x int); INSERT INTO t2 VALUES (1);"
    path.write_text(first)
    source = MigrationSource(package="rewritten", folder=folder)
    await apply_migrations(vats_kernel.owner_url, [source])
    old = hashlib.sha256(first.encode()).hexdigest()
    path.write_text(f"-- vats-migration-replaces: {old}\nCREATE TABLE t2 (x int); INSERT INTO t2 VALUES (2);")
    assert await apply_migrations(vats_kernel.owner_url, [source]) == []  # accepted, not run again
    assert await apply_migrations(vats_kernel.owner_url, [source]) == []  # and recorded as the new text
    path.write_text(f"-- vats-migration-replaces: {'0' * 64}\nCREATE TABLE t2 (x int);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await apply_migrations(vats_kernel.owner_url, [source])
    conn = await asyncpg.connect(vats_kernel.owner_url)
    try:
        assert await conn.fetchval("SELECT array_agg(x) FROM t2") == [1]
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_behind(vats_kernel: Kernel, tmp_path: Path) -> None:
    folder = tmp_path / "mig"
    folder.mkdir()
    (folder / "0001_bad.sql").write_text("CREATE TABLE half (x int); SELECT no_such_function();")
    with pytest.raises(MigrationError, match=r"0001_bad\.sql failed"):
        await apply_migrations(vats_kernel.owner_url, [MigrationSource(package="bad", folder=folder)])
    conn = await asyncpg.connect(vats_kernel.owner_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('half')") is None
        assert not await conn.fetchval("SELECT count(*) FROM vats_migrations WHERE package = 'bad'")
    finally:
        await conn.close()
