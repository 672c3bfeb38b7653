"""bench/billing: rating call records through ``calls_ended`` next to plain ledger inserts.

Rates N answered outbound call records (destinations spread over the seeded rate plan's
prefixes, 10 tenants) the way the call-record reader hands them over (core/asterisk/cel.py):
batches of up to 50 records of one tenant per transaction, handed to the plugins with
``vats.core.calls.records.announce`` (``calls_ended`` once per batch, the kernel's savepoint
per plugin per batch included; ``call_ended`` per record, which no loaded plugin implements
here). Only the billing plugin is loaded, so the figure is billing's. The baseline, in the
same run, inserts the same ledger rows (one INSERT per row, the same batches and
transactions) straight into ``billing_ledger``: what writing the charges costs without
rating, idempotency and the cached balance.

The Python process is pinned to one core (PostgreSQL is not).

Goal (issue 17): >= 10,000 records/s on one core and a ratio (rating / baseline) >= 0.5.

Then the outbound routing decision (``AgiRouter.outbound``: the line, its bans and caller-ID
rules, the answer's variables) for a paid destination, with billing's balance check
(``call_budget``: price the destination, hold the money: from the process's lease of the
tenant's money when it has one, else one statement in the router's transaction) next to
without it (the billing plugin unregistered), in alternating rounds. Goal: the check adds
< 0.02 ms at p50.

Usage: python bench/billing/run.py [--smoke]   (full: 200,000 records, 20,000 decisions;
smoke: 2,000 and 1,000)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import sys
import time
import uuid
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vats.core.asterisk.agi import AgiRouter
from vats.core.calls.records import CallRecord, Participant, announce
from vats.core.config import Config
from vats.core.kernel import Kernel, ensure_database, with_database
from vats.plugins import billing
from vats.plugins.billing import ledger
from vats.plugins.billing.models import Rate
from vats.plugins.billing.rating import cost_kop

from bench.common import throwaway_postgres

BATCH = 50  # core/asterisk/cel.py BATCH
TENANTS = 10
DESTINATIONS = ["+7495", "+7499", "+7916", "+7903", "+7383", "+7812"]
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def records(tenants: list[uuid.UUID], n: int) -> list[CallRecord]:
    rng = random.Random(17)
    made = []
    for i in range(n):
        to = f"{rng.choice(DESTINATIONS)}{rng.randrange(10**7):07d}"
        talk = rng.randrange(1, 600)
        answered = START + dt.timedelta(seconds=i)
        made.append(
            CallRecord(
                tenant_id=tenants[i % len(tenants)],
                direction="outbound",
                number=to,
                caller="201",
                started_at=answered - dt.timedelta(seconds=5),
                answered_at=answered,
                ended_at=answered + dt.timedelta(seconds=talk),
                answered_by=f"tel/{to}",
                participants=[Participant(address=f"tel/{to}", outcome="answered")],
                linkedid=f"bench.{i}",
            )
        )
    return made


def batches(calls: list[CallRecord]) -> list[list[CallRecord]]:
    """Up to 50 records of one tenant each, as the reader groups a read of the queue."""
    by_tenant: dict[uuid.UUID, list[CallRecord]] = {}
    for record in calls:
        by_tenant.setdefault(record.tenant_id, []).append(record)
    return [rs[i : i + BATCH] for rs in by_tenant.values() for i in range(0, len(rs), BATCH)]


async def rate_all(kernel: Kernel, work: list[list[CallRecord]]) -> float:
    started = time.perf_counter()
    for batch in work:
        async with kernel.db.tenant(batch[0].tenant_id) as conn:
            await announce(conn, kernel.plugins, batch[0].tenant_id, batch)  # as the reader, after storing them
    return time.perf_counter() - started


async def rate_directly(kernel: Kernel, work: list[list[CallRecord]]) -> float:
    """Billing's own share: its hook implementation called straight, without the kernel's
    per-plugin savepoint that ``announce`` adds to every batch."""
    from vats.plugins import billing

    started = time.perf_counter()
    for batch in work:
        async with kernel.db.tenant(batch[0].tenant_id) as conn:
            await billing.calls_ended(tenant_id=batch[0].tenant_id, records=batch, conn=conn, kernel=kernel)
    return time.perf_counter() - started


async def insert_all(kernel: Kernel, work: list[list[CallRecord]], amounts: dict[uuid.UUID, int]) -> float:
    started = time.perf_counter()
    for batch in work:
        async with kernel.db.tenant(batch[0].tenant_id) as conn:
            for record in batch:
                await conn.execute(
                    "INSERT INTO billing_ledger (tenant_id, kind, amount_kop, reason, reference, idempotency_key)"
                    " VALUES ($1, 'call', $2, $3, $4, $5)",
                    record.tenant_id, -amounts[record.id], f"outbound {record.number}", f"call:{record.id}",
                    f"baseline:{record.id}",
                )  # fmt: skip
    return time.perf_counter() - started


ROUNDS = 10


async def decide(router: AgiRouter, count: int, login: str, into: list[float]) -> None:
    for _ in range(count):
        started = time.perf_counter()
        answer = await router.outbound(login, "84951234567", call_id=uuid.uuid4().hex)
        into.append(time.perf_counter() - started)
        assert answer["VATS_ACTION"] == "outbound", answer


async def routing(kernel: Kernel, tenant_id: uuid.UUID, n: int) -> tuple[list[float], list[float], int]:
    """Decision latencies (seconds) with the balance check and without, and the calls held."""
    async with kernel.db.tenant(tenant_id) as conn:
        await ledger.post(conn, tenant_id, kind="adjustment", amount_kop=10**10, idempotency_key="bench-routing")
    async with kernel.db.system() as conn:
        login = await conn.fetchval("SELECT sip_login FROM terminals WHERE tenant_id = $1 LIMIT 1", tenant_id)
    router = AgiRouter(kernel)
    checked: list[float] = []
    plain: list[float] = []
    await decide(router, 200, login, [])  # warm up: prepared statements, the rate plan's index
    for _ in range(ROUNDS):
        await decide(router, n // ROUNDS, login, checked)
        kernel.plugins.unregister("billing")
        try:
            await decide(router, n // ROUNDS, login, plain)
        finally:
            kernel.plugins.register(billing, name="billing")
    await billing.purse.settle()  # the holds of calls served from the lease written
    async with kernel.db.system() as conn:
        held = await conn.fetchval(
            "SELECT count(*) FROM billing_reservations WHERE tenant_id = $1 AND call_id NOT LIKE 'lease:%'", tenant_id
        )
    return checked, plain, int(held)


async def check_alone(kernel: Kernel, tenant_id: uuid.UUID, n: int) -> tuple[list[float], int]:
    """The balance check by itself: the ``call_budget`` hook through the kernel as the router
    asks it (in a system transaction of its own), a call every millisecond (a busy tenant); the
    latencies and how many the process's lease served."""
    took: list[float] = []
    served = billing.purse.served
    for _ in range(n):
        async with kernel.db.system() as conn:
            started = time.perf_counter()
            answer = await kernel.plugins.first(
                "call_budget", tenant_id=tenant_id, destination="+74951234567", call_id=uuid.uuid4().hex, conn=conn
            )
            took.append(time.perf_counter() - started)
        assert answer is not None and answer.allowed, answer
        await asyncio.sleep(0.001)
    return took, billing.purse.served - served


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def rating_figures(counted: int, rated_s: float, direct_s: float, inserted_s: float) -> None:
    rating, baseline, direct = counted / rated_s, counted / inserted_s, counted / direct_s
    print(f"records: {counted} in batches of up to {BATCH} per transaction, {TENANTS} tenants")
    print(f"rating through calls_ended: {rating:,.0f} records/s ({rated_s:.2f} s)")
    print(
        f"billing's hook called directly (no kernel savepoint): {direct:,.0f} records/s ({direct / baseline:.2f} of baseline)"
    )
    print(f"baseline, plain ledger INSERTs: {baseline:,.0f} rows/s ({inserted_s:.2f} s)")
    print(f"ratio rating/baseline: {rating / baseline:.2f}   (goal: >= 10,000 records/s and ratio >= 0.5)", flush=True)


