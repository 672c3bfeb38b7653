"""Direct calls (extension dialing, IVR items to an employee) follow the reception settings."""

import datetime as dt

from vats.core.directory import employees as employees_repo
from vats.core.directory.models import AbsenceCreate, EmployeeUpdate, ForwardTarget

from tests.engine.conftest import TUESDAY_NIGHT, Company


async def dialing(company: Company) -> None:
    await company.set_scenario(
        {
            "default": {
                "menu": {"type": "extension_dialing", "allowed": ["201", "202", "203"]},
                "handling": {"type": "hangup"},
            }
        }
    )


def ops(sim) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.primitive["op"] for s in sim.steps]


async def test_no_answer_goes_where_the_employee_set(company: Company) -> None:
    d = company.kernel.directory
    await d.update_employee(
        company.tenant_id,
        company.people["201"],
        EmployeeUpdate(
            no_answer_after_s=12, on_no_answer=ForwardTarget(action="employee", employee_id=company.people["202"])
        ),
    )
    await dialing(company)
    sim = await company.call("press 201, 202 answers")
    dials = [s.primitive for s in sim.steps if s.primitive["op"] == "dial"]
    assert dials[0]["ring_s"] == 12  # the employee's own no-answer time
    assert {leg["employee_id"] for leg in dials[1]["legs"]} == {str(company.people["202"])}
    assert sim.answered_by is not None


async def test_absence_forwards_to_a_colleague(company: Company) -> None:
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await employees_repo.add_absence(conn, company.tenant_id, company.people["201"], AbsenceCreate(
            kind="vacation", starts_on=dt.date(2026, 11, 20), ends_on=dt.date(2026, 11, 30),
            forward=ForwardTarget(action="employee", employee_id=company.people["203"])))  # fmt: skip
    company.kernel.snapshots.invalidate(company.tenant_id)  # type: ignore[union-attr]
    await dialing(company)
    sim = await company.call("press 201, 203 answers")
    assert any("absent (vacation)" in t.decision for t in sim.trace)
    (dial,) = [s.primitive for s in sim.steps if s.primitive["op"] == "dial"]
    assert {leg["employee_id"] for leg in dial["legs"]} == {str(company.people["203"])}


async def test_off_hours_rule_takes_a_message_for_the_employee(company: Company) -> None:
    d = company.kernel.directory
    await d.update_employee(
        company.tenant_id, company.people["202"], EmployeeUpdate(off_hours=ForwardTarget(action="voicemail"))
    )
    await dialing(company)
    sim = await company.call("press 202", at=TUESDAY_NIGHT)
    assert ops(sim) == ["collect", "voicemail", "hangup"]
    assert [(i.kind, i.assignee_id) for i in sim.intents] == [("voicemail", company.people["202"])]


async def test_outside_number_then_voicemail(company: Company) -> None:
    d = company.kernel.directory
    await d.update_employee(
        company.tenant_id,
        company.people["203"],
        EmployeeUpdate(on_no_answer=ForwardTarget(action="external", external_number="+79161112233")),
    )
    await dialing(company)
    sim = await company.call("press 203")
    dials = [s.primitive for s in sim.steps if s.primitive["op"] == "dial"]
    assert dials[-1]["legs"][0]["address"] == "tel/+79161112233" and dials[-1]["ring_s"] == 30
    assert ops(sim)[-2:] == ["voicemail", "hangup"]


async def test_forwarding_loops_stop(company: Company) -> None:
    d = company.kernel.directory
    a, b = company.people["201"], company.people["202"]
    await d.update_employee(
        company.tenant_id, a, EmployeeUpdate(on_no_answer=ForwardTarget(action="employee", employee_id=b))
    )
    await d.update_employee(
        company.tenant_id, b, EmployeeUpdate(on_no_answer=ForwardTarget(action="employee", employee_id=a))
    )
    await dialing(company)
    sim = await company.call("press 201")
    assert len([s for s in sim.steps if s.primitive["op"] == "dial"]) <= 4
    assert any("too many hops" in t.why for t in sim.trace)
    assert ops(sim)[-1] == "hangup"


async def test_an_extension_not_open_to_dialling_is_refused(company: Company) -> None:
    await company.set_scenario({"default": {"menu": {"type": "extension_dialing"}, "handling": {"type": "hangup"}}})
    sim = await company.call("press 201, press 201, press 201")  # dial-through is off for 201
    assert not [s for s in sim.steps if s.primitive["op"] == "dial"]
    assert any("cannot be dialled" in t.decision for t in sim.trace)
