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

import zoneinfo
from typing import Literal

from msgspec import Struct
from vats.core.calls.intents import TaskIntent
from vats.core.directory.models import ForwardTarget
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.dialing import Attempt, Target, dial_for, plan_attempts
from vats.core.engine.primitives import DialLeg, StepResult, Voicemail
from vats.core.engine.ringing import ring_through, voicemail_box

MAX_HOPS = 3
EXTERNAL_BEFORE_VOICEMAIL_S = 30
BLOCK = "direct call"


class DirectCursor(Struct, kw_only=True, forbid_unknown_fields=True):
    """A direct call between steps: who is rung now (after ``hops`` forwardings), how many of
    their attempts rang, and the phase: ringing them, an outside number their rule names, or
    their voicemail (``owner``: the task the message makes)."""

    target: Target
    attempt: int = 0
    hops: int = 0
    phase: Literal["ring", "outside", "voicemail"] = "ring"
    owner: TaskIntent | None = None


def _rule_for(ctx: StepContext, target: Target) -> tuple[list[Attempt], ForwardTarget | None, str]:
    """(attempts to ring now, the rule if nobody answers, why)."""
    snapshot = ctx.snapshot
    if target.kind == "employee" and target.id in snapshot.employees:
        employee = snapshot.employees[target.id]
        local_day = ctx.facts.at.astimezone(zoneinfo.ZoneInfo(employee.time_zone or snapshot.tenant.time_zone)).date()
        for absence in employee.absences:
            if absence.starts_on <= local_day <= absence.ends_on:
                return [], absence.forward, f"{employee.full_name} is absent ({absence.kind})"
        attempts = plan_attempts(ctx, [target], ring_s=employee.no_answer_after_s, block=BLOCK)
        if not any(a.legs for a in attempts):
            return [], employee.off_hours or employee.on_no_answer, f"{employee.full_name} takes no calls now"
        return attempts, employee.on_no_answer, f"ring {employee.full_name}"
    if target.kind == "group" and target.id in snapshot.groups:
        group = snapshot.groups[target.id]
        return plan_attempts(ctx, [target], block=BLOCK), group.on_no_answer, f"ring group {group.name}"
    return plan_attempts(ctx, [target], block=BLOCK), None, "ring"


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


async def direct_call(
    ctx: StepContext, cursor: DirectCursor | None, result: StepResult | None, target: Target
) -> Outcome:
    """Run one step of a direct call to ``target`` (``cursor`` None: it starts now); a
    primitive with the new DirectCursor, or "connected", "hangup" or "next" when done."""
    state = cursor or DirectCursor(target=target)
    if state.phase == "voicemail":
        if state.owner is not None:
            ctx.intents.append(state.owner)
        ctx.note(BLOCK, "message left", "task for the one called")
        return Outcome(done="hangup")
    if state.phase == "outside":
        if result is not None and result.status == "ANSWER":
            ctx.note(BLOCK, f"answered by {result.answered_by}")
            return Outcome(done="connected")
        return _voicemail(ctx, state, state.owner)
    attempts, rule, why = _rule_for(ctx, state.target)
    if state.attempt == 0 and result is None:
        ctx.note(BLOCK, why)
    return _ring(ctx, state, attempts, rule, result)


def _ring(
    ctx: StepContext,
    state: DirectCursor,
    attempts: list[Attempt],
    rule: ForwardTarget | None,
    result: StepResult | None,
) -> Outcome:
    rung = ring_through(ctx, attempts, state.attempt, result, BLOCK)
    if rung.status == "connected":
        return Outcome(done="connected")
    if rung.dial is not None:
        return Outcome(
            primitive=rung.dial, cursor=DirectCursor(target=state.target, attempt=rung.next_index, hops=state.hops)
        )
    return _apply(ctx, state, rule)


def _apply(ctx: StepContext, state: DirectCursor, rule: ForwardTarget | None) -> Outcome:
    owner = _owner(state.target)
    if rule is None:
        ctx.note(BLOCK, "nobody answered", "no forwarding is set")
        return Outcome(done="next")
    if rule.action == "drop":
        ctx.note(BLOCK, "nobody answered", "the reception settings drop the call")
        return Outcome(done="hangup")
    if rule.action == "voicemail":
        return _voicemail(ctx, state, owner)
    if rule.action == "external" and rule.external_number:
        number = rule.external_number
        ctx.note(BLOCK, f"forward to {number}", f"then voicemail after {EXTERNAL_BEFORE_VOICEMAIL_S} s")
        attempt = Attempt(number, EXTERNAL_BEFORE_VOICEMAIL_S, lambda: [DialLeg(address=f"tel/{number}")])
        outside = DirectCursor(
            target=state.target, attempt=state.attempt, hops=state.hops, phase="outside", owner=owner
        )
        return Outcome(primitive=dial_for(ctx, attempt), cursor=outside)
    nxt = _as_target(rule)
    if nxt is None or state.hops >= MAX_HOPS:
        ctx.note(BLOCK, "forwarding stops", "too many hops" if nxt else "the forwarding target is gone")
        return Outcome(done="next")
    ctx.note(BLOCK, f"forward to {rule.action} by the reception settings")
    attempts, next_rule, why = _rule_for(ctx, nxt)
    ctx.note(BLOCK, why)
    return _ring(ctx, DirectCursor(target=nxt, hops=state.hops + 1), attempts, next_rule, None)


def _voicemail(ctx: StepContext, state: DirectCursor, owner: TaskIntent | None) -> Outcome:
    ctx.note(BLOCK, "voicemail")
    cursor = DirectCursor(target=state.target, attempt=state.attempt, hops=state.hops, phase="voicemail", owner=owner)
    return Outcome(primitive=Voicemail(box=voicemail_box(ctx), greeting=["standard:voicemail_prompt"]), cursor=cursor)
