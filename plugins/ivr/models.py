"""IVR menus: instruction and error media, timeouts, and items on the keys 0-9 * # (each
item's action is a class of plugins/ivr/actions.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Struct
from vats.plugins.ivr.actions import (
    Action,
    Callback,
    ExtensionDialing,
    LeaveVoicemail,
    PlayMedia,
    Repeat,
    Route,
    SkipMenu,
    Submenu,
)

__all__ = [
    "Action",
    "Callback",
    "ExtensionDialing",
    "Item",
    "LeaveVoicemail",
    "Menu",
    "MenuBody",
    "MenuIn",
    "PlayMedia",
    "Repeat",
    "Route",
    "SkipMenu",
    "Submenu",
]  # fmt: skip - the item kinds are part of the menu model

Key = Annotated[str, msgspec.Meta(pattern=r"^[0-9*#]$")]


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
