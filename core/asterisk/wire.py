"""What crosses between vats and Asterisk, defined once: the AGI request, the reply's channel
variables, the step limit, the per-call summary, and one ``Op`` per primitive (the channel
variables that carry it and the ``vats-<context>`` dialplan that executes it). The router's
reply (``variables_for``) and the rendered dialplan (``render``) are both made from this module;
``tests/asterisk/test_wire.py`` fails when a primitive has no op.

A step (DESIGN.md "Call routing"): the dialplan loop in ``vats-in`` sends ``REQUEST`` as
``AGI(agi://.../step,<REQUEST>)``; the router answers with one ``SET VARIABLE VATS_REPLY``, the
``FIELDS`` joined by commas, which the dialplan splits with ``ARRAY()`` and then jumps to
``vats-${VATS_ACTION}``; that context runs the primitive, sets ``VATS_STATUS``/``VATS_DIGITS``/
``VATS_PEER`` and goes back to the loop. No value contains a comma.

Adding a primitive, a transfer for instance, is one entry in ``OPS`` (after its class in
``vats.core.engine.primitives``); a new channel variable goes at the end of ``FIELDS``::

    Op(Transfer, variables=("VATS_DIAL",),
       reply=lambda p, site: {"VATS_DIAL": site.channel(p.target)},
       dialplan='''
    [vats-transfer]
    exten => s,1,Transfer(${VATS_DIAL})
     same => n,MSet(VATS_STATUS=${TRANSFERSTATUS})
     same => n,Goto(vats-in,${VATS_DID},step)
    '''),
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import msgspec
from vats.core.engine import state
from vats.core.engine.primitives import (
    Answer,
    Collect,
    Dial,
    DialLeg,
    Hangup,
    Play,
    Primitive,
    Queue,
    Record,
    Voicemail,
)
from vats.core.media import refs

MAX_STEPS = state.MAX_STEPS  # the dialplan's own bound: the engine hangs up at the same count

# --- the request ----------------------------------------------------------------------------

# The channel variables the loop sends, in ``agi_arg_N`` order; the hang-up handler adds
# ``HANGUP_PHASE`` as the last argument (the call is over: finish the scenario).
REQUEST = (
    "VATS_DID",  # the DID as dialled (with or without +)
    "VATS_CALLER",  # the caller's number
    "VATS_START",  # when the call started (epoch seconds)
    "VATS_STATE",  # the call's continuation (vats.core.engine.state), empty at the first step
    "VATS_STATUS",  # how the last primitive ended (DIALSTATUS, TIMEOUT, OFFER...); empty: OK
    "VATS_DIGITS",  # digits read by the last primitive
    "VATS_PEER",  # the channel that answered (DIALEDPEERNAME)
)
HANGUP_PHASE = "hangup"


class StepRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One AGI request of the loop, by name."""

    did: str
    caller: str
    start: str
    state: str
    status: str
    digits: str
    peer: str
    at_hangup: bool


def parse_request(agi: Mapping[str, str]) -> StepRequest:
    did, caller, start, call_state, status, digits, peer, phase = (
        agi.get(f"agi_arg_{i}", "") for i in range(1, len(REQUEST) + 2)
    )
    return StepRequest(
        did=did, caller=caller, start=start, state=call_state, status=status, digits=digits, peer=peer,
        at_hangup=phase == HANGUP_PHASE,
    )  # fmt: skip


def request_args() -> str:
    """The AGI arguments as the dialplan writes them."""
    return ",".join(f"${{{name}}}" for name in REQUEST)


def address_of_peer(peer: str) -> str | None:
    """DIALEDPEERNAME (``PJSIP/101-00000001``, ``Local/101@vats-test-phones-0000;1``) -> address."""
    if not peer:
        return None
    tech, _, rest = peer.partition("/")
    name = rest.rsplit("-", 1)[0] if tech == "PJSIP" else rest.split("@", 1)[0]
    if tech == "Local" and name.isdigit() and len(name) > 6:  # an outside number
        return f"tel/+{name}"
    return f"sip/{name}"


# A colleague's extension dialled from a tenant's phone enters the same loop as a DID, named
# ``i<tenant id, 32 hex digits>x<extension>``: the router rings the callee by their reception
# settings (the direct-call logic), and the static fallback dials their lines plainly.
INTERNAL_PREFIX = "i"


def internal_did(tenant_id: uuid.UUID, extension: str) -> str:
    """The loop's name for an internal call to ``extension`` in the tenant's PBX."""
    return f"{INTERNAL_PREFIX}{tenant_id.hex}x{extension}"


