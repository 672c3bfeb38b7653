"""The FastAGI router: Asterisk's generic dialplan loop asks it, one AGI request per step, what
to do next; it runs the engine and answers with channel variables.

We use a small server of our own on asyncio streams rather than panoramisk's FastAGI
``Application``: a step needs up to 14 values, and one AGI command costs a round trip (Asterisk
reads one command and drops whatever else is buffered, so commands cannot be pipelined).
This server sends them all in one ``SET VARIABLE VATS_REPLY``, which the dialplan splits with
``ARRAY()``: one round trip per step instead of up to fourteen with panoramisk's one variable
per command. It is also ~200 lines we fully control (timeouts, no global state, no
line-ending patching of the asyncio protocol).

What crosses the wire (the request's arguments, the reply's fields, one op per primitive) is
defined in ``vats.core.asterisk.wire``; this module serves it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import msgspec
from vats.core.asterisk import wire
from vats.core.asterisk.wire import Dialing, Summary, encode_summary
from vats.core.calls.budget import CallBudget
from vats.core.engine.context import CallFacts
from vats.core.engine.primitives import DialLeg, StepResult
from vats.core.errors import VatsError
from vats.core.media import refs
from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 5.0
BUDGET_STEP = "budget: "  # the path step that says what ``call_budget`` allowed


class TenantSite:
    """The tenant's media and files, as a step's reply names them (``wire.Site``)."""

    __slots__ = ("chains", "dialing", "media_dir", "tenant_id")

    def __init__(self, dialing: Dialing, media_dir: Path, tenant_id: uuid.UUID, chains: dict[str, Any]) -> None:
        self.dialing, self.media_dir, self.tenant_id, self.chains = dialing, media_dir, tenant_id, chains

    def channel(self, leg: DialLeg) -> str:
        return self.dialing.channel(leg)

    def media(self, media: list[str]) -> str:
        files: list[str] = []
        for ref in media:
            files.extend(refs.played_files(ref, self.media_dir, self.tenant_id, self.chains))
        return "&".join(files)

    def new_file(self, kind: str) -> str:
        return new_file(self.media_dir, self.tenant_id, kind)


def new_file(media_dir: Path, tenant_id: uuid.UUID, kind: str) -> str:
    folder = media_dir / kind / str(tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / uuid.uuid4().hex)


class AgiRouter:
    """Serves ``agi://HOST:PORT/step``. Stateless: everything a step needs travels in the request."""

    def __init__(self, kernel: KernelAPI, *, dialing: Dialing | None = None) -> None:
        self.kernel = kernel
        self.dialing = dialing or Dialing()
        self._server: asyncio.Server | None = None
        self.steps = 0
        self.failures = 0
        self.timings: list[float] | None = None  # seconds per step, when a benchmark asks
        self._conferences: Any = None  # vats.core.conferences.routing.ConferenceRouter, made on first use

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
            writer.write(wire.reply_line(answer).encode())
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
        outbound = wire.parse_outbound(request)
        if outbound is not None:
            return await self.outbound(*outbound, call_id=wire.outbound_call_id(request))
        step = wire.parse_request(request)
        room = await self._conference(step)
        if room is not None:  # a call for a conference room (its number, its extension)
            return room
        at = dt.datetime.fromtimestamp(float(step.start or time.time()), dt.UTC)
        result = None
        if step.state:
            answered_by = wire.address_of_peer(step.peer) if step.status == "ANSWER" else None
            result = StepResult(status=step.status or "OK", digits=step.digits or None, answered_by=answered_by)
        if step.at_hangup and result is not None and result.status != "ANSWER":
            result = StepResult(status="HANGUP", digits=result.digits)
        internal = wire.parse_internal(step.did)
        if internal is not None:
            return await self.internal(*internal, step=step, at=at, result=result)
        number = wire.normalise_did(step.did)
        facts = CallFacts(number=number, caller=step.caller or "anonymous", at=at)
        try:
            out = await self.kernel.engine.step(facts, step.state or None, result)
        except VatsError as exc:  # no such number, no scenario: the static fallback takes it
            log.warning("no route for %s: %s", number, exc)
            return {"VATS_ACTION": wire.FALLBACK}
        tenant_id = await self.kernel.snapshots.tenant_of_number(number)
        if tenant_id is None:  # unassigned since the step routed it: as if it had no route
            log.warning("no route for %s: the number left its PBX during the step", number)
            return {"VATS_ACTION": "fallback"}
        snapshot = await self.kernel.snapshots.get(tenant_id)
        site = TenantSite(self.dialing, self.kernel.config.media_dir, tenant_id, snapshot.media)
        try:
            variables = wire.variables_for(out.primitive, site)
        except wire.UnsafeAddress as exc:  # a scenario's address no check stopped: the static fallback
            log.error("call to %s of tenant %s: %s", number, tenant_id, exc)
            return {"VATS_ACTION": wire.FALLBACK}
        variables["VATS_STATE"] = out.state
        summary = Summary(
            tenant_id=str(tenant_id), number=number, caller=facts.caller, path=out.path,
            intents=msgspec.to_builtins(out.intents), inputs=out.inputs, scenario_id=out.scenario_id,
            groups=out.groups, recording=out.recording,
        )  # fmt: skip
        variables["VATS_SUMMARY"] = encode_summary(summary)
        return variables

    async def _conference(self, step: wire.StepRequest) -> dict[str, str] | None:
        from vats.core.conferences.routing import ConferenceRouter

        if self._conferences is None:
            self._conferences = ConferenceRouter(self.kernel)
        reply: dict[str, str] | None = await self._conferences.answer(step)
        return reply

    async def internal(
        self,
        tenant_id: uuid.UUID,
        extension: str,
        *,
        step: wire.StepRequest,
        at: dt.datetime,
        result: StepResult | None,
    ) -> dict[str, str]:
        """A colleague's or group's extension dialled from a phone: the callee's reception
        settings decide, as on a direct call from outside (``vats.core.engine.internal``)."""
        from vats.core.engine.internal import internal_step

        caller = step.caller or "anonymous"
        try:
            out = await internal_step(self.kernel.engine, tenant_id, extension, caller, at, step.state or None, result)
        except VatsError as exc:  # no such extension (any more): the static fallback dials its lines
            log.warning("no internal route to %s: %s", extension, exc)
            return {"VATS_ACTION": wire.FALLBACK}
        snapshot = await self.kernel.snapshots.get(tenant_id)
        site = TenantSite(self.dialing, self.kernel.config.media_dir, tenant_id, snapshot.media)
        try:
            variables = wire.variables_for(out.primitive, site)
        except wire.UnsafeAddress as exc:  # as for a DID: the static fallback dials the extension's lines
            log.error("internal call to %s of tenant %s: %s", extension, tenant_id, exc)
            return {"VATS_ACTION": wire.FALLBACK}
        variables["VATS_STATE"] = out.state
        summary = Summary(
            tenant_id=str(tenant_id), number=extension, caller=caller, path=out.path,
            intents=msgspec.to_builtins(out.intents), direction="internal", groups=out.groups,
        )  # fmt: skip
        variables["VATS_SUMMARY"] = encode_summary(summary)
        return variables

    async def outbound(self, login: str, dialled: str, *, call_id: str = "") -> dict[str, str]:
        """A call an employee's phone makes to an outside number: refused (a ban, or no money
        for it), or dialled through the trunk with the caller ID the rules choose, for at most
        the talk time the billing plugin allows (``call_budget``), recorded where they say so."""
        from vats.core.asterisk.outbound import decide
        from vats.core.features import RECORDING, may_use

        budget: CallBudget | None = None
        unrecorded = False  # the rules asked for recording, the tariff refused it
        async with self.kernel.db.system() as conn:
            decision = await decide(conn, login, dialled)
            if (
                decision is not None
                and decision.record
                and not await may_use(self.kernel.plugins, decision.tenant_id, RECORDING, conn)
            ):  # the tariff has no call recording
                decision, unrecorded = msgspec.structs.replace(decision, record=False), True
            if decision is not None and decision.allowed and self.kernel.plugins.implemented("call_budget"):
                budget = await self.kernel.plugins.first(
                    "call_budget", tenant_id=decision.tenant_id, destination=decision.destination,
                    call_id=call_id or uuid.uuid4().hex, conn=conn,
                )  # fmt: skip
        if decision is None:
            return {"VATS_ACTION": wire.REFUSE, "VATS_CAUSE": "21"}
        path = [f"outbound: {decision.why if budget is None or budget.allowed else budget.why}"]
        if budget is not None and budget.allowed:
            path.append(f"{BUDGET_STEP}{budget.why}")  # e.g. how long the money lasts: why it was cut
        if unrecorded:
            path.append("not recorded: the tariff has no call recording")
        summary = Summary(
            tenant_id=str(decision.tenant_id), number=decision.destination, caller=login,
            path=path, direction="outbound",
        )  # fmt: skip
        if not decision.allowed:
            log.info("outbound call from %s to %s refused: %s", login, decision.destination, decision.why)
            return {"VATS_ACTION": wire.REFUSE, "VATS_CAUSE": "21", "VATS_SUMMARY": encode_summary(summary)}
        media_dir = self.kernel.config.media_dir
        if budget is not None and not budget.allowed:
            log.info("outbound call from %s to %s refused: %s", login, decision.destination, budget.why)
            media = refs.played_files(refs.standard_ref(budget.media), media_dir, decision.tenant_id, {})
            return {
                "VATS_ACTION": wire.REFUSE, "VATS_CAUSE": "21", "VATS_SUMMARY": encode_summary(summary),
                "VATS_MEDIA": "&".join(media),
            }  # fmt: skip
        leg = DialLeg(
            address=f"tel/{decision.destination}" if decision.destination.startswith("+") else f"tel/{dialled}"
        )
        try:
            channel = self.dialing.channel(leg)
        except wire.UnsafeAddress as exc:
            log.error("outbound call from %s refused: %s", login, exc)
            return {"VATS_ACTION": wire.REFUSE, "VATS_CAUSE": "21", "VATS_SUMMARY": encode_summary(summary)}
        return {
            "VATS_ACTION": wire.OUTBOUND, "VATS_DIAL": channel,
            "VATS_CALLERID": decision.caller_id or "", "VATS_SUMMARY": encode_summary(summary),
            "VATS_FILE": new_file(media_dir, decision.tenant_id, "recordings") if decision.record else "",
            "VATS_DIALOPTS": f"S({budget.max_s})" if budget is not None and budget.max_s is not None else "",
        }  # fmt: skip


async def _read_request(reader: asyncio.StreamReader) -> dict[str, str]:
    request: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line or line in (b"\n", b"\r\n"):
            return request
        key, _, value = line.decode("utf-8", "replace").rstrip("\r\n").partition(":")
        request[key.strip()] = value.strip()
