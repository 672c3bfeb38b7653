"""The routing engine: a stateless step machine.

Given the call's facts, its encoded state and the result of the previous primitive, ``step``
runs the number's scenario until the next primitive and returns it with the new state. It
reads the tenant's in-memory snapshot (core/snapshot.py), never the database, except through
the ``lookup_contact`` hook, which a CRM plugin answers.

Stages of a branch: options (greeting, recording) -> menu -> handling -> insurance. A block's
``run(ctx, cursor, result)`` returns an Outcome: a primitive (with its new cursor), or done
with "connected", "next", "failed" (to the insurance) or "hangup".
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.core.availability import CalendarFacts, is_working_time
from vats.core.calls.intents import TaskIntent
from vats.core.engine.block import AnyBlock, Block
from vats.core.engine.context import CallerContact, CallFacts, Outcome, RingState, StepContext, TraceEntry
from vats.core.engine.primitives import Hangup, Play, Primitive, Record, StepResult
from vats.core.engine.scenario import Branch, RegionCondition, ScenarioBody, TagCondition, compile_body
from vats.core.engine.state import FORMAT, MAX_STEPS, CallState, decode_state, encode_state, legacy_cursor
from vats.core.errors import NotFoundError, ValidationError
from vats.core.features import RECORDING
from vats.core.media import refs
from vats.core.protocols import KernelAPI
from vats.core.snapshot import TenantSnapshot

OPTIONS, MENU, HANDLING, INSURANCE, FINISHED = range(5)
_cursor_encoder = msgspec.msgpack.Encoder()
STAGE_NAMES = {MENU: "menu", HANDLING: "handling", INSURANCE: "insurance"}


class StepOutput(msgspec.Struct, frozen=True, kw_only=True):
    primitive: Primitive
    state: str
    trace: list[TraceEntry]
    finished: bool
    path: list[str]
    intents: list[TaskIntent]
    inputs: list[str] = []
    scenario_id: str = ""
    groups: list[str] = []  # groups addressed so far
    recording: str = ""  # "call": recorded for the call; "employees": kept only if the answerer says so


RECORD_FOR_EMPLOYEES = "record:employees"  # options_done: recording started only for an employee's override


def _recording(options_done: list[str]) -> str:
    if "record" in options_done:
        return "call"
    return "employees" if RECORD_FOR_EMPLOYEES in options_done else ""


def records_call(branch: str, number: str, tenant_default: bool) -> bool:
    """Whether a call is recorded from the start: the scenario branch's choice, else the number's
    (on/off; "default" says nothing), else the tenant's default. The answering employee's own
    override comes before all three; it is applied when the record is built (asterisk/cel.py)."""
    for choice in (branch, number):
        if choice in ("on", "off"):
            return choice == "on"
    return tenant_default


def _warning(ctx: StepContext, branch_warning: list[str]) -> list[str]:
    """The recording warning: the branch's own media, else the number's warning (when it is on)
    with the tenant's default media, else the standard one."""
    if branch_warning:
        return list(branch_warning)
    if not ctx.snapshot.numbers[ctx.facts.number].recording_warning:
        return []
    return [ctx.snapshot.tenant.settings.recording_warning_media or refs.standard_ref("recording_warning")]


def _merge_ring_states(a: RingState, b: RingState) -> RingState:
    """Two plugins' answers as one: busy if either says so; idle since the later of the two."""
    idle = dict(a.idle_since)
    for employee, at in b.idle_since.items():
        idle[employee] = max(at, idle.get(employee, at))
    return RingState(busy=set(a.busy) | set(b.busy), idle_since=idle)


