"""The FastAGI router: Asterisk's generic dialplan loop asks it, one AGI request per step, what
to do next; it runs the engine and answers with channel variables.

We use a small server of our own on asyncio streams rather than panoramisk's FastAGI
``Application``: a step needs up to 14 values, and one AGI command costs a round trip (Asterisk
reads one command and drops whatever else is buffered, so commands cannot be pipelined).
This server sends them all in one ``SET VARIABLE VATS_REPLY``, which the dialplan splits with
``ARRAY()``: one round trip per step instead of up to fourteen with panoramisk's one variable
per command. It is also ~200 lines we fully control (timeouts, no global state, no
line-ending patching of the asyncio protocol).

Request (``agi_arg_N``; see ``vats.core.asterisk.render`` for the dialplan that sends them):
    1 DID as dialled (with or without +)   2 caller number   3 call start (epoch seconds)
    4 VATS_STATE   5 status of the last primitive   6 digits   7 the peer that answered
    8 "hangup" when sent from the hangup handler (the call is over; finish the scenario)
Reply: ``VATS_REPLY``, the ``FIELDS`` below joined by commas: VATS_ACTION (the context
``vats-<op>`` that executes the primitive), VATS_STATE, VATS_SUMMARY (what the call record
needs from the scenario: path, task intents, IVR input; the dialplan logs it into CEL) and the
primitive's arguments (VATS_MEDIA, VATS_DIAL, ...). No value contains a comma.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from vats.core.engine.context import CallFacts
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
    StepResult,
    Voicemail,
)
from vats.core.errors import VatsError
from vats.core.media import refs

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 5.0
FIELDS = (
    "VATS_ACTION", "VATS_STATE", "VATS_SUMMARY", "VATS_MEDIA", "VATS_DIAL", "VATS_RING", "VATS_DIALOPTS",
    "VATS_CIDNAME", "VATS_MAXDIGITS", "VATS_TIMEOUT", "VATS_MOH", "VATS_OFFER", "VATS_FILE", "VATS_CAUSE",
    "VATS_CALLERID",
)  # fmt: skip


def reply_line(variables: dict[str, str]) -> str:
    """The one AGI command that hands the dialplan every value of a step."""
    return 'SET VARIABLE VATS_REPLY "' + ",".join(variables.get(name, "") for name in FIELDS) + '"\n'


class Summary(msgspec.Struct, array_like=True, kw_only=True):
    """What a call record takes from the router (the rest comes from Asterisk's CEL)."""

    tenant_id: str
    number: str
    caller: str
    path: list[str] = []
    intents: list[dict[str, Any]] = []
    inputs: list[str] = []
    direction: str = "inbound"
    scenario_id: str = ""
    groups: list[str] = []  # groups addressed


_summary_encoder = msgspec.msgpack.Encoder()
_summary_decoder = msgspec.msgpack.Decoder(Summary)


def encode_summary(summary: Summary) -> str:
    return base64.urlsafe_b64encode(_summary_encoder.encode(summary)).rstrip(b"=").decode()


def decode_summary(text: str) -> Summary:
    return _summary_decoder.decode(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


class Dialing(msgspec.Struct, frozen=True, kw_only=True):
    """How addresses become Asterisk dial strings. ``{login}``: a SIP line's login;
    ``{number}``: an outside number (digits, no +). Tests point both at dialplan phones."""

    sip: str = "PJSIP/{login}"
    tel: str = "Local/{number}@vats-pstn"

    def channel(self, leg: DialLeg) -> str:
        kind, _, value = leg.address.partition("/")
        if kind == "sip":
            target = self.sip.format(login=value)
        else:
            target = self.tel.format(number=value.lstrip("+"))
        if leg.delay_s > 0:  # a later terminal of a sequential employee: rings after its delay
            # the target travels in the extension: / and @ would end it, so they are escaped
            return f"Local/{leg.delay_s}*{target.replace('/', '~').replace('@', '^')}@vats-delay/n"
        return target


def media_paths(refs: list[str], resolve: Callable[[str], list[str]]) -> str:
    """Playback's argument: files (absolute, without extension) joined by ``&``."""
    files: list[str] = []
    for ref in refs:
        files.extend(resolve(ref))
    return "&".join(files)


def variables_for(
    primitive: Primitive, dialing: Dialing, resolve: Callable[[str], list[str]], files: Callable[[str], str]
) -> dict[str, str]:
    """The channel variables that make the dialplan execute ``primitive``."""
    if isinstance(primitive, Answer):
        return {"VATS_ACTION": "answer"}
    if isinstance(primitive, Play):
        return {"VATS_ACTION": "play", "VATS_MEDIA": media_paths(primitive.media, resolve)}
    if isinstance(primitive, Collect):
        return {
            "VATS_ACTION": "collect", "VATS_MEDIA": media_paths(primitive.media, resolve),
            "VATS_MAXDIGITS": str(primitive.max_digits), "VATS_TIMEOUT": f"{primitive.timeout_s:g}",
        }  # fmt: skip
    if isinstance(primitive, Dial):
        options = "m(vats-hold)" if primitive.music_on_hold else ""
        return {
            "VATS_ACTION": "dial", "VATS_DIAL": "&".join(dialing.channel(leg) for leg in primitive.legs),
            "VATS_RING": str(primitive.ring_s), "VATS_DIALOPTS": options,
            "VATS_CIDNAME": _safe(primitive.caller_id_name or ""),
        }  # fmt: skip
    if isinstance(primitive, Queue):
        wait = primitive.offer_after_s if primitive.offer_after_s is not None else primitive.max_wait_s
        hold = _moh_class(primitive.hold_media)
        return {
            "VATS_ACTION": "queue", "VATS_DIAL": "&".join(dialing.channel(leg) for leg in primitive.legs),
            "VATS_RING": str(max(1, wait)), "VATS_MOH": hold,
            "VATS_OFFER": media_paths(primitive.offer_media, resolve) if primitive.offer_after_s is not None else "",
        }  # fmt: skip
    if isinstance(primitive, Voicemail):
        return {
            "VATS_ACTION": "voicemail", "VATS_MEDIA": media_paths(primitive.greeting, resolve),
            "VATS_FILE": files("voicemail"),
        }  # fmt: skip
    if isinstance(primitive, Record):
        return {
            "VATS_ACTION": "record" if primitive.on else "stoprecord",
            "VATS_MEDIA": media_paths(primitive.warning, resolve), "VATS_FILE": files("recordings"),
        }  # fmt: skip
    if isinstance(primitive, Hangup):
        return {"VATS_ACTION": "hangup", "VATS_CAUSE": str(primitive.cause)}
    return {"VATS_ACTION": "hangup", "VATS_CAUSE": "16"}


def _moh_class(media: list[str]) -> str:
    """Music-on-hold classes are rendered per standard sound and per library media."""
    if not media:
        return "vats-hold"
    standard = refs.standard_name(media[0])
    return f"vats-{standard if standard is not None else media[0]}"


def _safe(text: str) -> str:
    """A value that survives the dialplan's argument parsing (no commas, quotes, newlines)."""
    return "".join(ch for ch in text if ch not in ',"\n\r\\|;()')[:80]


def normalise_did(dialled: str) -> str:
    digits = "".join(ch for ch in dialled if ch.isdigit())
    return f"+{digits}"


class AgiRouter:
    """Serves ``agi://HOST:PORT/step``. Stateless: everything a step needs travels in the request."""

    def __init__(self, kernel: Any, *, dialing: Dialing | None = None) -> None:
        self.kernel = kernel
        self.dialing = dialing or Dialing()
        self._server: asyncio.Server | None = None
        self.steps = 0
        self.failures = 0
        self.timings: list[float] | None = None  # seconds per step, when a benchmark asks

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._serve, host, port, backlog=1024)
        bound: int = self._server.sockets[0].getsockname()[1]
        log.info("FastAGI router on %s:%s", host, bound)
        return bound

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(_read_request(reader), READ_TIMEOUT_S)
            started = time.perf_counter()
            answer = await self.answer(request)
            if self.timings is not None:
                self.timings.append(time.perf_counter() - started)
            writer.write(reply_line(answer).encode())
            await writer.drain()
            reply = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
            if not reply.startswith(b"200"):
                log.warning("AGI command refused: %r", reply[:80])
            self.steps += 1
        except Exception:  # a broken request must not take the server down; the dialplan falls back
            self.failures += 1
            log.exception("AGI step failed")
        finally:
            writer.close()

    async def answer(self, request: dict[str, str]) -> dict[str, str]:
        if request.get("agi_network_script") == "outbound":
            return await self.outbound(request.get("agi_arg_1", ""), request.get("agi_arg_2", ""))
        args = [request.get(f"agi_arg_{i}", "") for i in range(1, 9)]
        dialled, caller, started, state, status, digits, peer, phase = args
        number = normalise_did(dialled)
        at = dt.datetime.fromtimestamp(float(started or time.time()), dt.UTC)
        facts = CallFacts(number=number, caller=caller or "anonymous", at=at)
        result = None
        if state:
            answered_by = _address_of_peer(peer) if status == "ANSWER" else None
            result = StepResult(status=status or "OK", digits=digits or None, answered_by=answered_by)
        if phase == "hangup" and result is not None and result.status != "ANSWER":
            result = StepResult(status="HANGUP", digits=result.digits)
        try:
            out = await self.kernel.engine.step(facts, state or None, result)
        except VatsError as exc:  # no such number, no scenario: the static fallback takes it
            log.warning("no route for %s: %s", number, exc)
            return {"VATS_ACTION": "fallback"}
        tenant_id = await self.kernel.snapshots.tenant_of_number(number)
        snapshot = await self.kernel.snapshots.get(tenant_id)
        variables = variables_for(
            out.primitive, self.dialing, self._media_resolver(tenant_id, snapshot.media),
            lambda kind: self._file(tenant_id, kind),
        )  # fmt: skip
        variables["VATS_STATE"] = out.state
        summary = Summary(
            tenant_id=str(tenant_id), number=number, caller=facts.caller, path=out.path,
            intents=msgspec.to_builtins(out.intents), inputs=out.inputs, scenario_id=out.scenario_id,
            groups=out.groups,
        )  # fmt: skip
        variables["VATS_SUMMARY"] = encode_summary(summary)
        return variables

    async def outbound(self, login: str, dialled: str) -> dict[str, str]:
        """A call an employee's phone makes to an outside number: refused (a ban), or dialled
        through the trunk with the caller ID the rules choose, recorded where they say so."""
        from vats.core.asterisk.outbound import decide

        async with self.kernel.db.system() as conn:
            decision = await decide(conn, login, dialled)
        if decision is None:
            return {"VATS_ACTION": "refuse", "VATS_CAUSE": "21"}
        summary = Summary(
            tenant_id=str(decision.tenant_id), number=decision.destination, caller=login,
            path=[f"outbound: {decision.why}"], direction="outbound",
        )  # fmt: skip
        if not decision.allowed:
            log.info("outbound call from %s to %s refused: %s", login, decision.destination, decision.why)
            return {"VATS_ACTION": "refuse", "VATS_CAUSE": "21", "VATS_SUMMARY": encode_summary(summary)}
        leg = DialLeg(
            address=f"tel/{decision.destination}" if decision.destination.startswith("+") else f"tel/{dialled}"
        )
        return {
            "VATS_ACTION": "outbound", "VATS_DIAL": self.dialing.channel(leg),
            "VATS_CALLERID": decision.caller_id or "", "VATS_SUMMARY": encode_summary(summary),
            "VATS_FILE": self._file(decision.tenant_id, "recordings") if decision.record else "",
        }  # fmt: skip

    def _media_resolver(self, tenant_id: uuid.UUID, chains: dict[str, Any]) -> Callable[[str], list[str]]:
        media_dir = self.kernel.config.media_dir
        return lambda ref: refs.played_files(ref, media_dir, tenant_id, chains)

    def _file(self, tenant_id: uuid.UUID, kind: str) -> str:
        folder = self.kernel.config.media_dir / kind / str(tenant_id)
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / uuid.uuid4().hex)


def _address_of_peer(peer: str) -> str | None:
    """DIALEDPEERNAME (``PJSIP/101-00000001``, ``Local/101@vats-test-phones-0000;1``) -> address."""
    if not peer:
        return None
    tech, _, rest = peer.partition("/")
    name = rest.rsplit("-", 1)[0] if tech == "PJSIP" else rest.split("@", 1)[0]
    if tech == "Local" and name.isdigit() and len(name) > 6:  # an outside number
        return f"tel/+{name}"
    return f"sip/{name}"


async def _read_request(reader: asyncio.StreamReader) -> dict[str, str]:
    request: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line or line in (b"\n", b"\r\n"):
            return request
        key, _, value = line.decode("utf-8", "replace").rstrip("\r\n").partition(":")
        request[key.strip()] = value.strip()
