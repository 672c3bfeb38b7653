"""Call records from Asterisk's own Channel Event Log.

Asterisk writes every channel event into the ``cel`` table itself (cel_pgsql); when a call's
``LINKEDID_END`` arrives, a trigger queues the call in ``cel_pending`` and notifies
``vats_cel``. ``CelRecords`` turns each queued call into one ``CallRecord``, in the same
transaction that takes it off the queue and announces it (``call_ended``): exactly once, with
several vats processes, across restarts (the queue is swept at start), and whether or not vats
was connected to Asterisk while the call ran. We chose this over assembling records from AMI
events because a dropped AMI connection then cannot lose or split a record at all: there is
one source of truth, and nothing to reconcile.

What the router knew (scenario path, task intents, IVR input) arrives in the same log: the
dialplan writes the router's summary as a user event once, at hang-up (``vats_end``; an
outbound call logs its one step as ``vats_step``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from vats.core.asterisk.wire import Summary, decode_summary, normalise_did, parse_internal
from vats.core.calls.intents import TaskIntent
from vats.core.calls.models import Transfer
from vats.core.calls.records import CallRecord, Participant, store_batch
from vats.core.protocols import KernelAPI
from vats.core.stopping import stop_if_asked

log = logging.getLogger(__name__)
CHANNEL = "vats_cel"
SWEEP_EVERY_S = 30.0
TENANT_CONTEXT = "vats-t-"  # render.context_of: the context of calls a tenant's phones make
SUMMARY_EVENTS = ("vats_step", "vats_end")  # the router's summary: after an outbound step, at a call's end
BATCH = 50  # calls per read of the queue; a tenant's calls of a batch share one transaction
_UTC = dt.UTC
LOOP = "vats-in"  # the routing loop's context: where a call's DID (or internal name) shows
FALLBACK_CONTEXT = "vats-fallback"  # the static fallback's context: the router did not answer
FALLBACK_PATH = "fallback"  # the path of a call only the fallback handled
CONFERENCE_CONTEXT = "vats-conference"  # a conference room's ConfBridge (vats.core.conferences)


def _extra(row: Any) -> dict[str, Any]:
    text = row["extra"] or ""
    try:
        found = json.loads(text)
        return found if isinstance(found, dict) else {"extra": text}
    except ValueError:
        return {"extra": text}


def _address(channel: str, logins: dict[str, Any]) -> str | None:
    """A rung phone's address from its channel name, or None for the caller's and helper channels."""
    tech, _, rest = channel.partition("/")
    if tech == "PJSIP":
        login = rest.rsplit("-", 1)[0]
        return f"sip/{login}" if login in logins else None
    if tech == "Local" and rest.endswith(";1"):
        target, _, context = rest[:-2].rsplit("-", 1)[0].partition("@")
        if _colleague(target, context) is not None:  # a helper dialling an extension (attended transfer)
            return None
        if context == "vats-pstn":
            return f"tel/+{target}"
        if target in logins:  # the test sandbox's dialplan phones
            return f"sip/{target}"
        if target.isdigit() and context != "vats-delay":
            return f"tel/+{target}"
    return None


def _colleague(target: str, context: str) -> str | None:
    """The extension a helper channel dials in a tenant's own context (``Local/302@vats-t-...``:
    Asterisk's attended transfer calls the colleague so), or None. Extensions have 2-5 digits."""
    return target if context.startswith(TENANT_CONTEXT) and 2 <= len(target) <= 5 and target.isdigit() else None


def _login_part(channel: str) -> str:
    """The login-like part of a channel name (``PJSIP/101-0001`` and ``Local/101@ctx-0001;1``: 101)."""
    rest = channel.partition("/")[2]
    return rest.split("@", 1)[0] if "@" in rest else rest.rsplit("-", 1)[0]


def _outcome(answered: bool, hangup: dict[str, Any]) -> str:
    if answered:
        return "answered"
    cause = str(hangup.get("hangupcause", ""))
    status = str(hangup.get("dialstatus", ""))
    if cause == "17" or status == "BUSY":
        return "busy"
    if cause in ("20", "27", "38", "3") or status in ("CHANUNAVAIL", "CONGESTION"):
        return "unavailable"
    return "missed"


def recorded_files(rows: list[Any]) -> list[str]:
    """Every file MixMonitor recorded during the call (kept or not)."""
    return [
        (r["appdata"] or "").split(",", 1)[0]
        for r in rows
        if r["eventtype"] == "APP_START" and (r["appname"] or "").lower() == "mixmonitor"
    ]


