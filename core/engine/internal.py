"""Internal calls: a tenant's phone dials a colleague's or a group's extension. The call follows
the callee's reception settings exactly as a direct call from outside does (``direct.py``:
absence, off-hours and no-answer forwarding, a group's strategy), one router step at a time.

An internal call has no DID and no scenario, so it keeps a state of its own: the direct call's
cursor and what its record needs (path, task intents, groups rung). The dialplan names it by
``wire.internal_did``; when the router does not answer, that name's static fallback dials the
callee's lines plainly (``render.py``).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import msgspec
from vats.core.calls.intents import TaskIntent
from vats.core.engine.context import CallFacts, StepContext
from vats.core.engine.dialing import Target
from vats.core.engine.direct import DirectCursor, direct_call
from vats.core.engine.engine import Engine, StepOutput
from vats.core.engine.primitives import Hangup, Primitive, StepResult
from vats.core.engine.state import MAX_STEPS
from vats.core.errors import NotFoundError, ValidationError

PATH_LABEL = "internal"  # the record's path: "internal", then what the callee's settings did


class InternalState(msgspec.Struct, array_like=True, kw_only=True):
    """The continuation of an internal call between steps (``VATS_STATE``)."""

    started_at: float
    cursor: bytes = b""  # the direct call's DirectCursor, msgpack; empty: not started
    steps: int = 0
    finished: bool = False
    path: list[str] = []
    groups: list[str] = []
    intents: list[TaskIntent] = []


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(InternalState)
_cursor_decoder = msgspec.msgpack.Decoder(DirectCursor)


def _decode(text: str) -> InternalState:
    try:
        return _decoder.decode(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, msgspec.DecodeError) as exc:
        raise ValidationError("the call state is not valid", field="state") from exc


def _encode(state: InternalState) -> str:
    return base64.urlsafe_b64encode(_encoder.encode(state)).rstrip(b"=").decode()


async def internal_step(
    engine: Engine,
    tenant_id: uuid.UUID,
    extension: str,
    caller: str,
    at: dt.datetime,
    state_text: str | None,
    result: StepResult | None,
) -> StepOutput:
    """One step of an internal call to ``extension``; NotFoundError when no employee or group
    of the PBX has it (the static fallback then takes the call)."""
    snapshot = await engine.kernel.snapshots.get(tenant_id)
    owner = snapshot.extensions.get(extension)
    if owner is None:
        raise NotFoundError(f"no extension {extension} in this PBX", field="extension")
    state = _decode(state_text) if state_text else InternalState(started_at=at.timestamp(), path=[PATH_LABEL])
    facts = CallFacts(number=extension, caller=caller, at=dt.datetime.fromtimestamp(state.started_at, dt.UTC))
    live = await engine.ring_state(tenant_id, snapshot)
    ctx = StepContext(
        snapshot=snapshot, facts=facts, step=state.steps, region=None, contact=None, busy=live.busy,
        idle_since=live.idle_since,
    )  # fmt: skip
    primitive: Primitive = Hangup()
    if not state.finished:
        target = Target(kind="employee" if owner in snapshot.employees else "group", id=owner)
        cursor = _cursor_decoder.decode(state.cursor) if state.cursor else None
        outcome = await direct_call(ctx, cursor, result, target)
        if outcome.primitive is not None and isinstance(outcome.cursor, DirectCursor):
            state.cursor = _encoder.encode(outcome.cursor)
            primitive = outcome.primitive
        else:
            state.finished = True
    state.steps += 1
    if state.steps >= MAX_STEPS and not state.finished:
        ctx.note("engine", "hang up", f"the call reached {MAX_STEPS} steps")
        state.finished, primitive = True, Hangup()
    state.intents.extend(ctx.intents)
    state.path.extend(f"{PATH_LABEL}:{t.decision}" for t in ctx.trace if t.block == "direct call" and _kept(t.decision))
    for group_id in ctx.groups:
        if str(group_id) not in state.groups:
            state.groups.append(str(group_id))
    return StepOutput(
        primitive=primitive, state=_encode(state), trace=ctx.trace, finished=state.finished, path=state.path,
        intents=state.intents, groups=state.groups,
    )  # fmt: skip


def _kept(decision: str) -> bool:
    """The direct call's decisions a call record's path keeps: where the call was forwarded."""
    return decision.startswith(("forward to", "voicemail"))
