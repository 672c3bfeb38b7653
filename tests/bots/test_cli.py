"""The ``vats`` command line, run as a real process against a real database."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from vats.core.config import mask
from vats.core.db.connect import with_database


@pytest.fixture(autouse=True, params=["30", "250"], ids=["narrow-terminal", "wide-terminal"])
def terminal_width(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every CLI test runs at a narrow and a wide terminal: output must not depend on it."""
    monkeypatch.setenv("COLUMNS", request.param)
    return str(request.param)


def vats(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "VATS_DATABASE_URL": db_url, **env}
    return subprocess.run(
        [sys.executable, "-m", "vats.bots.cli", *args], env=full_env, capture_output=True, text=True, timeout=60
    )


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_tenant_create_prints_ids_and_a_one_time_password(vats_database_url: str) -> None:
    created = ok(
        vats(
            vats_database_url,
            "tenant",
            "create",
            "--name",
            "ООО Ромашка",
            "--admin-email",
            "boss@romashka.example",
            "--admin-phone",
            "+7 916 111-22-33",
        )
    )
    assert set(created) == {"tenant_id", "admin_id", "admin_email", "admin_password", "schedule_id", "calendar_id"}
    assert len(created["admin_password"]) >= 16
    tenants = [json.loads(line) for line in vats(vats_database_url, "tenant", "list").stdout.splitlines()]
    assert [t["name"] for t in tenants] == ["ООО Ромашка"]


def test_bad_input_is_a_clear_message_and_exit_2_and_changes_nothing(vats_database_url: str) -> None:
    ok(vats(vats_database_url, "tenant", "create", "--name", "A", "--admin-email", "a@a.example"))
    dup = vats(vats_database_url, "tenant", "create", "--name", "B", "--admin-email", "A@A.example")
    assert dup.returncode == 2 and "email" in dup.stderr and "Traceback" not in dup.stderr
    bad_phone = vats(
        vats_database_url, "tenant", "create", "--name", "C", "--admin-email", "c@c.example", "--admin-phone", "123"
    )
    assert bad_phone.returncode == 2 and "admin" not in bad_phone.stdout
    assert "external_numbers[0]" in bad_phone.stderr
    names = [json.loads(line)["name"] for line in vats(vats_database_url, "tenant", "list").stdout.splitlines()]
    assert names == ["A"]


def test_number_add_assigns_unique_dids(vats_database_url: str) -> None:
    ok(vats(vats_database_url, "tenant", "create", "--name", "A", "--admin-email", "a@a.example"))
    ok(vats(vats_database_url, "tenant", "create", "--name", "B", "--admin-email", "b@b.example"))
    number = ok(vats(vats_database_url, "number", "add", "--tenant", "A", "8 495 765-43-21", "--name", "Офис"))
    assert number["e164"] == "+74957654321" and number["name"] == "Офис"
    taken = vats(vats_database_url, "number", "add", "--tenant", "B", "+74957654321")
    assert taken.returncode == 2 and "already assigned" in taken.stderr
    unknown = vats(vats_database_url, "number", "add", "--tenant", "Nobody", "+74957654322")
    assert unknown.returncode == 2 and "no tenant" in unknown.stderr


def test_db_migrate_is_idempotent(vats_database_url: str) -> None:
    first = vats(vats_database_url, "db", "migrate")
    assert first.returncode == 0 and "0 migration(s) applied" in first.stdout  # the template was migrated


def test_config_masks_secrets(vats_database_url: str) -> None:
    result = vats(
        "postgresql://vats:s3cretpass@db.internal:5432/vats", "config", VATS_OPERATOR_TOKEN="op-token-very-secret-123"
    )
    assert result.returncode == 0
    assert "s3cretpass" not in result.stdout and "very-secret" not in result.stdout
    assert "db.internal" in result.stdout and "VATS_PORT" in result.stdout


def test_plugins_enable_and_disable_per_tenant(vats_database_url: str) -> None:
    ok(vats(vats_database_url, "tenant", "create", "--name", "A", "--admin-email", "a@a.example"))
    off = vats(vats_database_url, "plugins", "disable", "audit", "--tenant", "A")
    assert off.returncode == 0 and "disabled" in off.stdout
    missing = vats(vats_database_url, "plugins", "disable", "nope", "--tenant", "A")
    assert missing.returncode == 2 and "plugin" in missing.stderr


@pytest.mark.parametrize("port", ["0", "99999", "http"])
def test_bad_port_is_refused(vats_database_url: str, port: str) -> None:
    result = vats(vats_database_url, "serve", VATS_PORT=port)
    assert result.returncode == 2 and "VATS_PORT" in result.stderr


