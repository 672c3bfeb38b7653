"""Ringing attempts in order across steps, and the voicemail box of a call: the two pieces
every block that rings someone shares (forwarding, the queue, IVR items, direct calls)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

from vats.core.engine.context import StepContext
from vats.core.engine.dialing import Attempt, ring_next
from vats.core.engine.primitives import Dial, StepResult


class Rung(NamedTuple):
    """Where ringing stands after this step: "connected" (someone answered), "dial" (``dial``
    rings ``attempt`` now; ``next_index`` is the next to ring after it), "exhausted" (nobody is
    left to ring) or "stopped" (the caller's ``stop_after_missed`` ended it)."""

    status: Literal["connected", "dial", "exhausted", "stopped"]
    next_index: int
    attempt: Attempt | None = None
    dial: Dial | None = None


def ring_through(
    ctx: StepContext,
    attempts: list[Attempt],
    index: int,
    result: StepResult | None,
    block: str,
    *,
    stop_after_missed: Callable[[int], bool] | None = None,
) -> Rung:
    """Ring ``attempts`` one after another: ``index`` attempts were rung before this step and
    ``result`` is how the last one ended. Answered: "connected"; otherwise its status is noted
    and the next attempt with phones that may ring is dialled."""
    if result is not None and index > 0:
        if result.status == "ANSWER":
            ctx.note(block, f"answered by {result.answered_by or 'an outside number'}")
            return Rung("connected", index)
        label = attempts[index - 1].label if index - 1 < len(attempts) else "ring"
        ctx.note(block, f"{label}: {result.status}")
        if stop_after_missed is not None and stop_after_missed(index):
            return Rung("stopped", index)
    attempt, dial, index = ring_next(ctx, attempts, index, block)
    if attempt is None:
        return Rung("exhausted", index)
    return Rung("dial", index, attempt, dial)


def voicemail_box(ctx: StepContext) -> str:
    """The voicemail box a call's messages go to: the tenant's box of the number called."""
    return f"{ctx.snapshot.tenant.id}/{ctx.facts.number}"