async def main(n: int, decisions: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with throwaway_postgres() as server_url:
        url = with_database(server_url, "vats_bench")
        await ensure_database(server_url, "vats_bench")
        kernel = await Kernel(Config.from_env({"VATS_DATABASE_URL": url, "VATS_DATA_DIR": "/tmp"})).start()
        try:
            for name in kernel.plugins.names():
                if name != "billing":
                    kernel.plugins.unregister(name)
            tenants = [
                (await kernel.directory.create_tenant(name=f"Bench {i}", admin_email=f"a{i}@bench.example")).tenant_id
                for i in range(TENANTS)
            ]
            calls = records(tenants, n)
            work = batches(calls)
            async with kernel.db.system() as conn:
                rows = await conn.fetch(
                    "SELECT prefix, name, price_per_min_kop, connect_fee_kop, first_s, next_s FROM billing_rates"
                )
            rates = {r["prefix"]: Rate(**dict(r)) for r in rows}
            amounts = {}
            for record in calls:
                digits = record.number[1:]
                rate = next(rates[digits[:k]] for k in range(len(digits), 0, -1) if digits[:k] in rates)
                amounts[record.id] = cost_kop(rate, record.talk_s)
            await rate_all(kernel, work[:2])  # warm up: the pool, prepared statements, the prefix index
            warm = {r.id for batch in work[:2] for r in batch}
            rest = [[r for r in batch if r.id not in warm] for batch in work[2:]]
            counted = sum(len(b) for b in rest)
            rated_s = await rate_all(kernel, rest)
            again = [[msgspec.structs.replace(r, id=uuid.uuid4()) for r in batch] for batch in rest]
            direct_s = await rate_directly(kernel, again)
            inserted_s = await insert_all(kernel, rest, amounts)
            rating_figures(counted, rated_s, direct_s, inserted_s)  # now: the routing part takes long on a busy machine
            async with kernel.db.system() as conn:
                charged = await conn.fetchval("SELECT count(*) FROM billing_ledger WHERE idempotency_key LIKE 'call:%'")
                wrong = await conn.fetchval(
                    "SELECT count(*) FROM billing_accounts a WHERE balance_kop <>"
                    " (SELECT coalesce(sum(amount_kop), 0) FROM billing_ledger l"
                    "  WHERE l.tenant_id = a.tenant_id AND l.idempotency_key LIKE 'call:%')"
                )
            assert charged == n + counted, f"{charged} charges for {n} + {counted} records"
            assert wrong == 0, "a cached balance differs from its ledger"
            checked, plain, held = await routing(kernel, tenants[0], decisions)
            served = billing.purse.served
            alone, alone_served = await check_alone(kernel, tenants[0], decisions // 10)
            assert held == len(checked) + 200, f"{held} calls hold money, {len(checked) + 200} were checked"
        finally:
            await kernel.stop()
    print(f"outbound routing decision, {len(checked)} each, {ROUNDS} alternating rounds:")
    with_p50, with_p99 = percentile(checked, 0.5), percentile(checked, 0.99)
    without_p50, without_p99 = percentile(plain, 0.5), percentile(plain, 0.99)
    print(
        f"  with the balance check (money held): p50 {with_p50:.3f} ms  p99 {with_p99:.3f} ms"
        f"   ({served:,} of {len(checked) + 200:,} served from the process's lease)"
    )
    print(f"  without (no billing plugin):         p50 {without_p50:.3f} ms  p99 {without_p99:.3f} ms")
    print(
        f"  the check adds {with_p50 - without_p50:.3f} ms at p50 ({with_p50 / without_p50:.2f}x)"
        "   (goal: < 0.02 ms at p50)"
    )
    print(
        f"the balance check alone (call_budget through the kernel, one call a millisecond): p50"
        f" {percentile(alone, 0.5):.4f} ms  p99 {percentile(alone, 0.99):.4f} ms"
        f"   ({alone_served:,} of {len(alone):,} served from the lease)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="2,000 records (CI)")
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--decisions", type=int, default=None)
    args = parser.parse_args()
    records_n = args.records or (2_000 if args.smoke else 200_000)
    asyncio.run(main(records_n, args.decisions or (1_000 if args.smoke else 20_000)))