def _keeps_recording(summary: Summary | None, answerer: uuid.UUID | None, overrides: Mapping[uuid.UUID, str]) -> bool:
    """Whether an inbound call's recording is kept: the answering employee's override first,
    else the call's own choice (branch, number, tenant) that the router made."""
    if summary is None or not summary.recording:  # outbound (decided up front) or an older summary
        return True
    override = overrides.get(answerer, "default") if answerer is not None else "default"
    if override != "default":
        return override == "on"
    return summary.recording == "call"


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """How a call entered the routing loop, from Asterisk's own events: what a record needs when
    the router never summed the call up (it was down: the static fallback handled it)."""

    direction: str  # "inbound" (a DID) or "internal" (a colleague's extension)
    number: str  # the DID (E.164) or the extension dialled
    caller: str
    tenant_id: uuid.UUID | None


def loop_entry(rows: list[Any], numbers: dict[str, uuid.UUID]) -> Entry | None:
    """The call's entry into ``vats-in`` (None: it never entered it, e.g. an outbound call)."""
    for row in rows:
        exten = row["exten"] or ""
        if row["context"] != LOOP or not exten or exten == "s":
            continue
        # the channel's caller ID (a Local channel learns it only after its first event)
        shown = next((r["cid_num"] for r in rows if r["uniqueid"] == row["uniqueid"] and r["cid_num"]), "")
        caller = "".join(ch for ch in shown if ch.isdigit() or ch == "+")
        internal = parse_internal(exten)
        if internal is not None:
            return Entry(direction="internal", number=internal[1], caller=caller, tenant_id=internal[0])
        did = normalise_did(exten)
        return Entry(direction="inbound", number=did, caller=caller or "anonymous", tenant_id=numbers.get(did))
    return None


