"""Properties over every registered block type: any valid scenario ends within the step limit
and never rings a terminal that may not ring (an employee in mode "unavailable")."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vats.core.engine.state import MAX_STEPS

from tests.engine.conftest import Company


def scenarios(people: list[str], group: str) -> st.SearchStrategy[dict[str, Any]]:
    target = st.one_of(
        st.sampled_from(people).map(lambda i: {"kind": "employee", "id": i}),
        st.just({"kind": "group", "id": group}),
        st.sampled_from(["201", "202", "300", "999"]).map(lambda n: {"kind": "extension", "number": n}),
        st.just({"kind": "external", "number": "+74959990000"}),
    )
    failure = st.fixed_dictionaries(
        {
            "action": st.sampled_from(["hangup", "play_and_task", "insurance"]),
            "task_for": st.sampled_from(["first", "last"]),
        },
        optional={"media": st.just(["standard:all_busy"])},
    )
    fwd = st.fixed_dictionaries(
        {
            "type": st.just("forward"),
            "targets": st.lists(target, max_size=4),
            "order": st.sampled_from(["sequential", "parallel", "least_busy"]),
            "on_failure": failure,
        },
    )
    block = st.one_of(fwd, st.just({"type": "voicemail"}), st.just({"type": "hangup", "media": ["standard:all_busy"]}))
    options = st.fixed_dictionaries(
        {}, optional={"greeting": st.just(["standard:greeting"]), "recording": st.sampled_from(["on", "off"])}
    )
    branch = st.fixed_dictionaries(
        {"options": options, "handling": block}, optional={"menu": block, "insurance": block}
    )
    return st.fixed_dictionaries({"default": branch})


OUTCOME = st.sampled_from(["answers", "busy", "no answer", "unavailable"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_any_scenario_terminates_and_skips_unavailable(company: Company, data: st.DataObject) -> None:
    people = [str(i) for i in company.people.values()]
    body = data.draw(scenarios(people, str(company.sales_id)))
    off = data.draw(st.sampled_from(list(company.people)))
    await company.kernel.directory.set_availability(company.tenant_id, company.people[off], "unavailable")
    script = ", ".join(f"{ext} {data.draw(OUTCOME)}" for ext in ["105", "201", "202", "203"])
    script += ", " + ", ".join(
        data.draw(st.lists(st.sampled_from(["press 1", "press 2", "press 9", "no input"]), max_size=3)) or ["no input"]
    )
    await company.set_scenario(body)
    try:
        sim = await company.call(script)
    finally:
        await company.kernel.directory.set_availability(company.tenant_id, company.people[off], "by_schedule")
    assert len(sim.steps) <= MAX_STEPS
    assert sim.steps[-1].primitive["op"] in ("hangup",) or sim.steps[-1].result is not None
    for step in sim.steps:
        if step.primitive["op"] == "dial":
            assert str(company.people[off]) not in {leg["employee_id"] for leg in step.primitive["legs"]}
