"""Handling and insurance blocks: forward (to a personal manager first, then employees, groups,
extensions and outside numbers, sequentially, in parallel or least busy first), voicemail and
hang up. One module per block family, Kazoo-style: each block is data plus its ``run``."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from msgspec import Struct
from vats.core.engine.context import Outcome, StepContext, TaskIntent, answered_employee
from vats.core.engine.dialing import Attempt, Target, check_targets, dial_for, plan_attempts
from vats.core.engine.primitives import Play, StepResult, Voicemail
from vats.core.errors import NotFoundError, ValidationError


class OnFailure(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When nobody answered: hang up; play media and create a task; or go to insurance."""

    action: Literal["hangup", "play_and_task", "insurance"] = "insurance"
    media: list[str] = []
    task_for: Literal["first", "last", "employee", "group"] = "first"
    assignee_id: uuid.UUID | None = None


class Forward(Struct, tag="forward", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    targets: list[Target]
    order: Literal["sequential", "parallel", "least_busy"] = "sequential"
    ring_s: int = 20
    personal_manager_first: bool = False
    # If the personal manager does not answer: go on to the targets, or end with a task for them.
    manager_fallback: Literal["continue", "task"] = "continue"
    on_failure: OnFailure = OnFailure()

    async def validate(self, conn: Any, tenant_id: uuid.UUID, where: str) -> None:
        await check_targets(conn, tenant_id, self.targets, where)
        if not 5 <= self.ring_s <= 600:
            raise ValidationError("ring time is 5 to 600 seconds", field=f"{where}.ring_s")

    def describe(self, snapshot: Any) -> str:
        names = []
        for t in self.targets:
            if t.kind == "employee" and t.id in snapshot.employees:
                names.append(snapshot.employees[t.id].full_name)
            elif t.kind == "group" and t.id in snapshot.groups:
                names.append(f"группа {snapshot.groups[t.id].name}")
            else:
                names.append(str(t.number or t.id))
        first = "перс. менеджер, " if self.personal_manager_first else ""
        return f"переадресация: {first}{', '.join(names)}"

    def plan(self, ctx: StepContext) -> list[Attempt]:
        return plan_attempts(
            ctx, self.targets, order=self.order, ring_s=self.ring_s, manager_first=self.personal_manager_first
        )

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
            return Outcome(primitive=dial_for(ctx, attempt), cursor={"next": index, "addressed": addressed})
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

    def describe(self, snapshot: Any) -> str:
        return "голосовая почта"

    async def validate(self, conn: Any, tenant_id: uuid.UUID, where: str) -> None:
        if self.assignee_id is None:
            return
        table = "employees" if self.task_for == "employee" else "groups"
        if not await conn.fetchval(
            f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2", tenant_id, self.assignee_id
        ):
            raise NotFoundError(f"no such {self.task_for}", field=f"{where}.assignee_id")

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

    def describe(self, snapshot: Any) -> str:
        return "завершить вызов"

    async def run(self, ctx: StepContext, cursor: dict[str, Any], result: StepResult | None) -> Outcome:
        if self.media and not cursor.get("played"):
            return Outcome(primitive=Play(media=list(self.media)), cursor={"played": True})
        ctx.note("hangup", "end the call")
        return Outcome(done="hangup")
