"""bench/web: the cabinet's employee list page (Settings → Employees, a cookie session) for a
tenant of 1,000 employees, next to the JSON list route (GET /api/employees, a bearer token) in
the same run and the same `vats serve`, both answering the same first 50 rows (checked before
the load). 10 concurrent connections (a page takes milliseconds to render: 50 would only queue
past the client's 2 s timeout on a busy machine); the server pinned to core 0, the load client
(wrk, else ``bench/load.py``) to core 1, as in bench/api.

Routes:

- JSON list, cached: GET /api/employees?limit=50 (the response cache answers after the first);
- JSON list, uncached: the same with ``nonce`` new on every request (built from PostgreSQL);
- the page: GET /cabinet/settings/employees (rendered from PostgreSQL and Jinja every time; the
  ``nonce`` is there too, so that nothing in between could cache it).

    python bench/web/run.py            # 15 s per route
    python bench/web/run.py --smoke    # 2 s per route (CI)

Goal (issue 16): the page >= 0.5 of the API's throughput (the uncached list: both build their
answer from the database on every request); the page's p99 under load is reported. Where other
processes share the cores, the CPU each answer costs (vats + PostgreSQL) says more than req/s,
so the ratio is printed both ways, as bench/api does.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import http.cookiejar
import json
import os
import re
import sys
import urllib.parse
import urllib.request
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from vats.core.config import Config
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.secrets import hash_password
from vats.core.kernel import Kernel, ensure_database, with_database

from bench.common import WrkResult, postmaster_pid, run_wrk, throwaway_postgres, vats_serve

PASSWORD = "bench-Passw0rd"
EMPLOYEES = 1000
ROWS = 50
CONNECTIONS = 10
ADMIN = "admin@bench.example"


async def populate(url: str) -> None:
    """A tenant of 1,000 employees (each with its three SIP lines), the admin's password known."""
    kernel = await Kernel(Config.from_env({"VATS_DATABASE_URL": url})).start()
    try:
        d = kernel.directory
        created = await d.create_tenant(name="Bench", admin_email=ADMIN, seats_max=EMPLOYEES + 10)
        gate = asyncio.Semaphore(8)

        async def one(i: int) -> None:
            async with gate:
                await d.create_employee(
                    created.tenant_id, EmployeeCreate(full_name=f"Сотрудник {i:04d}", email=f"e{i}@bench.example")
                )

        await asyncio.gather(*(one(i) for i in range(EMPLOYEES - 1)))
        assert kernel.db is not None
        async with kernel.db.tenant(created.tenant_id) as conn:
            await conn.execute("UPDATE employees SET password_hash = $1", hash_password(PASSWORD))
    finally:
        await kernel.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def cabinet_cookie(base: str) -> str:
    """Sign in through the cabinet's own form (CSRF token and all); the Cookie header to send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    with opener.open(f"{base}/signin", timeout=30) as form:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.read().decode())
    assert token, "the sign-in form has a CSRF token"
    data = urllib.parse.urlencode({"email": ADMIN, "password": PASSWORD, "_csrf_token": token.group(1)}).encode()
    try:
        opener.open(urllib.request.Request(f"{base}/signin", data=data, method="POST"), timeout=30)
    except urllib.error.HTTPError as exc:  # the 303 to the cabinet, not followed
        if exc.code != 303:
            raise
    session = next((c for c in jar if c.name == "vats_session"), None)
    assert session is not None, "signed in"
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def login(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/auth/login", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"email": ADMIN, "password": PASSWORD}).encode(),
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        token: str = json.load(response)["access_token"]
    return token


def get(url: str, headers: dict[str, str]) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return str(response.read().decode())


def same_first_rows(base: str, bearer: dict[str, str], cookie: dict[str, str]) -> list[str]:
    """The e-mails of the first 50 rows, which the page and the API must agree on (in order)."""
    api = [e["email"] for e in json.loads(get(f"{base}/api/employees?limit={ROWS}", bearer))["items"]]
    page = get(f"{base}/cabinet/settings/employees", cookie)
    shown = [html.unescape(m) for m in re.findall(r'<td class="wide email">([^<]*)</td>', page)]
    if api != shown or len(api) != ROWS:
        sys.exit(f"bench/web: the page and the API disagree on the first {ROWS} rows:\n{api}\n{shown}")
    return api


def show(name: str, r: WrkResult) -> None:
    database = f" + PostgreSQL {r.database_cpu_ms_per_request:.3f}" if r.database_cpu_ms_per_request is not None else ""
    print(f"  {name:<44} {r.requests_per_s:>7.0f} req/s   p50 {r.p50_ms:>7.2f} ms   p99 {r.p99_ms:>7.2f} ms"
          f"   errors {r.errors}   server {r.server_cpu_ms_per_request:.3f} ms/request{database}")  # fmt: skip


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
    with throwaway_postgres() as server_url:
        url = with_database(server_url, "vats_bench")
        asyncio.run(ensure_database(server_url, "vats_bench"))
        asyncio.run(populate(url))
        with vats_serve(
            {"VATS_DATABASE_URL": url, "VATS_SECRET_KEY": "bench-secret-key-0123456789-abcdefgh"}, cpus="0"
        ) as (proc, base):
            bearer = {"Authorization": f"Bearer {login(base)}"}
            cookie = {"Cookie": cabinet_cookie(base)}
            same_first_rows(base, bearer, cookie)
            common: dict[str, Any] = {
                "seconds": seconds, "connections": CONNECTIONS, "cpus": "1", "server_pid": proc.pid,
                "database_pid": postmaster_pid(url),
            }  # fmt: skip
            api_url, page_url = f"{base}/api/employees?limit={ROWS}", f"{base}/cabinet/settings/employees"
            run_wrk(page_url, **{**common, "seconds": 1}, headers=cookie, unique="nonce")  # warm-up
            run_wrk(api_url, **{**common, "seconds": 1}, headers=bearer, unique="nonce")
            cached = run_wrk(api_url, **common, headers=bearer)
            uncached = run_wrk(api_url, **common, headers=bearer, unique="nonce")
            page = run_wrk(page_url, **common, headers=cookie, unique="nonce")
    print(f"bench/web ({seconds:.0f} s per route, {CONNECTIONS} connections, {EMPLOYEES} employees, first {ROWS} rows,"
          " server on core 0, client on core 1)")  # fmt: skip
    show("JSON list, cached (GET /api/employees)", cached)
    show("JSON list, uncached (?nonce=N)", uncached)
    show("the page (GET /cabinet/settings/employees)", page)
    print(f"  the page's p99 under load: {page.p99_ms:.1f} ms")
    print("throughput ratios:")
    print(goal("page / uncached JSON list", page.requests_per_s / uncached.requests_per_s, 0.5))
    print(f"  page / cached JSON list: {page.requests_per_s / cached.requests_per_s:.2f}  (for information)")
    print("the same by the CPU per answer, vats + PostgreSQL (inverse ratio of ms/request):")
    print(goal("page / uncached JSON list", total_ms(uncached) / total_ms(page), 0.5))
    if page.errors or cached.errors or uncached.errors:
        sys.exit("bench/web: requests failed")


if __name__ == "__main__":
    main()