def parse_internal(did: str) -> tuple[uuid.UUID, str] | None:
    """(tenant, extension) of an internal call's loop name; None for a DID."""
    if not did.startswith(INTERNAL_PREFIX):
        return None
    tenant_hex, sep, extension = did[len(INTERNAL_PREFIX) :].partition("x")
    if not sep or not extension.isdigit():
        return None
    try:
        return uuid.UUID(hex=tenant_hex), extension
    except ValueError:
        return None


def normalise_did(dialled: str) -> str:
    digits = "".join(ch for ch in dialled if ch.isdigit())
    return f"+{digits}"


# --- the reply ------------------------------------------------------------------------------

# The reply's channel variables, in the order the dialplan's ARRAY() reads them. Append only:
# a dialplan rendered by one version and a router of another must still agree on the order.
FIELDS = (
    "VATS_ACTION", "VATS_STATE", "VATS_SUMMARY", "VATS_MEDIA", "VATS_DIAL", "VATS_RING", "VATS_DIALOPTS",
    "VATS_CIDNAME", "VATS_MAXDIGITS", "VATS_TIMEOUT", "VATS_MOH", "VATS_OFFER", "VATS_FILE", "VATS_CAUSE",
    "VATS_CALLERID",
)  # fmt: skip
# The last step's result, cleared by the same ARRAY() that reads the reply.
RESULT = ("VATS_STATUS", "VATS_DIGITS", "VATS_PEER", "DIALSTATUS", "DIALEDPEERNAME")
FALLBACK = "fallback"  # no context of that name: the loop rings the DID's static fallback
# A phone's call to an outside number asks ``agi://.../outbound,<login>,<number>,<linkedid>``; the
# answer is OUTBOUND (dial VATS_DIAL with VATS_CALLERID and the Dial options VATS_DIALOPTS, e.g. a
# paid time limit, record into VATS_FILE) or REFUSE (play VATS_MEDIA if set, hang up with VATS_CAUSE).
OUTBOUND, REFUSE = "outbound", "refuse"


def parse_outbound(agi: Mapping[str, str]) -> tuple[str, str] | None:
    """The calling line's login and the number it dialled, when the request is an outbound one."""
    if agi.get("agi_network_script") != OUTBOUND:
        return None
    return agi.get("agi_arg_1", ""), agi.get("agi_arg_2", "")


def outbound_call_id(agi: Mapping[str, str]) -> str:
    """The outbound request's third argument: the call's linkedid (what its record carries)."""
    return agi.get("agi_arg_3", "")


def reply_line(variables: Mapping[str, str]) -> str:
    """The one AGI command that hands the dialplan every value of a step."""
    return 'SET VARIABLE VATS_REPLY "' + ",".join(variables.get(name, "") for name in FIELDS) + '"\n'


class Summary(msgspec.Struct, array_like=True, kw_only=True):
    """What a call record takes from the router (the rest comes from Asterisk's CEL). Sent as
    ``VATS_SUMMARY``; the dialplan logs it into CEL once per call (``vats_end``; an outbound
    call logs its one step as ``vats_step``)."""

    tenant_id: str
    number: str
    caller: str
    path: list[str] = []
    intents: list[dict[str, Any]] = []
    inputs: list[str] = []
    direction: str = "inbound"
    scenario_id: str = ""
    groups: list[str] = []  # groups addressed
    # Inbound: "call" (the branch, number or tenant records it) or "employees" (recorded only in
    # case the answerer's override says so); the record keeps the file by the answerer's override.
    recording: str = ""


_summary_encoder = msgspec.msgpack.Encoder()
_summary_decoder = msgspec.msgpack.Decoder(Summary)


def encode_summary(summary: Summary) -> str:
    return base64.urlsafe_b64encode(_summary_encoder.encode(summary)).rstrip(b"=").decode()


