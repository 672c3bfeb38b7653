"""Scenarios: how a number's calls are handled. Filters are tried in the order they were
created; the first whose condition matches wins; "numbers not in filters" (``default``)
catches the rest. A filter with a schedule has a working-time and an off-hours branch; every
branch runs options -> menu -> handling -> insurance. Menu, handling and insurance are blocks
that plugins register (a tagged union decoded by the kernel's BlockRegistry)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from msgspec import Struct
from vats.core.blocks import BlockRegistry
from vats.core.engine.block import AnyBlock, Ref, media_refs, media_without


class RegionCondition(Struct, tag="region", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The caller's number is from one of these federal subjects (ISO 3166-2 codes)."""

    subjects: list[str]


class TagCondition(Struct, tag="tags", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The caller's contact carries one of these tags."""

    tags: list[str]


Condition = RegionCondition | TagCondition


class Options(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    greeting: list[str] = []  # media to play first (answers the call)
    hold_music: bool = False  # music instead of ringback while ringing
    recording: Literal["default", "on", "off"] = "default"
    recording_warning: list[str] = []
    number_as_caller_id: bool = False  # employees' phones show the DID's name


class Branch(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    options: Options = Options()
    menu: Any = None  # a block, or None
    handling: Any = None
    insurance: Any = None


class Filter(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    condition: Condition
    schedule_id: uuid.UUID | None = None  # None: 24/7
    calendar_id: uuid.UUID | None = None
    working: Branch
    off_hours: Branch | None = None


class ScenarioBody(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    filters: list[Filter] = []
    default: Branch  # "numbers not in filters"
    # "Numbers not in filters" may have a schedule too: then ``off_hours`` runs outside it.
    schedule_id: uuid.UUID | None = None
    calendar_id: uuid.UUID | None = None
    off_hours: Branch | None = None


STAGES = ("menu", "handling", "insurance")


class BlockDecodeError(msgspec.ValidationError):
    """A block that does not decode, with the stage it sits in (``default.handling``): msgspec
    names paths inside the block only."""

    def __init__(self, where: str, error: msgspec.ValidationError) -> None:
        super().__init__(str(error))
        self.where = where


def compile_body(raw: Any, registry: BlockRegistry) -> ScenarioBody:
    """Decode a stored scenario (builtins) with its blocks as the registered Struct types."""
    body = msgspec.convert(raw, ScenarioBody)

    def branch(where: str, b: Branch) -> Branch:
        decoded = {}
        for stage in STAGES:
            value = getattr(b, stage)
            try:
                decoded[stage] = registry.convert(value) if value is not None else None
            except msgspec.ValidationError as exc:
                raise BlockDecodeError(f"{where}.{stage}", exc) from exc
        return msgspec.structs.replace(b, **decoded)

    return msgspec.structs.replace(
        body,
        filters=[
            msgspec.structs.replace(
                f, working=branch(f"filters[{i}].working", f.working),
                off_hours=branch(f"filters[{i}].off_hours", f.off_hours) if f.off_hours else None,
            )
            for i, f in enumerate(body.filters)
        ],
        default=branch("default", body.default),
        off_hours=branch("off_hours", body.off_hours) if body.off_hours else None,
    )  # fmt: skip


# --- what a scenario names (forced deletion lists and removes references with these) -----


class Mention(Struct, frozen=True, kw_only=True):
    """One place a scenario names a directory object: ``where`` is the path in the body
    (``default.handling``, ``filters[0].schedule_id``), as error fields spell it."""

    where: str
    ref: Ref


def branches(body: ScenarioBody) -> list[tuple[str, Branch]]:
    """Every branch with its path: "numbers not in filters" first, then the filters'."""
    found = [("default", body.default)] + ([("off_hours", body.off_hours)] if body.off_hours else [])
    for i, f in enumerate(body.filters):
        found.append((f"filters[{i}].working", f.working))
        if f.off_hours is not None:
            found.append((f"filters[{i}].off_hours", f.off_hours))
    return found


def _timing_refs(where: str, schedule_id: uuid.UUID | None, calendar_id: uuid.UUID | None) -> list[Mention]:
    refs = [Mention(where=f"{where}schedule_id", ref=Ref(kind="schedule", id=schedule_id))] if schedule_id else []
    if calendar_id:
        refs.append(Mention(where=f"{where}calendar_id", ref=Ref(kind="calendar", id=calendar_id)))
    return refs


def references(body: ScenarioBody) -> list[Mention]:
    """Every employee, group, media, schedule, calendar and IVR menu the (compiled) body names."""
    found = _timing_refs("", body.schedule_id, body.calendar_id)
    for i, f in enumerate(body.filters):
        found += _timing_refs(f"filters[{i}].", f.schedule_id, f.calendar_id)
    for where, branch in branches(body):
        for name in ("greeting", "recording_warning"):
            media = media_refs(getattr(branch.options, name))
            found += [Mention(where=f"{where}.options.{name}", ref=r) for r in media]
        for stage in STAGES:
            block: AnyBlock | None = getattr(branch, stage)
            if block is not None:
                found += [Mention(where=f"{where}.{stage}", ref=r) for r in block.references()]
    return found


def without(body: ScenarioBody, ref: Ref) -> ScenarioBody:
    """The body with ``ref`` removed everywhere: a deleted schedule makes its filter (or
    "numbers not in filters") 24/7 and a deleted calendar leaves it with no holidays; deleted
    media leave the options; each block decides with its own ``without`` (None empties the
    stage)."""

    def branch(b: Branch) -> Branch:
        options = msgspec.structs.replace(
            b.options,
            greeting=media_without(b.options.greeting, ref),
            recording_warning=media_without(b.options.recording_warning, ref),
        )
        blocks = {stage: getattr(b, stage) for stage in STAGES}
        kept = {stage: (block.without(ref) if block is not None else None) for stage, block in blocks.items()}
        return msgspec.structs.replace(b, options=options, **kept)

    def timing(schedule_id: uuid.UUID | None, calendar_id: uuid.UUID | None) -> dict[str, uuid.UUID | None]:
        gone_schedule = ref.kind == "schedule" and ref.id == schedule_id
        gone_calendar = ref.kind == "calendar" and ref.id == calendar_id
        return {
            "schedule_id": None if gone_schedule else schedule_id,
            "calendar_id": None if gone_calendar else calendar_id,
        }

    filters = [
        msgspec.structs.replace(
            f,
            working=branch(f.working),
            off_hours=branch(f.off_hours) if f.off_hours else None,
            **timing(f.schedule_id, f.calendar_id),
        )
        for f in body.filters
    ]
    return msgspec.structs.replace(
        body, filters=filters, default=branch(body.default),
        off_hours=branch(body.off_hours) if body.off_hours else None, **timing(body.schedule_id, body.calendar_id),
    )  # fmt: skip
