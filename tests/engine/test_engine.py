"""The routing engine through the simulator: filters, branches, forwarding, strategies,
availability, insurance, task intents, state."""

import datetime as dt
from typing import Any

import msgspec
import pytest
from vats.core import hookimpl
from vats.core.engine.context import CallerContact, CallFacts
from vats.core.engine.simulator import parse_script
from vats.core.engine.state import CallState, decode_state, encode_state
from vats.core.errors import ValidationError
from vats.plugins.numbering_ru import SAMPLE
from vats.plugins.numbering_ru.registry import import_files

from tests.engine.conftest import NUMBER, TUESDAY_NIGHT, TUESDAY_NOON, Company, emp, forward


def dials(sim: Any) -> list[list[str]]:
    return [[leg["address"] for leg in s.primitive["legs"]] for s in sim.steps if s.primitive["op"] == "dial"]


async def test_default_scenario_rings_the_admin_and_falls_back_to_voicemail(company: Company) -> None:
    day = await company.call("105 answers")  # the admin's extension
    assert day.answered_by is not None and day.path == ["default", "handling:forward"]
    night = await company.call(at=TUESDAY_NIGHT)
    assert night.answered_by is None
    assert night.path == ["default", "handling:forward", "insurance:voicemail"]
    assert [(i.kind, i.assignee_id) for i in night.intents] == [("voicemail", company.admin_id)]
    assert any("outside the employee's working hours" in t.why for t in night.trace)


async def test_group_one_by_one_in_order_and_parallel_uses_primary_terminals(company: Company) -> None:
    await company.set_scenario(
        {
            "default": {
                "handling": forward({"kind": "group", "id": str(company.sales_id)}),
                "insurance": {"type": "hangup"},
            }
        }
    )
    sim = await company.call("203 answers")
    legs = dials(sim)
    assert len(legs) == 3  # Анна, Борис, then Вера answers
    assert all(any(a.startswith("tel/") for a in member) for member in legs)  # one by one: all terminals
    await company.set_scenario(
        {"default": {"handling": forward({"kind": "group", "id": str(company.sales_id)}, order="parallel")}}
    )
    sim = await company.call()
    (only,) = dials(sim)
    assert len(only) == 9 and not any(a.startswith("tel/") for a in only)  # 3 SIP lines each, no mobiles


async def test_sequential_employee_rings_terminals_one_after_another_each_for_its_own_ring_time(
    company: Company,
) -> None:
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute("UPDATE employees SET ring_mode = 'sequential' WHERE id = $1", company.people["201"])
        # the desk (the first SIP line) rings 5 s, the next two lines 7 s each
        await conn.execute(
            "UPDATE terminals SET ring_time_s = CASE WHEN position = 0 THEN 5 ELSE 7 END"
            " WHERE employee_id = $1 AND sip_login IS NOT NULL", company.people["201"],
        )  # fmt: skip
    company.kernel.snapshots.invalidate(company.tenant_id)  # type: ignore[union-attr]
    sim = await company.call()
    dial = next(s.primitive for s in sim.steps if s.primitive["op"] == "dial")
    windows = [(leg["address"][:4], leg["delay_s"], leg["ring_s"]) for leg in dial["legs"]]
    # each starts when the one before stops; the mobile also waits its own 5 s delay
    assert windows == [("sip/", 0, 5), ("sip/", 5, 7), ("sip/", 12, 7), ("tel/", 24, 20)]
    assert dial["ring_s"] == 44  # the whole sequence gets its turn


async def test_unavailable_and_busy_employees_are_skipped_with_reasons(company: Company) -> None:
    await company.kernel.directory.set_availability(company.tenant_id, company.people["201"], "unavailable")
    await company.set_scenario({"default": {"handling": forward({"kind": "group", "id": str(company.sales_id)})}})
    sim = await company.call("202 busy, 203 answers")
    reasons = {t.decision: t.why for t in sim.trace}
    assert any("unavailable" in why for why in reasons.values())
    assert any("busy" in why for why in reasons.values())
    assert len(dials(sim)) == 1 and sim.answered_by is not None  # only Вера was rung


