"""The router's side of conference rooms: a call for a room (one of the tenant's numbers bound to
it, or its extension dialled from a phone) asks for the PIN (Asterisk's standard prompt), checks
it here, and enters the ConfBridge of the room (the ``vats-conference`` context, ``wire.py``).

The PIN never leaves Python: the dialplan only reads digits (``Read``) and hands them back. A
room's call keeps a small state of its own (``conf:<room>:<tries>:<leader>``; the engine's states
are base64 and contain no ``:``). Rooms are read once per process and re-read when
``conference_rooms``/``conference_leaders`` change (the ``vats_config`` notifications) or after
``MAX_AGE_S``, so a routing step costs a dictionary lookup.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

from vats.core.asterisk import wire
from vats.core.asterisk.wire import Summary, encode_summary
from vats.core.features import RECORDING
from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)

STATE_PREFIX = "conf:"
MAX_TRIES = 3  # wrong PINs before the call is refused
PIN_TIMEOUT_S = 6
CONTEXT = "conference"  # the ``vats-conference`` dialplan context (wire.py)
TABLES = frozenset({"conference_rooms", "conference_leaders", ""})
MAX_AGE_S = 60.0
PROMPT, INVALID, REFUSED = "conf-getpin", "conf-invalidpin", "goodbye"  # Asterisk's standard sounds


@dataclass(frozen=True)
class RoomRoute:
    room_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    pin: str | None
    leader_pin: str | None
    starts: str
    leaders: frozenset[uuid.UUID]
    record: bool


def bridge_name(room_id: uuid.UUID) -> str:
    """The ConfBridge conference of a room (what AMI's Confbridge* events name)."""
    return f"vats-{room_id.hex}"


def room_of_bridge(name: str) -> uuid.UUID | None:
    if not name.startswith("vats-"):
        return None
    try:
        return uuid.UUID(hex=name[5:])
    except ValueError:
        return None


def recording_name(room_id: uuid.UUID) -> str:
    """A room's recording file (no folder, no extension): the room is in its name, so the file
    alone says which room it belongs to (``live.py`` files it from Asterisk's own log)."""
    return f"conf-{room_id.hex}-{uuid.uuid4().hex}"


class RoomDirectory:
    """Every tenant's rooms by number and by (tenant, extension), for routing."""

    def __init__(self, kernel: KernelAPI) -> None:
        self.kernel = kernel
        self._by_id: dict[uuid.UUID, RoomRoute] = {}
        self._by_number: dict[str, uuid.UUID] = {}
        self._by_extension: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()
        kernel.snapshots.change_listeners.append(self._on_change)

    def _on_change(self, table: str) -> None:
        if table in TABLES:
            self._loaded_at = None

    async def _fresh(self) -> None:
        if self._loaded_at is not None and time.monotonic() - self._loaded_at < MAX_AGE_S:
            return
        async with self._lock:
            if self._loaded_at is not None and time.monotonic() - self._loaded_at < MAX_AGE_S:
                return
            started = time.monotonic()
            async with self.kernel.db.system() as conn:
                rows = await conn.fetch(
                    "SELECT r.id, r.tenant_id, r.name, n.e164, r.extension, r.pin, r.leader_pin, r.starts, r.record,"
                    " coalesce((SELECT array_agg(l.employee_id) FROM conference_leaders l"
                    "   WHERE l.tenant_id = r.tenant_id AND l.room_id = r.id), '{}') AS leaders"
                    " FROM conference_rooms r LEFT JOIN numbers n ON (n.tenant_id, n.id) = (r.tenant_id, r.number_id)"
                )
            by_id, by_number, by_extension = {}, {}, {}
            for r in rows:
                by_id[r["id"]] = RoomRoute(
                    room_id=r["id"], tenant_id=r["tenant_id"], name=r["name"], pin=r["pin"],
                    leader_pin=r["leader_pin"], starts=r["starts"], leaders=frozenset(r["leaders"]),
                    record=r["record"],
                )  # fmt: skip
                if r["e164"]:
                    by_number[r["e164"]] = r["id"]
                if r["extension"]:
                    by_extension[(r["tenant_id"], r["extension"])] = r["id"]
            self._by_id, self._by_number, self._by_extension = by_id, by_number, by_extension
            self._loaded_at = started  # a change during the read makes the next step read again

    async def by_id(self, room_id: uuid.UUID) -> RoomRoute | None:
        await self._fresh()
        return self._by_id.get(room_id)

    async def for_call(self, did: str) -> RoomRoute | None:
        """The room a call into the loop is for (a DID or an internal extension), or None."""
        await self._fresh()
        if not self._by_id:
            return None
        internal = wire.parse_internal(did)
        room_id = self._by_extension.get(internal) if internal else self._by_number.get(wire.normalise_did(did))
        return self._by_id.get(room_id) if room_id else None


class ConferenceRouter:
    """Answers the loop's steps for calls into rooms (``AgiRouter.answer`` asks it first)."""

    def __init__(self, kernel: KernelAPI) -> None:
        self.kernel = kernel
        self.rooms = RoomDirectory(kernel)

    async def answer(self, step: wire.StepRequest) -> dict[str, str] | None:
        """The reply for a step of a room's call; None when the call is not for a room."""
        if step.state:
            if not step.state.startswith(STATE_PREFIX):
                return None
            _, room_hex, tries_text, leader_text = step.state.split(":")
            room = await self.rooms.by_id(uuid.UUID(hex=room_hex))
            tries, leader = int(tries_text), leader_text == "1"
        else:
            room = await self.rooms.for_call(step.did)
            if room is None:
                return None
            tries, leader = 0, await self._leader_by_phone(room, step)
        summary = self._summary(room, step) if room is not None else ""
        if room is None or step.at_hangup or tries >= MAX_TRIES:  # gone, the caller left, or refused
            # the state stays: the hang-up handler logs the summary only for a call that has one
            return {"VATS_ACTION": "hangup", "VATS_SUMMARY": summary, "VATS_STATE": step.state or "conf:"}
        if step.state and step.status in ("OK", "TIMEOUT"):  # the digits typed at the prompt
            digits = step.digits
            if room.leader_pin is not None and digits == room.leader_pin:
                return await self._enter(room, True, summary)
            if digits == room.pin or (room.pin is None and digits == ""):  # no room PIN: any input but the leader's
                return await self._enter(room, leader, summary)
            tries += 1
            if tries >= MAX_TRIES:
                # said so, then hung up at the next step
                return {"VATS_ACTION": "play", "VATS_MEDIA": f"{INVALID}&{REFUSED}", "VATS_SUMMARY": summary,
                        "VATS_STATE": f"{STATE_PREFIX}{room.room_id.hex}:{tries}:{int(leader)}"}  # fmt: skip
            return self._ask(room, tries, leader, summary, again=True)
        # nothing to ask: an open room, or a leader known by their own phone (SIP already said who)
        if (room.pin is None and room.leader_pin is None) or leader:
            return await self._enter(room, leader, summary)
        return self._ask(room, tries, leader, summary)

    async def _leader_by_phone(self, room: RoomRoute, step: wire.StepRequest) -> bool:
        """A colleague calling from their own phone is a leader when the room's rule says so."""
        internal = wire.parse_internal(step.did)
        if internal is None or room.starts == "anyone":
            return False
        snapshot = await self.kernel.snapshots.get(room.tenant_id)
        caller = snapshot.extensions.get(step.caller)
        employee = snapshot.employees.get(caller) if caller else None
        if employee is None:
            return False
        return employee.role == "admin" if room.starts == "admins" else employee.id in room.leaders

    def _ask(self, room: RoomRoute, tries: int, leader: bool, summary: str, *, again: bool = False) -> dict[str, str]:
        return {
            "VATS_ACTION": "collect", "VATS_MEDIA": f"{INVALID}&{PROMPT}" if again else PROMPT,
            "VATS_MAXDIGITS": "10", "VATS_TIMEOUT": str(PIN_TIMEOUT_S),
            "VATS_STATE": f"{STATE_PREFIX}{room.room_id.hex}:{tries}:{int(leader)}", "VATS_SUMMARY": summary,
        }  # fmt: skip

    async def _enter(self, room: RoomRoute, leader: bool, summary: str) -> dict[str, str]:
        # VATS_DIALOPTS: the participant's part (leader, waits for a leader, or neither)
        part = "leader" if leader and room.starts != "anyone" else "wait" if room.starts != "anyone" else ""
        folder = self.kernel.config.media_dir / "recordings" / str(room.tenant_id)
        # recorded as the PBX's calls are: only with its call-recording service switched on, and
        # never on a tariff without call recording (tenant_may_use, kept in the routing snapshot)
        snapshot = await self.kernel.snapshots.get(room.tenant_id)
        record = room.record and snapshot.tenant.settings.recording_enabled and RECORDING not in snapshot.refused
        if record:
            folder.mkdir(parents=True, exist_ok=True)
        return {
            "VATS_ACTION": CONTEXT, "VATS_DIAL": bridge_name(room.room_id), "VATS_DIALOPTS": part,
            "VATS_FILE": str(folder / recording_name(room.room_id)) if record else "",
            "VATS_STATE": f"{STATE_PREFIX}{room.room_id.hex}:0:{int(leader)}", "VATS_SUMMARY": summary,
        }  # fmt: skip

    @staticmethod
    def _summary(room: RoomRoute, step: wire.StepRequest) -> str:
        internal = wire.parse_internal(step.did)
        summary = Summary(
            tenant_id=str(room.tenant_id), number=internal[1] if internal else wire.normalise_did(step.did),
            caller=step.caller or "anonymous", path=[f"conference: {room.name}"],
            direction="internal" if internal else "inbound",
        )  # fmt: skip
        return encode_summary(summary)
