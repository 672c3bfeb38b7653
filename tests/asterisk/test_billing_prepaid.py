"""Prepaid enforcement on the real Asterisk: a paid call without money is refused with the
"insufficient funds" media; a paid call is hung up when its money runs out; two paid calls at
once together cost at most balance + credit limit + one billing increment.

Calls are click-to-call (the API rings the employee's line, then the number, through the
router's outbound decision). The called party talks as long as the global ``VATS_TEST_TALK``
says; prices are per second (1/1) at one rouble a second, so the cut-offs come quickly."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.plugins.billing import ledger

from tests.asterisk.conftest import Pbx

PRICE_PER_S = 100  # kopecks
INCREMENT_KOP = PRICE_PER_S  # 1/1: one second


async def _prepare(pbx: Pbx, tenant: TenantCreated, api: ApiClients, *, balance_kop: int, limit_kop: int = 0,
                   max_call_s: int = 14400) -> Any:  # fmt: skip
    kernel = pbx.kernel
    await kernel.directory.set_availability(tenant.tenant_id, tenant.admin_id, "available")
    async with kernel.db.system() as conn:
        await conn.execute("UPDATE billing_rates SET first_s = 1, next_s = 1, price_per_min_kop = $1", PRICE_PER_S * 60)
        await conn.execute("UPDATE billing_rate_plans SET version = version + 1")
        await conn.execute("UPDATE billing_settings SET max_call_s = $1", max_call_s)
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        if balance_kop:
            await ledger.post(conn, tenant.tenant_id, kind="adjustment", amount_kop=balance_kop,
                              idempotency_key=uuid.uuid4().hex)  # fmt: skip
        await ledger.set_credit_limit(conn, tenant.tenant_id, limit_kop)
    await pbx.apply()
    # the called party talks 30 s unless hung up (globals are cleared by each reload: set after it)
    await pbx.ami.action({"Action": "Setvar", "Variable": "VATS_TEST_TALK", "Value": "30"})
    return await api.as_employee(tenant.tenant_id, tenant.admin_id)


def _talk_s(record: dict[str, Any]) -> float:
    if record["answered_at"] is None:
        return 0.0
    ended, answered = dt.datetime.fromisoformat(record["ended_at"]), dt.datetime.fromisoformat(record["answered_at"])
    return (ended - answered).total_seconds()


async def _charges(pbx: Pbx, tenant_id: uuid.UUID) -> dict[str, int]:
    async with pbx.kernel.db.tenant(tenant_id) as conn:
        rows = await conn.fetch("SELECT reference, amount_kop FROM billing_ledger WHERE kind = 'call'")
    return {r["reference"]: -r["amount_kop"] for r in rows}


async def _account(pbx: Pbx, tenant_id: uuid.UUID) -> Any:
    async with pbx.kernel.db.tenant(tenant_id) as conn:
        return await ledger.account(conn, tenant_id)


async def test_a_paid_call_without_money_is_refused_with_the_insufficient_funds_media(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    admin = await _prepare(pbx, vats_tenant, vats_api, balance_kop=0)
    r = await admin.post("/api/calls", json={"to": "+74951112233"})
    assert r.status_code == 201, r.text
    assert await _playing(pbx, "standard/insufficient_funds"), "the caller never heard 'insufficient funds'"
    (record,) = await pbx.records(1)
    assert record["answered_by"] is None and "insufficient funds" in record["path"][0]
    assert await _charges(pbx, vats_tenant.tenant_id) == {}
    # free calls still go out: 8-800 numbers cost nothing
    async with pbx.kernel.db.system() as conn:
        await conn.execute("INSERT INTO billing_rates (rate_plan_id, prefix, price_per_min_kop) SELECT id, '7800', 0"
                           " FROM billing_rate_plans")  # fmt: skip
        await conn.execute("UPDATE billing_rate_plans SET version = version + 1")
    r = await admin.post("/api/calls", json={"to": "+78001112233"})
    assert r.status_code == 201, r.text
    free = (await pbx.records(2))[1]
    assert free["answered_by"] == "tel/+78001112233"


async def _playing(pbx: Pbx, media: str, timeout_s: float = 10.0) -> bool:
    """Whether a channel plays ``media`` within the timeout (what the CLI shows of live channels)."""
    for _ in range(int(timeout_s / 0.2)):
        shown = await asyncio.to_thread(pbx.sandbox.cli, "core show channels concise")
        if any("Playback" in line and media in line for line in shown.splitlines()):
            return True
        await asyncio.sleep(0.2)
    return False


async def test_a_paid_call_is_hung_up_when_its_money_runs_out(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    admin = await _prepare(pbx, vats_tenant, vats_api, balance_kop=300)  # 3 seconds' worth
    r = await admin.post("/api/calls", json={"to": "+74951112233"})
    assert r.status_code == 201, r.text
    (record,) = await pbx.records(1)
    assert record["answered_by"] == "tel/+74951112233"
    assert 1.5 < _talk_s(record) < 4.5  # cut after 2 s of the 30 the other side would talk
    charges = await _charges(pbx, vats_tenant.tenant_id)
    assert 0 < charges[f"call:{record['id']}"] <= 300 + INCREMENT_KOP
    account = await _account(pbx, vats_tenant.tenant_id)
    assert account.reserved_kop == 0  # the hold went with the charge


async def test_two_paid_calls_at_once_cost_at_most_balance_plus_limit_plus_one_increment(
    pbx: Pbx, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    # each call may hold at most 10 s (10 roubles); 10 + 4 roubles are there: 10 s and 4 s
    admin = await _prepare(pbx, vats_tenant, vats_api, balance_kop=1000, limit_kop=400, max_call_s=10)
    answers = await asyncio.gather(
        *(admin.post("/api/calls", json={"to": to}) for to in ("+74951112233", "+79161112233"))
    )
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    records = await pbx.records(2)
    assert {r["answered_by"] for r in records} == {"tel/+74951112233", "tel/+79161112233"}
    talks = sorted(_talk_s(r) for r in records)
    assert talks[0] < 5 and talks[1] < 11  # both cut, the other side would have talked 30 s
    charges = await _charges(pbx, vats_tenant.tenant_id)
    assert len(charges) == 2 and sum(charges.values()) <= 1000 + 400 + INCREMENT_KOP
    account = await _account(pbx, vats_tenant.tenant_id)
    assert account.reserved_kop == 0 and account.balance_kop >= -400 - INCREMENT_KOP
