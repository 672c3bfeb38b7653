"""bench/api: throughput and p99 latency of the cabinet API over real HTTP, 50 concurrent
connections, next to a baseline measured in the same run: a separate one-route Litestar app
with no middleware and no sign-in (``bench/api/bare.py``), served the same way (vats' uvicorn
set-up, pinned to the same core).

The server (`vats serve` or the bare app, one process) is pinned to core 0 and the load client
to core 1 (``taskset``); PostgreSQL runs unpinned. The client is wrk where the machine has it,
else ``bench/load.py``. Routes:

- bare hello: GET /hello of the bare app;
- signed-in hello: GET /api/auth/session, which returns the caller from the token after the
  session check, through every middleware of the cabinet;
- list 100 employees, cached: GET /api/employees?limit=100 (3 SIP lines each, some in groups),
  answered from the response cache (bots/web/response_cache.py) after the first request;
- list 100 employees, uncached: the same with a query parameter (``nonce``, which the route
  ignores) new on every request, so the cache never answers and every answer is built from
  PostgreSQL (and then stored): what the first request after any change to the tenant costs.

    python bench/api/run.py            # 15 s per route
    python bench/api/run.py --smoke    # 2 s per route (CI)

Goals (issue 14): the signed-in hello >= 0.5 of the bare hello, the list >= 0.5 of the
signed-in hello.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import urllib.request
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from vats.core.config import Config
from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.directory.secrets import hash_password
from vats.core.kernel import Kernel, ensure_database, with_database

from bench.common import WrkResult, postmaster_pid, run_wrk, serve_process, throwaway_postgres, vats_serve

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
    client = f"   client {r.client} CPU {r.client_cpu:.2f}" if r.client_cpu is not None else ""
    database = f" + PostgreSQL {r.database_cpu_ms_per_request:.3f}" if r.database_cpu_ms_per_request is not None else ""
    print(f"  {name:<40} {r.requests_per_s:>7.0f} req/s   p50 {r.p50_ms:>7.2f} ms   p99 {r.p99_ms:>7.2f} ms"
          f"   errors {r.errors}   server CPU {r.server_cpu:.2f} cores,"
          f" {r.server_cpu_ms_per_request:.3f} ms/request{database}{client}")  # fmt: skip


def total_ms(r: WrkResult) -> float:
    return r.server_cpu_ms_per_request + (r.database_cpu_ms_per_request or 0.0)


def goal(name: str, ratio: float, target: float) -> str:
    return f"  {name}: {ratio:.2f}  (goal >= {target:.2f}: {'met' if ratio >= target else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a short run for CI")
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (2 if args.smoke else 15)
    common: dict[str, Any] = {"seconds": seconds, "connections": 50, "cpus": "1"}
    bare_script = os.path.join(os.path.dirname(__file__), "bare.py")
    with serve_process([sys.executable, bare_script], {}, "0", "bare litestar is serving") as (proc, base):
        run_wrk(f"{base}/hello", **{**common, "seconds": 1, "headers": {}, "server_pid": proc.pid})  # warm-up
        bare = run_wrk(f"{base}/hello", **common, headers={}, server_pid=proc.pid)
    with throwaway_postgres() as server_url:
        url = with_database(server_url, "vats_bench")
        asyncio.run(ensure_database(server_url, "vats_bench"))
        asyncio.run(populate(url))
        with vats_serve(
            {"VATS_DATABASE_URL": url, "VATS_SECRET_KEY": "bench-secret-key-0123456789-abcdefgh"}, cpus="0"
        ) as (proc, base):
            signed_in = {
                **common,
                "headers": {"Authorization": f"Bearer {login(base)}"},
                "server_pid": proc.pid,
                "database_pid": postmaster_pid(url),
            }
            run_wrk(f"{base}/api/auth/session", **{**signed_in, "seconds": 1})  # warm-up
            hello = run_wrk(f"{base}/api/auth/session", **signed_in)
            listing = run_wrk(f"{base}/api/employees?limit=100", **signed_in)
            uncached = run_wrk(f"{base}/api/employees?limit=100", **signed_in, unique="nonce")
    print(f"bench/api ({seconds:.0f} s per route, 50 connections, server on core 0, client on core 1)")
    show("bare Litestar hello (baseline)", bare)
    show("signed-in hello (GET /api/auth/session)", hello)
    show("list 100 employees (cache hits)", listing)
    show("list 100 employees (uncached, ?nonce=N)", uncached)
    print("throughput ratios:")
    print(goal("signed-in hello / bare hello", hello.requests_per_s / bare.requests_per_s, 0.5))
    print(goal("cached list / signed-in hello", listing.requests_per_s / hello.requests_per_s, 0.5))
    print(goal("uncached list / signed-in hello", uncached.requests_per_s / hello.requests_per_s, 0.5))
    # Where other processes share the cores, the server's CPU per request says more than req/s.
    print("the same by the server's CPU per request (inverse ratio of ms/request):")
    print(goal("signed-in hello / bare hello", bare.server_cpu_ms_per_request / hello.server_cpu_ms_per_request, 0.5))
    and_database = "  (with PostgreSQL's CPU)"
    print(goal("cached list / signed-in hello", total_ms(hello) / total_ms(listing), 0.5) + and_database)
    print(goal("uncached list / signed-in hello", total_ms(hello) / total_ms(uncached), 0.5) + and_database)
    if listing.errors or uncached.errors or hello.errors or bare.errors:
        sys.exit("bench/api: requests failed")


if __name__ == "__main__":
    main()
