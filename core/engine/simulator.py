"""The call simulator: plays Asterisk's part for the step machine from a script of outcomes,
so every scenario rule can be tried (and tested) without telephony.

Script: outcomes separated by commas, e.g. ``"101 busy, 102 answers"``, ``"+79161234567
answers"``, ``"103 unavailable"``, ``"caller hangs up"``. Anyone not mentioned lets it ring
out (no answer). Digits for menus: ``"press 2"``, ``"no input"`` (used in order). Whoever the
script calls busy (``"202 busy"``) is on another call for the ring strategies: the simulator
answers the ``ring_state`` hook for its own run (telephony's live state stays out of it).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from contextvars import ContextVar
from typing import Any

import msgspec
from vats.core import hookimpl
from vats.core.calls.intents import TaskIntent
from vats.core.calls.records import CallRecord, Participant, store_and_announce
from vats.core.engine.context import CallFacts, RingState, TraceEntry
from vats.core.engine.engine import Engine
from vats.core.engine.primitives import Collect, Dial, Hangup, Queue, StepResult
from vats.core.errors import NotFoundError, ValidationError
from vats.core.snapshot import TenantSnapshot

_OUTCOMES = {"answers": "ANSWER", "busy": "BUSY", "unavailable": "CHANUNAVAIL", "no answer": "NOANSWER"}


class Script(msgspec.Struct, kw_only=True):
    phones: dict[str, str] = {}  # extension or E.164 -> DIALSTATUS it answers with
    digits: list[str | None] = []  # "press N" in order; None for "no input"
    caller_hangs_up: bool = False
    busy: list[str] = []  # extensions on a call (least busy, skipping the busy)


def parse_script(text: str) -> Script:
    script = Script()
    for raw in filter(None, (part.strip() for part in text.split(","))):
        part = raw.casefold()
        if part == "caller hangs up":
            script.caller_hangs_up = True
        elif part == "no input":
            script.digits.append(None)
        elif m := re.fullmatch(r"press ([0-9*#]+)", part):
            script.digits.append(m.group(1))
        elif m := re.fullmatch(r"(\+?[0-9]+) (answers|busy|unavailable|no answer)", part):
            script.phones[m.group(1)] = _OUTCOMES[m.group(2)]
            if m.group(2) == "busy":
                script.busy.append(m.group(1))
        else:
            raise ValidationError(f"cannot read {raw!r} (e.g. '101 answers', 'press 2', 'no input')", field="script")
    return script


class SimulatedStep(msgspec.Struct, frozen=True, kw_only=True):
    primitive: dict[str, Any]
    result: dict[str, Any] | None


class Simulation(msgspec.Struct, frozen=True, kw_only=True):
    steps: list[SimulatedStep]
    trace: list[TraceEntry]
    path: list[str]
    answered_by: str | None
    intents: list[TaskIntent]
    record_id: uuid.UUID | None = None
    scenario_id: str = ""
    groups: list[str] = []


_OUTCOME_OF = {"BUSY": "busy", "CHANUNAVAIL": "unavailable", "CANCEL": "cancelled"}


def record_of(tenant_id: uuid.UUID, facts: CallFacts, sim: Simulation) -> CallRecord:
    """The CallRecord a real call with these steps would end in (the simulated clock: each
    ring lasts its ring time, each prompt a second)."""
    clock = facts.at
    participants: list[Participant] = []
    answered_at = None
    ivr_input: list[str] = []
    for step in sim.steps:
        primitive, result = step.primitive, step.result or {}
        if primitive["op"] == "dial":
            status = result.get("status", "NOANSWER")
            for leg in primitive["legs"]:
                answered = status == "ANSWER" and leg["address"] == result.get("answered_by")
                outcome = "answered" if answered else _OUTCOME_OF.get(status, "missed")
                participant = {"address": leg["address"], "employee_id": leg.get("employee_id"), "outcome": outcome}
                participants.append(msgspec.convert(participant, Participant))
            clock += dt.timedelta(seconds=5 if status == "ANSWER" else primitive["ring_s"])
            if status == "ANSWER":
                answered_at = clock
        elif primitive["op"] != "hangup":
            clock += dt.timedelta(seconds=1)
        if primitive["op"] == "collect" and result.get("digits"):
            ivr_input.append(result["digits"])
    ended = clock + dt.timedelta(seconds=60 if answered_at else 0)
    return CallRecord(
        tenant_id=tenant_id, number=facts.number, caller=facts.caller, started_at=facts.at, answered_at=answered_at,
        ended_at=ended, answered_by=sim.answered_by, path=sim.path, ivr_input=ivr_input, participants=participants,
        intents=sim.intents, caller_hung_up=any((s.result or {}).get("status") == "CANCEL" for s in sim.steps),
        simulated=True, scenario_id=uuid.UUID(sim.scenario_id) if sim.scenario_id else None,
        groups=[uuid.UUID(g) for g in sim.groups],
    )  # fmt: skip


async def simulate_and_record(
    engine: Engine, facts: CallFacts, script: Script, *, scenario_id: uuid.UUID | None = None
) -> Simulation:
    """Simulate, then store the call's record and hand it to ``call_ended`` like a real one."""
    sim = await simulate(engine, facts, script, scenario_id=scenario_id)
    tenant_id = await engine.kernel.snapshots.tenant_of_number(facts.number)
    if tenant_id is None:
        raise NotFoundError(f"no PBX has the number {facts.number}", field="number")
    record = record_of(tenant_id, facts, sim)
    await store_and_announce(engine.kernel.db, engine.kernel.plugins, record)
    return msgspec.structs.replace(sim, record_id=record.id)