async def test_incremental_strategy_adds_members_after_the_delay(company: Company) -> None:
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute(
            "UPDATE groups SET strategy = 'incremental', step_delay_s = 7 WHERE id = $1", company.sales_id
        )
    await company.set_scenario({"default": {"handling": forward({"kind": "group", "id": str(company.sales_id)})}})
    sim = await company.call()
    (dial,) = [s.primitive for s in sim.steps if s.primitive["op"] == "dial"]
    assert sorted({leg["delay_s"] for leg in dial["legs"]}) == [0, 7, 14]


async def test_failure_can_play_media_and_create_a_task_for_the_last_addressee(company: Company) -> None:
    on_failure = {"action": "play_and_task", "media": ["standard:all_busy"], "task_for": "last"}
    await company.set_scenario(
        {
            "default": {
                "handling": forward(emp(company.people["201"]), emp(company.people["202"]), on_failure=on_failure)
            }
        }
    )
    sim = await company.call()
    ops = [s.primitive["op"] for s in sim.steps]
    assert ops == ["dial", "dial", "play", "hangup"]
    assert [(i.kind, i.assignee_id) for i in sim.intents] == [("failed_forwarding", company.people["202"])]


async def test_caller_hanging_up_while_it_rings_ends_the_call(company: Company) -> None:
    sim = await company.call("caller hangs up")
    assert sim.answered_by is None and sim.steps[-1].result == {"status": "CANCEL", "answered_by": None, "digits": None}


async def test_region_filter_with_working_and_off_hours_branches(company: Company) -> None:
    assert company.kernel.db is not None
    await import_files(company.kernel.db, [SAMPLE])
    await company.kernel._startup()
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        schedule_id = await conn.fetchval(
            "SELECT id FROM schedules WHERE tenant_id = $1 AND is_default", company.tenant_id
        )
        calendar_id = await conn.fetchval(
            "SELECT id FROM calendars WHERE tenant_id = $1 AND is_default", company.tenant_id
        )
    moscow = {
        "name": "Москва", "condition": {"type": "region", "subjects": ["RU-MOW"]},
        "schedule_id": str(schedule_id), "calendar_id": str(calendar_id),
        "working": {"handling": forward(emp(company.people["201"]))},
        "off_hours": {"handling": {"type": "voicemail", "assignee_id": str(company.people["201"])}},
    }  # fmt: skip
    await company.set_scenario({"filters": [moscow], "default": {"handling": forward(emp(company.people["202"]))}})
    from_moscow = await company.call("201 answers", caller="+79165551234")
    assert from_moscow.path == ["filter:Москва:working", "handling:forward"]
    assert any("RU-MOW" in t.why for t in from_moscow.trace)
    at_night = await company.call(caller="+79165551234", at=TUESDAY_NIGHT)
    assert at_night.path == ["filter:Москва:off", "handling:voicemail"]
    holiday = await company.call(caller="+79165551234", at=dt.datetime(2026, 11, 4, 12, tzinfo=TUESDAY_NOON.tzinfo))
    assert holiday.path[0] == "filter:Москва:off"  # 4 November is a public holiday
    from_kazan = await company.call("202 answers", caller="+79172001234")
    assert from_kazan.path == ["default", "handling:forward"]


async def test_hook_lookup_contact(company: Company, vats_register_plugin: Any) -> None:
    """A CRM answers lookup_contact: a VIP tag filter, then the personal manager first."""
    manager = company.people["203"]

    class Crm:
        @hookimpl
        async def lookup_contact(self, tenant_id: Any, number: str) -> CallerContact | None:
            if number == "+79035550000":
                return CallerContact(name="Важный клиент", tags=["VIP"], personal_manager_id=manager)
            return None

    vats_register_plugin(Crm(), name="crm-test")
    vip = {
        "name": "VIP", "condition": {"type": "tags", "tags": ["VIP"]},
        "working": {"handling": forward(emp(company.people["201"]), personal_manager_first=True)},
    }  # fmt: skip
    await company.set_scenario({"filters": [vip], "default": {"handling": forward(emp(company.people["202"]))}})
    sim = await company.call("203 no answer, 201 answers", caller="+79035550000")
    assert sim.path[0] == "filter:VIP:working"
    first, second = dials(sim)
    assert all(a.startswith(("sip/", "tel/")) for a in first) and "manager" in sim.trace[1].decision
    assert sim.answered_by in second
    stranger = await company.call("202 answers", caller="+79030000000")
    assert stranger.path[0] == "default"


