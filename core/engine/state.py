"""The continuation of a call between two steps: small, encoded into one channel variable
(``VATS_STATE``), so any router process can serve any step and a restart loses no call."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
from vats.core.errors import ValidationError

FORMAT = 1
MAX_STEPS = 64  # a call takes at most this many steps; then it is hung up


class CallState(msgspec.Struct, array_like=True, kw_only=True):
    version: int = FORMAT
    scenario_id: str
    filter_index: int  # -1: "numbers not in filters"
    off_hours: bool
    stage: int  # 0 options, 1 menu, 2 handling, 3 insurance, 4 finished
    options_done: list[str] = []
    cursor: dict[str, Any] = {}
    steps: int = 0
    started_at: float  # the call's clock (epoch seconds): availability is judged at this instant
    path: list[str] = []
    manager: str | None = None  # the caller's personal manager, found at the first step
    inputs: list[str] = []  # digits the caller pressed (IVR, extension dialing), for the call record
    groups: list[str] = []  # groups whose members rang (the call record's "addressed through a group")


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(CallState)


def encode_state(state: CallState) -> str:
    return base64.urlsafe_b64encode(_encoder.encode(state)).rstrip(b"=").decode()


def decode_state(text: str) -> CallState:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        state = _decoder.decode(raw)
    except (ValueError, msgspec.DecodeError) as exc:
        raise ValidationError("the call state is not valid", field="state") from exc
    if state.version != FORMAT:
        raise ValidationError("the call state has an unknown format", field="state")
    return state
