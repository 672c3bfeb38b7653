"""A room's recordings: the files ConfBridge wrote into the tenant's recordings folder, named
``conf-<room>-<call>.wav`` by the router (``routing.recording_name``), so the folder itself is
the list (Asterisk is their only writer; a participant's call record does not carry them, which
keeps them away from everyone but admins, seed 003: "записи комнат конференций" are admins')."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import msgspec
from vats.core.errors import NotFoundError


class RoomRecording(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # the file's name without the extension
    started_at: dt.datetime
    ended_at: dt.datetime
    size: int  # bytes


def _folder(media_dir: Path, tenant_id: uuid.UUID) -> Path:
    return media_dir / "recordings" / str(tenant_id)


def list_recordings(media_dir: Path, tenant_id: uuid.UUID, room_id: uuid.UUID) -> list[RoomRecording]:
    """Newest first."""
    found = []
    for path in _folder(media_dir, tenant_id).glob(f"conf-{room_id.hex}-*.wav"):
        stat = path.stat()
        found.append(
            RoomRecording(
                id=path.stem, size=stat.st_size,
                started_at=dt.datetime.fromtimestamp(min(stat.st_ctime, stat.st_mtime), dt.UTC),
                ended_at=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC),
            )
        )  # fmt: skip
    return sorted(found, key=lambda r: r.ended_at, reverse=True)


def recordings_during(
    media_dir: Path, tenant_id: uuid.UUID, room_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> list[RoomRecording]:
    """The room's recordings that overlap ``start``..``end``: what was said in the room while a
    participant's call was in it (the history's call page shows them to admins)."""
    return [r for r in list_recordings(media_dir, tenant_id, room_id) if r.started_at <= end and r.ended_at >= start]


def recording_file(media_dir: Path, tenant_id: uuid.UUID, room_id: uuid.UUID, recording_id: str) -> Path:
    """The file of one recording of the room (never a path outside the tenant's folder)."""
    if not recording_id.startswith(f"conf-{room_id.hex}-") or not all(ch.isalnum() or ch == "-" for ch in recording_id):
        raise NotFoundError("the room has no such recording", field="recording_id")
    path = _folder(media_dir, tenant_id) / f"{recording_id}.wav"
    if not path.is_file():
        raise NotFoundError("the room has no such recording", field="recording_id")
    return path


def remove_expired(media_dir: Path, tenant_id: uuid.UUID, cutoff: dt.datetime) -> int:
    """Remove the tenant's room recordings that ended before ``cutoff`` (the retention job,
    core/calls/retention.py: the same period as the call recordings); how many."""
    removed = 0
    for path in _folder(media_dir, tenant_id).glob("conf-*.wav"):
        if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