def build_record(
    rows: list[Any],
    logins: dict[str, tuple[uuid.UUID, uuid.UUID]],
    externals: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] | None = None,
    overrides: Mapping[uuid.UUID, str] | None = None,
    numbers: dict[str, uuid.UUID] | None = None,
) -> CallRecord | None:
    """One call's CEL rows (in order) -> its record; None when it is not a call vats can place
    in a tenant (no router summary and no known phone). ``externals``: outside numbers that are
    employees' own mobiles (number -> (tenant, employee)); rung, they count as that employee.
    ``overrides``: employees' recording overrides (on/off/default), which decide whether the
    recording is kept.
    ``numbers``: the DIDs' tenants, for a call the router never summed up (the fallback took it)."""
    if not rows:
        return None
    linkedid = rows[0]["linkedid"]
    # The call's own summary: the one its earliest channel logged first. A transfer to a
    # colleague logs the call's summary before routing the colleague's extension afresh, and
    # an attended transfer's call to the colleague logs one of its own (extensions.conf).
    opened = {r["uniqueid"]: i for i, r in enumerate(rows) if r["eventtype"] == "CHAN_START"}
    logged = [r for r in rows if r["eventtype"] == "USER_DEFINED" and r["userdeftype"] in SUMMARY_EVENTS]
    summaries: list[Summary] = []
    for row in sorted(logged, key=lambda r: opened.get(r["uniqueid"], len(rows))):  # stable: first logged first
        with contextlib.suppress(Exception):
            summaries.append(decode_summary(_extra(row).get("extra", "") or ""))
    summary = summaries[0] if summaries else None
    first = rows[0]
    # The channel that ran the scenario (it logged the router's summary); the caller's own
    # channel for a real call, the ;2 half when a test originates Local/DID@vats-in.
    origin = next(
        (r["uniqueid"] for r in sorted(logged, key=lambda r: opened.get(r["uniqueid"], len(rows)))),
        first["uniqueid"],
    )
    answered: set[str] = set()
    hangups: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    recordings: list[str] = []
    voicemail = None
    answered_at = None
    # kind, transferring channel, target (extension or channel), the row's position
    transfers: list[tuple[str, str, str, int]] = []
    # An attended transfer's target answered the consultation, a call of its own (another
    # linkedid): the caller's record learns of it only from the transfer, and it took the call.
    consulted: list[str] = []
    for at, row in enumerate(rows):
        kind, channel = row["eventtype"], row["channame"] or ""
        if kind in ("BLINDTRANSFER", "ATTENDEDTRANSFER"):
            extra = _extra(row)
            blind = kind == "BLINDTRANSFER"
            target = str(extra.get("extension" if blind else "transfer_target_channel_name") or "")
            if not blind and target in ("", "N/A"):  # Asterisk names none when it merged the bridges
                target = _in_bridge(rows[:at], str(extra.get("bridge2_id", "")), str(extra.get("channel2_name", "")))
            transfers.append(("blind" if blind else "attended", channel, target, at))
            if not blind and target:
                consulted.append(target)
        if kind == "CHAN_START" and row["uniqueid"] not in (origin, first["uniqueid"]) and channel not in order:
            order.append(channel)
        elif kind == "BRIDGE_ENTER" and row["uniqueid"] != origin:
            answered.add(channel)
            answered_at = answered_at or row["eventtime"]
        elif kind == "BRIDGE_ENTER" and row["context"] == CONFERENCE_CONTEXT:  # the caller is in a room: answered
            answered_at = answered_at or row["eventtime"]
        elif kind == "HANGUP":
            hangups[channel] = _extra(row)
        elif kind == "APP_START" and row["uniqueid"] == origin:
            app, data = (row["appname"] or "").lower(), row["appdata"] or ""
            if app == "mixmonitor":
                recordings.append(data.split(",", 1)[0])
            elif app == "record":
                voicemail = data.split(",", 1)[0]
    for channel in consulted:  # the last party: after everyone rung before the transfer
        if channel in order:
            order.remove(channel)
        order.append(channel)
        answered.add(channel)
    participants = []
    answered_by = None
    tenant_id = uuid.UUID(summary.tenant_id) if summary and summary.tenant_id != "None" else None
    fallback = any(r["context"] == FALLBACK_CONTEXT for r in rows)
    entry = loop_entry(rows, numbers or {}) if summary is None else None
    if entry is not None:
        tenant_id = entry.tenant_id
    for channel in order:
        address = _address(channel, logins)
        if address is None:
            continue
        login = address.split("/", 1)[1]
        owner = logins.get(login)
        if owner is None and externals and login in externals:
            owner = next((o for o in externals[login] if tenant_id in (None, o[0])), None)
        if tenant_id is None and owner is not None:
            tenant_id = owner[0]
        is_answered = channel in answered
        if is_answered:
            answered_by = address
        hangup = hangups.get(channel, {})
        if channel.endswith(";1") and not hangup.get("hangupcause"):  # a Local channel: its far half knows
            hangup = hangups.get(channel[:-1] + "2", hangup)
        participants.append(
            Participant(address=address, employee_id=owner[1] if owner else None,
                        outcome=_outcome(is_answered, hangup))  # type: ignore[arg-type]
        )  # fmt: skip
    if tenant_id is None:
        return None
    participants = _one_per_address(participants)
    owner_of = {p.address: p.employee_id for p in participants}
    answerer = next((p.employee_id for p in participants if p.address == answered_by), None)
    if not _keeps_recording(summary, answerer, overrides or {}):
        recordings = []
    caller_login = (first["channame"] or "").partition("/")[2].rsplit("-", 1)[0]
    handed_on = [
        _transfer(kind, by, to, logins, _after(rows, at, by, to if kind == "attended" else "", logins, owner_of))
        for kind, by, to, at in transfers
    ]
    direction = summary.direction if summary else "inbound"
    if entry is not None:  # the router never answered: Asterisk's own events say what the call was
        direction = entry.direction
    elif summary is None:
        direction = "internal" if all(p.address.startswith("sip/") for p in participants) else "outbound"
    started = rows[0]["eventtime"].replace(tzinfo=_UTC)
    ended = rows[-1]["eventtime"].replace(tzinfo=_UTC)
    return CallRecord(
        tenant_id=tenant_id, direction=direction,  # type: ignore[arg-type]
        number=summary.number if summary else entry.number if entry else (first["exten"] or ""),
        caller=summary.caller if summary else entry.caller if entry else (first["cid_num"] or caller_login),
        started_at=started, answered_at=answered_at.replace(tzinfo=_UTC) if answered_at else None, ended_at=ended,
        answered_by=answered_by, path=summary.path if summary else [FALLBACK_PATH] if fallback else [],
        ivr_input=summary.inputs if summary else [], participants=participants,
        intents=_intents(summaries),
        caller_hung_up=answered_by is None and hangups.get(_channel_of(rows, origin), {}).get("dialstatus") == "CANCEL",
        linkedid=linkedid,
        recordings=recordings, voicemail=voicemail,
        scenario_id=uuid.UUID(summary.scenario_id) if summary and summary.scenario_id else None,
        groups=[uuid.UUID(g) for g in summary.groups] if summary else [],
        caller_employee_id=logins[caller_login][1] if direction != "inbound" and caller_login in logins else None,
        fallback=fallback,
        transfers=handed_on,
    )  # fmt: skip


