"""bench/migration: customers of 20 employees (one kept SIP line each) and 5 numbers (a scenario
each) imported through ``vats migrate`` (a real process: dry-run pass, then the creating pass),
next to creating the same tenants through the kernel directly (create_tenant, assign_number,
create_employee, create_scenario) in the same run, on the same throwaway PostgreSQL; and the
CLI's peak memory for a file of a tenth of the customers next to the whole file (flat: the file
is streamed).

    python bench/migration/run.py                   # 1,000 customers
    python bench/migration/run.py --customers 200   # a shorter full-size run
    python bench/migration/run.py --smoke           # 20 customers (CI)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from vats.core.config import Config
from vats.core.directory.models import EmployeeCreate, SipLineCreate
from vats.core.engine.scenarios import create_scenario
from vats.core.kernel import Kernel, ensure_database, with_database

from bench.common import throwaway_postgres

EMPLOYEES = 20
NUMBERS = 5


def customer(prefix: str, n: int) -> dict[str, object]:
    """Customer ``n`` of a run: logins, numbers and e-mails unique per ``prefix`` and ``n``."""
    key = f"{prefix}{n:05d}"
    lines = [{"login": f"{key}-{e:02d}", "password": f"Pass-{key}-{e:02d}"} for e in range(EMPLOYEES)]
    employees = [
        {"full_name": f"Сотрудник {e}", "email": f"e{e}@{key}.example", "role": "admin" if e == 0 else "user",
         "extension": str(200 + e), "lines": [{"login": f"{key}-{e:02d}", "kind": "softphone"}]}
        for e in range(EMPLOYEES)
    ]  # fmt: skip
    base = {"a": 74951000000, "b": 78121000000, "k": 73831000000}[prefix[0]]
    numbers = [
        {"number": f"+{base + n * NUMBERS + i}", "forwarding": [{"to": f"{key}-{i:02d}"}]} for i in range(NUMBERS)
    ]
    return {"id": key, "name": f"Клиент {key}", "admin_email": f"e0@{key}.example", "lines": lines,
            "numbers": numbers, "employees": employees}  # fmt: skip


def write_export(path: Path, prefix: str, count: int) -> None:
    """The export, written customer by customer (the bench itself holds no big file either)."""
    with path.open("w", encoding="utf-8") as f:
        f.write('{"format": "vats-old-cabinet-export", "version": 1, "customers": [\n')
        for n in range(count):
            f.write(("," if n else "") + json.dumps(customer(prefix, n), ensure_ascii=False) + "\n")
        f.write("]}\n")


def run_cli(url: str, path: Path) -> tuple[float, int, str]:
    """``vats migrate FILE``: wall seconds, peak RSS (sampled every 20 ms), its summary line."""
    env = {**os.environ, "VATS_DATABASE_URL": url, "VATS_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vats.bots.cli", "migrate", str(path)], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = 0

    def sample() -> None:
        nonlocal peak
        process = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                peak = max(peak, process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate(timeout=7200)
    seconds = time.perf_counter() - started
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"vats migrate failed ({proc.returncode}): {out[-2000:]} {err[-2000:]}")
    summary = next((line for line in out.splitlines() if line.startswith("created ")), out.strip())
    return seconds, peak, summary


async def kernel_direct(kernel: Kernel, count: int) -> float:
    """The same tenants through the kernel's services: what the CLI's work costs at the least."""
    started = time.perf_counter()
    for n in range(count):
        data = customer("k", n)
        key = str(data["id"])
        created = await kernel.directory.create_tenant(
            name=f"Клиент {key}", admin_email=f"e0@{key}.example", admin_name="Сотрудник 0"
        )
        for number in data["numbers"]:  # type: ignore[attr-defined]
            await kernel.directory.assign_number(created.tenant_id, number["number"])
        ids = [created.admin_id]
        for e in range(1, EMPLOYEES):
            employee, _ = await kernel.directory.create_employee(
                created.tenant_id,
                EmployeeCreate(
                    full_name=f"Сотрудник {e}", email=f"e{e}@{key}.example", extension=str(200 + e),
                    sip_lines=[SipLineCreate(sip_login=f"{key}-{e:02d}", sip_password=f"Pass-{key}-{e:02d}")],
                ),
            )  # fmt: skip
            ids.append(employee.id)
        async with kernel.db.tenant(created.tenant_id) as conn:  # a scenario per number, as the import makes
            for i, number in enumerate(data["numbers"]):  # type: ignore[arg-type]
                body = {
                    "default": {
                        "handling": {"type": "forward", "targets": [{"kind": "employee", "id": str(ids[i])}]},
                        "insurance": {"type": "voicemail", "task_for": "employee", "assignee_id": str(ids[0])},
                    },
                    "filters": [],
                }
                scenario = await create_scenario(conn, created.tenant_id, f"{number['number']}", body, kernel.blocks)
                await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE e164 = $1", number["number"], scenario.id)
    return time.perf_counter() - started


async def main(count: int) -> None:
    small = max(2, count // 10)
    with throwaway_postgres() as server_url, tempfile.TemporaryDirectory(prefix="vats-bench-migration-") as tmp:
        url = with_database(server_url, "vats_bench")
        await ensure_database(server_url, "vats_bench")
        kernel = await Kernel(Config.from_env({"VATS_DATABASE_URL": url, "VATS_DATA_DIR": tmp})).start()
        try:
            folder = Path(tmp)
            whole, tenth = folder / "whole.json", folder / "tenth.json"
            write_export(whole, "a", count)
            write_export(tenth, "b", small)
            size = whole.stat().st_size
            direct_s = await kernel_direct(kernel, count)
            small_s, small_peak, _ = await asyncio.to_thread(run_cli, url, tenth)
            cli_s, cli_peak, summary = await asyncio.to_thread(run_cli, url, whole)
        finally:
            await kernel.stop()
    per = EMPLOYEES * count
    print(f"bench/migration ({count:,} customers × {EMPLOYEES} employees × {NUMBERS} numbers; export {size:,} bytes)")
    print(f"  vats migrate (dry-run pass + creating pass) {cli_s:8.1f} s  {count / cli_s:7.1f} customers/s"
          f"  {per / cli_s:7.0f} employees/s")  # fmt: skip
    print(f"  kernel directly (baseline)                 {direct_s:8.1f} s  {count / direct_s:7.1f} customers/s"
          f"  {per / direct_s:7.0f} employees/s")  # fmt: skip
    print(f"  ratio CLI / kernel time: {cli_s / direct_s:.2f}")
    print(f"  CLI summary: {summary}")
    print(f"  peak memory of vats migrate: {small:,} customers {small_peak / 2**20:.0f} MiB ({small_s:.1f} s),"
          f" {count:,} customers {cli_peak / 2**20:.0f} MiB; ratio {cli_peak / small_peak:.2f}"
          f" for {count / small:.0f}× the customers")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="20 customers (CI)")
    parser.add_argument("--customers", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(20 if args.smoke else args.customers))