class Engine:
    def __init__(self, kernel: KernelAPI) -> None:
        self.kernel = kernel
        # Compiled scenarios per tenant, for the snapshot they were compiled from: a new
        # snapshot replaces the tenant's entry, so the old compilations go with it.
        self._compiled: dict[uuid.UUID, tuple[float, dict[uuid.UUID, ScenarioBody]]] = {}
        self._cursor_decoders: dict[type[msgspec.Struct], msgspec.msgpack.Decoder[Any]] = {}

    def _scenario(self, snapshot: TenantSnapshot, scenario_id: uuid.UUID) -> ScenarioBody:
        tenant_id = snapshot.tenant.id
        entry = self._compiled.get(tenant_id)
        if entry is None or entry[0] != snapshot.loaded_at:
            entry = self._compiled[tenant_id] = (snapshot.loaded_at, {})
        compiled = entry[1]
        if scenario_id not in compiled:
            raw = snapshot.scenarios.get(scenario_id)
            if raw is None:
                raise NotFoundError("the number's scenario does not exist", field="scenario_id")
            compiled[scenario_id] = compile_body(raw, self.kernel.blocks)
        return compiled[scenario_id]

    def _cursor(self, block: AnyBlock, state: CallState) -> msgspec.Struct:
        """The running block's cursor, decoded with its own type (a fresh one at its start)."""
        if not state.cursor:
            state.version = FORMAT
            return block.Cursor()
        if state.version != FORMAT:  # a call from before an upgrade: convert once, by field names
            state.version = FORMAT
            return legacy_cursor(state.cursor, block.Cursor)
        decoder = self._cursor_decoders.get(block.Cursor)
        if decoder is None:
            decoder = self._cursor_decoders[block.Cursor] = msgspec.msgpack.Decoder(block.Cursor)
        try:
            return decoder.decode(state.cursor)  # type: ignore[no-any-return]
        except msgspec.DecodeError as exc:  # e.g. the scenario changed its block mid-call
            raise ValidationError("the call state does not fit the scenario's block", field="state") from exc

    async def _contact(self, tenant_id: uuid.UUID, snapshot: TenantSnapshot, number: str) -> CallerContact | None:
        found = await self.kernel.plugins.first(
            "lookup_contact", tenant_id=tenant_id, disabled=snapshot.disabled_plugins, number=number
        )
        if found is None:
            return None
        # Normalised through builtins: a plugin's loosely typed answer (ids as strings) still works.
        return msgspec.convert(msgspec.to_builtins(found), CallerContact)

    async def ring_state(self, tenant_id: uuid.UUID, snapshot: TenantSnapshot) -> RingState:
        """Who is busy and who idle since when, as the ``ring_state`` hook's plugins say."""
        return await self._ring_state(tenant_id, snapshot)

    async def _ring_state(self, tenant_id: uuid.UUID, snapshot: TenantSnapshot) -> RingState:
        merged: RingState | None = await self.kernel.plugins.merge(
            "ring_state", _merge_ring_states, tenant_id=tenant_id, disabled=snapshot.disabled_plugins,
            employee_ids=snapshot.employee_ids,
        )  # fmt: skip
        return merged if merged is not None else RingState()

    async def step(
        self,
        facts: CallFacts,
        state_text: str | None,
        result: StepResult | None,
        *,
        scenario_id: uuid.UUID | None = None,
    ) -> StepOutput:
        """One step. ``scenario_id`` overrides the number's own scenario (for trying a
        scenario before binding it); it matters only at the first step. Who is busy and who is
        idle longest come only from the ``ring_state`` hook."""
        snapshots = self.kernel.snapshots
        tenant_id = await snapshots.tenant_of_number(facts.number)
        if tenant_id is None:
            raise NotFoundError(f"no PBX has the number {facts.number}", field="number")
        snapshot = await snapshots.get(tenant_id)
        did = snapshot.numbers[facts.number]
        state = decode_state(state_text) if state_text else None
        if state is None:  # the first step: who calls, from where (for the filters)
            caller = facts.caller
            region: Any = lambda: self.kernel.lookup_region(caller)  # noqa: E731 - looked up only if a filter asks
            contact = await self._contact(tenant_id, snapshot, facts.caller)
        else:  # later steps need only the personal manager, kept in the state
            region = None
            contact = CallerContact(personal_manager_id=uuid.UUID(state.manager)) if state.manager else None
        live = await self._ring_state(tenant_id, snapshot)
        ctx = StepContext(
            snapshot=snapshot, facts=facts, step=(state.steps if state else 0), region=region, contact=contact,
            busy=live.busy, idle_since=live.idle_since,
        )  # fmt: skip
        if state is None:
            chosen = scenario_id or did.scenario_id
            if chosen is None:
                raise NotFoundError("the number is bound to no scenario", field="scenario_id")
            state = self._start(ctx, chosen)
            if contact is not None and contact.personal_manager_id is not None:
                state.manager = str(contact.personal_manager_id)
        if result is not None and result.digits:
            state.inputs.append(result.digits)
        primitive = await self._advance(ctx, state, result)
        state.steps += 1
        if state.steps >= MAX_STEPS and state.stage != FINISHED:
            ctx.note("engine", "hang up", f"the call reached {MAX_STEPS} steps")
            state.stage, primitive = FINISHED, Hangup()
        state.intents.extend(ctx.intents)  # they travel with the call until its record is written
        for group_id in ctx.groups:
            if str(group_id) not in state.groups:
                state.groups.append(str(group_id))
        return StepOutput(
            primitive=primitive, state=encode_state(state), trace=ctx.trace, finished=state.stage == FINISHED,
            path=state.path, intents=state.intents, inputs=state.inputs,
            scenario_id=state.scenario_id, groups=state.groups, recording=_recording(state.options_done),
        )  # fmt: skip

    # --- choosing the branch -----------------------------------------------------------

    def _start(self, ctx: StepContext, scenario_id: uuid.UUID) -> CallState:
        body = self._scenario(ctx.snapshot, scenario_id)
        for i, f in enumerate(body.filters):
            matched, why = self._matches(ctx, f.condition)
            if not matched:
                ctx.note("filters", f"filter «{f.name}» does not match", why)
                continue
            working = self._working(ctx, f.schedule_id, f.calendar_id)
            branch = "working time" if working else "off hours"
            ctx.note("filters", f"filter «{f.name}» matches, {branch}", why)
            label = f"filter:{f.name}:{'working' if working else 'off'}"
            return self._new_state(scenario_id, i, not working, ctx, label)
        working = self._working(ctx, body.schedule_id, body.calendar_id)
        ctx.note(
            "filters", f"numbers not in filters, {'working time' if working else 'off hours'}", "no filter matched"
        )
        return self._new_state(scenario_id, -1, not working, ctx, "default" if working else "default:off")

    def _working(self, ctx: StepContext, schedule_id: uuid.UUID | None, calendar_id: uuid.UUID | None) -> bool:
        if schedule_id is None:
            return True  # 24/7
        schedule = ctx.snapshot.schedules.get(schedule_id)
        calendar = ctx.snapshot.calendars.get(calendar_id, CalendarFacts()) if calendar_id else CalendarFacts()
        intervals = schedule.intervals if schedule else []
        return is_working_time(ctx.facts.at, ctx.snapshot.tenant.time_zone, intervals, calendar)

    def _new_state(self, scenario_id: uuid.UUID, index: int, off: bool, ctx: StepContext, label: str) -> CallState:
        return CallState(
            scenario_id=str(scenario_id), filter_index=index, off_hours=off, stage=OPTIONS,
            started_at=ctx.facts.at.timestamp(), path=[label],
        )  # fmt: skip

    def _matches(self, ctx: StepContext, condition: Any) -> tuple[bool, str]:
        if isinstance(condition, RegionCondition):
            if ctx.region is None:
                return False, f"the region of {ctx.facts.caller} is unknown"
            common = set(ctx.region.subjects) & set(condition.subjects)
            return bool(common), f"caller's region {', '.join(ctx.region.subjects)} ({ctx.region.name})"
        if isinstance(condition, TagCondition):
            tags = set(ctx.contact.tags) if ctx.contact else set()
            common = tags & set(condition.tags)
            return bool(common), f"contact tags: {', '.join(sorted(tags)) or 'none'}"
        return False, "unknown condition"

    def _branch(self, ctx: StepContext, state: CallState) -> Branch:
        body = self._scenario(ctx.snapshot, uuid.UUID(state.scenario_id))
        if state.filter_index < 0:
            return body.off_hours if state.off_hours and body.off_hours is not None else body.default
        f = body.filters[state.filter_index]
        return f.off_hours if state.off_hours and f.off_hours is not None else f.working

    # --- running the stages -------------------------------------------------------------

    async def _advance(self, ctx: StepContext, state: CallState, result: StepResult | None) -> Primitive:
        branch = self._branch(ctx, state)
        ctx.options = branch.options
        for _ in range(16):  # stages and transitions within one step (no loops: stages only go forward)
            if state.stage == FINISHED:
                return Hangup()
            if state.stage == OPTIONS:
                primitive = self._option(ctx, state, branch)
                if primitive is not None:
                    return primitive
                state.stage, result = MENU, None
                continue
            stage = STAGE_NAMES[state.stage]
            # Stage fields are the registry's tagged union; a block is run with the cursor that
            # _cursor decodes with the block's own Cursor, so a Struct is the one it takes.
            block: Block[msgspec.Struct] | None = getattr(branch, stage)
            if block is None:
                if state.stage == HANDLING:
                    ctx.note("handling", "hang up", "the branch has no handling block")
                    state.stage = FINISHED
                    return Hangup()
                state.stage, result = state.stage + 1, None
                continue
            tag = self.kernel.blocks.tag[type(block)]
            owner = self.kernel.blocks.owner.get(type(block))
            if owner in ctx.snapshot.disabled_plugins:
                ctx.note(stage, f"skip {tag}", f"the plugin {owner!r} is switched off for this PBX")
                if state.stage == HANDLING:
                    state.stage = INSURANCE if branch.insurance is not None else FINISHED
                else:
                    state.stage += 1
                result = None
                continue
            if state.entered != state.stage:
                state.path.append(f"{stage}:{tag}")
                state.entered, state.cursor = state.stage, b""
            outcome: Outcome = await block.run(ctx, self._cursor(block, state), result)
            result = None
            if outcome.primitive is not None:
                if type(outcome.cursor) is not block.Cursor:
                    raise TypeError(f"block {tag!r} returned a {type(outcome.cursor).__name__} cursor, not its Cursor")
                state.cursor = _cursor_encoder.encode(outcome.cursor)
                return outcome.primitive
            state.cursor = b""
            if outcome.done == "connected":
                ctx.note(stage, "the call was answered; it ends when they hang up")
                state.stage = FINISHED
            elif outcome.done == "next":
                state.stage = state.stage + 1 if state.stage < INSURANCE else FINISHED
            elif outcome.done == "failed":
                if state.stage < INSURANCE and branch.insurance is not None:
                    ctx.note(stage, "go to insurance")
                    state.stage = INSURANCE
                else:
                    state.stage = FINISHED
            else:
                state.stage = FINISHED
        state.stage = FINISHED
        return Hangup()

    def _option(self, ctx: StepContext, state: CallState, branch: Branch) -> Primitive | None:
        options = branch.options
        did = ctx.snapshot.numbers[ctx.facts.number]
        settings = ctx.snapshot.tenant.settings
        wanted: list[tuple[str, Primitive]] = []
        if options.greeting:
            # Play answers the call itself (one router step less than Answer, then Play)
            wanted.append(("greeting", Play(media=list(options.greeting))))
        # Who answers is not known yet, and the employee's override comes first (employee, branch,
        # number, tenant): record when the call says so or when an employee might want it; the
        # record keeps the file only if the answerer's override (else the call's choice) says so.
        record = records_call(options.recording, did.recording, settings.recording_default)
        someone_wants = any(e.recording == "on" for e in ctx.snapshot.employees.values())
        if settings.recording_enabled and (record or someone_wants) and RECORDING in ctx.snapshot.refused:
            if "no-recording" not in state.options_done:  # said once, not on every step
                state.options_done.append("no-recording")
                ctx.note("options", "not recorded: the tariff has no call recording")
        elif settings.recording_enabled and (record or someone_wants):
            warning = _warning(ctx, options.recording_warning)
            wanted.append(("record" if record else RECORD_FOR_EMPLOYEES, Record(on=True, warning=warning)))
        for key, primitive in wanted:
            if key not in state.options_done:
                state.options_done.append(key)
                ctx.note("options", key)
                return primitive
        return None
