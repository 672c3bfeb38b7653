"""Who rings, in which order: targets (employees, groups, extensions, outside numbers)
expanded into dialling attempts by the availability rules and the groups' strategies. Kernel
semantics shared by every block that rings someone (forward, IVR items, direct calls)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Literal

from msgspec import Struct
from vats.core.directory.models import Group
from vats.core.engine.context import StepContext
from vats.core.engine.primitives import Dial, DialLeg


class Target(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["employee", "group", "extension", "external"]
    id: uuid.UUID | None = None  # employee or group
    number: str | None = None  # extension or E.164 outside number


class Attempt:
    """One ring of the plan: a label, a ring time, and its legs, worked out only when needed
    (a 20-member one-by-one group is 20 attempts; a step rings one of them)."""

    __slots__ = ("_legs", "_resolve", "employee_ids", "group_ids", "label", "ring_s")

    def __init__(
        self,
        label: str,
        ring_s: int,
        resolve: Callable[[], list[DialLeg]],
        employee_ids: tuple[uuid.UUID, ...] = (),
        group_ids: tuple[uuid.UUID, ...] = (),
    ) -> None:
        self.label = label
        self.ring_s = ring_s
        self._resolve = resolve
        self._legs: list[DialLeg] | None = None
        self.employee_ids = employee_ids
        self.group_ids = group_ids  # rung on behalf of these groups (the call record names them)

    @property
    def legs(self) -> list[DialLeg]:
        if self._legs is None:
            self._legs = self._resolve()
        return self._legs


Order = Literal["sequential", "parallel", "least_busy"]


def plan_attempts(
    ctx: StepContext,
    targets: list[Target],
    *,
    order: Order = "sequential",
    ring_s: int = 20,
    manager_first: bool = False,
    block: str = "forward",
) -> list[Attempt]:
    """The dialling attempts, in order (recomputed each step from the call's facts, so the
    router keeps no state: availability is judged at the call's start instant)."""
    attempts: list[Attempt] = []
    manager_id = ctx.contact.personal_manager_id if ctx.contact else None
    if manager_first and manager_id is not None:
        manager = ctx.employee(manager_id)
        if manager is not None:
            attempts.append(
                Attempt(
                    f"manager {manager.full_name}",
                    ring_s,
                    lambda: ctx.legs_for(manager, primary_only=False, block=block),
                    (manager.id,),
                )
            )
    members: list[Attempt] = []  # per addressee
    parallel = order == "parallel"
    for target in targets:
        members.extend(_expand(ctx, target, parallel=parallel, ring_s=ring_s, block=block))
    if parallel:
        everyone = members
        attempts.append(
            Attempt(
                "everyone at once",
                ring_s,
                lambda: [leg for m in everyone for leg in m.legs],
                tuple(e for m in everyone for e in m.employee_ids),
                tuple(dict.fromkeys(g for m in everyone for g in m.group_ids)),
            )
        )
    else:
        if order == "least_busy":
            members.sort(key=lambda m: any(e in ctx.busy for e in m.employee_ids))
        attempts.extend(members)
    return attempts


def _expand(ctx: StepContext, target: Target, *, parallel: bool, ring_s: int, block: str) -> list[Attempt]:
    snapshot = ctx.snapshot
    if target.kind == "external" and target.number:
        number = target.number
        own = snapshot.owner_of_number(number)
        if own is not None:  # an employee's own mobile counts as them: their availability, absence, busy
            employee, terminal = own
            if employee.id in ctx.busy:
                ctx.note(block, f"skip {employee.full_name} ({number})", "busy on another call")
                return []
            return [
                Attempt(
                    f"{employee.full_name} ({number})",
                    ring_s,
                    lambda: ctx.legs_for(employee, primary_only=False, block=block, terminal_id=terminal.id),
                    (employee.id,),
                )
            ]
        return [Attempt(number, ring_s, lambda: [DialLeg(address=f"tel/{number}")])]
    if target.kind == "extension" and target.number:
        owner = snapshot.extensions.get(target.number)
        if owner is None:
            ctx.note(block, f"skip extension {target.number}", "no such extension")
            return []
        resolved = Target(kind="employee" if owner in snapshot.employees else "group", id=owner)
        return _expand(ctx, resolved, parallel=parallel, ring_s=ring_s, block=block)
    if target.kind == "employee" and target.id in snapshot.employees:
        employee = snapshot.employees[target.id]
        if target.id in ctx.busy:
            ctx.note(block, f"skip {employee.full_name}", "busy on another call")
            return []
        return [
            Attempt(
                employee.full_name,
                ring_s,
                lambda: ctx.legs_for(employee, primary_only=parallel, block=block),
                (employee.id,),
            )
        ]
    if target.kind == "group" and target.id in snapshot.groups:
        return _group(ctx, snapshot.groups[target.id], parallel=parallel, block=block)
    ctx.note(block, f"skip {target.kind} {target.id or target.number}", "it no longer exists")
    return []


def _group(ctx: StepContext, group: Group, *, parallel: bool, block: str) -> list[Attempt]:
    """A group's members by its strategy; parallel ringing uses primary terminals only."""
    members = ctx.snapshot.members(group)
    if not ctx.busy:  # the usual case: nobody to leave out
        free = list(members)
    else:
        free = []
        for member in members:
            if member.id in ctx.busy:
                ctx.note(block, f"skip {member.full_name} ({group.name})", "busy on another call")
            else:
                free.append(member)
    if group.strategy == "uniform" and ctx.idle_since:  # the member idle longest rings first
        idle = ctx.idle_since
        free.sort(key=lambda m: idle.get(m.id, 0.0))
    ids = tuple(m.id for m in free)
    if group.strategy == "all" or parallel:
        return [
            Attempt(f"group {group.name}", group.ring_time_s,
                    lambda: [leg for m in free for leg in ctx.legs_for(m, primary_only=True, block=block)], ids,
                    (group.id,))
        ]  # fmt: skip
    if group.strategy == "incremental":  # the next joins every step_delay_s, the previous keep ringing

        def incremental() -> list[DialLeg]:
            legs = []
            for i, member in enumerate(free):
                for leg in ctx.legs_for(member, primary_only=True, block=block):
                    legs.append(
                        DialLeg(
                            address=leg.address,
                            employee_id=leg.employee_id,
                            delay_s=leg.delay_s + i * group.step_delay_s,
                            ring_s=leg.ring_s,
                        )
                    )
            return legs

        return [Attempt(f"group {group.name} (incremental)", group.ring_time_s, incremental, ids, (group.id,))]
    # one_by_one, uniform, least_busy: one member after another, each for step_delay_s
    return [_MemberAttempt(ctx, m, group, block) for m in free]


class _MemberAttempt(Attempt):
    """One member of a one-by-one group: 20 of these are made per step, so no closure."""

    __slots__ = ("_block", "_ctx", "_group", "_member")

    def __init__(self, ctx: StepContext, member: Any, group: Group, block: str) -> None:
        self._ctx, self._member, self._group, self._block = ctx, member, group, block
        self.label = f"{member.full_name} ({group.name})"
        self.ring_s = group.step_delay_s
        self._legs = None
        self.employee_ids = (member.id,)
        self.group_ids = (group.id,)

    @property
    def legs(self) -> list[DialLeg]:
        if self._legs is None:
            self._legs = self._ctx.legs_for(self._member, primary_only=False, block=self._block)
        return self._legs


async def check_targets(conn: Any, tenant_id: uuid.UUID, targets: list[Target], where: str) -> None:
    """Every employee and group a block names exists in the same PBX; numbers are E.164."""
    from vats.core.directory.validation import check_extension, normalise_phone
    from vats.core.errors import NotFoundError, ValidationError

    for i, target in enumerate(targets):
        field = f"{where}.targets[{i}]"
        if target.kind in ("employee", "group"):
            table = "employees" if target.kind == "employee" else "groups"
            if target.id is None or not await conn.fetchval(
                f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2", tenant_id, target.id
            ):
                raise NotFoundError(f"no such {target.kind}", field=f"{field}.id")
        elif target.number is None:
            raise ValidationError("a number is needed", field=f"{field}.number")
        elif target.kind == "external":
            normalise_phone(target.number, f"{field}.number")
        else:
            check_extension(target.number, f"{field}.number")


def dial_for(ctx: StepContext, attempt: Attempt) -> Dial:
    """The Dial primitive for an attempt, with the branch's options applied."""
    did = ctx.snapshot.numbers.get(ctx.facts.number)  # None: an internal call (no DID)
    options = ctx.options
    as_caller_id = did is not None and (did.number_as_caller_id or bool(options and options.number_as_caller_id))
    # a sequential employee's terminals each get their turn, even past the attempt's ring time
    ring_s = max([attempt.ring_s] + [leg.delay_s + leg.ring_s for leg in attempt.legs if leg.ring_s])
    return Dial(
        legs=attempt.legs,
        ring_s=ring_s,
        caller_id_name=did.name if did is not None and as_caller_id else None,
        music_on_hold=bool(options and options.hold_music),
    )


def note_groups(ctx: StepContext, attempts: list[Attempt]) -> None:
    """Remember the groups these attempts ring on behalf of (for the call record)."""
    for attempt in attempts:
        for group_id in attempt.group_ids:
            if group_id not in ctx.groups:
                ctx.groups.append(group_id)


def ring_next(
    ctx: StepContext, attempts: list[Attempt], index: int, block: str
) -> tuple[Attempt | None, Dial | None, int]:
    """From ``index`` on, the next attempt with phones that may ring: (it, its Dial, the index
    after it); (None, None, len) when none is left. Attempts nobody can take are noted, skipped."""
    while index < len(attempts):
        attempt = attempts[index]
        index += 1
        if attempt.legs:
            ctx.note(block, f"ring {attempt.label}", ", ".join(leg.address for leg in attempt.legs))
            note_groups(ctx, [attempt])
            return attempt, dial_for(ctx, attempt), index
        ctx.note(block, f"{attempt.label}: nobody can take calls now")
    return None, None, index
