"""On the real Asterisk: an employee's own mobile given as an outside number in a forwarding
list is that employee in the call record (who took or missed the call)."""

from __future__ import annotations

from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx

DID = "+74954440006"
MOBILE = "+79160001111"


async def test_a_call_forwarded_to_an_employees_own_mobile_is_theirs_in_the_record(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    d = pbx.kernel.directory
    tid = vats_tenant.tenant_id
    await d.assign_number(tid, DID)
    employee, _ = await d.create_employee(
        tid, EmployeeCreate(full_name="Выездной", email="field@t.example", extension="301", availability="available",
                            external_numbers=[MOBILE]),
    )  # fmt: skip
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tid) as conn:
        scenario_id = await conn.fetchval(
            "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'field', $2) RETURNING id", tid,
            {"default": {"handling": {"type": "forward", "targets": [{"kind": "external", "number": MOBILE}]}}},
        )  # fmt: skip
        await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE e164 = $1", DID, scenario_id)
    await pbx.apply()
    await pbx.call(DID, hold=4)  # the mobile (a dialplan phone here) answers
    (record,) = await pbx.records(1)
    assert record["answered_by"] == f"tel/{MOBILE}"
    (mobile,) = [p for p in record["participants"] if p["address"] == f"tel/{MOBILE}"]
    assert mobile["employee_id"] == str(employee.id) and mobile["outcome"] == "answered"