async def test_state_round_trip_and_garbage_is_refused() -> None:
    state = CallState(
        scenario_id="x", filter_index=-1, off_hours=False, stage=2, started_at=1.5,
        cursor=msgspec.msgpack.encode({"next": 2}), entered=2,
    )  # fmt: skip
    assert decode_state(encode_state(state)) == state
    assert len(encode_state(state)) < 200
    with pytest.raises(ValidationError):
        decode_state("not-a-state")


async def test_the_router_takes_any_step_from_the_state_alone(company: Company) -> None:
    """Stateless: a fresh engine (another router process) continues a call mid-way."""
    from vats.core.engine.engine import Engine
    from vats.core.engine.primitives import StepResult

    await company.set_scenario(
        {"default": {"handling": forward(emp(company.people["201"]), emp(company.people["202"]))}}
    )
    facts = CallFacts(number=NUMBER, caller="+79031234567", at=TUESDAY_NOON)
    first = await company.kernel.engine.step(facts, None, None)
    other_router = Engine(company.kernel)
    second = await other_router.step(facts, first.state, StepResult(status="NOANSWER"))
    assert second.primitive.legs[0].employee_id == str(company.people["202"])  # type: ignore[attr-defined]


def test_script_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        parse_script("101 dances")
    assert info.value.field == "script"


async def test_hook_call_ended(company: Company, vats_register_plugin: Any) -> None:
    """A recorded simulation ends in one stored CallRecord handed to call_ended, as a real call."""
    from vats.core.calls.records import CallRecord, call_records
    from vats.core.engine.simulator import simulate_and_record

    seen: list[CallRecord] = []

    class Crm:
        @hookimpl
        def call_ended(self, record: CallRecord) -> None:
            seen.append(record)

    vats_register_plugin(Crm(), name="crm-test")
    await company.set_scenario(
        {
            "default": {
                "handling": forward(emp(company.people["201"]), emp(company.people["202"])),
                "insurance": {"type": "voicemail", "assignee_id": str(company.admin_id)},
            }
        }
    )
    facts = CallFacts(number=NUMBER, caller="+79031234567", at=TUESDAY_NOON)
    sim = await simulate_and_record(company.kernel.engine, facts, parse_script("201 busy"))
    assert company.kernel.db is not None
    (stored,) = await call_records(company.kernel.db, company.tenant_id)
    assert seen == [stored] and stored.id == sim.record_id
    outcomes = {(p.employee_id, p.outcome) for p in stored.participants}
    # 201 was on another call: skipped, not rung; 202 rang out on every terminal
    assert {e for e, _ in outcomes} == {company.people["202"]} and {o for _, o in outcomes} == {"missed"}
    assert stored.answered_at is None and stored.path[-1] == "insurance:voicemail"
    assert [(i.kind, i.assignee_id) for i in stored.intents] == [("voicemail", company.admin_id)]
    answered = await simulate_and_record(company.kernel.engine, facts, parse_script("202 answers"))
    assert answered.answered_by is not None
    latest = next(r for r in await call_records(company.kernel.db, company.tenant_id) if r.id == answered.record_id)
    assert latest.answered_at is not None and latest.talk_s == 60


async def test_queue_with_impatient_callers(company: Company) -> None:
    queue = {"max_wait_s": 90, "offer_after_s": 30}
    handling = forward(
        {"kind": "group", "id": str(company.sales_id)}, order="parallel", queue=queue, on_failure={"action": "hangup"}
    )
    await company.set_scenario({"default": {"handling": handling}})
    answered = await company.call("201 no answer")  # parallel ring: nobody; queue: nobody; timeout
    assert [s.primitive["op"] for s in answered.steps] == ["dial", "queue", "hangup"]
    q = answered.steps[1].primitive
    assert q["max_wait_s"] == 90 and q["offer_after_s"] == 30 and q["hold_media"] == ["standard:hold_music"]
    callback = await company.call("press 2")
    assert [i.kind for i in callback.intents] == ["callback"]
    message = await company.call("press 1")
    assert [s.primitive["op"] for s in message.steps][-2:] == ["voicemail", "hangup"]
    assert [i.kind for i in message.intents] == ["voicemail"]
    stays = await company.call("press 9")  # neither 1 nor 2: stays for the rest of the wait
    queues = [s.primitive for s in stays.steps if s.primitive["op"] == "queue"]
    assert [p["max_wait_s"] for p in queues] == [90, 60] and queues[1]["offer_after_s"] is None


