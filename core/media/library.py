"""The tenant's media library: recordings on disk (``<media dir>/<tenant>/<file id>.wav``) and
their rows, and media chains. Chains may use the standard recordings as ``standard:<name>``."""

from __future__ import annotations

import asyncio
import os
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.directory._sql import lock_tenant, translated_errors
from vats.core.directory.models import Reference, ReferenceFinder
from vats.core.directory.validation import check_name
from vats.core.errors import ConflictError, NotFoundError, ReferencedError, ValidationError
from vats.core.media import refs
from vats.core.media.audio import decode_mp3, decode_wav, duration_ms, wav_bytes
from vats.core.media.models import FilePart, Media, MediaCreate, MediaFile, MediaPart, MediaUpdate, PausePart
from vats.core.media.standard import STANDARD, standard_path

MIN_PAUSE_MS, MAX_PAUSE_MS = 100, 30_000
MAX_PARTS = 20


def file_path(media_dir: Path, tenant_id: uuid.UUID, file_id: uuid.UUID | str) -> Path:
    return media_dir / str(tenant_id) / f"{file_id}.wav"


def standard_files() -> list[MediaFile]:
    return list(_standard_files())


@cache
def _standard_files() -> tuple[MediaFile, ...]:
    """The shipped recordings (read once: they never change while vats runs)."""
    files = []
    for name, item in STANDARD.items():
        path = standard_path(name)
        files.append(
            MediaFile(
                id=refs.standard_ref(name), name=item.title, duration_ms=duration_ms(decode_wav(path)),
                size_bytes=path.stat().st_size, standard=True,
            )
        )  # fmt: skip
    return tuple(files)


def _file(row: Any) -> MediaFile:
    return MediaFile(
        id=str(row["id"]), name=row["name"], duration_ms=row["duration_ms"], size_bytes=row["size_bytes"],
        created_at=row["created_at"],
    )  # fmt: skip


async def upload(conn: Connection, media_dir: Path, tenant_id: uuid.UUID, name: str, data: bytes) -> MediaFile:
    """Check and convert an MP3, store the WAV, record it; nothing is written if anything fails."""
    name = check_name(name, "name")
    samples = decode_mp3(data)
    wav = wav_bytes(samples)
    with translated_errors():
        row = await conn.fetchrow(
            "INSERT INTO media_files (tenant_id, name, duration_ms, size_bytes) VALUES ($1, $2, $3, $4) RETURNING *",
            tenant_id, name, duration_ms(samples), len(wav),
        )  # fmt: skip
    assert row is not None
    await asyncio.to_thread(_write_atomically, file_path(media_dir, tenant_id, row["id"]), wav)
    return _file(row)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside, then rename: Asterisk never plays a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


async def list_files(conn: Connection, tenant_id: uuid.UUID) -> list[MediaFile]:
    rows = await conn.fetch("SELECT * FROM media_files WHERE tenant_id = $1 ORDER BY name", tenant_id)
    return [_file(r) for r in rows]


async def get_file(conn: Connection, tenant_id: uuid.UUID, file_id: uuid.UUID) -> MediaFile:
    row = await conn.fetchrow("SELECT * FROM media_files WHERE tenant_id = $1 AND id = $2", tenant_id, file_id)
    if row is None:
        raise NotFoundError("no such recording", field="file_id")
    return _file(row)


async def delete_file(
    conn: Connection,
    media_dir: Path,
    tenant_id: uuid.UUID,
    file_id: uuid.UUID,
    *,
    references: ReferenceFinder,
    force: bool = False,
) -> list[Reference]:
    """Delete a recording; refused while a media chain, a scenario or a plugin's object uses it
    unless forced (then it leaves them: see ``Block.without`` for scenarios)."""
    await lock_tenant(conn, tenant_id)
    await get_file(conn, tenant_id, file_id)
    users = await conn.fetch(
        "SELECT id, name FROM media WHERE tenant_id = $1 AND items @> $2::jsonb",
        tenant_id, [{"type": "file", "file_id": str(file_id)}],
    )  # fmt: skip
    refs = [Reference(kind="media", id=str(r["id"]), description=f"used in media «{r['name']}»") for r in users]
    refs += await references.collect(conn, tenant_id, "media", file_id)
    if refs and not force:
        raise ReferencedError("the recording is used", field="file_id", references=refs)
    await references.drop(conn, tenant_id, "media", file_id)
    for r in users:
        media = await get_media(conn, tenant_id, r["id"])
        kept = [p for p in media.items if not (isinstance(p, FilePart) and p.file_id == str(file_id))]
        await _save_items(conn, tenant_id, r["id"], kept or [PausePart(ms=MIN_PAUSE_MS)])
    await conn.execute("DELETE FROM media_files WHERE tenant_id = $1 AND id = $2", tenant_id, file_id)
    await asyncio.to_thread(file_path(media_dir, tenant_id, file_id).unlink, missing_ok=True)
    return refs


# --- media chains -------------------------------------------------------------------------


