"""A company for the CRM tests (the engine tests' company: Анна 201, Борис 202, Вера 203, the
group Продажи of all three, the number +74957770000), calls simulated through the engine and
recorded like real ones, and API clients per employee."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest_asyncio
from vats.bots.web.testing import ApiClients
from vats.core.calls.records import CallRecord, Participant, store_and_announce
from vats.core.engine.context import CallFacts
from vats.core.engine.simulator import Simulation, parse_script, simulate_and_record
from vats.core.kernel import Kernel

from tests.engine.conftest import MSK, NUMBER, TUESDAY_NOON, Company, company, emp, forward  # noqa: F401
from tests.web.cabinet.conftest import browser, cabinet_server, screenshots  # noqa: F401 (the cabinet pages' tests)

DAY = {"period": "range", "from": "2026-11-24", "to": "2026-11-24"}


def group(group_id: uuid.UUID | None) -> dict[str, Any]:
    return {"kind": "group", "id": str(group_id)}


async def record_call(
    c: Company, script: str = "", *, caller: str = "+79031234567", at: dt.datetime = TUESDAY_NOON
) -> Simulation:
    facts = CallFacts(number=NUMBER, caller=caller, at=at)
    return await simulate_and_record(c.kernel.engine, facts, parse_script(script))


async def store(kernel: Kernel, record: CallRecord) -> CallRecord:
    await store_and_announce(kernel.db, kernel.plugins, record)  # type: ignore[arg-type]
    return record


def outbound(c: Company, who: str, to: str, *, answered: bool, at: dt.datetime = TUESDAY_NOON) -> CallRecord:
    employee = c.people[who]
    return CallRecord(
        tenant_id=c.tenant_id, direction="outbound", number=to, caller=who, started_at=at,
        answered_at=at + dt.timedelta(seconds=5) if answered else None, ended_at=at + dt.timedelta(seconds=65),
        participants=[Participant(address=f"tel/{to}", outcome="answered" if answered else "missed")],
        caller_employee_id=employee,
    )  # fmt: skip


def internal(c: Company, who: str, to: str, at: dt.datetime = TUESDAY_NOON) -> CallRecord:
    return CallRecord(
        tenant_id=c.tenant_id, direction="internal", number=to, caller=who, started_at=at,
        answered_at=at + dt.timedelta(seconds=3), ended_at=at + dt.timedelta(seconds=30),
        participants=[Participant(address=f"sip/x{to}", employee_id=c.people[to], outcome="answered")],
        caller_employee_id=c.people[who],
    )  # fmt: skip


async def settings(c: Company, **changes: Any) -> None:
    """Change the tenant's settings (as PATCH /api/tenant/settings would)."""
    import msgspec
    from vats.core.directory.models import TenantSettings

    assert c.kernel.db is not None
    async with c.kernel.db.tenant(c.tenant_id) as conn:
        raw = await conn.fetchval("SELECT settings FROM tenants WHERE id = $1", c.tenant_id)
        current = msgspec.convert(raw or {}, TenantSettings)
        merged = msgspec.to_builtins(msgspec.structs.replace(current, **changes))
        await conn.execute("UPDATE tenants SET settings = $2 WHERE id = $1", c.tenant_id, merged)
    assert c.kernel.snapshots is not None
    c.kernel.snapshots.invalidate(c.tenant_id)


class Clients:
    def __init__(self, api: ApiClients, c: Company) -> None:
        self.api, self.c = api, c
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def of(self, who: str) -> httpx.AsyncClient:
        """'admin', or an extension (201, 202, 203)."""
        if who not in self._clients:
            employee = self.c.admin_id if who == "admin" else self.c.people[who]
            self._clients[who] = await self.api.as_employee(self.c.tenant_id, employee)
        return self._clients[who]


@pytest_asyncio.fixture
async def clients(vats_api: ApiClients, company: Company) -> Clients:  # noqa: F811
    return Clients(vats_api, company)
