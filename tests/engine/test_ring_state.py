"""Who rings next: live state reaches the engine only through ``ring_state``, from the kernel's
ring memory (PostgreSQL, shared by every router process), telephony's AMI device states and
the simulator's script."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import asyncpg
import pytest
from vats.core.asterisk.ami import AmiClient
from vats.core.asterisk.service import LIVE_PLUGIN, LiveRingState
from vats.core.config import Config
from vats.core.engine.context import CallFacts
from vats.core.engine.primitives import Dial
from vats.core.engine.ring_memory import RingMemory
from vats.core.engine.simulator import Simulation, parse_script, simulate, simulate_and_record
from vats.core.errors import ConflictError
from vats.core.kernel import Kernel

from tests.engine.conftest import NUMBER, TUESDAY_NOON, Company, forward


def rung(sim: Simulation) -> list[str]:
    """The employees rung, one dial after another (each dial rings one employee's phones here)."""
    dials = [s.primitive["legs"] for s in sim.steps if s.primitive["op"] == "dial"]
    return [e for legs in dials for e in dict.fromkeys(leg["employee_id"] for leg in legs)]


async def uniform_sales(company: Company) -> None:
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute("UPDATE groups SET strategy = 'uniform' WHERE id = $1", company.sales_id)
    await company.set_scenario({"default": {"handling": forward({"kind": "group", "id": str(company.sales_id)})}})


async def test_two_routers_on_one_database_ring_a_uniform_group_in_the_same_order(
    company: Company, vats_config: Config
) -> None:
    anna, boris, vera = (str(company.people[x]) for x in ("201", "202", "203"))
    await uniform_sales(company)
    other = await Kernel(vats_config).start(migrate=False)  # a second router process
    try:

        async def other_sim() -> Simulation:
            facts = CallFacts(number=NUMBER, caller="+79031234567", at=TUESDAY_NOON)
            return await simulate(other.engine, facts, parse_script(""))

        assert rung(await company.call()) == rung(await other_sim()) == [anna, boris, vera]  # both keep a copy now
        # Борис, then Анна, finish answered calls, both through the first router
        for script, at in (("202 answers", TUESDAY_NOON), ("201 answers", TUESDAY_NOON + dt.timedelta(minutes=5))):
            facts = CallFacts(number=NUMBER, caller="+79031234567", at=at)
            await simulate_and_record(company.kernel.engine, facts, parse_script(script))
        expected = [vera, boris, anna]  # Вера idle longest, Анна finished last
        assert rung(await company.call()) == expected
        deadline = time.monotonic() + 2  # the other router hears of it by notification, in milliseconds
        while (order := rung(await other_sim())) != expected:
            assert time.monotonic() < deadline, order
            await asyncio.sleep(0.02)
    finally:
        await other.stop()
    # a router started later reads the same memory from the table
    assert company.kernel.db is not None
    later = RingMemory(company.kernel.db, company.kernel.owner_url)
    found: Any = later.ring_state(company.tenant_id)
    state = await found
    assert sorted(state.idle_since, key=state.idle_since.__getitem__) == [company.people["202"], company.people["201"]]


async def test_telephony_busy_from_ami_skips_the_busy_member_of_a_real_call(company: Company) -> None:
    """An employee whose SIP line Asterisk reports in use is skipped; when it is free they ring."""
    boris, vera = str(company.people["202"]), str(company.people["203"])
    await uniform_sales(company)
    assert company.kernel.snapshots is not None
    snapshot = await company.kernel.snapshots.get(company.tenant_id)
    boris_login = next(t.sip_login for t in snapshot.employees[company.people["202"]].terminals if t.sip_login)
    ami = AmiClient("ami://vats:secret@127.0.0.1:1")  # never connected: fed the events Asterisk sends
    company.kernel.plugins.register(LiveRingState(company.kernel, [ami]), name=LIVE_PLUGIN)
    facts = CallFacts(number=NUMBER, caller="+79031234567", at=TUESDAY_NOON)

    async def first_rung() -> list[str]:
        out = await company.kernel.engine.step(facts, None, None)
        assert isinstance(out.primitive, Dial)
        return list(dict.fromkeys(leg.employee_id or "" for leg in out.primitive.legs))

    try:
        ami.live.on_event({"Event": "DeviceStateChange", "Device": f"PJSIP/{boris_login}", "State": "INUSE"})
        await company.set_scenario({"default": {"handling": forward({"kind": "group", "id": str(company.sales_id)})}})
        out = await company.kernel.engine.step(facts, None, None)
        assert [t.decision for t in out.trace if "busy" in t.why] == ["skip Борис (Продажи)"]
        # least busy: Борис on a call is left out, the others ring in order
        await company.set_scenario({"default": {"handling": forward(
            {"kind": "employee", "id": boris}, {"kind": "employee", "id": vera}, order="least_busy")}})  # fmt: skip
        assert await first_rung() == [vera]
        ami.live.on_event({"Event": "DeviceStateChange", "Device": f"PJSIP/{boris_login}", "State": "NOT_INUSE"})
        assert await first_rung() == [boris]
        # a simulation goes by its script, not by the real phones (and real calls not by the script)
        ami.live.on_event({"Event": "DeviceStateChange", "Device": f"PJSIP/{boris_login}", "State": "INUSE"})
        sim = await company.call("203 busy")
        assert rung(sim) == [boris]
        assert await first_rung() == [vera]
    finally:
        company.kernel.plugins.unregister(LIVE_PLUGIN)


async def test_simulated_busy_is_skipped_and_least_busy_rings_the_free(company: Company) -> None:
    anna, boris, vera = (str(company.people[x]) for x in ("201", "202", "203"))
    await uniform_sales(company)
    sim = await company.call("202 busy")
    assert rung(sim) == [anna, vera]
    assert any(t.decision == "skip Борис (Продажи)" and t.why == "busy on another call" for t in sim.trace)
    await company.set_scenario({"default": {"handling": forward(
        {"kind": "employee", "id": anna}, {"kind": "employee", "id": boris}, order="least_busy")}})  # fmt: skip
    assert rung(await company.call("201 busy")) == [boris]
    assert rung(await company.call()) == [anna, boris]  # the script's busy ends with its run


async def test_a_router_that_lost_its_listening_connection_reads_the_memory_again(company: Company) -> None:
    """A change made while the notification could not arrive is not missed once it listens again."""
    anna, boris, vera = (str(company.people[x]) for x in ("201", "202", "203"))
    await uniform_sales(company)
    assert rung(await company.call()) == [anna, boris, vera]  # the copy is kept
    memory, db = company.kernel.ring_memory, company.kernel.db
    assert memory is not None and db is not None
    admin = await asyncpg.connect(company.kernel.owner_url)
    try:  # cut the listening connections from the server side, then another router writes
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query LIKE 'LISTEN%' AND datname = current_database()"
        )
    finally:
        await admin.close()
    async with db.tenant(company.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO ring_memory (tenant_id, employee_id, last_finished_at) VALUES ($1, $2, now())",
            company.tenant_id, company.people["201"],
        )  # fmt: skip
    deadline = time.monotonic() + 5
    while not memory.listening.is_set() or rung(await company.call()) != [boris, vera, anna]:
        assert time.monotonic() < deadline, "the ring memory did not read the table again"
        await asyncio.sleep(0.05)


async def test_a_pbx_cannot_switch_off_the_kernels_own_ring_state_answers(company: Company) -> None:
    """The ring memory and telephony's busy answer are the kernel's, registered as plugins only to
    answer ``ring_state``: a PBX switching them off would break its own group strategies."""
    kernel = company.kernel
    assert kernel.db is not None
    live = LiveRingState(kernel, [])
    kernel.plugins.register(live, name=LIVE_PLUGIN)
    try:
        async with kernel.db.tenant(company.tenant_id) as conn:
            for name in ("vats.ring_memory", LIVE_PLUGIN):
                with pytest.raises(ConflictError) as refused:
                    await kernel.plugins.set_enabled(conn, company.tenant_id, name, False)
                assert refused.value.field == "plugin"
            # even a switch-off written behind the API's back is ignored
            await conn.execute(
                "INSERT INTO tenant_plugins (tenant_id, plugin, enabled) VALUES ($1, 'vats.ring_memory', false)",
                company.tenant_id,
            )
            assert await kernel.plugins.is_enabled(conn, company.tenant_id, "vats.ring_memory")
    finally:
        kernel.plugins.unregister(LIVE_PLUGIN)
