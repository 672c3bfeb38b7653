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


def compile_body(raw: Any, registry: BlockRegistry) -> ScenarioBody:
    """Decode a stored scenario (builtins) with its blocks as the registered Struct types."""
    body = msgspec.convert(raw, ScenarioBody)

    def branch(b: Branch) -> Branch:
        blocks = {stage: getattr(b, stage) for stage in STAGES}
        decoded = {stage: (registry.convert(value) if value is not None else None) for stage, value in blocks.items()}
        return msgspec.structs.replace(b, **decoded)

    return msgspec.structs.replace(
        body,
        filters=[
            msgspec.structs.replace(
                f, working=branch(f.working), off_hours=branch(f.off_hours) if f.off_hours else None
            )
            for f in body.filters
        ],
        default=branch(body.default),
        off_hours=branch(body.off_hours) if body.off_hours else None,
    )