def decode_summary(text: str) -> Summary:
    return _summary_decoder.decode(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


class UnsafeAddress(ValueError):
    """A leg's address that would not stay one dial target in the dialplan (a comma, ``&``, ``@``,
    a quote...): refused rather than passed on, whatever let it into a scenario."""


_TEL = re.compile(r"\+?[0-9]{1,20}")
_SPACING = re.compile(r"[ ()-]")  # how a forwarding number may be written: "+7 (495) 123-45-67"
_LOGIN = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class Dialing(msgspec.Struct, frozen=True, kw_only=True):
    """How addresses become Asterisk dial strings. ``{login}``: a SIP line's login;
    ``{number}``: an outside number (digits, no +). Tests point both at dialplan phones.
    An address outside those characters raises ``UnsafeAddress``: it would travel in the
    comma-split reply and in ``Dial()``'s ``&``-joined targets, so a ``,`` or ``&`` or ``@``
    in it could dial another tenant's context or change Dial's options."""

    sip: str = "PJSIP/{login}"
    tel: str = "Local/{number}@vats-pstn"

    def channel(self, leg: DialLeg) -> str:
        kind, _, value = leg.address.partition("/")
        if kind == "sip" and _LOGIN.fullmatch(value):
            target = self.sip.format(login=value)
        elif kind == "tel" and _TEL.fullmatch(number := _SPACING.sub("", value)):
            target = self.tel.format(number=number.lstrip("+"))
        else:
            raise UnsafeAddress(f"refused to dial {leg.address!r}: not sip/<log-in> or tel/<digits>")
        if leg.delay_s > 0 or leg.ring_s:  # a sequential employee's terminal: its own start and ring time
            # the target travels in the extension: / and @ would end it, so they are escaped
            escaped = target.replace("/", "~").replace("@", "^")
            return f"Local/{leg.delay_s}*{leg.ring_s or 0}*{escaped}@vats-delay/n"
        return target


# --- one op per primitive -------------------------------------------------------------------


class Site(Protocol):
    """What a reply needs from the router that serves the step (the tenant's media and files)."""

    def channel(self, leg: DialLeg) -> str:
        """The dial string of a leg."""
        ...

    def media(self, media: list[str]) -> str:
        """Playback's argument for media references: files (absolute, no extension) joined by ``&``."""
        ...

    def new_file(self, kind: str) -> str:
        """A fresh file name (no extension) in the tenant's ``kind`` folder (voicemail, recordings)."""
        ...


P = TypeVar("P", bound=Primitive)
_CONTEXT = re.compile(r"^\[vats-([a-z]+)\]$", re.M)


@dataclass(frozen=True)
class Op(Generic[P]):
    """How one primitive crosses to Asterisk: the reply's values and the dialplan that runs it.
    ``reply`` sets ``VATS_ACTION`` only when the op has several contexts; else it is the one."""

    primitive: type[P]
    variables: tuple[str, ...]  # the FIELDS the reply sets
    reply: Callable[[P, Site], dict[str, str]]
    dialplan: str  # its ``[vats-<context>]`` contexts, as extensions.conf text
    contexts: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "contexts", tuple(_CONTEXT.findall(self.dialplan)))
        unknown = set(self.variables) - set(FIELDS)
        if not self.contexts or unknown:
            raise ValueError(f"op {self.primitive.__name__}: no [vats-<name>] context or not in FIELDS: {unknown}")

    def variables_for(self, primitive: P, site: Site) -> dict[str, str]:
        return {"VATS_ACTION": self.contexts[0], **self.reply(primitive, site)}


def _moh_class(media: list[str]) -> str:
    """Music-on-hold classes are rendered per standard sound and per library media."""
    if not media:
        return "vats-hold"
    standard = refs.standard_name(media[0])
    return f"vats-{standard if standard is not None else media[0]}"


def safe(text: str) -> str:
    """A value that survives the dialplan's argument parsing (no commas, quotes, newlines)."""
    return "".join(ch for ch in text if ch not in ',"\n\r\\|;()')[:80]


def _dial(p: Dial, site: Site) -> dict[str, str]:
    return {
        "VATS_DIAL": "&".join(site.channel(leg) for leg in p.legs), "VATS_RING": str(p.ring_s),
        "VATS_DIALOPTS": "m(vats-hold)" if p.music_on_hold else "", "VATS_CIDNAME": safe(p.caller_id_name or ""),
    }  # fmt: skip


def _record(p: Record, site: Site) -> dict[str, str]:
    action = "record" if p.on else "stoprecord"
    return {"VATS_ACTION": action, "VATS_MEDIA": site.media(p.warning), "VATS_FILE": site.new_file("recordings")}


def _queue(p: Queue, site: Site) -> dict[str, str]:
    wait = p.offer_after_s if p.offer_after_s is not None else p.max_wait_s
    return {
        "VATS_DIAL": "&".join(site.channel(leg) for leg in p.legs), "VATS_RING": str(max(1, wait)),
        "VATS_MOH": _moh_class(p.hold_media),
        "VATS_OFFER": site.media(p.offer_media) if p.offer_after_s is not None else "",
    }  # fmt: skip


