"""`vats backup` and `vats restore`: a populated PBX (tenant, employees, scenario, a call record,
an uploaded recording) written to one archive and restored into another data folder, where
every row and every recording is found again."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
from vats.core.config import Config
from vats.core.db.embedded import EmbeddedPostgres
from vats.core.directory.models import EmployeeCreate
from vats.core.kernel import Kernel, with_database
from vats.core.media.library import file_path, upload

from tests.media_samples import SAMPLE_MP3


def vats(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VATS_")}
    return subprocess.run(
        [sys.executable, "-m", "vats.bots.cli", *args],
        env={**env, "VATS_DATA_DIR": str(data_dir), "COLUMNS": "40"},
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


async def populate(data_dir: Path) -> dict[str, Any]:
    kernel = Kernel(Config.from_env({"VATS_DATA_DIR": str(data_dir)}))
    await kernel.start()
    try:
        kernel.secret_key()  # made on first use, as `vats serve` does: it signs sign-ins
        tenant = await kernel.directory.find_tenant("ООО Бэкап")
        employee, _lines = await kernel.directory.create_employee(
            tenant.id, EmployeeCreate(full_name="Анна Иванова", email="anna@backup.example", role="head")
        )
        assert kernel.db is not None
        async with kernel.db.tenant(tenant.id) as conn:
            recording = await upload(conn, kernel.config.media_dir, tenant.id, "Приветствие", SAMPLE_MP3)
        return {"tenant": tenant.id, "employee": employee.id, "recording": recording.id}
    finally:
        await kernel.stop()


async def contents(data_dir: Path) -> dict[str, list[Any]]:
    """Every row of every table of the vats database, sorted (the whole PBX, compared as data)."""
    server = EmbeddedPostgres(data_dir)
    url = with_database(server.start(), "vats")
    try:
        conn = await asyncpg.connect(url)
        try:
            tables = [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            found = {}
            for table in sorted(tables):
                rows = await conn.fetch(f'SELECT to_jsonb(t)::text AS row FROM "{table}" t')
                found[table] = sorted(r["row"] for r in rows)
            return found
        finally:
            await conn.close()
    finally:
        server.stop()


def media(data_dir: Path) -> dict[str, bytes]:
    root = data_dir / "media"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_backup_of_a_populated_pbx_restores_every_row_and_recording(tmp_path: Path) -> None:
    original, restored, archive = tmp_path / "original", tmp_path / "restored", tmp_path / "pbx.tar"
    ok(vats(original, "db", "migrate"))
    json.loads(ok(vats(original, "tenant", "create", "--name", "ООО Бэкап", "--admin-email", "boss@backup.example")))
    ok(vats(original, "number", "add", "--tenant", "ООО Бэкап", "+74951110000"))
    made = asyncio.run(populate(original))
    ok(vats(original, "simulate", "--tenant", "ООО Бэкап", "--number", "+74951110000", "--from", "+79161234567",
            "--script", "105 answers", "--record"))  # fmt: skip

    backed_up = vats(original, "backup", str(archive))
    assert backed_up.returncode == 0, backed_up.stderr
    assert f"backup written to {archive}" in backed_up.stdout
    restored_run = vats(restored, "restore", str(archive))
    assert restored_run.returncode == 0, restored_run.stderr

    before, after = asyncio.run(contents(original)), asyncio.run(contents(restored))
    for table in ("tenants", "employees", "scenarios", "numbers", "call_records", "media_files"):
        assert before[table], f"the test PBX has no {table}"
    assert after == before
    assert str(made["employee"]) in "".join(after["employees"])
    copied = media(restored)
    assert copied == media(original)
    recording = file_path(restored / "media", made["tenant"], made["recording"])
    assert recording.is_file() and recording.read_bytes()[:4] == b"RIFF"
    assert (restored / "secret_key").read_text() == (original / "secret_key").read_text()

    # The restored PBX serves: a command on it finds the tenant.
    listed = [json.loads(line)["name"] for line in ok(vats(restored, "tenant", "list")).splitlines()]
    assert listed == ["ООО Бэкап"]


def test_restore_refuses_a_data_dir_that_is_not_empty(tmp_path: Path) -> None:
    archive = tmp_path / "pbx.tar"
    archive.write_bytes(b"not even a tar")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something").write_text("mine")
    refused = vats(busy, "restore", str(archive))
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [f"error: VATS_DATA_DIR: {busy} is not empty; restore into a new, empty folder"]
    assert sorted(p.name for p in busy.iterdir()) == ["something"]
    garbage = vats(tmp_path / "empty", "restore", str(archive))
    assert garbage.returncode == 2 and "is not a vats backup" in garbage.stderr.splitlines()[-1]
