"""bench/api: throughput and p99 latency of listing 100 employees, 50 concurrent connections,
over real HTTP, next to a hello-world route of the same app in the same run.

The server (`vats serve`, one process) is pinned to core 0 and wrk to core 1 (``taskset``), so
the client is not the limit; PostgreSQL runs unpinned. Both routes go through the same
middleware and sign-in check (a bearer token); the "hello world" is GET /api/auth/session,
which returns the caller from the token and touches no table beyond the session lookup.

    python bench/api/run.py            # 15 s per route
    python bench/api/run.py --smoke    # 2 s per route (CI)

Goal (issue 3): the list keeps at least 40% of hello-world's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from vats.core.config import Config
from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.directory.secrets import hash_password
from vats.core.kernel import Kernel, ensure_database, with_database

from bench.common import WrkResult, run_wrk, throwaway_postgres, vats_serve

PASSWORD = "bench-Passw0rd"
EMPLOYEES = 100


async def populate(url: str) -> None:
    """A tenant with 100 employees (3 SIP lines each, some in groups) and a known admin password."""
    kernel = await Kernel(Config.from_env({"VATS_DATABASE_URL": url})).start()
    try:
        d = kernel.directory
        created = await d.create_tenant(name="Bench", admin_email="admin@bench.example", seats_max=200)
        ids = []
        for i in range(EMPLOYEES - 1):
            emp, _ = await d.create_employee(
                created.tenant_id,
                EmployeeCreate(
                    full_name=f"Сотрудник {i:03d}", email=f"e{i}@bench.example", external_numbers=[f"+7916{i:07d}"]
                ),
            )
            ids.append(emp.id)
        await d.create_group(created.tenant_id, GroupCreate(name="Продажи", member_ids=ids[:20]))
        await d.create_group(created.tenant_id, GroupCreate(name="Поддержка", member_ids=ids[20:40]))
        assert kernel.db is not None
        async with kernel.db.tenant(created.tenant_id) as conn:
            await conn.execute("UPDATE employees SET password_hash = $1", hash_password(PASSWORD))
    finally:
        await kernel.stop()


def login(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/auth/login", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"email": "admin@bench.example", "password": PASSWORD}).encode(),
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        token: str = json.load(response)["access_token"]
    return token


def show(name: str, r: WrkResult) -> None:
    print(f"  {name:<34} {r.requests_per_s:>9.0f} req/s   p50 {r.p50_ms:>7.2f} ms   p99 {r.p99_ms:>7.2f} ms"
          f"   errors {r.errors}   server CPU {r.server_cpu:.2f} cores")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a short run for CI")
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (2 if args.smoke else 15)
    with throwaway_postgres() as server_url:
        url = with_database(server_url, "vats_bench")
        asyncio.run(ensure_database(server_url, "vats_bench"))
        asyncio.run(populate(url))
        with vats_serve(
            {"VATS_DATABASE_URL": url, "VATS_SECRET_KEY": "bench-secret-key-0123456789-abcdefgh"}, cpus="0"
        ) as (proc, base):
            headers = {"Authorization": f"Bearer {login(base)}"}
            common = {"seconds": seconds, "connections": 50, "headers": headers, "server_pid": proc.pid, "cpus": "1"}
            run_wrk(f"{base}/api/auth/session", **{**common, "seconds": 1})  # warm-up
            hello = run_wrk(f"{base}/api/auth/session", **common)
            listing = run_wrk(f"{base}/api/employees?limit=100", **common)
    ratio = listing.requests_per_s / hello.requests_per_s
    print(f"bench/api ({seconds:.0f} s per route, 50 connections, server on core 0, wrk on core 1)")
    show("hello world (GET /api/auth/session)", hello)
    show("list 100 employees", listing)
    print(f"  ratio list / hello world: {ratio:.2f}  (goal >= 0.40: {'met' if ratio >= 0.40 else 'NOT met'})")
    if listing.errors or hello.errors:
        sys.exit("bench/api: requests failed")


if __name__ == "__main__":
    main()
