"""Media: uploaded recordings, and named chains of recordings and pauses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from msgspec import UNSET, Struct, UnsetType


class MediaFile(Struct, frozen=True, kw_only=True):
    """A recording in the library. Standard ones have ids ``standard:<name>``."""

    id: str
    name: str
    duration_ms: int
    size_bytes: int
    standard: bool = False
    created_at: dt.datetime | None = None


class FilePart(Struct, frozen=True, kw_only=True, tag="file", tag_field="type", forbid_unknown_fields=True):
    file_id: Annotated[str, msgspec.Meta(examples=["standard:greeting"])]


class PausePart(Struct, frozen=True, kw_only=True, tag="pause", tag_field="type", forbid_unknown_fields=True):
    ms: Annotated[int, msgspec.Meta(examples=[500])]


MediaPart = FilePart | PausePart


class Media(Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    items: list[MediaPart]
    duration_ms: int


class MediaCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(examples=["Приветствие и музыка"], max_length=200)]
    items: list[MediaPart]


class MediaUpdate(Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)] | UnsetType = UNSET
    items: list[MediaPart] | UnsetType = UNSET
