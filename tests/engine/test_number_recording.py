"""A number's own recording setting (as the PBX says / on / off) through the simulator: the
scenario branch's choice first, then the number's, then the tenant's default."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from vats.core.directory.models import NumberUpdate
from vats.core.directory.numbers import update_number
from vats.core.engine.engine import records_call
from vats.plugins.billing import catalogue

from tests.engine.conftest import NUMBER, Company, emp, forward


async def _setup(company: Company, *, tenant_default: bool, number: str, branch: str = "default") -> None:
    d = company.kernel.directory
    current = await d.get_tenant(company.tenant_id)
    settings = msgspec.structs.replace(current.settings, recording_enabled=True, recording_default=tenant_default)
    await d.update_tenant(company.tenant_id, settings=settings)
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        number_id = await conn.fetchval("SELECT id FROM numbers WHERE e164 = $1", NUMBER)
        await update_number(conn, company.tenant_id, number_id, NumberUpdate(recording=number))  # type: ignore[arg-type]
        await catalogue.set_options(conn, company.tenant_id, ["recording"])  # a paid option of the tariff
    options: dict[str, Any] = {} if branch == "default" else {"recording": branch}
    await company.set_scenario({"default": {"options": options, "handling": forward(emp(company.people["201"]))}})
    company.kernel.snapshots.invalidate(company.tenant_id)  # type: ignore[union-attr]


def _recorded(sim: Any) -> bool:
    return any(s.primitive["op"] == "record" for s in sim.steps)


async def test_a_number_set_to_off_is_not_recorded_although_the_pbx_records_by_default(company: Company) -> None:
    await _setup(company, tenant_default=True, number="off")
    assert not _recorded(await company.call("201 answers"))


async def test_a_number_as_the_pbx_says_follows_the_tenant_default(company: Company) -> None:
    await _setup(company, tenant_default=True, number="default")
    assert _recorded(await company.call("201 answers"))
    await _setup(company, tenant_default=False, number="default")
    assert not _recorded(await company.call("201 answers"))


async def test_a_number_set_to_on_is_recorded_although_the_pbx_records_nothing(company: Company) -> None:
    await _setup(company, tenant_default=False, number="on")
    assert _recorded(await company.call("201 answers"))


async def test_a_scenario_branch_that_says_record_wins_over_a_number_set_to_off(company: Company) -> None:
    await _setup(company, tenant_default=False, number="off", branch="on")
    assert _recorded(await company.call("201 answers"))


@pytest.mark.parametrize(
    ("branch", "number", "tenant", "recorded"),
    [
        ("default", "default", True, True), ("default", "default", False, False),
        ("default", "off", True, False), ("default", "on", False, True),
        ("on", "off", False, True), ("off", "on", True, False),
    ],
)  # fmt: skip
def test_branch_then_number_then_tenant_decide_whether_a_call_is_recorded(
    branch: str, number: str, tenant: bool, recorded: bool
) -> None:
    assert records_call(branch, number, tenant) is recorded
