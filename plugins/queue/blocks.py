"""Handling and insurance blocks: forward (to a personal manager first, then employees, groups,
extensions and outside numbers, sequentially, in parallel or least busy first), voicemail and
hang up. One module per block family, Kazoo-style: each block is data plus its ``run``."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from msgspec import Struct
from vats.core.directory.models import Group
from vats.core.engine.context import Outcome, StepContext, TaskIntent, answered_employee
from vats.core.engine.primitives import Dial, DialLeg, Play, StepResult, Voicemail


class Target(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["employee", "group", "extension", "external"]
    id: uuid.UUID | None = None  # employee or group
    number: str | None = None  # extension or E.164 outside number


class OnFailure(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When nobody answered: hang up; play media and create a task; or go to insurance."""

    action: Literal["hangup", "play_and_task", "insurance"] = "insurance"
    media: list[str] = []
    task_for: Literal["first", "last", "employee", "group"] = "first"
    assignee_id: uuid.UUID | None = None


class Attempt(Struct, frozen=True, kw_only=True):
    label: str
    legs: list[DialLeg]
    ring_s: int


class Forward(Struct, tag="forward", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    targets: list[Target]
    order: Literal["sequential", "parallel", "least_busy"] = "sequential"
    ring_s: int = 20
    personal_manager_first: bool = False
    # If the personal manager does not answer: go on to the targets, or end with a task for them.
    manager_fallback: Literal["continue", "task"] = "continue"
    on_failure: OnFailure = OnFailure()

    def plan(self, ctx: StepContext) -> list[Attempt]:
        """The dialling attempts, in order (recomputed each step from the call's facts)."""
        attempts: list[Attempt] = []
        block = "forward"
        manager_id = ctx.contact.personal_manager_id if ctx.contact else None
        if self.personal_manager_first and manager_id is not None:
            manager = ctx.employee(manager_id)
            if manager is not None:
                attempts.append(
                    Attempt(
                        label=f"manager {manager.full_name}",
                        legs=ctx.legs_for(manager, primary_only=False, block=block),
                        ring_s=self.ring_s,
                    )
                )
        members: list[tuple[str, list[DialLeg], int]] = []  # (label, legs, ring_s), per addressee
        parallel = self.order == "parallel"
        for target in self.targets:
            members.extend(self._expand(ctx, target, parallel=parallel))
        if parallel:
            legs = [leg for _, member_legs, _ in members for leg in member_legs]
            attempts.append(Attempt(label="everyone at once", legs=legs, ring_s=self.ring_s))
        else:
            if self.order == "least_busy":
                members.sort(
                    key=lambda m: any(uuid.UUID(leg.employee_id) in ctx.busy for leg in m[1] if leg.employee_id)
                )
            attempts.extend(Attempt(label=label, legs=legs, ring_s=ring) for label, legs, ring in members)
        return attempts

    def _expand(self, ctx: StepContext, target: Target, *, parallel: bool) -> list[tuple[str, list[DialLeg], int]]:
        snapshot = ctx.snapshot
        if target.kind == "external" and target.number:
            return [(target.number, [DialLeg(address=f"tel/{target.number}")], self.ring_s)]
        if target.kind == "extension" and target.number:
            owner = snapshot.extensions.get(target.number)
            if owner is None:
                ctx.note("forward", f"skip extension {target.number}", "no such extension")
                return []
            resolved = Target(kind="employee" if owner in snapshot.employees else "group", id=owner)
            return self._expand(ctx, resolved, parallel=parallel)
        if target.kind == "employee" and target.id in snapshot.employees:
            employee = snapshot.employees[target.id]
            if target.id in ctx.busy:
                ctx.note("forward", f"skip {employee.full_name}", "busy on another call")
                return []
            return [(employee.full_name, ctx.legs_for(employee, primary_only=parallel, block="forward"), self.ring_s)]
        if target.kind == "group" and target.id in snapshot.groups:
            return self._group(ctx, snapshot.groups[target.id], parallel=parallel)
        ctx.note("forward", f"skip {target.kind} {target.id or target.number}", "it no longer exists")
        return []

    def _group(self, ctx: StepContext, group: Group, *, parallel: bool) -> list[tuple[str, list[DialLeg], int]]:
        """A group's members by its strategy; parallel ringing uses primary terminals only."""
        members = [ctx.snapshot.employees[m] for m in group.member_ids if m in ctx.snapshot.employees]
        free = []
        for member in members:
            if member.id in ctx.busy:
                ctx.note("forward", f"skip {member.full_name} ({group.name})", "busy on another call")
            else:
                free.append(member)
        strategy = group.strategy
        if strategy == "uniform":  # the member idle longest rings first
            free.sort(key=lambda m: ctx.idle_since.get(m.id, 0.0))
        if strategy in ("all",) or parallel:
            legs = [leg for m in free for leg in ctx.legs_for(m, primary_only=True, block="forward")]
            return [(f"group {group.name}", legs, group.ring_time_s)]
        if strategy == "incremental":  # the next joins every step_delay_s, the previous keep ringing
            legs = []
            for i, member in enumerate(free):
                for leg in ctx.legs_for(member, primary_only=True, block="forward"):
                    legs.append(
                        DialLeg(
                            address=leg.address,
                            employee_id=leg.employee_id,
                            delay_s=leg.delay_s + i * group.step_delay_s,
                        )
                    )
            return [(f"group {group.name} (incremental)", legs, group.ring_time_s)]
        # one_by_one, uniform, least_busy: one member after another, each for step_delay_s
        return [
            (f"{m.full_name} ({group.name})", ctx.legs_for(m, primary_only=False, block="forward"), group.step_delay_s)
            for m in free
        ]

    async def run(self, ctx: StepContext, cursor: dict[str, Any], result: StepResult | None) -> Outcome:
        attempts = self.plan(ctx)
        index = int(cursor.get("next", 0))
        addressed: list[str] = list(cursor.get("addressed", []))
        if result is not None and index > 0:
            who = answered_employee(result)
            if who is not None or result.status == "ANSWER":
                ctx.note("forward", f"answered by {who or 'an outside number'}")
                return Outcome(done="connected")
            ctx.note(
                "forward", f"{attempts[index - 1].label if index - 1 < len(attempts) else 'attempt'}: {result.status}"
            )
            if (
                index == 1
                and self.personal_manager_first
                and self.manager_fallback == "task"
                and ctx.contact
                and ctx.contact.personal_manager_id
            ):
                ctx.intents.append(
                    TaskIntent(kind="missed", assignee_kind="employee", assignee_id=ctx.contact.personal_manager_id)
                )
                ctx.note("forward", "the personal manager did not answer: task for them, call ends")
                return Outcome(done="hangup")
        while index < len(attempts):
            attempt = attempts[index]
            index += 1
            if not attempt.legs:
                ctx.note("forward", f"{attempt.label}: nobody can take calls now")
                continue
            addressed += [
                leg.employee_id for leg in attempt.legs if leg.employee_id and leg.employee_id not in addressed
            ]
            ctx.note("forward", f"ring {attempt.label}", ", ".join(leg.address for leg in attempt.legs))
            did = ctx.snapshot.numbers[ctx.facts.number]
            dial = Dial(
                legs=attempt.legs, ring_s=attempt.ring_s, caller_id_name=did.name if did.number_as_caller_id else None
            )
            return Outcome(primitive=dial, cursor={"next": index, "addressed": addressed})
        return self._failed(ctx, addressed, cursor)

    def _failed(self, ctx: StepContext, addressed: list[str], cursor: dict[str, Any]) -> Outcome:
        failure = self.on_failure
        if failure.action == "insurance":
            ctx.note("forward", "nobody answered", "on to insurance")
            return Outcome(done="failed")
        if failure.action == "play_and_task":
            if cursor.get("played") or not failure.media:
                assignee = self._assignee(addressed)
                if assignee is not None:
                    ctx.intents.append(
                        TaskIntent(kind="failed_forwarding", assignee_kind=assignee[0], assignee_id=assignee[1])
                    )
                ctx.note("forward", "nobody answered", "task created, call ends")
                return Outcome(done="hangup")
            return Outcome(primitive=Play(media=list(failure.media)), cursor={**cursor, "played": True, "next": 10**6})
        ctx.note("forward", "nobody answered", "hang up")
        return Outcome(done="hangup")

    def _assignee(self, addressed: list[str]) -> tuple[str, uuid.UUID] | None:
        failure = self.on_failure
        if failure.task_for in ("employee", "group") and failure.assignee_id is not None:
            return failure.task_for, failure.assignee_id
        if not addressed:
            return None
        return "employee", uuid.UUID(addressed[0] if failure.task_for == "first" else addressed[-1])


class VoicemailBlock(Struct, tag="voicemail", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    greeting: list[str] = msgspec.field(default_factory=lambda: ["standard:voicemail_prompt"])
    task_for: Literal["employee", "group"] = "employee"
    assignee_id: uuid.UUID | None = None

    async def run(self, ctx: StepContext, cursor: dict[str, Any], result: StepResult | None) -> Outcome:
        if not cursor.get("recorded"):
            ctx.note("voicemail", "record a message")
            box = f"{ctx.snapshot.tenant.id}/{ctx.facts.number}"
            return Outcome(primitive=Voicemail(box=box, greeting=list(self.greeting)), cursor={"recorded": True})
        if self.assignee_id is not None:
            ctx.intents.append(TaskIntent(kind="voicemail", assignee_kind=self.task_for, assignee_id=self.assignee_id))
        ctx.note("voicemail", "message left", "task for the chosen assignee")
        return Outcome(done="hangup")


class HangupBlock(Struct, tag="hangup", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    media: list[str] = []

    async def run(self, ctx: StepContext, cursor: dict[str, Any], result: StepResult | None) -> Outcome:
        if self.media and not cursor.get("played"):
            return Outcome(primitive=Play(media=list(self.media)), cursor={"played": True})
        ctx.note("hangup", "end the call")
        return Outcome(done="hangup")