def _intents(summaries: list[Summary]) -> list[TaskIntent]:
    """The tasks the call's scenario asked for, then those of the scenarios a transfer ran after
    it (a colleague who did not answer may send the caller to their voicemail: the message is
    theirs), each task once; never another tenant's."""
    wanted: list[TaskIntent] = []
    for summary in summaries:
        if summary.tenant_id != summaries[0].tenant_id:
            continue
        for intent in msgspec.convert(summary.intents, list[TaskIntent]):
            if intent not in wanted:
                wanted.append(intent)
    return wanted


def _in_bridge(rows: list[Any], bridge: str, besides: str) -> str:
    """The last channel but ``besides`` that entered ``bridge`` (an attended transfer's colleague:
    the other side of the consultation)."""
    entered = [
        r["channame"] or ""
        for r in rows
        if r["eventtype"] == "BRIDGE_ENTER" and r["channame"] != besides and _extra(r).get("bridge_id") == bridge
    ]
    return entered[-1] if bridge and entered else ""


def _after(
    rows: list[Any], at: int, by: str, consulted: str, logins: dict[str, Any], owner_of: dict[str, uuid.UUID | None]
) -> tuple[uuid.UUID | None, bool]:
    """What became of the call after a transfer (its event is ``rows[at]``): the first employee
    rung, and whether any phone but the transferring one answered. A phone's attended transfer
    consulted a phone, which took the call; the keypad's consulted an extension through a helper
    channel of this call (``Local/302@vats-t-...``): whom it rang and who answered count from its start."""
    if consulted:
        address = _address(consulted, logins)
        if address is not None:
            return owner_of.get(address), True
        at = next((i for i, r in enumerate(rows) if r["channame"] == consulted), at)
    rows = rows[at + 1 :]
    rung = [_address(r["channame"] or "", logins) for r in rows if r["eventtype"] == "CHAN_START"]
    first = next((owner_of.get(a) for a in rung if a and owner_of.get(a)), None)
    answered = any(
        r["eventtype"] == "BRIDGE_ENTER" and r["channame"] != by and _address(r["channame"] or "", logins) is not None
        for r in rows
    )
    return first, answered


def _transfer(
    kind: str, by: str, to: str, logins: dict[str, tuple[uuid.UUID, uuid.UUID]], after: tuple[uuid.UUID | None, bool]
) -> Transfer:
    """A transfer as the record tells it: the phones' addresses, the extension a blind one dialled,
    and what became of the call after it."""
    by_address = _address(by, logins) or by
    owner = logins.get(by_address.partition("/")[2])
    target = to
    if kind == "attended":  # the channel that took it: a colleague's extension or a phone
        tech, _, rest = to.partition("/")
        name, _, context = rest.rsplit("-", 1)[0].partition("@")
        target = (_colleague(name, context) if tech == "Local" else None) or _address(to, logins) or to
    return Transfer(
        kind=kind, by=by_address, by_employee_id=owner[1] if owner else None, to=target,  # type: ignore[arg-type]
        to_employee_id=after[0], answered=after[1],
    )  # fmt: skip


def _channel_of(rows: list[Any], uniqueid: str) -> str:
    return next((r["channame"] or "" for r in rows if r["uniqueid"] == uniqueid), "")


_RANK = {"answered": 0, "busy": 1, "unavailable": 2, "missed": 3, "cancelled": 4}


def _one_per_address(participants: list[Participant]) -> list[Participant]:
    """A phone rung through a helper channel shows up twice (Local and PJSIP): keep the most
    telling outcome, in first-rung order."""
    best: dict[str, Participant] = {}
    for p in participants:
        kept = best.get(p.address)
        if kept is None or _RANK[p.outcome] < _RANK[kept.outcome]:
            best[p.address] = p
    return list(best.values())


