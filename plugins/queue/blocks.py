"""Handling and insurance blocks: forward (to a personal manager first, then employees, groups,
extensions and outside numbers, sequentially, in parallel or least busy first), voicemail and
hang up. One module per block family, Kazoo-style: each block is data plus its ``run``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Literal

import msgspec
from msgspec import Struct
from vats.core.calls.intents import TaskIntent
from vats.core.db.database import Connection
from vats.core.engine.block import Block, Ref, media_refs, media_without
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.dialing import Attempt, Target, check_targets, note_groups, plan_attempts
from vats.core.engine.primitives import Play, Queue, StepResult, Voicemail
from vats.core.engine.ringing import ring_through, voicemail_box
from vats.core.errors import NotFoundError, ValidationError
from vats.core.snapshot import TenantSnapshot

HOLD_MUSIC = ["standard:hold_music"]
ALL_BUSY = ["standard:all_busy"]
VOICEMAIL_PROMPT = ["standard:voicemail_prompt"]


class OnFailure(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When nobody answered: hang up; play media and create a task; or go to insurance."""

    action: Literal["hangup", "play_and_task", "insurance"] = "insurance"
    media: list[str] = []
    task_for: Literal["first", "last", "employee", "group"] = "first"
    assignee_id: uuid.UUID | None = None


