"""The continuation of a call between two steps: small, encoded into one channel variable
(``VATS_STATE``), so any router process can serve any step and a restart loses no call.

Format 2 keeps the running block's cursor as that block's own ``Cursor`` Struct (msgpack,
decoded by the engine with the block's type) and the engine's own data in fields of its own.
A call in flight during an upgrade may carry format 1 (one ``dict`` cursor holding the
engine's ``entered`` and ``intents`` next to the block's keys): it is read here, and its block
cursor is converted by field names when the block runs next (``legacy_cursor``); what does not
convert sends the call to the number's fallback (a ValidationError on ``state``), never a crash.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import msgspec
from vats.core.calls.intents import TaskIntent
from vats.core.errors import ValidationError

FORMAT = 2
MAX_STEPS = 64  # a call takes at most this many steps; then it is hung up
STAGE_INDEX = {"menu": 1, "handling": 2, "insurance": 3}


class CallState(msgspec.Struct, array_like=True, kw_only=True):
    version: int = FORMAT  # after decoding: the format the block cursor is in (1 until it is converted)
    scenario_id: str
    filter_index: int  # -1: "numbers not in filters"
    off_hours: bool
    stage: int  # 0 options, 1 menu, 2 handling, 3 insurance, 4 finished
    options_done: list[str] = []
    cursor: bytes = b""  # the running block's Cursor, msgpack; empty: the block has not started
    entered: int = -1  # the stage whose block has started (its path label is written)
    steps: int = 0
    started_at: float  # the call's clock (epoch seconds): availability is judged at this instant
    path: list[str] = []
    manager: str | None = None  # the caller's personal manager, found at the first step
    inputs: list[str] = []  # digits the caller pressed (IVR, extension dialing), for the call record
    groups: list[str] = []  # groups whose members rang (the call record's "addressed through a group")
    intents: list[TaskIntent] = []  # tasks the scenario asked for; they travel with the call to its record


class _StateV1(msgspec.Struct, array_like=True, kw_only=True):
    """Format 1, as the engine before the block contract wrote it (tests/engine/fixtures)."""

    version: int
    scenario_id: str
    filter_index: int
    off_hours: bool
    stage: int
    options_done: list[str] = []
    cursor: dict[str, Any] = {}
    steps: int = 0
    started_at: float
    path: list[str] = []
    manager: str | None = None
    inputs: list[str] = []
    groups: list[str] = []


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(CallState)
_decoder_v1 = msgspec.msgpack.Decoder(_StateV1)


def encode_state(state: CallState) -> str:
    state.version = FORMAT
    return base64.urlsafe_b64encode(_encoder.encode(state)).rstrip(b"=").decode()


def decode_state(text: str) -> CallState:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ValidationError("the call state is not valid", field="state") from exc
    try:
        state = _decoder.decode(raw)
    except msgspec.DecodeError:
        return _from_v1(raw)
    if state.version != FORMAT:
        raise ValidationError("the call state has an unknown format", field="state")
    return state


def legacy_label(label: str) -> str:
    """A format-1 path label (``handling:VoicemailBlock``: the block's class name) as today's
    (``handling:voicemail``: its tag). Every block's tag is its class name in snake case without
    "Block"; migration 0010 rewrites stored call records by the same rule."""
    stage, _, name = label.partition(":")
    if stage not in STAGE_INDEX or not name[:1].isupper():
        return label
    return f"{stage}:" + re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.removesuffix("Block")).lower()


def _from_v1(raw: bytes) -> CallState:
    try:
        old = _decoder_v1.decode(raw)
    except msgspec.DecodeError as exc:
        raise ValidationError("the call state is not valid", field="state") from exc
    if old.version != 1:
        raise ValidationError("the call state has an unknown format", field="state")
    try:
        intents = msgspec.convert(old.cursor.get("intents", []), list[TaskIntent])
    except msgspec.ValidationError as exc:
        raise ValidationError("the call state is not valid", field="state") from exc
    block = old.cursor.get("block")
    state = CallState(
        scenario_id=old.scenario_id, filter_index=old.filter_index, off_hours=old.off_hours, stage=old.stage,
        options_done=old.options_done, cursor=_encoder.encode(block) if block else b"",
        entered=STAGE_INDEX.get(old.cursor.get("entered", ""), -1), steps=old.steps, started_at=old.started_at,
        path=[legacy_label(label) for label in old.path], manager=old.manager, inputs=old.inputs, groups=old.groups,
        intents=intents,
    )  # fmt: skip
    state.version = 1 if block else FORMAT  # the block converts its own cursor when it runs next
    return state


def legacy_cursor(data: bytes, cursor_type: type[msgspec.Struct]) -> msgspec.Struct:
    """A format-1 block cursor (a dict) as the block's Cursor, by field names; ValidationError
    (the call goes to the number's fallback) when it does not fit: the block's cursors are
    strict, so a key today's block no longer keeps cannot slip through."""
    try:
        return msgspec.convert(msgspec.msgpack.decode(data), cursor_type)
    except msgspec.ValidationError as exc:
        raise ValidationError("the call state is from an earlier version and cannot go on", field="state") from exc
