"""The block contract: what a scenario block is, for the kernel and for plugins that add blocks.

A block is a frozen msgspec Struct with ``tag_field="type"`` and its own ``tag`` (the kernel
joins every registered block into one tagged union, see core/blocks.py), and the methods of
``Block`` below. The registry checks them when a plugin registers the block and refuses the
block, naming the plugin, when one is missing: the kernel never looks a method up with
``getattr``, so whatever a block may do is written here.

* ``run(ctx, cursor, result)`` decides one step: an ``Outcome`` with a primitive for Asterisk
  and the block's new cursor, or ``done``. ``cursor`` is the block's own state between steps:
  an instance of the block's ``Cursor`` Struct (``Cursor()`` at the first step), encoded by the
  engine into the call's state and decoded for the next step.
* ``validate(conn, tenant_id, where)`` checks what the block names against the database when a
  scenario is saved; raises a VatsError whose ``field`` starts with ``where``.
* ``describe(snapshot)`` is the summary the cabinet's diagram shows (Russian): one line, then,
  for a block that branches (an IVR menu's keys), one line per branch, drawn as branches.
* ``references()`` lists the directory objects the block names (employees, groups, media,
  schedules, calendars, IVR menus), and ``without(ref)`` returns the block with that
  reference removed, or None when the block has nothing left to do (the stage is then empty):
  a forced deletion keeps every scenario valid with these two.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal, Never, Protocol, TypeVar

from msgspec import Struct

if TYPE_CHECKING:
    from vats.core.db.database import Connection
    from vats.core.engine.context import Outcome, StepContext
    from vats.core.engine.primitives import StepResult
    from vats.core.snapshot import TenantSnapshot

RefKind = Literal["employee", "group", "media", "schedule", "calendar", "ivr_menu"]


class Ref(Struct, frozen=True, order=True):
    """A directory object a block (or a scenario) names: its kind and id. Media are named by
    the id of an uploaded file or chain; the standard sounds (``standard:<name>``) cannot be
    deleted and are not references."""

    kind: RefKind
    id: uuid.UUID


CursorT = TypeVar("CursorT", bound=Struct, contravariant=True)


class Block(Protocol[CursorT]):
    """What every scenario block implements (see the module docstring). ``CursorT`` is the
    block's ``Cursor``: ``run`` takes only its own cursor (a ClassVar cannot name a type
    variable, so ``Cursor`` itself is typed as any Struct class)."""

    Cursor: ClassVar[type[Struct]]

    async def run(self, ctx: StepContext, cursor: CursorT, result: StepResult | None) -> Outcome: ...

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None: ...

    def describe(self, snapshot: TenantSnapshot) -> str: ...

    def references(self) -> list[Ref]: ...

    def without(self, ref: Ref) -> Block[CursorT] | None: ...


AnyBlock = Block[Never]
"""A block whatever its cursor type (every ``Block[C]`` is one, the parameter being
contravariant): for code that reads blocks but does not run them. The engine runs a block with
the cursor it decoded with the block's own ``Cursor`` (see ``Engine._cursor``)."""


# name -> (is a coroutine function, how it is called): the registry checks each.
METHODS: dict[str, tuple[bool, str]] = {
    "run": (True, "async run(ctx, cursor, result) -> Outcome"),
    "validate": (True, "async validate(conn, tenant_id, where) -> None"),
    "describe": (False, "describe(snapshot) -> str"),
    "references": (False, "references() -> list[Ref]"),
    "without": (False, "without(ref) -> block | None"),
}


def contract_errors(block_type: type[object]) -> list[str]:
    """What ``block_type`` lacks of the Block contract, one phrase each (empty: it conforms)."""
    errors = []
    for name, (is_async, signature) in METHODS.items():
        method = getattr(block_type, name, None)  # the one place a method is looked up: to refuse it
        if not callable(method):
            errors.append(f"has no {signature} method")
        elif is_async != inspect.iscoroutinefunction(method):
            errors.append(f"{name} must be {'async' if is_async else 'a plain method'}: {signature}")
    cursor = getattr(block_type, "Cursor", None)
    if not (isinstance(cursor, type) and issubclass(cursor, Struct)):
        errors.append("has no Cursor (a msgspec Struct class: the block's state between steps)")
    else:
        try:
            cursor()
        except TypeError:
            errors.append(f"its Cursor {cursor.__name__} needs a default for every field (Cursor() starts the block)")
    return errors


def media_refs(media: Iterable[str]) -> list[Ref]:
    """The uploaded media among media references (``standard:<name>`` is not one)."""
    refs = []
    for item in media:
        try:
            refs.append(Ref(kind="media", id=uuid.UUID(item)))
        except ValueError:
            continue
    return refs


def media_without(media: Iterable[str], ref: Ref) -> list[str]:
    """The media references without ``ref`` (when it names media)."""
    if ref.kind != "media":
        return list(media)
    return [item for item in media if Ref(kind="media", id=ref.id) not in media_refs([item])]


class NoCursor(Struct, frozen=True):
    """The cursor of a block that keeps nothing between steps."""
