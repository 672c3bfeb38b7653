"""The completion survives `kill -9` of `vats serve` midway: the killed process leaves every
number on its old rules (never half-switched) with the steps it did committed; the next start
resumes and finishes, switching every number once, with no duplicate rows and the admins told
once. Real `vats serve` processes on the test's database; the job pauses between its steps
(VATS_MIGRATION_STEP_PAUSE_S) so that the kill lands midway."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core.kernel import Kernel
from vats.plugins.migration.completion import STEP_PAUSE_ENV, request_completion

from tests.plugins.migration.test_completion import accept_agreement, top_up
from tests.serve import free_port

NUMBERS = ["+74951238001", "+74951238002", "+74951238003"]
EXPORT: dict[str, Any] = {
    "format": "vats-old-cabinet-export",
    "version": 1,
    "customers": [
        {
            "id": "KILL-1", "name": "Незабудка", "admin_email": "boss@nezabudka.example",
            "lines": [{"login": "kl-anna", "password": "Anna-Line-1"}, {"login": "kl-boris", "password": "Boris-Line-2"}],
            "numbers": [{"number": n, "forwarding": [{"to": "kl-anna"}, {"to": "kl-boris"}]} for n in NUMBERS],
        }
    ],
}  # fmt: skip


def serve(data_dir: Path, database_url: str, env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
    """`vats serve` started, not waited for: its workers start before it says it is serving, and
    the kill must be able to land between two steps of the job however long the start takes."""
    full_env = {**os.environ, "VATS_DATABASE_URL": database_url, "VATS_DATA_DIR": str(data_dir),
                "VATS_PORT": str(free_port()), "VATS_LOG_LEVEL": "WARNING", **env}  # fmt: skip
    with (data_dir / log).open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "vats.bots.cli", "serve"], env=full_env, stdout=out, stderr=subprocess.STDOUT
        )


async def progress(kernel: Kernel, tenant_id: uuid.UUID) -> Any:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        return await conn.fetchrow(
            "SELECT status, steps_done, steps_total FROM migration_states WHERE tenant_id = $1", tenant_id
        )


async def bindings(kernel: Kernel, tenant_id: uuid.UUID) -> dict[str, str]:
    """Each number: "old", "new" or "other", what it is bound to now."""
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT m.e164, CASE n.scenario_id WHEN m.old_scenario_id THEN 'old' WHEN m.new_scenario_id THEN 'new'"
            " ELSE 'other' END AS bound FROM migration_numbers m"
            " JOIN numbers n ON n.tenant_id = m.tenant_id AND n.id = m.number_id WHERE m.tenant_id = $1",
            tenant_id,
        )
    return {r["e164"]: r["bound"] for r in rows}


async def wait_for(kernel: Kernel, tenant_id: uuid.UUID, done: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = await progress(kernel, tenant_id)
        if done(row):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"the completion did not get there within {seconds} s: {dict(row)}")


async def test_a_kill_9_midway_leaves_no_number_half_switched_and_the_restart_finishes_once(
    vats_api: ApiClients, vats_kernel: Kernel, vats_database_url: str, tmp_path: Path
) -> None:
    operator = vats_api.operator()
    [draft] = (await operator.post("/api/operator/migrations", json=EXPORT)).json()
    created = await operator.post(f"/api/operator/migrations/{draft['id']}/create")
    assert created.status_code == 201, created.text
    tenant_id = uuid.UUID(created.json()["tenant_id"])
    await top_up(vats_api, tenant_id)
    await accept_agreement(vats_kernel, tenant_id)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:
        admin_id = await conn.fetchval("SELECT admin_id FROM migration_states WHERE tenant_id = $1", tenant_id)
    requested = await request_completion(vats_kernel, tenant_id, admin_id, emails_confirmed=True)
    assert (requested.status, requested.steps_done, requested.steps_total) == ("completing", 0, 4)

    env = {"VATS_AGI_PORT": "0", "VATS_DEMO": "0", STEP_PAUSE_ENV: "1.5"}
    first = serve(tmp_path, vats_database_url, env, "first.log")
    try:
        midway = await wait_for(vats_kernel, tenant_id, lambda r: r["steps_done"] >= 1, 50)
    finally:
        first.kill()  # kill -9, as soon as the first step is committed
        await asyncio.to_thread(first.wait, 10)
    after_kill = await progress(vats_kernel, tenant_id)
    assert after_kill["status"] == "completing" and 1 <= after_kill["steps_done"] < 4, dict(after_kill)
    assert after_kill["steps_done"] >= midway["steps_done"]
    assert set((await bindings(vats_kernel, tenant_id)).values()) == {"old"}  # not one number switched yet

    second = serve(tmp_path, vats_database_url, {**env, STEP_PAUSE_ENV: "0"}, "second.log")
    try:
        finished = await wait_for(vats_kernel, tenant_id, lambda r: r["status"] == "completed", 50)
    finally:
        second.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(second.wait, 30)
        except subprocess.TimeoutExpired:
            second.kill()
            await asyncio.to_thread(second.wait, 10)
    assert finished["steps_done"] == finished["steps_total"] == 4
    assert await bindings(vats_kernel, tenant_id) == {n: "new" for n in NUMBERS}
    async with vats_kernel.db.tenant(tenant_id) as conn:
        counts = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM migration_numbers WHERE tenant_id = $1) AS numbers,"
            " (SELECT count(*) FROM scenarios WHERE tenant_id = $1 AND NOT is_default) AS scenarios,"
            " (SELECT count(*) FROM scenarios WHERE tenant_id = $1 AND name LIKE 'Старые правила%') AS old_rules,"
            " (SELECT count(*) FROM migration_states WHERE tenant_id = $1) AS states,"
            " (SELECT count(*) FROM outbox WHERE tenant_id = $1 AND kind = 'notifications.migration') AS told",
            tenant_id,
        )
    assert dict(counts) == {"numbers": 3, "scenarios": 3, "old_rules": 0, "states": 1, "told": 1}
