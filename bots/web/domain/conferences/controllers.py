"""Conference rooms: admins manage them; everyone sees the rooms and who is in them now (outside
callers' numbers whole for admins only); the rooms' recordings are for admins only (seed 003)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.response import File
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.kit import ADMIN, EVERYONE, TenantDep
from vats.core.conferences import recordings, rooms
from vats.core.conferences.live import as_seen_by, live_rooms
from vats.core.conferences.models import LiveRoom, Room, RoomCreate, RoomUpdate
from vats.core.conferences.recordings import RoomRecording

RoomId = Annotated[uuid.UUID, PathParameter(description="conference room id")]


class ConferenceController(Controller):
    path = "/api/conferences"
    tags = ["conferences"]

    @get(operation_id="listConferenceRooms", summary="Conference rooms", opt={"roles": ADMIN})
    async def list_rooms(self, tx: TenantDep) -> list[Room]:
        return await rooms.list_rooms(tx.conn, tx.tenant.id)

    @post(operation_id="createConferenceRoom", summary="Create a conference room", opt={"roles": ADMIN})
    async def create_room(self, tx: TenantDep, data: JSONBody[RoomCreate]) -> Room:
        """A number (one of the PBX's) and/or an extension lead into the room; a PIN (digits)
        guards it; ``starts``: who starts it (anyone, admins, the listed ``leader_ids``; a leader
        PIN enters as a leader from any phone); ``record``: the room is recorded."""
        return await rooms.create_room(tx.conn, tx.tenant.id, data)

    @get("/live", operation_id="listLiveConferenceRooms", summary="Who is in each room now",
         opt={"roles": EVERYONE})  # fmt: skip
    async def live(self, tx: TenantDep) -> list[LiveRoom]:
        """Admins see every participant whole; the others see an outside caller's number only
        by its last two digits (``•••01``)."""
        return as_seen_by(await live_rooms(tx.conn, tx.tenant.id), tx.me.role)

    @get("/{room_id:uuid}", operation_id="getConferenceRoom", summary="One conference room", opt={"roles": ADMIN})
    async def get_room(self, tx: TenantDep, room_id: RoomId) -> Room:
        return await rooms.get_room(tx.conn, tx.tenant.id, room_id)

    @patch("/{room_id:uuid}", operation_id="updateConferenceRoom", summary="Change a conference room",
           opt={"roles": ADMIN})  # fmt: skip
    async def update_room(self, tx: TenantDep, room_id: RoomId, data: JSONBody[RoomUpdate]) -> Room:
        return await rooms.update_room(tx.conn, tx.tenant.id, room_id, data)

    @delete("/{room_id:uuid}", operation_id="deleteConferenceRoom", summary="Delete a conference room",
            opt={"roles": ADMIN}, status_code=HTTP_204_NO_CONTENT)  # fmt: skip
    async def delete_room(self, tx: TenantDep, room_id: RoomId) -> None:
        await rooms.delete_room(tx.conn, tx.tenant.id, room_id)

    @get("/{room_id:uuid}/recordings", operation_id="listConferenceRecordings",
         summary="The room's recordings, newest first (admins only)", opt={"roles": ADMIN})  # fmt: skip
    async def list_recordings(self, tx: TenantDep, room_id: RoomId) -> list[RoomRecording]:
        await rooms.get_room(tx.conn, tx.tenant.id, room_id)
        return recordings.list_recordings(tx.kernel.config.media_dir, tx.tenant.id, room_id)

    @get("/{room_id:uuid}/recordings/{recording_id:str}", operation_id="getConferenceRecording",
         summary="One recording of the room (WAV; admins only)", opt={"roles": ADMIN})  # fmt: skip
    async def recording(self, tx: TenantDep, room_id: RoomId, recording_id: FromPath[str]) -> File:
        await rooms.get_room(tx.conn, tx.tenant.id, room_id)
        path = recordings.recording_file(tx.kernel.config.media_dir, tx.tenant.id, room_id, recording_id)
        return File(path=path, filename=f"{recording_id}.wav", media_type="audio/wav")
