"""The extension dialing block: the caller types an extension, and its owner (an employee or
a group) is called directly, by their own reception settings. Also an IVR item's action."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar, Literal

import msgspec
from msgspec import Struct
from vats.core.db.database import Connection
from vats.core.engine.block import Block, Ref, media_refs, media_without
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.dialing import Target
from vats.core.engine.direct import DirectCursor, direct_call
from vats.core.engine.primitives import Collect, StepResult
from vats.core.snapshot import TenantSnapshot

MAX_ERRORS = 3
BLOCK = "extension dialing"


class ExtensionCursor(Struct, kw_only=True, forbid_unknown_fields=True):
    """``phase``: None before the first prompt, "collect" while the caller types (``errors``
    wrong extensions so far), "ring" while the dialled owner is called (``direct``)."""

    phase: Literal["collect", "ring"] | None = None
    errors: int = 0
    direct: DirectCursor | None = None


def owner_target(ctx: StepContext, extension: str, allowed: list[str] | None) -> Target | None:
    """The employee or group an extension belongs to, if the caller may dial it."""
    owner = ctx.snapshot.extensions.get(extension)
    if owner is None:
        return None
    if owner in ctx.snapshot.employees:
        dial_through = ctx.snapshot.employees[owner].dial_through
        kind: Literal["employee", "group"] = "employee"
    else:
        dial_through = ctx.snapshot.groups[owner].dial_through
        kind = "group"
    permitted = extension in allowed if allowed is not None else dial_through
    return Target(kind=kind, id=owner) if permitted else None


class ExtensionDialingBlock(
    Struct, tag="extension_dialing", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """The caller types an extension; only dial-through extensions, or those listed."""

    instruction: list[str] = []
    error: list[str] = []
    timeout_s: int = 5
    allowed: list[str] | None = None  # None: every extension with dial-through on
    on_no_input: Literal["next", "hangup"] = "next"
    on_failed: Literal["next", "hangup"] = "next"

    Cursor: ClassVar[type[Struct]] = ExtensionCursor

    def describe(self, snapshot: TenantSnapshot) -> str:
        return "набор добавочного"

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None:
        return None  # extensions are looked up when dialled: one may be created later

    def references(self) -> list[Ref]:
        return media_refs([*self.instruction, *self.error])

    def without(self, ref: Ref) -> ExtensionDialingBlock:
        return msgspec.structs.replace(
            self, instruction=media_without(self.instruction, ref), error=media_without(self.error, ref)
        )

    def prompt(self, *, errors: int = 0) -> Outcome:
        """Ask for an extension (after a wrong one, the error media first)."""
        media = [*self.error, *self.instruction] if errors else list(self.instruction)
        collect = Collect(media=media, max_digits=5, timeout_s=float(self.timeout_s))
        return Outcome(primitive=collect, cursor=ExtensionCursor(phase="collect", errors=errors))

    async def run(self, ctx: StepContext, cursor: ExtensionCursor, result: StepResult | None) -> Outcome:
        if cursor.phase is None:
            ctx.note(BLOCK, "wait for an extension")
            return self.prompt()
        if cursor.phase == "ring" and cursor.direct is not None:
            outcome = await direct_call(ctx, cursor.direct, result, cursor.direct.target)
            if outcome.done == "next":
                ctx.note(BLOCK, "nobody answered", self.on_failed)
            return self._ringing(outcome)
        digits = result.digits if result is not None else None
        if not digits:
            ctx.note(BLOCK, "nothing typed", self.on_no_input)
            return Outcome(done=self.on_no_input)
        dialled = owner_target(ctx, digits, self.allowed)
        if dialled is None:
            errors = cursor.errors + 1
            ctx.note(BLOCK, f"extension {digits} cannot be dialled", "unknown or not open to dialling")
            if errors >= MAX_ERRORS:
                return Outcome(done=self.on_failed)
            return self.prompt(errors=errors)
        ctx.note(BLOCK, f"extension {digits}")
        return self._ringing(await direct_call(ctx, None, None, dialled))

    def _ringing(self, outcome: Outcome) -> Outcome:
        """A direct call's step as this block's: its cursor inside ours; "next" is ``on_failed``."""
        if outcome.primitive is not None:
            assert isinstance(outcome.cursor, DirectCursor)
            return Outcome(primitive=outcome.primitive, cursor=ExtensionCursor(phase="ring", direct=outcome.cursor))
        return Outcome(done=self.on_failed) if outcome.done == "next" else outcome


if TYPE_CHECKING:  # strict mypy checks each block against the Block contract here
    _extensiondialingblock: type[Block[ExtensionCursor]] = ExtensionDialingBlock
