"""The batch hook ``calls_ended``: a tenant's records stored with one statement and handed to
each plugin once per batch, in its own savepoint; a plugin failing on a batch is called again
record by record, so it loses its work only on the record it fails on, and neither the records
nor other plugins' work are lost; a tenant's switched-off plugin is not called."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
import pytest
from vats.core import hookimpl
from vats.core.calls.records import CallRecord, Participant, call_records, store_batch
from vats.core.db.database import Connection
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

NOON = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def record(tenant_id: uuid.UUID, number: str, linkedid: str | None = None) -> CallRecord:
    return CallRecord(
        tenant_id=tenant_id, direction="internal", number=number, caller="201", started_at=NOON,
        answered_at=NOON, ended_at=NOON + dt.timedelta(seconds=30), answered_by="sip/x202",
        participants=[Participant(address="sip/x202", outcome="answered")], linkedid=linkedid or uuid.uuid4().hex,
    )  # fmt: skip


class Writer:
    """Writes one row per record it is handed (in the test's temporary table); raises on the
    record to extension ``fails_on`` after writing, so a rollback must undo that write."""

    def __init__(self, table: str, fails_on: str | None = None) -> None:
        self.table = table
        self.fails_on = fails_on
        self.calls: list[int] = []  # the size of each batch it was handed

    @hookimpl
    async def calls_ended(self, records: Sequence[CallRecord], conn: Connection) -> None:
        self.calls.append(len(records))
        await conn.execute(f"INSERT INTO {self.table} SELECT unnest($1::text[])", [r.number for r in records])
        if any(r.number == self.fails_on for r in records):
            raise RuntimeError("this plugin cannot handle that call")


class OneByOne:
    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def call_ended(self, record: CallRecord) -> None:
        self.seen.append(record.number)


async def _store(kernel: Kernel, tenant_id: uuid.UUID, records: list[CallRecord]) -> dict[str, list[str]]:
    """Store the batch in one tenant transaction; what each writer's table holds afterwards."""
    async with kernel.db.tenant(tenant_id) as conn:
        for table in ("by_flaky", "by_steady"):
            await conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (number text) ON COMMIT DROP")
        await store_batch(conn, kernel.plugins, tenant_id, records)
        return {
            t: sorted(r["number"] for r in await conn.fetch(f"SELECT number FROM {t}"))
            for t in ("by_flaky", "by_steady")
        }


async def test_hook_calls_ended(vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any) -> None:
    """One call per plugin for the whole batch; call_ended still gets each record; all stored."""
    steady, single = Writer("by_steady"), OneByOne()
    vats_register_plugin(steady, name="steady")
    vats_register_plugin(single, name="single")
    vats_register_plugin(Writer("by_flaky"), name="flaky")
    tenant = vats_tenant.tenant_id
    batch = [record(tenant, n) for n in ("301", "302", "303")]
    written = await _store(vats_kernel, tenant, batch)
    assert steady.calls == [3] and written == {"by_flaky": ["301", "302", "303"], "by_steady": ["301", "302", "303"]}
    assert single.seen == ["301", "302", "303"]
    stored = await call_records(vats_kernel.db, tenant)  # type: ignore[arg-type]
    assert sorted(r.number for r in stored) == ["301", "302", "303"]


async def test_a_plugin_failing_on_a_batch_loses_only_the_record_it_fails_on(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    flaky, steady = Writer("by_flaky", fails_on="302"), Writer("by_steady")
    vats_register_plugin(flaky, name="flaky")
    vats_register_plugin(steady, name="steady")
    tenant = vats_tenant.tenant_id
    written = await _store(vats_kernel, tenant, [record(tenant, n) for n in ("301", "302", "303")])
    # the whole batch failed and was rolled back (no row twice), then each record alone: 302 failed again
    assert flaky.calls == [3, 1, 1, 1]
    assert written == {"by_flaky": ["301", "303"], "by_steady": ["301", "302", "303"]}
    stored = await call_records(vats_kernel.db, tenant)  # type: ignore[arg-type]
    assert sorted(r.number for r in stored) == ["301", "302", "303"]  # no record lost


async def test_a_record_stored_before_is_not_announced_again(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    """Another vats process stored the same Asterisk call first (same linkedid)."""
    steady = Writer("by_steady")
    vats_register_plugin(steady, name="steady")
    tenant = vats_tenant.tenant_id
    first = record(tenant, "301", linkedid="1700000000.1")
    await _store(vats_kernel, tenant, [first])
    again = msgspec.structs.replace(first, id=uuid.uuid4())  # the other process built its own record
    written = await _store(vats_kernel, tenant, [again, record(tenant, "302")])
    assert steady.calls == [1, 1] and written["by_steady"] == ["302"]


async def test_a_plugin_the_tenant_switched_off_gets_no_batch(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    steady = Writer("by_steady")
    vats_register_plugin(steady, name="steady")
    tenant = vats_tenant.tenant_id
    other = (await vats_kernel.directory.create_tenant(name="Other", admin_email="o@test.example")).tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        await vats_kernel.plugins.set_enabled(conn, tenant, "steady", False)
    assert await _store(vats_kernel, tenant, [record(tenant, "301")]) == {"by_flaky": [], "by_steady": []}
    assert (await _store(vats_kernel, other, [record(other, "301")]))["by_steady"] == ["301"]
    assert steady.calls == [1]


async def test_a_batch_holds_one_tenant_only(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tenant = vats_tenant.tenant_id
    other = (await vats_kernel.directory.create_tenant(name="Other", admin_email="o@test.example")).tenant_id
    async with vats_kernel.db.tenant(tenant) as conn:
        with pytest.raises(ValueError, match="one tenant"):
            await store_batch(conn, vats_kernel.plugins, tenant, [record(tenant, "301"), record(other, "302")])
