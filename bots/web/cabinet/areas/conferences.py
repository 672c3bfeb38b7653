"""Settings → Конференции (admins): the tenant's conference rooms (a number and/or an extension,
a PIN, who starts the room, recording), each room's page with who is in it now (updated live:
the ``conference`` events of the cabinet's stream, bots/web/cabinet/live.py) and its recordings.
The same services and rules as /api/conferences (core/conferences)."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import File, Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    REFUSED,
    CabinetPages,
    NavEntry,
    form_context,
    form_fields,
    language,
    page,
    redirect,
    refusal,
    require,
)
from vats.bots.web.kit import kernel_of, tenant_transaction
from vats.core.conferences import recordings, rooms
from vats.core.conferences.live import live_rooms
from vats.core.conferences.models import STARTS, RoomCreate, RoomUpdate
from vats.core.directory import employees as employees_repo
from vats.core.errors import ValidationError, VatsError
from vats.core.features import RECORDING, may_use

PAGE = "/cabinet/settings/conferences"
LEADER = "leader-"  # a checkbox per employee: leader-<id>


def room_fields(form: dict[str, str]) -> dict[str, Any]:
    """The form's values as the service takes them (empty text: none)."""
    starts = form.get("starts", "anyone")
    if starts not in STARTS:
        raise ValidationError("choose who starts the room from the list", field="starts")
    leaders = []
    for key in form:
        if key.startswith(LEADER):
            try:
                leaders.append(uuid.UUID(key[len(LEADER) :]))
            except ValueError as exc:
                raise ValidationError("choose an employee", field="leader_ids") from exc
    return {
        "name": form.get("name", "").strip(), "number": form.get("number", "").strip() or None,
        "extension": form.get("extension", "").strip() or None, "pin": form.get("pin", "").strip() or None,
        "leader_pin": form.get("leader_pin", "").strip() or None, "starts": starts,
        "record": form.get("record") == "on", "leader_ids": leaders,
    }  # fmt: skip


