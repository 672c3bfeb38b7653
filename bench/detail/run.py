"""bench/detail: the call detail report of a busy month, and the documents' PDFs.

Fills one PBX with N call records over 31 days (two thirds outbound and charged, the rest
inbound), then, for the whole period:

* baseline: every row read through the report's cursor (``detail.lines``) and nothing else;
* XLSX: the same rows written by xlsxwriter in constant-memory mode (``detail.write_xlsx``),
  the file as the cabinet streams it.

Both run at N/10 and N records: the peak Python memory (tracemalloc) of the XLSX run should
stay flat as N grows tenfold (rows go to the workbook's temporary file, not to a list). The
XLSX is built on the event loop ``vats serve`` shares with call routing, so the run also shows
the loop's longest stall while it builds (a task ticking every millisecond; goal: < 50 ms).
Then the time to render and store an invoice and a month's closing documents (PDF).

Usage: python bench/detail/run.py [--smoke]   (full: 50,000 calls; smoke: 2,000)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vats.core.config import Config
from vats.core.kernel import Kernel, ensure_database, with_database
from vats.plugins.billing import detail, requisites, seller
from vats.plugins.billing.documents import pdf, service
from vats.plugins.billing.requisites import RequisitesIn
from vats.plugins.billing.seller import SellerIn

from bench.common import throwaway_postgres

ZONE = "Europe/Moscow"
SELLER = SellerIn(name="ООО «Телеком»", inn="7736207543", kpp="773601001", address="Москва", bank_name="Банк",
                  bik="044525225", account="40702810938000000001", corr_account="30101810400000000225")  # fmt: skip


async def fill(kernel: Kernel, tenant_id: uuid.UUID, n: int, first: dt.datetime) -> None:
    """N call records over 31 days, the outbound ones charged in the ledger as rating does."""
    rng = random.Random(17)
    calls, charges = [], []
    for i in range(n):
        at = first + dt.timedelta(seconds=rng.randrange(31 * 86400))
        talk = rng.randrange(0, 900)
        answered = at + dt.timedelta(seconds=5) if talk else None
        ended = (answered or at) + dt.timedelta(seconds=talk or 20)
        outbound = i % 3 != 0
        call_id = uuid.uuid4()
        number = f"+7495{rng.randrange(10**7):07d}" if outbound else "+74950000001"
        calls.append((call_id, tenant_id, "outbound" if outbound else "inbound", number,
                      "201" if outbound else f"+7916{rng.randrange(10**7):07d}", at, answered, ended, "{}"))  # fmt: skip
        if outbound and talk:
            billed = 60 * -(-talk // 60)
            charges.append((tenant_id, "call", -billed * 100 // 60, f"call:{call_id}", f"call:{call_id}", billed, ended))
    async with kernel.db.tenant(tenant_id) as conn:
        await conn.executemany(  # (row-level security refuses COPY)
            "INSERT INTO call_records (id, tenant_id, direction, number, caller, started_at, answered_at, ended_at,"
            " record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            calls,
        )
        await conn.executemany(  # (row-level security refuses COPY)
            "INSERT INTO billing_ledger (tenant_id, kind, amount_kop, reference, idempotency_key, billed_s, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            charges,
        )
        await conn.execute("ANALYZE call_records; ANALYZE billing_ledger")


class Stalls:
    """The longest time the event loop went without running a task that asks to run every ms."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.001)
            last = now

    def __enter__(self) -> Stalls:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def report(
    kernel: Kernel, tenant_id: uuid.UUID, within: detail.Period, xlsx: bool, traced: bool = False
) -> tuple[float, int, int]:
    """(seconds, rows, peak Python bytes: with ``traced`` only, which slows Python down) of
    reading the period, and writing the XLSX if asked."""
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    rows = 0
    async with kernel.db.tenant(tenant_id) as conn:
        if xlsx:
            out = detail.spooled()
            totals = await detail.totals(conn, tenant_id, within)
            rows = await detail.write_xlsx(detail.lines(conn, tenant_id, within), totals, within, out)
            size = out.seek(0, os.SEEK_END)
            out.close()
            assert size > rows * 20, f"an XLSX of {size} bytes for {rows} calls"
        else:
            async for _ in detail.lines(conn, tenant_id, within):
                rows += 1
    elapsed = time.perf_counter() - started
    peak = 0
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, rows, peak


async def main(n: int) -> None:
    with throwaway_postgres() as server_url:
        url = with_database(server_url, "vats_bench")
        await ensure_database(server_url, "vats_bench")
        kernel = await Kernel(Config.from_env({"VATS_DATABASE_URL": url, "VATS_DATA_DIR": "/tmp"})).start()
        try:
            since = dt.date(2026, 10, 1)
            within = detail.period(since, since + dt.timedelta(days=30), ZONE)
            first = within.bounds()[0]
            print(f"call detail report, 31 days (rows read through a cursor of {detail.FETCH}):")
            peaks = []
            for size in (n // 10, n):
                created = await kernel.directory.create_tenant(name=f"Bench {size}", admin_email=f"a{size}@b.example")
                tid = created.tenant_id
                async with kernel.db.system() as conn:
                    await conn.execute("UPDATE tenants SET time_zone = $2 WHERE id = $1", tid, ZONE)
                await fill(kernel, tid, size, first)
                await report(kernel, tid, within, xlsx=False)  # warm: the plan, the pool
                read_s, rows, _ = await report(kernel, tid, within, xlsx=False)
                with Stalls() as stalls:
                    xlsx_s, written, _ = await report(kernel, tid, within, xlsx=True)
                _, _, xlsx_peak = await report(kernel, tid, within, xlsx=True, traced=True)
                assert rows == written == size, f"{rows} read, {written} written of {size}"
                peaks.append(xlsx_peak)
                print(f"  {size:>7} calls: read {read_s:.2f} s ({rows / read_s:,.0f} rows/s)"
                      f" | XLSX {xlsx_s:.2f} s ({written / xlsx_s:,.0f} rows/s, peak Python memory"
                      f" {xlsx_peak / 2**20:.1f} MB) | ratio XLSX/read {xlsx_s / read_s:.1f}"
                      f" | longest event-loop stall while building {stalls.longest * 1000:.0f} ms")  # fmt: skip
            print(f"  peak memory, {n} calls against {n // 10}: ×{peaks[1] / peaks[0]:.2f} (flat: close to 1)")

            async with kernel.db.system() as conn:
                await seller.save(conn, SELLER)
            async with kernel.db.tenant(tid) as conn:
                await requisites.save(conn, tid, RequisitesIn(kind="legal", name="ООО «Ромашка»", inn="7707083893",
                                                              kpp="773601001", address="Москва"))  # fmt: skip
            pdf._fonts()  # the cut fonts made once per machine
            started = time.perf_counter()
            invoices = 20
            for i in range(invoices):
                await service.make_invoice(kernel, tid, 10000 + i)
            invoice_s = (time.perf_counter() - started) / invoices
            started = time.perf_counter()
            made = await service.close_month(kernel, tid, since, now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
            closing_s = time.perf_counter() - started
            print(f"documents: an invoice rendered and stored in {invoice_s * 1000:.0f} ms;"
                  f" a month's УПД and act of {n:,} calls in {closing_s * 1000:.0f} ms ({len(made)} PDFs)")  # fmt: skip
        finally:
            await kernel.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a quick run (CI)")
    args = parser.parse_args()
    asyncio.run(main(2_000 if args.smoke else 50_000))
