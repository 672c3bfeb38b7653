"""The media library: MP3 uploads (checked, converted to 8 kHz WAV), the standard
recordings, and media (named chains of recordings and pauses). PBX settings: admins only."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from vats.bots.web.domain.employees.controllers import DeletedOut
from vats.bots.web.kit import ADMIN, Limit, Offset, Page, Search, Sort, TenantDep, paginate
from vats.core.errors import NotFoundError
from vats.core.media import library, refs
from vats.core.media.audio import MAX_UPLOAD_BYTES
from vats.core.media.models import Media, MediaCreate, MediaFile, MediaUpdate
from vats.core.media.standard import STANDARD, standard_path

ADMIN_ONLY: dict[str, Any] = {"roles": ADMIN}


class UploadForm(msgspec.Struct, kw_only=True):
    """multipart/form-data: the MP3 and the name it gets in the library."""

    name: str
    file: UploadFile


class MediaController(Controller):
    path = "/api/media"
    tags = ["media"]
    opt = ADMIN_ONLY

    @post(
        "/files",
        operation_id="uploadRecording",
        summary="Upload an MP3 (at most 10 MB); it is checked and converted to 8 kHz WAV",
        request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024,
        opt={"body_field": "file", "body_limit_bytes": MAX_UPLOAD_BYTES},
    )
    async def upload(
        self,
        tx: TenantDep,
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> MediaFile:
        content = await data.file.read()
        kernel = tx.kernel
        return await library.upload(tx.conn, kernel.config.media_dir, tx.tenant.id, data.name, content)

    @get("/files", operation_id="listRecordings", summary="Recordings: the PBX's uploads, then the standard ones")
    async def list_files(
        self,
        tx: TenantDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = None,
    ) -> Page[MediaFile]:
        files = [*await library.list_files(tx.conn, tx.tenant.id), *library.standard_files()]
        return paginate(
            files, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda f: (f.name,),
            sorts={"name": lambda f: f.name.casefold(), "duration": lambda f: f.duration_ms},
        )  # fmt: skip

    @get(
        "/files/{file_id:str}/audio",
        operation_id="downloadRecording",
        summary="The recording as 8 kHz WAV",
        media_type="audio/wav",
    )
    async def audio(self, tx: TenantDep, file_id: FromPath[str]) -> Response[bytes]:
        standard = refs.standard_name(file_id)
        if standard is not None and standard in STANDARD:
            path = standard_path(standard)
        else:
            try:
                uid = uuid.UUID(file_id)
            except ValueError:
                raise NotFoundError("no such recording", field="file_id") from None
            await library.get_file(tx.conn, tx.tenant.id, uid)
            path = library.file_path(tx.kernel.config.media_dir, tx.tenant.id, uid)
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise NotFoundError("the recording's file is missing from the media folder", field="file_id") from None
        return Response(content, media_type="audio/wav")

    @delete(
        "/files/{file_id:uuid}",
        operation_id="deleteRecording",
        summary="Delete a recording; refused (409) while a media uses it unless force=true",
        status_code=200,
    )
    async def delete_file(
        self, tx: TenantDep, file_id: FromPath[uuid.UUID], force: FromQuery[bool] = False
    ) -> DeletedOut:
        kernel = tx.kernel
        removed = await library.delete_file(
            tx.conn, kernel.config.media_dir, tx.tenant.id, file_id, force=force, references=kernel.references
        )
        return DeletedOut(removed_references=removed)

    @get(operation_id="listMedia", summary="Media: named chains of recordings and pauses")
    async def list_media(
        self,
        tx: TenantDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = None,
    ) -> Page[Media]:
        items = await library.list_media(tx.conn, tx.tenant.id)
        return paginate(
            items, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda m: (m.name,), sorts={"name": lambda m: m.name.casefold(), "duration": lambda m: m.duration_ms},
        )  # fmt: skip

    @post(operation_id="createMedia", summary="Create a media from recordings (yours or standard:<name>) and pauses")
    async def create_media(self, tx: TenantDep, data: JSONBody[MediaCreate]) -> Media:
        return await library.create_media(tx.conn, tx.tenant.id, data)

    @get("/{media_id:uuid}", operation_id="getMedia", summary="One media")
    async def get_media(self, tx: TenantDep, media_id: FromPath[uuid.UUID]) -> Media:
        return await library.get_media(tx.conn, tx.tenant.id, media_id)

    @patch("/{media_id:uuid}", operation_id="updateMedia", summary="Rename a media or change its parts")
    async def update_media(self, tx: TenantDep, media_id: FromPath[uuid.UUID], data: JSONBody[MediaUpdate]) -> Media:
        return await library.update_media(tx.conn, tx.tenant.id, media_id, data)

    @delete(
        "/{media_id:uuid}",
        operation_id="deleteMedia",
        summary="Delete a media; refused (409) while a scenario or a menu plays it unless force=true",
        status_code=200,
    )
    async def delete_media(
        self, tx: TenantDep, media_id: FromPath[uuid.UUID], force: FromQuery[bool] = False
    ) -> DeletedOut:
        removed = await library.delete_media(
            tx.conn, tx.tenant.id, media_id, force=force, references=tx.kernel.references
        )
        return DeletedOut(removed_references=removed)