async def test_blocks_of_a_plugin_switched_off_for_the_tenant_do_nothing(company: Company) -> None:
    await company.set_scenario(
        {"default": {"handling": forward(emp(company.people["201"])), "insurance": {"type": "hangup"}}}
    )
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await company.kernel.plugins.set_enabled(conn, company.tenant_id, "queue", False)
    company.kernel.snapshots.invalidate(company.tenant_id)  # type: ignore[union-attr]
    sim = await company.call("201 answers")
    assert sim.answered_by is None and not [s for s in sim.steps if s.primitive["op"] == "dial"]
    assert any("switched off" in t.why for t in sim.trace)


async def test_hook_ring_state(company: Company, vats_register_plugin: Any) -> None:
    """Uniform: the member idle longest rings first; busy members are skipped (live state)."""
    from vats.core.engine.context import RingState

    anna, boris, vera = company.people["201"], company.people["202"], company.people["203"]

    class Live:
        @hookimpl
        def ring_state(self, employee_ids: list[Any]) -> RingState:
            assert anna in employee_ids
            return RingState(busy={boris}, idle_since={anna: 2000.0, vera: 1000.0})

    vats_register_plugin(Live(), name="live")
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute("UPDATE groups SET strategy = 'uniform' WHERE id = $1", company.sales_id)
    await company.set_scenario({"default": {"handling": forward({"kind": "group", "id": str(company.sales_id)})}})
    sim = await company.call()
    rung = [{leg["employee_id"] for leg in s.primitive["legs"]} for s in sim.steps if s.primitive["op"] == "dial"]
    assert rung == [{str(vera)}, {str(anna)}]  # Вера idle longest, Анна next, Борис on a call


async def test_uniform_strategy_learns_from_call_records(company: Company) -> None:
    """The kernel remembers who answered (with the call record): they ring last next time."""
    from vats.core.engine.simulator import simulate_and_record

    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute("UPDATE groups SET strategy = 'uniform' WHERE id = $1", company.sales_id)
    await company.set_scenario({"default": {"handling": forward({"kind": "group", "id": str(company.sales_id)})}})
    facts = CallFacts(number=NUMBER, caller="+79031234567", at=TUESDAY_NOON)
    first = await simulate_and_record(company.kernel.engine, facts, parse_script("201 answers"))
    assert first.answered_by is not None
    second = await company.call()
    order = [
        next(iter({leg["employee_id"] for leg in s.primitive["legs"]}))
        for s in second.steps
        if s.primitive["op"] == "dial"
    ]
    assert order[-1] == str(company.people["201"])  # Анна just finished a call: idle the shortest
    async with company.kernel.db.tenant(company.tenant_id) as conn:  # kept in the database, not per process
        remembered = await conn.fetchval(
            "SELECT last_finished_at FROM ring_memory WHERE tenant_id = $1 AND employee_id = $2",
            company.tenant_id, company.people["201"],
        )  # fmt: skip
    assert remembered is not None and remembered > TUESDAY_NOON


async def test_the_engine_keeps_compiled_scenarios_of_the_current_snapshot_only(company: Company) -> None:
    """Every configuration change replaces the tenant's snapshot; the scenarios compiled for the
    old one are dropped with it, so a long-running router does not grow with each change."""
    engine = company.kernel.engine
    facts = CallFacts(number=NUMBER, caller="+79031234567", at=TUESDAY_NOON)
    for ext in ["201", "202", "203", "201", "202"]:
        await company.set_scenario({"default": {"handling": forward(emp(company.people[ext]))}})
        out = await engine.step(facts, None, None)
        assert out.primitive.legs[0].employee_id == str(company.people[ext])  # type: ignore[attr-defined]
    snapshot = await company.kernel.snapshots.get(company.tenant_id)  # type: ignore[union-attr]
    loaded_at, compiled = engine._compiled[company.tenant_id]
    assert loaded_at == snapshot.loaded_at and len(compiled) == 1 and len(engine._compiled) == 1