async def _checked_duration(conn: Connection, tenant_id: uuid.UUID, items: list[MediaPart]) -> int:
    if not items:
        raise ValidationError("a media has at least one part", field="items")
    if len(items) > MAX_PARTS:
        raise ValidationError(f"a media has at most {MAX_PARTS} parts", field="items")
    standard = {f.id: f.duration_ms for f in standard_files()}
    total = 0
    for i, part in enumerate(items):
        if isinstance(part, PausePart):
            if not MIN_PAUSE_MS <= part.ms <= MAX_PAUSE_MS:
                raise ValidationError(f"a pause lasts {MIN_PAUSE_MS} to {MAX_PAUSE_MS} ms", field=f"items[{i}].ms")
            total += part.ms
        elif part.file_id in standard:
            total += standard[part.file_id]
        else:
            try:
                file_id = uuid.UUID(part.file_id)
            except ValueError:
                raise NotFoundError("no such recording", field=f"items[{i}].file_id") from None
            row = await conn.fetchrow(
                "SELECT duration_ms FROM media_files WHERE tenant_id = $1 AND id = $2", tenant_id, file_id
            )
            if row is None:
                raise NotFoundError("no such recording", field=f"items[{i}].file_id")
            total += row["duration_ms"]
    return total


def _media(row: Any) -> Media:
    return Media(
        id=row["id"],
        name=row["name"],
        items=msgspec.convert(row["items"], list[MediaPart]),
        duration_ms=row["duration_ms"],
    )


async def _save_items(conn: Connection, tenant_id: uuid.UUID, media_id: uuid.UUID, items: list[MediaPart]) -> None:
    total = await _checked_duration(conn, tenant_id, items)
    await conn.execute(
        "UPDATE media SET items = $3, duration_ms = $4 WHERE tenant_id = $1 AND id = $2",
        tenant_id, media_id, msgspec.to_builtins(items), total,
    )  # fmt: skip


async def create_media(conn: Connection, tenant_id: uuid.UUID, data: MediaCreate) -> Media:
    name = check_name(data.name, "name")
    await lock_tenant(conn, tenant_id)  # the recordings it names cannot be deleted meanwhile
    total = await _checked_duration(conn, tenant_id, data.items)
    try:
        with translated_errors():
            row = await conn.fetchrow(
                "INSERT INTO media (tenant_id, name, items, duration_ms) VALUES ($1, $2, $3, $4) RETURNING *",
                tenant_id, name, msgspec.to_builtins(data.items), total,
            )  # fmt: skip
    except ConflictError as exc:
        raise ConflictError("another media has this name", field="name") from exc
    return _media(row)


async def get_media(conn: Connection, tenant_id: uuid.UUID, media_id: uuid.UUID) -> Media:
    row = await conn.fetchrow("SELECT * FROM media WHERE tenant_id = $1 AND id = $2", tenant_id, media_id)
    if row is None:
        raise NotFoundError("no such media", field="media_id")
    return _media(row)


async def list_media(conn: Connection, tenant_id: uuid.UUID) -> list[Media]:
    return [_media(r) for r in await conn.fetch("SELECT * FROM media WHERE tenant_id = $1 ORDER BY name", tenant_id)]


async def update_media(conn: Connection, tenant_id: uuid.UUID, media_id: uuid.UUID, data: MediaUpdate) -> Media:
    await lock_tenant(conn, tenant_id)  # as in create_media
    await get_media(conn, tenant_id, media_id)
    if data.name is not msgspec.UNSET:
        with translated_errors():
            await conn.execute(
                "UPDATE media SET name = $3 WHERE tenant_id = $1 AND id = $2",
                tenant_id,
                media_id,
                check_name(data.name, "name"),
            )
    if data.items is not msgspec.UNSET:
        await _save_items(conn, tenant_id, media_id, data.items)
    return await get_media(conn, tenant_id, media_id)


async def delete_media(
    conn: Connection, tenant_id: uuid.UUID, media_id: uuid.UUID, *, references: ReferenceFinder, force: bool = False
) -> list[Reference]:
    """Delete a media chain; refused while scenarios or plugins' objects (IVR menus) play it
    unless forced, which takes it out of them."""
    await lock_tenant(conn, tenant_id)
    await get_media(conn, tenant_id, media_id)
    refs = await references.collect(conn, tenant_id, "media", media_id)
    if refs and not force:
        raise ReferencedError("the media is used", field="media_id", references=refs)
    await references.drop(conn, tenant_id, "media", media_id)
    await conn.execute("DELETE FROM media WHERE tenant_id = $1 AND id = $2", tenant_id, media_id)
    return refs


async def media_exists(conn: Connection, tenant_id: uuid.UUID, ref: str) -> bool:
    """Whether a media reference names something playable: ``standard:<name>``, a media
    chain or a recording of this PBX."""
    name = refs.standard_name(ref)
    if name is not None:
        return name in STANDARD
    media_id = refs.library_id(ref)
    if media_id is None:
        return False
    found = await conn.fetchval(
        "SELECT true FROM media WHERE tenant_id = $1 AND id = $2"
        " UNION ALL SELECT true FROM media_files WHERE tenant_id = $1 AND id = $2 LIMIT 1",
        tenant_id, media_id,
    )  # fmt: skip
    return bool(found)