class QueueOptions(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """After the forwarding: wait in a queue up to ``max_wait_s`` with hold media. "Impatient
    callers": after ``offer_after_s`` offer 1 = leave a message, 2 = request a callback (or stay)."""

    max_wait_s: int = 120
    hold_media: list[str] = msgspec.field(default_factory=lambda: list(HOLD_MUSIC))
    offer_after_s: int | None = None
    offer_media: list[str] = msgspec.field(default_factory=lambda: list(ALL_BUSY))

    def without(self, ref: Ref) -> QueueOptions:
        """Deleted media give way to the standard sounds."""
        hold, offer = media_without(self.hold_media, ref), media_without(self.offer_media, ref)
        return msgspec.structs.replace(self, hold_media=hold or list(HOLD_MUSIC), offer_media=offer or list(ALL_BUSY))


class ForwardCursor(Struct, kw_only=True, forbid_unknown_fields=True):
    """Forwarding between steps: ``next`` attempts were rung; ``addressed``: the employees rung,
    in order (a task goes to the first or last); ``waited``: seconds in the queue so far (None:
    not queued); ``phase``: ringing, the failure media played, or a message recorded."""

    next: int = 0
    addressed: list[str] = []
    waited: int | None = None
    phase: Literal["ring", "played", "voicemail"] = "ring"


class VoicemailCursor(Struct, kw_only=True, forbid_unknown_fields=True):
    recorded: bool = False


class HangupCursor(Struct, kw_only=True, forbid_unknown_fields=True):
    played: bool = False


class Forward(Struct, tag="forward", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    targets: list[Target]
    order: Literal["sequential", "parallel", "least_busy"] = "sequential"
    ring_s: int = 20
    personal_manager_first: bool = False
    # If the personal manager does not answer: go on to the targets, or end with a task for them.
    manager_fallback: Literal["continue", "task"] = "continue"
    queue: QueueOptions | None = None
    on_failure: OnFailure = OnFailure()

    Cursor: ClassVar[type[Struct]] = ForwardCursor

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None:
        await check_targets(conn, tenant_id, self.targets, where)
        if not 5 <= self.ring_s <= 600:
            raise ValidationError("ring time is 5 to 600 seconds", field=f"{where}.ring_s")

    def references(self) -> list[Ref]:
        refs = [
            Ref(kind="employee" if t.kind == "employee" else "group", id=t.id)
            for t in self.targets
            if t.kind in ("employee", "group") and t.id is not None
        ]
        failure = self.on_failure
        if failure.task_for in ("employee", "group") and failure.assignee_id is not None:
            refs.append(Ref(kind=failure.task_for, id=failure.assignee_id))
        refs += media_refs(failure.media)
        if self.queue is not None:
            refs += media_refs([*self.queue.hold_media, *self.queue.offer_media])
        return refs

    def without(self, ref: Ref) -> Forward:
        """The targets without ``ref``. With no target left the block stays: it rings nobody and
        its ``on_failure`` rule decides, as when nobody answers. A task assignee that is gone
        gives way to the first one rung; deleted media to the standard sounds."""
        targets = [t for t in self.targets if not (t.kind == ref.kind and t.id == ref.id)]
        failure = self.on_failure
        if failure.task_for == ref.kind and failure.assignee_id == ref.id:
            failure = msgspec.structs.replace(failure, task_for="first", assignee_id=None)
        failure = msgspec.structs.replace(failure, media=media_without(failure.media, ref))
        queue = self.queue.without(ref) if self.queue is not None else None
        return msgspec.structs.replace(self, targets=targets, on_failure=failure, queue=queue)

    def describe(self, snapshot: TenantSnapshot) -> str:
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

    async def run(self, ctx: StepContext, cursor: ForwardCursor, result: StepResult | None) -> Outcome:
        if cursor.phase == "voicemail":  # an impatient caller left a message from the queue
            return self._message_left(ctx, cursor)
        if cursor.phase == "played":  # the failure media were played
            return self._failed(ctx, cursor)
        attempts = self.plan(ctx)
        if cursor.waited is not None:  # back from the queue
            return self._queue(ctx, attempts, cursor, result)
        rung = ring_through(ctx, attempts, cursor.next, result, "forward", stop_after_missed=self._manager_only(ctx))
        if rung.status == "connected":
            return Outcome(done="connected")
        if rung.status == "stopped" and ctx.contact is not None and ctx.contact.personal_manager_id is not None:
            manager = ctx.contact.personal_manager_id
            ctx.intents.append(TaskIntent(kind="missed", assignee_kind="employee", assignee_id=manager))
            ctx.note("forward", "the personal manager did not answer: task for them, call ends")
            return Outcome(done="hangup")
        if rung.attempt is not None and rung.dial is not None:
            addressed = list(cursor.addressed)
            for leg in rung.attempt.legs:
                if leg.employee_id and leg.employee_id not in addressed:
                    addressed.append(leg.employee_id)
            return Outcome(primitive=rung.dial, cursor=ForwardCursor(next=rung.next_index, addressed=addressed))
        if self.queue is not None:
            return self._queue(ctx, attempts, cursor, None)
        return self._failed(ctx, cursor)

    def _manager_only(self, ctx: StepContext) -> Callable[[int], bool] | None:
        """ "If the personal manager does not answer: a task for them" stops after the first attempt."""
        if not (self.personal_manager_first and self.manager_fallback == "task"):
            return None
        has_manager = ctx.contact is not None and ctx.contact.personal_manager_id is not None
        return lambda rung: rung == 1 and has_manager

    def _queue(
        self, ctx: StepContext, attempts: list[Attempt], cursor: ForwardCursor, result: StepResult | None
    ) -> Outcome:
        options = self.queue
        assert options is not None
        waited = cursor.waited
        if waited is not None and result is not None:  # back from the queue
            if result.status == "ANSWER":
                ctx.note("queue", f"answered by {result.answered_by}")
                return Outcome(done="connected")
            if result.status == "OFFER" and result.digits in ("1", "2"):
                if result.digits == "1":
                    ctx.note("queue", "the caller chose to leave a message")
                    ctx.note("voicemail", "record a message")
                    voicemail = Voicemail(box=voicemail_box(ctx), greeting=list(VOICEMAIL_PROMPT))
                    return Outcome(primitive=voicemail, cursor=msgspec.structs.replace(cursor, phase="voicemail"))
                who = self._assignee(cursor.addressed)
                if who is not None:
                    ctx.intents.append(TaskIntent(kind="callback", assignee_kind=who[0], assignee_id=who[1]))
                ctx.note("queue", "the caller asked to be called back", "task created, call ends")
                return Outcome(done="hangup")
            if result.status != "OFFER" or waited >= options.max_wait_s:
                ctx.note("queue", f"left the queue: {result.status}")
                return self._failed(ctx, cursor)
            ctx.note("queue", "the caller stays in the queue")
        legs = [leg for a in attempts for leg in a.legs]
        note_groups(ctx, attempts)
        remaining = options.max_wait_s - (waited or 0)
        ctx.note("queue", f"wait in the queue up to {remaining} s", f"{len(legs)} phones ring meanwhile")
        offer = options.offer_after_s if options.offer_after_s is not None and waited is None else None
        primitive = Queue(
            legs=legs,
            max_wait_s=remaining,
            hold_media=list(options.hold_media),
            offer_after_s=offer,
            offer_media=list(options.offer_media) if offer else [],
        )
        spent = offer if offer is not None else remaining
        queued = ForwardCursor(next=len(attempts), addressed=cursor.addressed, waited=(waited or 0) + spent)
        return Outcome(primitive=primitive, cursor=queued)

    def _message_left(self, ctx: StepContext, cursor: ForwardCursor) -> Outcome:
        who = self._assignee(cursor.addressed)
        if who is not None:
            ctx.intents.append(TaskIntent(kind="voicemail", assignee_kind=who[0], assignee_id=who[1]))
        ctx.note("voicemail", "message left", "task for the chosen assignee")
        return Outcome(done="hangup")

    def _failed(self, ctx: StepContext, cursor: ForwardCursor) -> Outcome:
        failure = self.on_failure
        if failure.action == "insurance":
            ctx.note("forward", "nobody answered", "on to insurance")
            return Outcome(done="failed")
        if failure.action == "play_and_task":
            if cursor.phase == "played" or not failure.media:
                assignee = self._assignee(cursor.addressed)
                if assignee is not None:
                    ctx.intents.append(
                        TaskIntent(kind="failed_forwarding", assignee_kind=assignee[0], assignee_id=assignee[1])
                    )
                ctx.note("forward", "nobody answered", "task created, call ends")
                return Outcome(done="hangup")
            played = msgspec.structs.replace(cursor, phase="played")
            return Outcome(primitive=Play(media=list(failure.media)), cursor=played)
        ctx.note("forward", "nobody answered", "hang up")
        return Outcome(done="hangup")

    def _assignee(self, addressed: list[str]) -> tuple[Literal["employee", "group"], uuid.UUID] | None:
        failure = self.on_failure
        if failure.task_for in ("employee", "group") and failure.assignee_id is not None:
            return ("employee" if failure.task_for == "employee" else "group"), failure.assignee_id
        if not addressed:
            return None
        return "employee", uuid.UUID(addressed[0] if failure.task_for == "first" else addressed[-1])


class VoicemailBlock(Struct, tag="voicemail", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    greeting: list[str] = msgspec.field(default_factory=lambda: list(VOICEMAIL_PROMPT))
    task_for: Literal["employee", "group"] = "employee"
    assignee_id: uuid.UUID | None = None

    Cursor: ClassVar[type[Struct]] = VoicemailCursor

    def describe(self, snapshot: TenantSnapshot) -> str:
        return "голосовая почта"

    def references(self) -> list[Ref]:
        owner = [Ref(kind=self.task_for, id=self.assignee_id)] if self.assignee_id is not None else []
        return owner + media_refs(self.greeting)

    def without(self, ref: Ref) -> VoicemailBlock:
        """A deleted assignee: the message is still recorded, with no task; a deleted greeting
        gives way to the standard prompt."""
        assignee = None if (ref.kind == self.task_for and ref.id == self.assignee_id) else self.assignee_id
        greeting = media_without(self.greeting, ref) or list(VOICEMAIL_PROMPT)
        return msgspec.structs.replace(self, assignee_id=assignee, greeting=greeting)

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None:
        if self.assignee_id is None:
            return
        table = "employees" if self.task_for == "employee" else "groups"
        if not await conn.fetchval(
            f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2", tenant_id, self.assignee_id
        ):
            raise NotFoundError(f"no such {self.task_for}", field=f"{where}.assignee_id")

    async def run(self, ctx: StepContext, cursor: VoicemailCursor, result: StepResult | None) -> Outcome:
        if not cursor.recorded:
            ctx.note("voicemail", "record a message")
            voicemail = Voicemail(box=voicemail_box(ctx), greeting=list(self.greeting))
            return Outcome(primitive=voicemail, cursor=VoicemailCursor(recorded=True))
        if self.assignee_id is not None:
            ctx.intents.append(TaskIntent(kind="voicemail", assignee_kind=self.task_for, assignee_id=self.assignee_id))
        ctx.note("voicemail", "message left", "task for the chosen assignee")
        return Outcome(done="hangup")


class HangupBlock(Struct, tag="hangup", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    media: list[str] = []

    Cursor: ClassVar[type[Struct]] = HangupCursor

    def describe(self, snapshot: TenantSnapshot) -> str:
        return "завершить вызов"

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None:
        return None  # it names only media, which saving a scenario does not check in blocks

    def references(self) -> list[Ref]:
        return media_refs(self.media)

    def without(self, ref: Ref) -> HangupBlock:
        return msgspec.structs.replace(self, media=media_without(self.media, ref))

    async def run(self, ctx: StepContext, cursor: HangupCursor, result: StepResult | None) -> Outcome:
        if self.media and not cursor.played:
            return Outcome(primitive=Play(media=list(self.media)), cursor=HangupCursor(played=True))
        ctx.note("hangup", "end the call")
        return Outcome(done="hangup")


if TYPE_CHECKING:  # strict mypy checks each block against the Block contract here
    _forward: type[Block[ForwardCursor]] = Forward
    _voicemailblock: type[Block[VoicemailCursor]] = VoicemailBlock
    _hangupblock: type[Block[HangupCursor]] = HangupBlock