# Dial's "t": the employee a call rings may transfer it by the keypad (features.conf), never
# the outside caller. The recording starts before the warning plays: the file itself shows that the caller was warned.
# A step with nothing to report leaves VATS_STATUS empty: the router reads that as OK.
OPS: dict[type[Primitive], Op[Any]] = {
    op.primitive: op
    for op in (
        Op(Answer, variables=(), reply=lambda p, site: {}, dialplan="""
[vats-answer]
exten => s,1,Answer()
 same => n,Goto(vats-in,${VATS_DID},step)
"""),
        Op(Play, variables=("VATS_MEDIA",), reply=lambda p, site: {"VATS_MEDIA": site.media(p.media)}, dialplan="""
[vats-play]
exten => s,1,Answer()
 same => n,Playback(${VATS_MEDIA})
 same => n,Goto(vats-in,${VATS_DID},step)
"""),
        Op(Collect, variables=("VATS_MEDIA", "VATS_MAXDIGITS", "VATS_TIMEOUT"),
           reply=lambda p, site: {"VATS_MEDIA": site.media(p.media), "VATS_MAXDIGITS": str(p.max_digits),
                                  "VATS_TIMEOUT": f"{p.timeout_s:g}"}, dialplan="""
[vats-collect]
exten => s,1,Answer()
 same => n,Read(VATS_DIGITS,${VATS_MEDIA},${VATS_MAXDIGITS},,1,${VATS_TIMEOUT})
 same => n,Set(VATS_STATUS=${IF($["${VATS_DIGITS}" = ""]?TIMEOUT:OK)})
 same => n,Goto(vats-in,${VATS_DID},step)
"""),
        Op(Dial, variables=("VATS_DIAL", "VATS_RING", "VATS_DIALOPTS", "VATS_CIDNAME"),
           reply=_dial, dialplan="""
[vats-dial]
exten => s,1,ExecIf($["${VATS_CIDNAME}" != ""]?Set(CALLERID(name)=${VATS_CIDNAME}))
 same => n,Dial(${VATS_DIAL},${VATS_RING},t${VATS_DIALOPTS})
 same => n,MSet(VATS_STATUS=${DIALSTATUS},VATS_PEER=${DIALEDPEERNAME})
 same => n,GotoIf($["${DIALSTATUS}" = "ANSWER"]?done)
 same => n,Goto(vats-in,${VATS_DID},step)
 same => n(done),Hangup()
"""),
        Op(Queue, variables=("VATS_DIAL", "VATS_RING", "VATS_MOH", "VATS_OFFER"), reply=_queue, dialplan="""
[vats-queue]
exten => s,1,Answer()
 same => n,Dial(${VATS_DIAL},${VATS_RING},tm(${VATS_MOH}))
 same => n,MSet(VATS_STATUS=${DIALSTATUS},VATS_PEER=${DIALEDPEERNAME})
 same => n,GotoIf($["${DIALSTATUS}" = "ANSWER"]?done)
 same => n,GotoIf($["${VATS_OFFER}" = ""]?timeout)
 same => n,Read(VATS_DIGITS,${VATS_OFFER},1,,1,5)
 same => n,Set(VATS_STATUS=OFFER)
 same => n,Goto(vats-in,${VATS_DID},step)
 same => n(timeout),Set(VATS_STATUS=TIMEOUT)
 same => n,Goto(vats-in,${VATS_DID},step)
 same => n(done),Hangup()
"""),
        Op(Voicemail, variables=("VATS_MEDIA", "VATS_FILE"),
           reply=lambda p, site: {"VATS_MEDIA": site.media(p.greeting), "VATS_FILE": site.new_file("voicemail")},
           dialplan="""
[vats-voicemail]
exten => s,1,Answer()
 same => n,ExecIf($["${VATS_MEDIA}" != ""]?Playback(${VATS_MEDIA}))
 same => n,Record(${VATS_FILE}.wav,3,120,k)
 same => n,Goto(vats-in,${VATS_DID},step)
"""),
        Op(Record, variables=("VATS_ACTION", "VATS_MEDIA", "VATS_FILE"),
           reply=_record, dialplan="""
[vats-record]
exten => s,1,MixMonitor(${VATS_FILE}.wav)
 same => n,ExecIf($["${VATS_MEDIA}" != ""]?Playback(${VATS_MEDIA}))
 same => n,Goto(vats-in,${VATS_DID},step)

[vats-stoprecord]
exten => s,1,StopMixMonitor()
 same => n,Goto(vats-in,${VATS_DID},step)
"""),
        Op(Hangup, variables=("VATS_CAUSE",), reply=lambda p, site: {"VATS_CAUSE": str(p.cause)}, dialplan="""
[vats-hangup]
exten => s,1,Hangup(${IF($["${VATS_CAUSE}" = ""]?16:${VATS_CAUSE})})
"""),
    )
}  # fmt: skip


def variables_for(primitive: Primitive, site: Site) -> dict[str, str]:
    """The channel variables that make the dialplan execute ``primitive``."""
    op = OPS.get(type(primitive))
    if op is None:  # a primitive without an op (tests/asterisk/test_wire.py says which)
        return {"VATS_ACTION": "hangup", "VATS_CAUSE": "16"}
    return op.variables_for(primitive, site)


def op_contexts() -> str:
    """Every op's dialplan, for extensions.conf."""
    return "\n".join(op.dialplan.lstrip("\n") for op in OPS.values())