def _answer_dial(dial: Dial, script: Script, extensions: dict[str, str]) -> StepResult:
    """Who of the rung legs answers, by the script (legs in the order their delays start them)."""
    statuses = []
    for leg in sorted(dial.legs, key=lambda leg: leg.delay_s):
        if leg.delay_s >= dial.ring_s:  # the Dial stops before this phone's turn comes
            continue
        key = extensions.get(leg.employee_id or "", leg.address.removeprefix("tel/"))
        status = script.phones.get(key, "NOANSWER")
        if status == "ANSWER":
            return StepResult(status="ANSWER", answered_by=leg.address)
        statuses.append(status)
    if statuses and all(s == "BUSY" for s in statuses):
        return StepResult(status="BUSY")
    if statuses and all(s == "CHANUNAVAIL" for s in statuses):
        return StepResult(status="CHANUNAVAIL")
    return StepResult(status="NOANSWER")


# The ring state of the simulation running in this task (None outside one). A context variable,
# not the plugin's attribute: real calls and other simulations run beside it in the same process.
_SCRIPTED: ContextVar[RingState | None] = ContextVar("vats_scripted_ring_state", default=None)
SCRIPT_PLUGIN = "vats.simulator"  # its name on the kernel's plugin host


def in_simulation() -> bool:
    """A simulated call is being routed in this task: its script, not live phones, says who is busy."""
    return _SCRIPTED.get() is not None


class ScriptRingState:
    """The simulator's answer to ``ring_state``: who is busy, by the script of the run in this task."""

    vats_tenant_switchable = False  # the kernel's own: a PBX cannot switch it off

    @hookimpl
    def ring_state(self) -> RingState | None:
        scripted = _SCRIPTED.get()
        return scripted if scripted is not None and scripted.busy else None


async def simulate(
    engine: Engine, facts: CallFacts, script: Script, *, scenario_id: uuid.UUID | None = None
) -> Simulation:
    snapshots = engine.kernel.snapshots
    tenant_id = await snapshots.tenant_of_number(facts.number)
    if tenant_id is None:
        raise ValidationError(f"no PBX has the number {facts.number}", field="number")
    snapshot = await snapshots.get(tenant_id)
    plugins = engine.kernel.plugins
    if plugins.pm.get_plugin(SCRIPT_PLUGIN) is None:  # registered once: it answers only inside a run
        plugins.register(ScriptRingState(), name=SCRIPT_PLUGIN)
    busy = {e.id for e in snapshot.employees.values() if e.extension in script.busy}
    token = _SCRIPTED.set(RingState(busy=busy))
    try:
        return await _run(engine, facts, script, snapshot, scenario_id)
    finally:
        _SCRIPTED.reset(token)


async def _run(
    engine: Engine, facts: CallFacts, script: Script, snapshot: TenantSnapshot, scenario_id: uuid.UUID | None
) -> Simulation:
    extensions = {str(e.id): e.extension for e in snapshot.employees.values()}
    digits = list(script.digits)
    state: str | None = None
    result: StepResult | None = None
    steps: list[SimulatedStep] = []
    trace: list[TraceEntry] = []
    answered_by = None
    while True:
        out = await engine.step(facts, state, result, scenario_id=scenario_id)
        trace.extend(out.trace)
        state = out.state
        primitive = out.primitive
        if isinstance(primitive, Hangup) or out.finished:
            steps.append(SimulatedStep(primitive=msgspec.to_builtins(primitive), result=None))
            return Simulation(steps=steps, trace=trace, path=out.path, answered_by=answered_by, intents=out.intents,
                              scenario_id=out.scenario_id, groups=out.groups)
        if isinstance(primitive, Dial):
            result = (
                StepResult(status="CANCEL") if script.caller_hangs_up else _answer_dial(primitive, script, extensions)
            )
            if result.answered_by:
                answered_by = result.answered_by
        elif isinstance(primitive, Queue):
            answered = _answer_dial(Dial(legs=primitive.legs, ring_s=primitive.max_wait_s), script, extensions)
            if answered.status == "ANSWER":
                result = answered
                answered_by = answered.answered_by
            elif primitive.offer_after_s is not None and digits:
                result = StepResult(status="OFFER", digits=digits.pop(0))
            else:
                result = StepResult(status="TIMEOUT")
        elif isinstance(primitive, Collect):
            pressed = digits.pop(0) if digits else None
            result = StepResult(status="OK" if pressed else "TIMEOUT", digits=pressed)
        else:
            result = StepResult(status="OK")
        steps.append(SimulatedStep(primitive=msgspec.to_builtins(primitive), result=msgspec.to_builtins(result)))
        if result.status == "CANCEL":
            trace.append(TraceEntry(step=len(steps), block="caller", decision="the caller hung up while it rang"))
            return Simulation(steps=steps, trace=trace, path=out.path, answered_by=None, intents=out.intents,
                              scenario_id=out.scenario_id, groups=out.groups)


def parse_at(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.now(dt.UTC)
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError("give an ISO time, e.g. 2026-11-24T12:00:00+03:00", field="at") from exc
    if at.tzinfo is None:
        raise ValidationError("give the time zone offset, e.g. +03:00", field="at")
    return at
