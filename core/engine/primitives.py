"""What the router asks Asterisk to do next (one primitive per AGI step), and what Asterisk
reports back. The dialplan executes each primitive in a context of its own and returns to the
router with the result; the simulator plays Asterisk's part from a script. A new primitive
needs its op in ``vats.core.asterisk.wire`` (its channel variables and dialplan context)."""

from __future__ import annotations

from typing import Literal

from msgspec import Struct


class Primitive(Struct, tag_field="op", frozen=True, kw_only=True):
    """Base of the primitives; ``op`` is its tag (its wire op names the dialplan context)."""


class Answer(Primitive, tag="answer", frozen=True, kw_only=True):
    pass


class Play(Primitive, tag="play", frozen=True, kw_only=True):
    """Answer the call if it is not yet answered, then play the media."""

    media: list[str]  # media ids or "standard:<name>"
    interruptible: bool = False


class Collect(Primitive, tag="collect", frozen=True, kw_only=True):
    """Play and read digits (IVR, extension dialing)."""

    media: list[str]
    max_digits: int
    timeout_s: float


class DialLeg(Struct, frozen=True, kw_only=True):
    """One phone to ring: ``sip/<login>`` or ``tel/<E.164>``, after ``delay_s`` seconds, for at
    most ``ring_s`` seconds (None: as long as the Dial rings)."""

    address: str
    employee_id: str | None = None
    delay_s: int = 0
    ring_s: int | None = None


class Dial(Primitive, tag="dial", frozen=True, kw_only=True):
    legs: list[DialLeg]
    ring_s: int
    caller_id_name: str | None = None  # "number as caller ID": the DID's name on the phone
    music_on_hold: bool = False  # hold music instead of ringback


class Queue(Primitive, tag="queue", frozen=True, kw_only=True):
    """Wait in a queue with hold media while the legs ring; after ``offer_after_s`` the caller
    hears ``offer_media`` and may press a key (the result is OFFER with the digit)."""

    legs: list[DialLeg]
    max_wait_s: int
    hold_media: list[str] = []
    offer_after_s: int | None = None
    offer_media: list[str] = []


class Voicemail(Primitive, tag="voicemail", frozen=True, kw_only=True):
    box: str
    greeting: list[str]


class Record(Primitive, tag="record", frozen=True, kw_only=True):
    on: bool
    warning: list[str] = []


class Hangup(Primitive, tag="hangup", frozen=True, kw_only=True):
    cause: int = 16


DialStatus = Literal["ANSWER", "BUSY", "NOANSWER", "CHANUNAVAIL", "CONGESTION", "CANCEL"]


class StepResult(Struct, frozen=True, kw_only=True):
    """What the previous primitive ended with (DIALSTATUS, digits, ...)."""

    status: str = "OK"
    answered_by: str | None = None  # the leg address that answered
    digits: str | None = None
