"""Settings → Media (admin): upload an MP3 (with a progress bar), play and delete recordings,
and make media (chains of recordings and pauses) that scenarios and menus play. The same
services and rules as /api/media (core/media/library.py)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import ADMIN, CabinetPages, NavEntry, form_fields, language, page, problem_text, require
from vats.bots.web.kit import kernel_of, tenant_transaction
from vats.core.errors import ReferencedError, ValidationError, VatsError
from vats.core.media import library
from vats.core.media.audio import MAX_UPLOAD_BYTES
from vats.core.media.models import FilePart, MediaCreate, MediaPart, PausePart

PART_ROWS = 6  # rows of the "new media" form; a media may have more parts through the API
PAGE = "/cabinet/settings/media"


def seconds_to_ms(text: str) -> int:
    """'1,5' or '1.5' seconds -> 1500 ms; refused (naming the field) when not a number."""
    try:
        return round(float(text.replace(",", ".").strip()) * 1000)
    except ValueError:
        raise ValidationError("must be a number of seconds", field="items") from None


def parts_from_form(form: dict[str, str]) -> list[MediaPart]:
    """Rows ``part-N`` (a recording id, or "pause") with ``pause-N`` seconds, in order; empty
    rows are skipped."""
    parts: list[MediaPart] = []
    for n in range(PART_ROWS):
        chosen = form.get(f"part-{n}", "")
        if chosen == "pause":
            parts.append(PausePart(ms=seconds_to_ms(form.get(f"pause-{n}", "") or "0")))
        elif chosen:
            parts.append(FilePart(file_id=chosen))
    return parts


class MediaPages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def media(self, request: Request[Any, Any, Any]) -> Template:
        require(request, ADMIN)
        return await self._page(request)

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            files = await library.list_files(tx.conn, tx.tenant.id)
            chains = await library.list_media(tx.conn, tx.tenant.id)
        standard = library.standard_files()
        names = {f.id: f.name for f in [*files, *standard]}
        for key in ("errors", "values"):
            context.setdefault(key, {})
        context.setdefault("notice", "")
        return await page(
            request, "media.html", status, files=files, standard=standard, chains=chains, names=names,
            rows=range(PART_ROWS), max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), **context,
        )  # fmt: skip

    @post("/files", request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024)
    async def upload(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        form = await request.form()
        name = str(form.get("name") or "").strip()[:200]
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationError("choose an MP3 file", field="file")
            content = await upload.read()
            if len(content) > MAX_UPLOAD_BYTES:
                raise ValidationError(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", field="file")
            kernel = kernel_of(request)
            async with tenant_transaction(kernel, me) as tx:
                added = await library.upload(tx.conn, kernel.config.media_dir, tx.tenant.id, name, content)
        except VatsError as exc:
            errors = {exc.field or "file": problem_text(lang, exc.message)}
            return await self._page(request, 422, errors=errors, values={"name": name}, opened="upload")
        return await self._page(request, notice=texts_for(lang)["media_uploaded"].format(name=added.name))

    @post("/files/{file_id:uuid}/delete")
    async def delete_file(self, request: Request[Any, Any, Any], file_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        force = (await form_fields(request)).get("force") == "1"
        kernel = kernel_of(request)
        try:
            async with tenant_transaction(kernel, me) as tx:
                await library.delete_file(
                    tx.conn, kernel.config.media_dir, tx.tenant.id, file_id, force=force, references=kernel.references
                )
        except ReferencedError as exc:
            used = [r.description for r in exc.references]
            return await self._page(request, 409, in_use={"id": str(file_id), "kind": "file", "by": used})
        return await self._page(request, notice=texts_for(language(request))["media_deleted"])

    @post("/chains")
    async def create_chain(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        form = await form_fields(request)
        try:
            data = MediaCreate(name=form.get("chain_name", "").strip(), items=parts_from_form(form))
            if not data.name:
                raise ValidationError("must not be empty", field="name")
            async with tenant_transaction(kernel_of(request), me) as tx:
                created = await library.create_media(tx.conn, tx.tenant.id, data)
        except VatsError as exc:
            field = "chain_name" if exc.field == "name" else "items"
            errors = {field: problem_text(lang, exc.message)}
            return await self._page(request, 422, errors=errors, values=form, opened="chain")
        return await self._page(request, notice=texts_for(lang)["media_chain_added"].format(name=created.name))

    @post("/chains/{media_id:uuid}/delete")
    async def delete_chain(self, request: Request[Any, Any, Any], media_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        force = (await form_fields(request)).get("force") == "1"
        kernel = kernel_of(request)
        try:
            async with tenant_transaction(kernel, me) as tx:
                await library.delete_media(tx.conn, tx.tenant.id, media_id, force=force, references=kernel.references)
        except ReferencedError as exc:
            used = [r.description for r in exc.references]
            return await self._page(request, 409, in_use={"id": str(media_id), "kind": "chain", "by": used})
        return await self._page(request, notice=texts_for(language(request))["media_deleted"])


def texts_for(lang: str) -> dict[str, str]:
    return TEXTS_EN if lang == "en" else TEXTS_RU


TEXTS_RU = {
    "media_title": "Медиа",
    "media_recordings": "Записи",
    "media_upload": "Загрузить MP3",
    "media_name": "Название",
    "media_file": "Файл MP3",
    "media_file_hint": "До {mb} МБ; сохраним как 8 кГц WAV для телефонии.",
    "media_uploading": "Загрузка",
    "media_uploaded": "Запись «{name}» загружена.",
    "media_duration": "Длительность",
    "media_listen": "Прослушать",
    "media_delete": "Удалить",
    "media_deleted": "Удалено.",
    "media_no_files": "Своих записей пока нет: загрузите MP3 или используйте стандартные.",
    "media_standard": "Стандартные записи",
    "media_chains": "Цепочки (то, что проигрывают сценарии и меню)",
    "media_no_chains": "Цепочек пока нет.",
    "media_new_chain": "Новая цепочка",
    "media_chain_name": "Название цепочки",
    "media_part": "Часть {n}",
    "media_part_none": "—",
    "media_pause": "Пауза",
    "media_pause_seconds": "Пауза, с",
    "media_chain_added": "Цепочка «{name}» создана.",
    "media_in_use": "Это используется: {by}. Удалить всё равно? Там, где оно используется, его не станет.",
    "media_delete_anyway": "Удалить всё равно",
    "media_parts": "Состав",
    "err:choose an MP3 file": "Выберите файл MP3.",
    "err:must be a number of seconds": "Паузу укажите числом секунд.",
    "err:a media has at least one part": "Добавьте хотя бы одну часть.",
}
TEXTS_EN = {
    "media_title": "Media",
    "media_recordings": "Recordings",
    "media_upload": "Upload an MP3",
    "media_name": "Name",
    "media_file": "MP3 file",
    "media_file_hint": "Up to {mb} MB; stored as 8 kHz WAV for telephony.",
    "media_uploading": "Uploading",
    "media_uploaded": "Recording “{name}” uploaded.",
    "media_duration": "Duration",
    "media_listen": "Listen",
    "media_delete": "Delete",
    "media_deleted": "Deleted.",
    "media_no_files": "No recordings of your own yet: upload an MP3 or use the standard ones.",
    "media_standard": "Standard recordings",
    "media_chains": "Chains (what scenarios and menus play)",
    "media_no_chains": "No chains yet.",
    "media_new_chain": "New chain",
    "media_chain_name": "Chain name",
    "media_part": "Part {n}",
    "media_part_none": "—",
    "media_pause": "Pause",
    "media_pause_seconds": "Pause, s",
    "media_chain_added": "Chain “{name}” created.",
    "media_in_use": "This is in use: {by}. Delete anyway? It disappears from where it is used.",
    "media_delete_anyway": "Delete anyway",
    "media_parts": "Parts",
}


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[MediaPages],
        nav=[NavEntry(href=PAGE, label_ru="Медиа", label_en="Media", roles=ADMIN, section="settings", order=300)],
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