class CelRecords:
    """Turns finished calls into records: on each notification, and a sweep at start and every
    ``SWEEP_EVERY_S`` (a notification may be missed while vats is down)."""

    def __init__(self, kernel: KernelAPI) -> None:
        self.kernel = kernel
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.stored = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="vats-cel-records")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        listener: asyncpg.Connection | None = None
        while True:
            try:
                stop_if_asked()
                if listener is None or listener.is_closed():
                    listener = await asyncpg.connect(self.kernel.owner_url)
                    await listener.add_listener(CHANNEL, lambda *_: self._wake.set())
                await self.drain()
                # asyncio.timeout, not wait_for: a cancellation racing wait_for's timeout is lost on 3.11
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(SWEEP_EVERY_S):
                        await self._wake.wait()
                self._wake.clear()
            except asyncio.CancelledError:
                if listener is not None and not listener.is_closed():
                    await listener.close()
                raise
            except Exception:
                log.exception("call records from CEL: retrying in 1 s")
                listener = None
                await asyncio.sleep(1)

    async def drain(self) -> int:
        """Make records for every queued call; how many were stored."""
        done = 0
        while True:
            async with self.kernel.db.system() as conn:
                rows = await conn.fetch("SELECT linkedid FROM cel_pending ORDER BY ended_at LIMIT $1", BATCH)
            pending = [r["linkedid"] for r in rows]
            if not pending:
                return done
            done += await self.process(pending)

    async def process(self, linkedids: list[str]) -> int:
        """Records for these finished calls: their events read in one query, then one transaction
        per tenant for all of its calls (a call's record, its removal from the queue and its
        ``call_ended`` stay in one transaction; batching saves the round trips that made the
        ingest cost more CPU than routing the call): a tenant's records are stored with one
        statement and handed to ``calls_ended`` once (one savepoint per plugin per batch)."""
        async with self.kernel.db.system() as conn:
            rows = await conn.fetch("SELECT * FROM cel WHERE linkedid = ANY($1) ORDER BY id", linkedids)
            candidates = sorted({_login_part(r["channame"] or "") for r in rows})
            found = await conn.fetch(
                "SELECT t.sip_login, t.tenant_id, t.employee_id, e.recording FROM terminals t"
                " JOIN employees e ON e.tenant_id = t.tenant_id AND e.id = t.employee_id WHERE t.sip_login = ANY($1)",
                candidates,
            )
            logins = {r["sip_login"]: (r["tenant_id"], r["employee_id"]) for r in found}
            overrides = {r["employee_id"]: r["recording"] for r in found}
            outside = sorted({a[4:] for r in rows if (a := _address(r["channame"] or "", {})) and a[:4] == "tel/"})
            externals: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {}
            if outside:
                for r in await conn.fetch(
                    "SELECT external_number, tenant_id, employee_id FROM terminals WHERE external_number = ANY($1)",
                    outside,
                ):
                    externals.setdefault(r["external_number"], []).append((r["tenant_id"], r["employee_id"]))
            entered = {r["exten"] for r in rows if r["context"] == LOOP and r["exten"]}
            dids = sorted({normalise_did(x) for x in entered if x[0] == "+" or x[0].isdigit()})
            numbers: dict[str, uuid.UUID] = {
                r["e164"]: r["tenant_id"]
                for r in await conn.fetch("SELECT e164, tenant_id FROM numbers WHERE e164 = ANY($1)", dids)
            }
        by_call: dict[str, list[Any]] = {linkedid: [] for linkedid in linkedids}
        for row in rows:
            by_call[row["linkedid"]].append(row)
        by_tenant: dict[uuid.UUID, list[CallRecord]] = {}
        unplaced = []
        dropped: list[str] = []  # recordings no setting keeps (an employee's override said off)
        for linkedid, events in by_call.items():
            record = build_record(events, logins, externals, overrides, numbers=numbers)
            if record is None:
                unplaced.append(linkedid)
            else:
                by_tenant.setdefault(record.tenant_id, []).append(record)
                dropped += [f for f in recorded_files(events) if f not in record.recordings]
        if unplaced:
            async with self.kernel.db.system() as conn:
                await conn.execute("DELETE FROM cel_pending WHERE linkedid = ANY($1)", unplaced)
        stored = 0
        for tenant_id, records in by_tenant.items():
            async with self.kernel.db.tenant(tenant_id) as conn:
                taken = {
                    r["linkedid"]
                    for r in await conn.fetch(
                        "DELETE FROM cel_pending WHERE linkedid = ANY($1) RETURNING linkedid",
                        [record.linkedid for record in records],
                    )
                }  # another process may have taken some
                # stored with one statement, announced once per batch (calls_ended), then per record
                mine = [record for record in records if record.linkedid in taken]
                stored += len(await store_batch(conn, self.kernel.plugins, tenant_id, mine))
        self.stored += stored
        await asyncio.to_thread(self._remove, dropped)
        return stored

    def _remove(self, files: list[str]) -> None:
        media_dir = self.kernel.config.media_dir
        for name in files:
            path = Path(name)
            if path.is_relative_to(media_dir):  # only what vats asked Asterisk to write
                path.unlink(missing_ok=True)
