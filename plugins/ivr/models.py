"""IVR menus: instruction and error media, timeouts, and items on the keys 0-9 * #."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Struct
from vats.core.engine.dialing import Target

Key = Annotated[str, msgspec.Meta(pattern=r"^[0-9*#]$")]


class Repeat(Struct, tag="repeat", tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Say the instructions again (every menu has one)."""


class PlayMedia(Struct, tag="media", tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Play information, then the menu again."""

    media: list[str]


class Submenu(Struct, tag="submenu", tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True):
    menu_id: uuid.UUID


class Route(Struct, tag="route", tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ring an employee, a group, an extension or an outside number."""

    target: Target


class ExtensionDialing(
    Struct, tag="extension_dialing", tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """The caller types an extension."""


class LeaveVoicemail(
    Struct, tag="voicemail", tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    assignee_kind: Literal["employee", "group"] = "employee"
    assignee_id: uuid.UUID
    greeting: list[str] = msgspec.field(default_factory=lambda: ["standard:voicemail_prompt"])


class Callback(Struct, tag="callback", tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The caller asks to be called back: a task, then the call ends."""

    assignee_kind: Literal["employee", "group"] = "employee"
    assignee_id: uuid.UUID


class SkipMenu(Struct, tag="skip", tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Leave the menu: on to the branch's handling."""


Action = Repeat | PlayMedia | Submenu | Route | ExtensionDialing | LeaveVoicemail | Callback | SkipMenu


class Item(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    key: Key
    do: Action


class MenuBody(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    instruction: list[str]
    error: list[str] = []
    repeat_timeout_s: int = 5  # no key within this: say the instructions again
    next_timeout_s: int = 15  # no key within this in all: what the scenario says (next block or hang up)
    enabled: bool = True
    items: list[Item]


class MenuIn(Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)]
    level: Literal[1, 2] = 1
    body: MenuBody


class Menu(Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    level: int
    body: MenuBody
