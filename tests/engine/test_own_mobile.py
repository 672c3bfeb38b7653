"""An employee's own mobile given as an outside number in a forwarding list counts as that
employee: it rings only when they may take calls (mode, absence, not busy), and the call record
names them as the one who missed or took it."""

import datetime as dt

from vats.core.directory import employees as employees_repo
from vats.core.directory.models import AbsenceCreate
from vats.core.engine.context import CallFacts
from vats.core.engine.simulator import record_of

from tests.engine.conftest import NUMBER, TUESDAY_NOON, Company, emp, forward

ANNA_MOBILE = "+79160002010"  # Анна (201)'s own outside number in the company fixture


async def _forward_to_annas_mobile_then_boris(company: Company) -> None:
    await company.set_scenario(
        {"default": {"handling": forward({"kind": "external", "number": ANNA_MOBILE}, emp(company.people["202"]))}}
    )


async def test_own_mobile_in_a_forwarding_list_rings_as_that_employee_and_their_miss_is_theirs(
    company: Company,
) -> None:
    await _forward_to_annas_mobile_then_boris(company)
    sim = await company.call("202 answers")
    first = next(s for s in sim.steps if s.primitive["op"] == "dial")
    (leg,) = first.primitive["legs"]
    assert leg["address"] == f"tel/{ANNA_MOBILE}"
    assert leg["employee_id"] == str(company.people["201"])
    record = record_of(company.tenant_id, CallFacts(number=NUMBER, caller="+79031234567", at=TUESDAY_NOON), sim)
    (annas,) = [p for p in record.participants if p.address == f"tel/{ANNA_MOBILE}"]
    assert annas.employee_id == company.people["201"] and annas.outcome == "missed"  # "missed by Анна"


async def test_own_mobile_is_skipped_when_the_employee_takes_no_calls(company: Company) -> None:
    await _forward_to_annas_mobile_then_boris(company)
    await company.kernel.directory.set_availability(company.tenant_id, company.people["201"], "unavailable")
    sim = await company.call("202 answers")
    rung = [leg["address"] for s in sim.steps if s.primitive["op"] == "dial" for leg in s.primitive["legs"]]
    assert f"tel/{ANNA_MOBILE}" not in rung
    assert any("Анна" in t.decision and "unavailable" in t.why for t in sim.trace)


async def test_own_mobile_is_skipped_during_the_employees_absence(company: Company) -> None:
    await _forward_to_annas_mobile_then_boris(company)
    assert company.kernel.db is not None
    day = TUESDAY_NOON.date()
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await employees_repo.add_absence(
            conn, company.tenant_id, company.people["201"],
            AbsenceCreate(kind="vacation", starts_on=day, ends_on=day + dt.timedelta(days=3)),
        )  # fmt: skip
    company.kernel.snapshots.invalidate(company.tenant_id)  # type: ignore[union-attr]
    sim = await company.call("202 answers")
    rung = [leg["address"] for s in sim.steps if s.primitive["op"] == "dial" for leg in s.primitive["legs"]]
    assert f"tel/{ANNA_MOBILE}" not in rung and sim.answered_by is not None


async def test_own_mobile_is_skipped_while_the_employee_is_on_another_call(company: Company) -> None:
    await _forward_to_annas_mobile_then_boris(company)
    sim = await company.call("201 busy, 202 answers")
    first = next(s for s in sim.steps if s.primitive["op"] == "dial")
    assert all(leg["employee_id"] == str(company.people["202"]) for leg in first.primitive["legs"])


async def test_a_stranger_number_still_rings_as_an_outside_number(company: Company) -> None:
    await company.set_scenario({"default": {"handling": forward({"kind": "external", "number": "+79269998877"})}})
    await company.kernel.directory.set_availability(company.tenant_id, company.people["201"], "unavailable")
    sim = await company.call()
    first = next(s for s in sim.steps if s.primitive["op"] == "dial")
    assert first.primitive["legs"] == [{"address": "tel/+79269998877", "employee_id": None, "delay_s": 0,
                                        "ring_s": None}]  # fmt: skip