class ConferencePages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def rooms(self, request: Request[Any, Any, Any]) -> Template:
        return await self._list(request)

    async def _list(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            found = await rooms.list_rooms(tx.conn, tx.tenant.id)
            live = {r.room_id: r.participants for r in await live_rooms(tx.conn, tx.tenant.id)}
            numbers = await _numbers(tx.conn, tx.tenant.id)
        return await page(
            request, "conferences.html", status, rooms=found, live=live, numbers=numbers, starts=STARTS,
            **form_context(context),
        )  # fmt: skip

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = require(request, ADMIN)
        form = await form_fields(request)
        try:
            fields = room_fields(form)
            async with tenant_transaction(kernel_of(request), me) as tx:
                room = await rooms.create_room(tx.conn, tx.tenant.id, RoomCreate(**fields))
        except VatsError as exc:
            return await self._list(request, REFUSED, **refusal(language(request), exc, "name", form), adding=True)
        return redirect(f"{PAGE}/{room.id}")

    @get("/{room_id:uuid}")
    async def card(self, request: Request[Any, Any, Any], room_id: FromPath[uuid.UUID]) -> Template:
        return await self._card(request, room_id)

    async def _card(
        self, request: Request[Any, Any, Any], room_id: uuid.UUID, status: int = 200, **context: Any
    ) -> Template:
        me = require(request, ADMIN)
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:
            room = await rooms.get_room(tx.conn, tx.tenant.id, room_id)
            live = next((r.participants for r in await live_rooms(tx.conn, tx.tenant.id) if r.room_id == room_id), [])
            people = sorted(await employees_repo.list_employees(tx.conn, tx.tenant.id), key=lambda e: e.full_name)
            numbers = await _numbers(tx.conn, tx.tenant.id)
            zone = ZoneInfo(tx.tenant.time_zone)
            recording_off = (
                "conferences_recording_off" if not tx.tenant.settings.recording_enabled
                else None if await may_use(kernel.plugins, tx.tenant.id, RECORDING, tx.conn)
                else "conferences_recording_refused"
            )  # fmt: skip
        names = {e.id: e.full_name for e in people}
        files = recordings.list_recordings(kernel.config.media_dir, me.tenant_id, room_id)
        return await page(
            request, "conference.html", status, room=room, live=live, names=names, people=people, numbers=numbers,
            starts=STARTS, files=files, zone=zone, recording_off=recording_off, **form_context(context),
        )  # fmt: skip

    @post("/{room_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], room_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        try:
            fields = room_fields(form)
            async with tenant_transaction(kernel_of(request), me) as tx:
                await rooms.update_room(tx.conn, tx.tenant.id, room_id, RoomUpdate(**fields))
        except VatsError as exc:
            return await self._card(request, room_id, REFUSED, **refusal(lang, exc, "name", form))
        return await self._card(request, room_id, notice=TEXTS[lang]["conferences_saved"])

    @post("/{room_id:uuid}/delete")
    async def delete(self, request: Request[Any, Any, Any], room_id: FromPath[uuid.UUID]) -> Response[Any]:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            await rooms.delete_room(tx.conn, tx.tenant.id, room_id)
        return redirect(PAGE)

    @get("/{room_id:uuid}/recordings/{recording_id:str}")
    async def recording(
        self, request: Request[Any, Any, Any], room_id: FromPath[uuid.UUID], recording_id: FromPath[str]
    ) -> File:
        me = require(request, ADMIN)
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:
            await rooms.get_room(tx.conn, tx.tenant.id, room_id)
        path = recordings.recording_file(kernel.config.media_dir, me.tenant_id, room_id, recording_id)
        return File(
            path=path, filename=f"{recording_id}.wav", media_type="audio/wav", content_disposition_type="inline"
        )


async def _numbers(conn: Any, tenant_id: uuid.UUID) -> list[str]:
    rows = await conn.fetch("SELECT e164 FROM numbers WHERE tenant_id = $1 ORDER BY e164", tenant_id)
    return [r["e164"] for r in rows]


TEXTS_RU = {
    "conferences_title": "Конференции",
    "conferences_add": "Добавить комнату",
    "conferences_none": "Комнат пока нет.",
    "conferences_name": "Название",
    "conferences_number": "Номер",
    "conferences_no_number": "— без номера —",
    "conferences_extension": "Добавочный",
    "conferences_extension_hint": "Пусто и без номера — выберем свободный добавочный.",
    "conferences_pin": "PIN-код",
    "conferences_pin_hint": "Цифры, которые набирает каждый участник. Пусто — вход без кода.",
    "conferences_leader_pin": "PIN-код ведущего",
    "conferences_leader_pin_hint": "Кто наберёт его вместо PIN-кода, войдёт ведущим (например, с мобильного).",
    "conferences_starts": "Кто начинает конференцию",
    "conferences_starts_anyone": "Любой участник",
    "conferences_starts_admins": "Администраторы",
    "conferences_starts_leaders": "Ведущие из списка",
    "conferences_starts_hint": "Пока ведущего нет, остальные ждут под музыку.",
    "conferences_leaders": "Ведущие",
    "conferences_leaders_hint": (
        "Ведущий узнаётся по своему телефону при звонке на добавочный комнаты (PIN-код не спрашивается)."
    ),
    "conferences_record": "Записывать конференцию",
    "conferences_recording_off": "Услуга записи не подключена (Настройки → АТС): комнаты не записываются.",
    "conferences_recording_refused": "Ваш тариф не включает запись разговоров: комнаты не записываются"
    " (Мои финансы → Тариф).",
    "conferences_recorded": "Запись",
    "conferences_yes": "да",
    "conferences_no": "нет",
    "conferences_with_pin": "с PIN-кодом",
    "conferences_open": "без кода",
    "conferences_now": "Сейчас в комнате",
    "conferences_nobody": "В комнате никого нет.",
    "conferences_people": "Участников",
    "conferences_joined": "с {at}",
    "conferences_recordings": "Записи комнаты",
    "conferences_recordings_none": "Записей пока нет.",
    "conferences_recordings_hint": "Записи комнат конференций доступны только администраторам.",
    "conferences_download": "Скачать",
    "conferences_saved": "Комната сохранена.",
    "conferences_delete": "Удалить комнату",
    "conferences_reach": "Как попасть",
    "err:a PIN is 1 to 10 digits": "PIN-код — от 1 до 10 цифр.",
    "err:the leader PIN must differ from the room's PIN": "PIN-код ведущего должен отличаться от PIN-кода комнаты.",
    "err:name the leaders or give a leader PIN": "Отметьте ведущих или задайте PIN-код ведущего.",
    "err:choose who starts the room from the list": "Выберите из списка, кто начинает конференцию.",
    "err:not one of this PBX's numbers": "Это не номер вашей АТС.",
    "err:this number already leads into another room": "Этот номер уже ведёт в другую комнату.",
    "err:leader_ids refers to nothing in this PBX": "Такого сотрудника нет.",
    "err:no such conference room": "Такой комнаты нет.",
    "err:a room keeps a number or an extension, else nobody can reach it": (
        "У комнаты должен остаться номер или добавочный, иначе в неё не попасть."
    ),
}
TEXTS_EN = {
    "conferences_title": "Conferences",
    "conferences_add": "Add a room",
    "conferences_none": "No rooms yet.",
    "conferences_name": "Name",
    "conferences_number": "Number",
    "conferences_no_number": "— no number —",
    "conferences_extension": "Extension",
    "conferences_extension_hint": "Empty and no number: the next free extension is picked.",
    "conferences_pin": "PIN",
    "conferences_pin_hint": "Digits every participant types. Empty: no PIN.",
    "conferences_leader_pin": "Leader PIN",
    "conferences_leader_pin_hint": "Typed instead of the PIN, it enters as a leader (e.g. from a mobile).",
    "conferences_starts": "Who starts the conference",
    "conferences_starts_anyone": "Anyone",
    "conferences_starts_admins": "Admins",
    "conferences_starts_leaders": "The listed leaders",
    "conferences_starts_hint": "Until a leader is in, the others wait with music.",
    "conferences_leaders": "Leaders",
    "conferences_leaders_hint": (
        "A leader is known by their own phone when they dial the room's extension (no PIN asked)."
    ),
    "conferences_record": "Record the conference",
    "conferences_recording_off": "The recording service is off (Settings → PBX): rooms are not recorded.",
    "conferences_recording_refused": "Your tariff has no call recording: rooms are not recorded"
    " (My finances → Tariff).",
    "conferences_recorded": "Recording",
    "conferences_yes": "yes",
    "conferences_no": "no",
    "conferences_with_pin": "with a PIN",
    "conferences_open": "no PIN",
    "conferences_now": "In the room now",
    "conferences_nobody": "Nobody is in the room.",
    "conferences_people": "People",
    "conferences_joined": "since {at}",
    "conferences_recordings": "The room's recordings",
    "conferences_recordings_none": "No recordings yet.",
    "conferences_recordings_hint": "Conference recordings are for admins only.",
    "conferences_download": "Download",
    "conferences_saved": "Room saved.",
    "conferences_delete": "Delete the room",
    "conferences_reach": "How to reach it",
}
TEXTS = {"ru": TEXTS_RU, "en": TEXTS_EN}


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[ConferencePages],
        nav=[
            NavEntry(
                href=PAGE, label_ru="Конференции", label_en="Conferences", roles=ADMIN, section="settings", order=170
            )
        ],
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
