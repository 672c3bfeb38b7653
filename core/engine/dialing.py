"""Who rings, in which order: targets (employees, groups, extensions, outside numbers)
expanded into dialling attempts by the availability rules and the groups' strategies. Kernel
semantics shared by every block that rings someone (forward, IVR items, direct calls)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from msgspec import Struct
from vats.core.directory.models import Group
from vats.core.engine.context import StepContext
from vats.core.engine.primitives import Dial, DialLeg


class Target(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["employee", "group", "extension", "external"]
    id: uuid.UUID | None = None  # employee or group
    number: str | None = None  # extension or E.164 outside number


class Attempt(Struct, frozen=True, kw_only=True):
    label: str
    legs: list[DialLeg]
    ring_s: int


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
            legs = ctx.legs_for(manager, primary_only=False, block=block)
            attempts.append(Attempt(label=f"manager {manager.full_name}", legs=legs, ring_s=ring_s))
    members: list[tuple[str, list[DialLeg], int]] = []  # (label, legs, ring_s), per addressee
    parallel = order == "parallel"
    for target in targets:
        members.extend(_expand(ctx, target, parallel=parallel, ring_s=ring_s, block=block))
    if parallel:
        legs = [leg for _, member_legs, _ in members for leg in member_legs]
        attempts.append(Attempt(label="everyone at once", legs=legs, ring_s=ring_s))
    else:
        if order == "least_busy":
            members.sort(key=lambda m: any(uuid.UUID(leg.employee_id) in ctx.busy for leg in m[1] if leg.employee_id))
        attempts.extend(Attempt(label=label, legs=legs, ring_s=ring) for label, legs, ring in members)
    return attempts


def _expand(
    ctx: StepContext, target: Target, *, parallel: bool, ring_s: int, block: str
) -> list[tuple[str, list[DialLeg], int]]:
    snapshot = ctx.snapshot
    if target.kind == "external" and target.number:
        return [(target.number, [DialLeg(address=f"tel/{target.number}")], ring_s)]
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
        return [(employee.full_name, ctx.legs_for(employee, primary_only=parallel, block=block), ring_s)]
    if target.kind == "group" and target.id in snapshot.groups:
        return _group(ctx, snapshot.groups[target.id], parallel=parallel, block=block)
    ctx.note(block, f"skip {target.kind} {target.id or target.number}", "it no longer exists")
    return []


def _group(ctx: StepContext, group: Group, *, parallel: bool, block: str) -> list[tuple[str, list[DialLeg], int]]:
    """A group's members by its strategy; parallel ringing uses primary terminals only."""
    members = [ctx.snapshot.employees[m] for m in group.member_ids if m in ctx.snapshot.employees]
    free = []
    for member in members:
        if member.id in ctx.busy:
            ctx.note(block, f"skip {member.full_name} ({group.name})", "busy on another call")
        else:
            free.append(member)
    if group.strategy == "uniform":  # the member idle longest rings first
        free.sort(key=lambda m: ctx.idle_since.get(m.id, 0.0))
    elif group.strategy == "least_busy":
        free.sort(key=lambda m: m.id in ctx.busy)
    if group.strategy == "all" or parallel:
        legs = [leg for m in free for leg in ctx.legs_for(m, primary_only=True, block=block)]
        return [(f"group {group.name}", legs, group.ring_time_s)]
    if group.strategy == "incremental":  # the next joins every step_delay_s, the previous keep ringing
        legs = []
        for i, member in enumerate(free):
            for leg in ctx.legs_for(member, primary_only=True, block=block):
                legs.append(
                    DialLeg(
                        address=leg.address, employee_id=leg.employee_id, delay_s=leg.delay_s + i * group.step_delay_s
                    )
                )
        return [(f"group {group.name} (incremental)", legs, group.ring_time_s)]
    # one_by_one, uniform, least_busy: one member after another, each for step_delay_s
    return [
        (f"{m.full_name} ({group.name})", ctx.legs_for(m, primary_only=False, block=block), group.step_delay_s)
        for m in free
    ]


def dial_for(ctx: StepContext, attempt: Attempt) -> Dial:
    """The Dial primitive for an attempt, with the branch's options applied."""
    did = ctx.snapshot.numbers[ctx.facts.number]
    options = ctx.options
    as_caller_id = did.number_as_caller_id or bool(options and options.number_as_caller_id)
    return Dial(
        legs=attempt.legs,
        ring_s=attempt.ring_s,
        caller_id_name=did.name if as_caller_id else None,
        music_on_hold=bool(options and options.hold_music),
    )


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
