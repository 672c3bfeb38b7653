"""Direct calls: a call to an employee's or group's own extension (from an IVR item or
extension dialing) follows their reception settings, not a scenario's forwarding:

* an employee: during an absence, the absence's forwarding; when none of their terminals may
  ring now (off hours, mode "unavailable"), the off-hours rule; otherwise their terminals ring
  (in their order and delays) for ``no_answer_after_s``, then the no-answer rule;
* a group: its members by its strategy, then its no-answer rule; an outside number as the rule
  rings 30 s and then goes to voicemail.

A rule forwards to nobody (drop), a colleague or a group (their own direct call, at most three
hops, so A->B->A cannot loop), voicemail (a task for the owner) or an outside number.
"""

from __future__ import annotations

from typing import Any

import msgspec
from vats.core.calls.intents import TaskIntent
from vats.core.directory.models import ForwardTarget
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.dialing import Attempt, Target, dial_for, plan_attempts, ring_next
from vats.core.engine.primitives import DialLeg, StepResult, Voicemail

MAX_HOPS = 3
EXTERNAL_BEFORE_VOICEMAIL_S = 30


def _rule_for(ctx: StepContext, target: Target) -> tuple[list[Attempt], ForwardTarget | None, str]:
    """(attempts to ring now, the rule if nobody answers, why)."""
    snapshot = ctx.snapshot
    if target.kind == "employee" and target.id in snapshot.employees:
        employee = snapshot.employees[target.id]
        local_day = ctx.facts.at.astimezone(_zone(ctx, employee.time_zone)).date()
        for absence in employee.absences:
            if absence.starts_on <= local_day <= absence.ends_on:
                return [], absence.forward, f"{employee.full_name} is absent ({absence.kind})"
        attempts = plan_attempts(ctx, [target], ring_s=employee.no_answer_after_s, block="direct call")
        if not any(a.legs for a in attempts):
            return [], employee.off_hours or employee.on_no_answer, f"{employee.full_name} takes no calls now"
        return attempts, employee.on_no_answer, f"ring {employee.full_name}"
    if target.kind == "group" and target.id in snapshot.groups:
        group = snapshot.groups[target.id]
        return plan_attempts(ctx, [target], block="direct call"), group.on_no_answer, f"ring group {group.name}"
    return plan_attempts(ctx, [target], block="direct call"), None, "ring"


def _zone(ctx: StepContext, name: str | None) -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(name or ctx.snapshot.tenant.time_zone)


def _owner(target: Target) -> TaskIntent | None:
    if target.kind in ("employee", "group") and target.id is not None:
        return TaskIntent(kind="voicemail", assignee_kind=target.kind, assignee_id=target.id)
    return None


def _as_target(rule: ForwardTarget) -> Target | None:
    if rule.action == "employee" and rule.employee_id:
        return Target(kind="employee", id=rule.employee_id)
    if rule.action == "group" and rule.group_id:
        return Target(kind="group", id=rule.group_id)
    return None


async def direct_call(ctx: StepContext, cursor: dict[str, Any], result: StepResult | None, target: Target) -> Outcome:
    """Run one step of a direct call to ``target``; "connected", "hangup" or "next" when done."""
    block = "direct call"
    state = cursor.get("direct") or {"target": msgspec.to_builtins(target), "attempt": 0, "hops": 0}
    current = msgspec.convert(state["target"], Target)
    if state.get("phase") == "voicemail":
        intent = state.get("intent")
        if intent:
            ctx.intents.append(msgspec.convert(intent, TaskIntent))
        ctx.note(block, "message left", "task for the one called")
        return Outcome(done="hangup")
    if state.get("phase") == "outside":
        if result is not None and result.status == "ANSWER":
            ctx.note(block, f"answered by {result.answered_by}")
            return Outcome(done="connected")
        return _voicemail(ctx, cursor, state, state.get("owner"))
    attempts, rule, why = _rule_for(ctx, current)
    index = int(state.get("attempt", 0))
    if index == 0 and result is None:
        ctx.note(block, why)
    if result is not None and index > 0:
        if result.status == "ANSWER":
            ctx.note(block, f"answered by {result.answered_by}")
            return Outcome(done="connected")
        ctx.note(block, f"{attempts[index - 1].label if index - 1 < len(attempts) else 'ring'}: {result.status}")
    attempt, dial, index = ring_next(ctx, attempts, index, block)
    if attempt is not None:
        return Outcome(primitive=dial, cursor={**cursor, "direct": {**state, "attempt": index}})
    return _apply(ctx, cursor, state, current, rule)


def _apply(
    ctx: StepContext, cursor: dict[str, Any], state: dict[str, Any], current: Target, rule: ForwardTarget | None
) -> Outcome:
    block = "direct call"
    owner = _owner(current)
    owner_builtins = msgspec.to_builtins(owner) if owner else None
    if rule is None:
        ctx.note(block, "nobody answered", "no forwarding is set")
        return Outcome(done="next")
    if rule.action == "drop":
        ctx.note(block, "nobody answered", "the reception settings drop the call")
        return Outcome(done="hangup")
    if rule.action == "voicemail":
        return _voicemail(ctx, cursor, state, owner_builtins)
    if rule.action == "external" and rule.external_number:
        ctx.note(block, f"forward to {rule.external_number}", f"then voicemail after {EXTERNAL_BEFORE_VOICEMAIL_S} s")
        attempt = Attempt(
            rule.external_number, EXTERNAL_BEFORE_VOICEMAIL_S, lambda: [DialLeg(address=f"tel/{rule.external_number}")]
        )
        new_state = {**state, "phase": "outside", "owner": owner_builtins}
        return Outcome(primitive=dial_for(ctx, attempt), cursor={**cursor, "direct": new_state})
    nxt = _as_target(rule)
    if nxt is None or int(state.get("hops", 0)) >= MAX_HOPS:
        ctx.note(block, "forwarding stops", "too many hops" if nxt else "the forwarding target is gone")
        return Outcome(done="next")
    ctx.note(block, f"forward to {rule.action} by the reception settings")
    hop = {"target": msgspec.to_builtins(nxt), "attempt": 0, "hops": int(state.get("hops", 0)) + 1}
    return _restart(ctx, cursor, hop)


def _restart(ctx: StepContext, cursor: dict[str, Any], state: dict[str, Any]) -> Outcome:
    target = msgspec.convert(state["target"], Target)
    attempts, rule, why = _rule_for(ctx, target)
    ctx.note("direct call", why)
    attempt, dial, index = ring_next(ctx, attempts, 0, "direct call")
    if attempt is not None:
        return Outcome(primitive=dial, cursor={**cursor, "direct": {**state, "attempt": index}})
    return _apply(ctx, cursor, state, target, rule)


def _voicemail(ctx: StepContext, cursor: dict[str, Any], state: dict[str, Any], owner: Any) -> Outcome:
    ctx.note("direct call", "voicemail")
    box = f"{ctx.snapshot.tenant.id}/{ctx.facts.number}"
    new_state = {**state, "phase": "voicemail", "intent": owner}
    return Outcome(
        primitive=Voicemail(box=box, greeting=["standard:voicemail_prompt"]), cursor={**cursor, "direct": new_state}
    )
