"""``vats operator create`` and ``list``, run as a real process against a real database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from typing import Any

import asyncpg
from vats.core.directory.secrets import verify_password

PASSWORD = "op-Passw0rd-1"


def vats(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VATS_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "vats.bots.cli", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The refusal's one line (stderr's other line names the database), exit code 2, nothing on stdout."""
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if not line.startswith("database: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def stored(db_url: str) -> list[Any]:
    async def read() -> list[Any]:
        conn = await asyncpg.connect(db_url)
        try:
            return list(await conn.fetch("SELECT email, password_hash FROM operator_accounts ORDER BY created_at"))
        finally:
            await conn.close()

    return asyncio.run(read())


def test_operator_create_reads_the_password_from_stdin_and_stores_only_its_argon2_hash(
    vats_database_url: str,
) -> None:
    result = vats(vats_database_url, "operator", "create", "--email", "Olga@Operator.example", "--password-stdin",
                  stdin=PASSWORD + "\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    account = json.loads(result.stdout)
    assert set(account) == {"id", "email", "created_at"} and account["email"] == "olga@operator.example"
    assert PASSWORD not in result.stdout + result.stderr
    [row] = stored(vats_database_url)
    assert row["password_hash"].startswith("$argon2id$") and verify_password(row["password_hash"], PASSWORD)
    listed = [json.loads(line) for line in vats(vats_database_url, "operator", "list").stdout.splitlines()]
    assert [a["email"] for a in listed] == ["olga@operator.example"]


def test_operator_create_refuses_bad_input_in_one_line_with_exit_2_and_stores_nothing_more(
    vats_database_url: str,
) -> None:
    first = vats(vats_database_url, "operator", "create", "--email", "olga@operator.example", "--password-stdin",
                 stdin=PASSWORD)  # fmt: skip
    assert first.returncode == 0, first.stderr
    again = refusal(vats(vats_database_url, "operator", "create", "--email", "OLGA@operator.example",
                         "--password-stdin", stdin=PASSWORD))  # fmt: skip
    assert "already exists" in again and "email" in again
    weak = refusal(vats(vats_database_url, "operator", "create", "--email", "ivan@operator.example",
                        "--password-stdin", stdin="short1"))  # fmt: skip
    assert "at least 10 characters" in weak and "password" in weak
    letters = refusal(vats(vats_database_url, "operator", "create", "--email", "ivan@operator.example",
                           "--password-stdin", stdin="onlyletterspassword"))  # fmt: skip
    assert "mixes letters" in letters
    not_email = refusal(vats(vats_database_url, "operator", "create", "--email", "ivan", "--password-stdin",
                             stdin=PASSWORD))  # fmt: skip
    assert "e-mail" in not_email
    # No terminal to ask on (a script forgot --password-stdin): refused before anything is opened.
    no_tty = refusal(vats(vats_database_url, "operator", "create", "--email", "ivan@operator.example"))
    assert "--password-stdin" in no_tty
    missing = refusal(vats(vats_database_url, "operator", "create"))
    assert "--email" in missing
    assert [r["email"] for r in stored(vats_database_url)] == ["olga@operator.example"]


def test_operator_password_sets_a_new_one_and_ends_the_operators_sessions(vats_database_url: str) -> None:
    created = vats(vats_database_url, "operator", "create", "--email", "olga@operator.example", "--password-stdin",
                   stdin=PASSWORD)  # fmt: skip
    account_id = json.loads(created.stdout)["id"]

    async def open_session() -> None:
        conn = await asyncpg.connect(vats_database_url)
        try:
            await conn.execute(
                "INSERT INTO operator_sessions (operator_id, expires_at) VALUES ($1, now() + interval '1 day')",
                uuid.UUID(account_id),
            )
        finally:
            await conn.close()

    asyncio.run(open_session())
    changed = vats(vats_database_url, "operator", "password", "--email", "OLGA@operator.example", "--password-stdin",
                   stdin="new-Passw0rd-2")  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    [row] = stored(vats_database_url)
    assert verify_password(row["password_hash"], "new-Passw0rd-2") and not verify_password(row["password_hash"], PASSWORD)

    async def live_sessions() -> int:
        conn = await asyncpg.connect(vats_database_url)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM operator_sessions WHERE revoked_at IS NULL"))
        finally:
            await conn.close()

    assert asyncio.run(live_sessions()) == 0
    unknown = refusal(vats(vats_database_url, "operator", "password", "--email", "nobody@operator.example",
                           "--password-stdin", stdin="new-Passw0rd-2"))  # fmt: skip
    assert "no operator with this e-mail" in unknown
