"""A small company for the engine tests: a Moscow PBX with a sales group and a number."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pytest_asyncio
from vats.core.directory import employees as employees_repo
from vats.core.directory.models import EmployeeCreate, GroupCreate, TerminalUpdate
from vats.core.engine.context import CallFacts
from vats.core.engine.simulator import Simulation, parse_script, simulate
from vats.core.kernel import Kernel

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NUMBER = "+74957770000"
TUESDAY_NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=MSK)
TUESDAY_NIGHT = dt.datetime(2026, 11, 24, 23, 0, tzinfo=MSK)


@dataclass
class Company:
    kernel: Kernel
    tenant_id: uuid.UUID
    admin_id: uuid.UUID
    people: dict[str, uuid.UUID] = field(default_factory=dict)  # extension -> id
    sales_id: uuid.UUID | None = None

    async def set_scenario(self, body: dict[str, Any]) -> None:
        assert self.kernel.db is not None
        async with self.kernel.db.tenant(self.tenant_id) as conn:
            await conn.execute(
                "UPDATE scenarios SET body = $2 WHERE tenant_id = $1 AND is_default", self.tenant_id, body
            )
        assert self.kernel.snapshots is not None
        self.kernel.snapshots.invalidate(self.tenant_id)

    async def call(
        self, script: str = "", *, at: dt.datetime = TUESDAY_NOON, caller: str = "+79031234567"
    ) -> Simulation:
        facts = CallFacts(number=NUMBER, caller=caller, at=at)
        return await simulate(self.kernel.engine, facts, parse_script(script))


@pytest_asyncio.fixture
async def company(vats_kernel: Kernel) -> Company:
    d = vats_kernel.directory
    created = await d.create_tenant(name="Engine Co", admin_email="admin@engine.example")
    tid = created.tenant_id
    c = Company(kernel=vats_kernel, tenant_id=tid, admin_id=created.admin_id)
    for ext, name in [("201", "Анна"), ("202", "Борис"), ("203", "Вера")]:
        emp, _ = await d.create_employee(
            tid,
            EmployeeCreate(
                full_name=name, email=f"{ext}@engine.example", extension=ext, external_numbers=[f"+7916000{ext}0"]
            ),
        )
        c.people[ext] = emp.id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:  # mobiles are not primary terminals
        for emp_id in c.people.values():
            emp = await employees_repo.get_employee(conn, tid, emp_id)
            mobile = next(t for t in emp.terminals if t.kind == "external")
            await employees_repo.update_terminal(
                conn, tid, emp_id, mobile.id, TerminalUpdate(is_primary=False, ring_delay_s=5)
            )
    group = await d.create_group(
        tid,
        GroupCreate(
            name="Продажи", extension="300", strategy="one_by_one", step_delay_s=15, member_ids=list(c.people.values())
        ),
    )
    c.sales_id = group.id
    await d.assign_number(tid, NUMBER, "Реклама")
    return c


def forward(*targets: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "forward", "targets": list(targets), **extra}


def emp(employee_id: uuid.UUID) -> dict[str, Any]:
    return {"kind": "employee", "id": str(employee_id)}


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)
