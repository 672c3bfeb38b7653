"""Who is in a conference room now: Asterisk's ``ConfbridgeJoin``/``ConfbridgeLeave``/
``ConfbridgeEnd`` events (AMI) kept in ``conference_participants``, so every vats process (the
API, the cabinet's live stream, the Telegram bot) reads the same list; a trigger tells open
cabinet pages (``vats_live``, kind ``conference``).

Events are applied one at a time, in the order they came (a queue), so a quick join-and-leave
never leaves a ghost. When the AMI connection comes (back) up, Asterisk sends ``FullyBooted``:
the rooms are read afresh (``ConfbridgeListRooms``/``ConfbridgeList``), since events may have been
missed meanwhile. One Asterisk server per vats installation is assumed here (the resync
replaces every room's list)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import msgspec
from vats.core.conferences.models import LiveRoom, Participant
from vats.core.conferences.routing import room_of_bridge
from vats.core.db.database import Connection
from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)

EVENTS = ("ConfbridgeJoin", "ConfbridgeLeave", "ConfbridgeEnd")


def _login(channel: str) -> str | None:
    tech, _, rest = channel.partition("/")
    return rest.rsplit("-", 1)[0] if tech == "PJSIP" else None


async def _employee(conn: Connection, tenant_id: uuid.UUID, channel: str, caller: str) -> uuid.UUID | None:
    """The colleague in the room: their SIP line's owner, or the owner of the extension their call
    shows (2 to 5 digits: an outside number never looks like that)."""
    login = _login(channel)
    if login:
        found: uuid.UUID | None = await conn.fetchval(
            "SELECT employee_id FROM terminals WHERE tenant_id = $1 AND sip_login = $2", tenant_id, login
        )
        if found:
            return found
    if caller.isdigit() and 2 <= len(caller) <= 5:
        return await conn.fetchval(  # type: ignore[no-any-return]
            "SELECT employee_id FROM extensions WHERE tenant_id = $1 AND extension = $2", tenant_id, caller
        )
    return None


async def _join(conn: Connection, room_id: uuid.UUID, event: Any) -> None:
    tenant_id = await conn.fetchval("SELECT tenant_id FROM conference_rooms WHERE id = $1", room_id)
    if tenant_id is None:
        return  # not one of ours (any more)
    channel = str(event.get("Channel", ""))
    caller = str(event.get("CallerIDNum", "") or "")
    name = str(event.get("CallerIDName", "") or "")
    caller = "" if caller == "<unknown>" else caller
    name = "" if name == "<unknown>" else name
    employee = await _employee(conn, tenant_id, channel, caller)
    await conn.execute(
        "INSERT INTO conference_participants (tenant_id, room_id, channel, caller, caller_name, employee_id)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (room_id, channel) DO NOTHING",
        tenant_id, room_id, channel, caller, name, employee,
    )  # fmt: skip


class ConferenceEvents:
    """Fed by every AMI connection (``AmiClient.listen``); ``on_event`` must not raise."""

    def __init__(self, kernel: KernelAPI) -> None:
        self.kernel = kernel
        self._queue: asyncio.Queue[tuple[Any, Any]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.applied = 0

    def listener(self, client: Any) -> Any:
        """The callback for one AMI client (a resync asks that client)."""
        return lambda event: self.on_event(client, event)

    def on_event(self, client: Any, event: Any) -> None:
        name = event.get("Event")
        if name not in EVENTS and name != "FullyBooted":
            return
        self._queue.put_nowait((client, event))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._work())

    async def _work(self) -> None:
        while not self._queue.empty():
            client, event = self._queue.get_nowait()
            try:
                await self._apply(client, event)
                self.applied += 1
            except Exception:  # a page shows a stale list until the next event; calls never notice
                log.warning("could not apply the conference event %s", event.get("Event"), exc_info=True)
            finally:
                self._queue.task_done()

    async def _apply(self, client: Any, event: Any) -> None:
        name = event.get("Event")
        if name == "FullyBooted":
            await self.resync(client)
            return
        room_id = room_of_bridge(str(event.get("Conference", "")))
        if room_id is None:
            return
        async with self.kernel.db.system() as conn:
            if name == "ConfbridgeJoin":
                await _join(conn, room_id, event)
            elif name == "ConfbridgeLeave":
                await conn.execute(
                    "DELETE FROM conference_participants WHERE room_id = $1 AND channel = $2",
                    room_id, str(event.get("Channel", "")),
                )  # fmt: skip
            elif name == "ConfbridgeEnd":
                await conn.execute("DELETE FROM conference_participants WHERE room_id = $1", room_id)

    async def resync(self, client: Any) -> None:
        """Replace the lists with what Asterisk says now."""
        members: list[tuple[uuid.UUID, Any]] = []
        with contextlib.suppress(Exception):  # no conference at all: Asterisk answers with an error
            rooms = await client.action({"Action": "ConfbridgeListRooms"}, as_list=True)
            for r in rooms:
                room_id = room_of_bridge(str(r.get("Conference", "")))
                if room_id is None:
                    continue
                for m in await client.action({"Action": "ConfbridgeList", "Conference": r["Conference"]}, as_list=True):
                    if m.get("Event") == "ConfbridgeList":
                        members.append((room_id, m))
        async with self.kernel.db.system() as conn:
            await conn.execute("DELETE FROM conference_participants")
            for room_id, m in members:
                await _join(conn, room_id, m)

    async def drain(self) -> None:
        """Wait until the events received so far are applied (tests, shutdown)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.wait({self._worker}, timeout=5)

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker


async def live_rooms(conn: Connection, tenant_id: uuid.UUID) -> list[LiveRoom]:
    """Every room of the tenant with who is in it now (earliest first)."""
    rows = await conn.fetch(
        "SELECT r.id, r.name, p.channel, p.caller, p.caller_name, p.employee_id, p.joined_at"
        " FROM conference_rooms r LEFT JOIN conference_participants p ON p.room_id = r.id AND p.tenant_id = r.tenant_id"
        " WHERE r.tenant_id = $1 ORDER BY lower(r.name), r.id, p.joined_at, p.channel",
        tenant_id,
    )
    rooms: dict[uuid.UUID, LiveRoom] = {}
    for r in rows:
        room = rooms.setdefault(r["id"], LiveRoom(room_id=r["id"], name=r["name"], participants=[]))
        if r["channel"] is not None:
            room.participants.append(
                Participant(channel=r["channel"], caller=r["caller"], caller_name=r["caller_name"],
                            employee_id=r["employee_id"], joined_at=r["joined_at"])
            )  # fmt: skip
    return list(rooms.values())


def as_seen_by(rooms: list[LiveRoom], role: str) -> list[LiveRoom]:
    """What a role may see of who is in the rooms: admins everything; others see colleagues
    whole and an outside participant only by the last digits of their number (seed 003: a
    caller's number is the history's, which users see within their scope only)."""
    if role == "admin":
        return rooms
    return [msgspec.structs.replace(room, participants=[_as_seen(p) for p in room.participants]) for room in rooms]


def _as_seen(participant: Participant) -> Participant:
    if participant.employee_id is not None:  # a colleague: their name and extension are no secret
        return participant
    return msgspec.structs.replace(participant, caller=masked(participant.caller), caller_name="")


def masked(number: str) -> str:
    """An outside number shown without giving it away: its last two digits."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"•••{digits[-2:]}" if len(digits) > 4 else "•••"

