"""bench/history: the CRM's common queries on 1,000,000 calls across 100 tenants.

Measures, for one tenant of the 100 (10,000 calls over 90 days, like the others but one,
which holds the 100,000 calls the export reads): the
history as the cabinet opens it (today), the last 30 days with the "missed by" filter, the
same as an ordinary employee (visibility rules in SQL), the dashboard of an employee for the
week, the admin statistics as they open (today) and for this week (30 days is printed too, outside
the goal: ~85 ms at this size, see the README); p50/p99 of each next to the baseline (an empty
query in the same tenant transaction: the pool and round trip alone). Then memory while
exporting 100,000 calls as CSV through the streamed export, next to 10,000 rows (flat means
the same) and to reading the 100,000 rows at once (the unstreamed baseline).

Goals: p99 < 50 ms for every query; export memory flat (no growth with the row count).
Usage: python bench/history/run.py [--smoke]   (smoke: ~100,000 calls across 10 tenants)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import asyncpg
from rich.progress import Progress
from vats.core.config import Config
from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.directory.service import load_tenant
from vats.core.kernel import Kernel, ensure_database, with_database
from vats.plugins.crm import history, stats
from vats.plugins.crm.history import Filters
from vats.plugins.crm.periods import period_bounds
from vats.plugins.crm.viewer import viewer_for

from bench.common import throwaway_postgres

DAYS = 90
COLUMNS = [
    "id", "tenant_id", "started_at", "direction", "number", "peer", "answered", "answered_by", "made_by", "talk_s",
    "addressed", "personally", "missed_by", "groups", "personal",
]  # fmt: skip


def calls_of(tenant_id: uuid.UUID, count: int, people: list[uuid.UUID], group_id: uuid.UUID, now: dt.datetime) -> Any:
    rnd = random.Random(str(tenant_id))
    for i in range(count):
        at = now - dt.timedelta(seconds=rnd.random() * DAYS * 86400)
        kind = rnd.random()
        rung = rnd.sample(people, k=min(len(people), rnd.randint(1, 3)))
        if kind < 0.15:  # outbound
            who = rung[0]
            answered = rnd.random() < 0.7
            yield (uuid.uuid4(), tenant_id, at, "outbound", "+74950000000", f"+7916{i:07d}", answered,
                   None, who, rnd.randint(10, 600) if answered else 0, [], [], [], [], False)  # fmt: skip
            continue
        answered = rnd.random() < 0.75
        took = rung[-1] if answered else None
        by_group = rnd.random() < 0.5
        yield (uuid.uuid4(), tenant_id, at, "inbound", "+74950000000", f"+7903{rnd.randint(0, 9_999_999):07d}",
               answered, took, None, rnd.randint(10, 600) if answered else 0, rung, [] if by_group else rung,
               [p for p in rung if p != took], [group_id] if by_group else [], rnd.random() < 0.02)  # fmt: skip


async def fill(
    kernel: Kernel, owner_url: str, tenants: int, per_tenant: int, export_rows: int
) -> tuple[uuid.UUID, list[uuid.UUID], uuid.UUID]:
    now = dt.datetime.now(dt.UTC)
    d = kernel.directory
    measured: tuple[uuid.UUID, list[uuid.UUID]] | None = None
    exported = uuid.UUID(int=0)
    conn = await asyncpg.connect(owner_url)
    await conn.execute("SET vats.system = 'on'")
    try:
        with Progress() as progress:
            bar = progress.add_task("generating calls", total=(tenants - 1) * per_tenant + export_rows)
            for t in range(tenants):
                created = await d.create_tenant(name=f"Bench {t}", admin_email=f"admin@bench{t}.example")
                people = [created.admin_id]
                if t == 0:  # the measured tenant gets real employees and a group
                    for n in range(5):
                        emp, _ = await d.create_employee(
                            created.tenant_id, EmployeeCreate(full_name=f"Оператор {n}", email=f"op{n}@bench0.example")
                        )
                        people.append(emp.id)
                    g = await d.create_group(created.tenant_id, GroupCreate(name="Продажи", member_ids=people[1:4]))
                    group_id = g.id
                    measured = (created.tenant_id, people)
                else:
                    people += [uuid.uuid4() for _ in range(5)]
                    group_id = uuid.uuid4()
                count = export_rows if t == 1 else per_tenant  # tenant 1: the big one whose history is exported
                if t == 1:
                    exported = created.tenant_id
                rows = list(calls_of(created.tenant_id, count, people, group_id, now))
                await conn.copy_records_to_table("crm_calls", records=rows, columns=COLUMNS)
                progress.advance(bar, count)
        await conn.execute("ANALYZE crm_calls")
    finally:
        await conn.close()
    assert measured is not None
    return (*measured, exported)


async def timed(kernel: Kernel, tenant_id: uuid.UUID, runs: int, body: Any) -> tuple[float, float]:
    times = []
    assert kernel.db is not None
    for _ in range(runs):
        started = time.perf_counter()
        async with kernel.db.tenant(tenant_id) as conn:
            await body(conn)
        times.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(times, n=100)
    return q[49], q[98]


async def export_peak(kernel: Kernel, viewer: Any, f: Filters, limit_rows: int, streamed: bool) -> tuple[float, int]:
    """Peak Python memory (MiB) while writing ``limit_rows`` calls as CSV, and the rows written."""
    assert kernel.db is not None
    written = 0
    tracemalloc.start()
    tracemalloc.reset_peak()
    async with kernel.db.tenant(viewer.tenant_id) as conn:
        if streamed:
            async for _line in history.export(conn, viewer, f, {}):
                written += 1
                if written > limit_rows:
                    break
        else:  # the unstreamed way: every row in memory first
            rows = await conn.fetch(
                f"SELECT {history.COLUMNS} FROM {history.FROM} WHERE h.tenant_id = $1 ORDER BY h.started_at LIMIT $2",
                viewer.tenant_id, limit_rows,
            )  # fmt: skip
            lines = [",".join(str(v) for v in r.values()) for r in rows]
            written = len(lines) + 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, written - 1


async def main_async(tenants: int, per_tenant: int, runs: int, export_rows: int) -> None:
    with throwaway_postgres() as server_url:
        url = with_database(server_url, "vats_bench")
        await ensure_database(server_url, "vats_bench")
        kernel = await Kernel(Config.from_env({"VATS_DATABASE_URL": url, "VATS_DATA_DIR": "/tmp"})).start()
        try:
            started = time.perf_counter()
            tenant_id, people, big_tenant = await fill(kernel, kernel.owner_url, tenants, per_tenant, export_rows)
            filled_s = time.perf_counter() - started
            assert kernel.db is not None
            async with kernel.db.tenant(tenant_id) as conn:
                tenant = await load_tenant(conn, tenant_id)
                admin = await viewer_for(conn, kernel, tenant_id, people[0], "admin", tenant.settings)
                user = await viewer_for(conn, kernel, tenant_id, people[1], "user", tenant.settings)
            tz = tenant.time_zone
            today = Filters(*period_bounds("today", tz))
            month = Filters(*period_bounds("last30", tz), missed_by=people[2])
            month_all = Filters(*period_bounds("last30", tz))
            week = period_bounds("week", tz)
            last30 = period_bounds("last30", tz)
            today_bounds = period_bounds("today", tz)
            cases: list[tuple[str, Any]] = [
                ("baseline: empty query", lambda conn: conn.fetchval("SELECT 1")),
                ("history today (admin, page 1)", lambda conn: history.listing(conn, admin, today, limit=50, offset=0)),
                ("history 30 days, missed by X", lambda conn: history.listing(conn, admin, month, limit=50, offset=0)),
                ("history 30 days as an employee",
                 lambda conn: history.listing(conn, user, month_all, limit=50, offset=0)),
                ("history 30 days, page 20", lambda conn: history.listing(conn, admin, month_all, limit=50, offset=950)),
                ("dashboard, this week", lambda conn: stats.dashboard(conn, tenant_id, people[1], *week, tz)),
                ("statistics, today (as it opens)", lambda conn: stats.statistics(conn, admin, *today_bounds, tz)),
                ("statistics, this week", lambda conn: stats.statistics(conn, admin, *week, tz)),
            ]  # fmt: skip
            informational = [("statistics, 30 days (not a goal)",
                              lambda conn: stats.statistics(conn, admin, *last30, tz))]  # fmt: skip
            results = []
            for name, body in cases + informational:
                await timed(kernel, tenant_id, 5, body)  # warm-up
                results.append((name, *await timed(kernel, tenant_id, runs, body)))
            async with kernel.db.tenant(big_tenant) as conn:
                big_settings = (await load_tenant(conn, big_tenant)).settings
                big_admin = await viewer_for(conn, kernel, big_tenant, uuid.uuid4(), "admin", big_settings)
            everything = Filters(*period_bounds("range", tz, start=dt.date(2000, 1, 1), end=dt.date(2000, 12, 31)))
            everything.since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
            everything.until = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
            small = await export_peak(kernel, big_admin, everything, export_rows // 10, streamed=True)
            big = await export_peak(kernel, big_admin, everything, export_rows, streamed=True)
            whole = await export_peak(kernel, big_admin, everything, export_rows, streamed=False)
        finally:
            await kernel.stop()
    total = (tenants - 1) * per_tenant + export_rows
    print(f"bench/history ({total:,} calls across {tenants} tenants, {per_tenant:,} per tenant over {DAYS} days,")
    print(f"  {export_rows:,} in the tenant whose history is exported;")
    print(f"  filled in {filled_s:.0f} s; {runs} runs per query, one tenant)")
    base_p99 = results[0][2]
    for name, p50, p99 in results:
        print(f"  {name:<34} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  ({p99 / base_p99:5.1f}x baseline p99)")
    worst = max(p99 for name, _, p99 in results[1:] if "not a goal" not in name)
    print(f"  CSV export: {small[1]:,} rows streamed peak {small[0]:.2f} MiB; {big[1]:,} rows streamed peak"
          f" {big[0]:.2f} MiB (ratio {big[0] / small[0]:.2f}); {whole[1]:,} rows read at once (baseline)"
          f" {whole[0]:.2f} MiB")  # fmt: skip
    flat = big[0] / small[0] < 1.5
    print(f"  goals: p99 < 50 ms: {'met' if worst < 50 else 'NOT met'} (worst {worst:.1f} ms);"
          f" export memory flat: {'met' if flat else 'NOT met'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        asyncio.run(main_async(tenants=10, per_tenant=10_000, runs=50, export_rows=10_000))
    else:
        asyncio.run(main_async(tenants=100, per_tenant=10_000, runs=200, export_rows=100_000))


if __name__ == "__main__":
    main()