def test_vats_simulate_prints_the_trace(vats_database_url: str) -> None:
    created = ok(vats(vats_database_url, "tenant", "create", "--name", "Sim", "--admin-email", "a@sim.example"))
    ok(vats(vats_database_url, "number", "add", "--tenant", "Sim", "+74951110000"))
    day = vats(vats_database_url, "simulate", "--tenant", "Sim", "--number", "+74951110000", "--from", "+79161234567",
               "--at", "2026-11-24T12:00:00+03:00", "--script", "105 answers")  # fmt: skip
    assert day.returncode == 0, day.stderr
    assert "path: default -> handling:forward" in day.stdout and "answered by: sip/" in day.stdout
    night = vats(vats_database_url, "simulate", "--tenant", "Sim", "--number", "+74951110000", "--from", "+79161234567",
                 "--at", "2026-11-24T23:00:00+03:00", "--json")  # fmt: skip
    result = json.loads(night.stdout)
    assert (
        result["path"][-1] == "insurance:voicemail" and result["intents"][0]["assignee_id"] == created["admin_id"]
    )
    bad = vats(
        vats_database_url,
        "simulate",
        "--tenant",
        "Sim",
        "--number",
        "+74951110000",
        "--from",
        "+79161234567",
        "--script",
        "101 dances",
    )
    assert bad.returncode == 2 and "script" in bad.stderr
    naive = vats(
        vats_database_url,
        "simulate",
        "--tenant",
        "Sim",
        "--number",
        "+74951110000",
        "--from",
        "+79161234567",
        "--at",
        "2026-11-24T12:00",
    )
    assert naive.returncode == 2 and "at:" in naive.stderr


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one plain line a refused command prints on stderr (exit code 2)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert not any(box in result.stderr for box in "╭│╰─"), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["tenant", "create", "--bogus"], "--bogus"),
        (["tenant", "create", "--admin-email", "a@a.example"], "--name"),
        (["number", "add", "--tenant", "A"], "number"),
        (["mail", "list", "--limit", "many"], "--limit"),
        (["number", "add", "--tenant"], "--tenant"),
        (["numbering-plan", "lookup", "abc"], "number"),
        (["numbering-plan", "import", "/tmp/" + "a-very-long-folder-name/" * 8 + "nope.csv"], "not a file"),
    ],
    ids=["unknown-option", "missing-option", "missing-argument", "bad-type", "option-without-value",
         "not-a-phone-number", "missing-file"],
)  # fmt: skip
def test_every_refusal_is_one_plain_line_and_exit_2(vats_database_url: str, args: list[str], names: str) -> None:
    assert names in refusal(vats(vats_database_url, *args))


def test_version_and_help_keep_the_environment_variables_named(vats_database_url: str) -> None:
    version = vats(vats_database_url, "--version")
    assert version.returncode == 0 and version.stdout.startswith("vats ")
    helped = vats(vats_database_url, "serve", "--help")
    assert helped.returncode == 0 and "[env VATS_HOST]" in helped.stdout and "[env VATS_PORT]" in helped.stdout


def test_commands_name_their_database_and_refuse_a_data_dir_without_one(
    vats_database_url: str, tmp_path: Path
) -> None:
    """A mistyped VATS_DATA_DIR must not open a new, empty database of its own (an empty inbox
    that looks like the real one): the command refuses, naming the setting, and creates nothing."""
    env = {k: v for k, v in os.environ.items() if k != "VATS_DATABASE_URL"}
    wrong = tmp_path / "typo"
    done = subprocess.run(
        [sys.executable, "-m", "vats.bots.cli", "mail", "list"],
        env={**env, "VATS_DATA_DIR": str(wrong)}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    line = refusal(done)
    assert "VATS_DATA_DIR" in line and str(wrong) in line
    assert not (wrong / "postgres").exists()
    inbox = vats(vats_database_url, "mail", "list")
    assert inbox.returncode == 0 and inbox.stdout == ""
    assert inbox.stderr.splitlines() == [
        f"database: PostgreSQL {mask(vats_database_url)} (VATS_DATABASE_URL)",
        "the dev inbox holds no mail",
    ]


def test_tenant_list_reads_without_starting_a_kernel_or_loading_plugins(vats_database_url: str) -> None:
    """A read-only command opens one connection: no migrations, plugins or listeners (it took
    twice `import litestar` when it started the whole kernel; bench/startup measures it)."""
    ok(vats(vats_database_url, "tenant", "create", "--name", "Листинг", "--admin-email", "a@list.example"))
    code = (
        "import sys\n"
        "from vats.bots.cli.main import invoke\n"
        "code = invoke(['tenant', 'list'])\n"
        "print([m for m in ('vats.core.kernel', 'vats.plugins.crm', 'vats.core.directory.service') if m in sys.modules])\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "VATS_DATABASE_URL": vats_database_url},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed, modules = done.stdout.strip().splitlines()
    assert json.loads(listed)["name"] == "Листинг"
    assert modules == "[]"


async def test_a_read_only_command_refuses_a_database_this_vats_has_not_migrated(vats_postgres_url: str) -> None:
    name = f"vats_unmigrated_{os.getpid()}"
    conn = await asyncpg.connect(vats_postgres_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
        result = vats(with_database(vats_postgres_url, name), "tenant", "list")
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert "VATS_DATABASE_URL" in line and "run `vats db migrate`" in line
