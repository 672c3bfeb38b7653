"""Conference rooms: stored per tenant, validated here (the API and the cabinet both call these
functions inside a tenant transaction). A room's extension is one of the tenant's extensions
(the ``extensions`` table keeps it unique with employees' and groups'); its number is one of the
tenant's numbers and leads into one room only."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec
from vats.core.conferences.models import STARTS, Room, RoomCreate, RoomUpdate
from vats.core.db.database import Connection
from vats.core.directory._sql import lock_tenant, translated_errors
from vats.core.directory.validation import check_extension, check_name, next_free_extension, normalise_phone
from vats.core.errors import ConflictError, NotFoundError, ValidationError

MAX_PIN = 10

_SELECT = (
    "SELECT r.id, r.name, n.e164 AS number, r.extension, r.pin, r.leader_pin, r.starts, r.record, r.created_at,"
    " coalesce((SELECT array_agg(l.employee_id ORDER BY l.employee_id) FROM conference_leaders l"
    "   WHERE l.tenant_id = r.tenant_id AND l.room_id = r.id), '{}') AS leader_ids"
    " FROM conference_rooms r LEFT JOIN numbers n ON (n.tenant_id, n.id) = (r.tenant_id, r.number_id)"
    " WHERE r.tenant_id = $1"
)


def _room(row: Any) -> Room:
    return msgspec.convert({**dict(row), "leader_ids": list(row["leader_ids"])}, Room)


async def list_rooms(conn: Connection, tenant_id: uuid.UUID) -> list[Room]:
    rows = await conn.fetch(_SELECT + " ORDER BY lower(r.name), r.id", tenant_id)
    return [_room(r) for r in rows]


async def get_room(conn: Connection, tenant_id: uuid.UUID, room_id: uuid.UUID) -> Room:
    row = await conn.fetchrow(_SELECT + " AND r.id = $2", tenant_id, room_id)
    if row is None:
        raise NotFoundError("no such conference room", field="room_id")
    return _room(row)


def check_pin(pin: str | None, field: str) -> str | None:
    if pin is None or pin.strip() == "":
        return None
    pin = pin.strip()
    if not pin.isdigit() or not pin.isascii() or len(pin) > MAX_PIN:
        raise ValidationError(f"a PIN is 1 to {MAX_PIN} digits", field=field)
    return pin


async def _number_id(conn: Connection, tenant_id: uuid.UUID, number: str | None) -> uuid.UUID | None:
    if number is None or number.strip() == "":
        return None
    e164 = normalise_phone(number.strip(), "number")
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM numbers WHERE tenant_id = $1 AND e164 = $2", tenant_id, e164
    )
    if found is None:
        raise NotFoundError("not one of this PBX's numbers", field="number")
    return found


async def _check_leaders(conn: Connection, tenant_id: uuid.UUID, leader_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    unique = list(dict.fromkeys(leader_ids))
    found = {
        r["id"]
        for r in await conn.fetch("SELECT id FROM employees WHERE tenant_id = $1 AND id = ANY($2)", tenant_id, unique)
    }
    if len(found) != len(unique):
        raise NotFoundError("leader_ids refers to nothing in this PBX", field="leader_ids")
    return unique


def _check_rules(room: dict[str, Any]) -> None:
    if room["starts"] not in STARTS:
        raise ValidationError("choose who starts the room from the list", field="starts")
    if room["pin"] is not None and room["pin"] == room["leader_pin"]:
        raise ValidationError("the leader PIN must differ from the room's PIN", field="leader_pin")
    if room["starts"] == "leaders" and not room["leader_ids"] and room["leader_pin"] is None:
        raise ValidationError("name the leaders or give a leader PIN", field="leader_ids")


async def _set_leaders(conn: Connection, tenant_id: uuid.UUID, room_id: uuid.UUID, leader_ids: list[uuid.UUID]) -> None:
    await conn.execute("DELETE FROM conference_leaders WHERE tenant_id = $1 AND room_id = $2", tenant_id, room_id)
    await conn.executemany(
        "INSERT INTO conference_leaders (tenant_id, room_id, employee_id) VALUES ($1, $2, $3)",
        [(tenant_id, room_id, e) for e in leader_ids],
    )


async def create_room(conn: Connection, tenant_id: uuid.UUID, data: RoomCreate) -> Room:
    given = {f: getattr(data, f) for f in data.__struct_fields__ if f != "number"}
    values = await _checked(conn, tenant_id, given, {})
    number_id = await _number_id(conn, tenant_id, data.number)
    await lock_tenant(conn, tenant_id)  # extensions are claimed under the tenant's lock
    if number_id is None and values["extension"] is None:
        # Neither a number nor an extension: nobody could reach the room. Pick the next free
        # extension, as an employee left without one gets.
        taken = await conn.fetch("SELECT extension FROM extensions WHERE tenant_id = $1", tenant_id)
        values["extension"] = next_free_extension(r["extension"] for r in taken)
    room_id = uuid.uuid4()
    await _save(
        conn,
        "INSERT INTO conference_rooms (id, tenant_id, name, number_id, extension, pin, leader_pin, starts, record)"
        " VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9)",
        tenant_id, room_id, values, number_id,
    )  # fmt: skip
    await _claim_extension(conn, tenant_id, room_id, values["extension"])
    await _set_leaders(conn, tenant_id, room_id, values["leader_ids"])
    return await get_room(conn, tenant_id, room_id)


async def update_room(conn: Connection, tenant_id: uuid.UUID, room_id: uuid.UUID, data: RoomUpdate) -> Room:
    await lock_tenant(conn, tenant_id)
    current = await get_room(conn, tenant_id, room_id)
    given = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not msgspec.UNSET}
    values = await _checked(conn, tenant_id, given, msgspec.structs.asdict(current))
    number_id = (
        await _number_id(conn, tenant_id, given["number"])
        if "number" in given
        else await conn.fetchval("SELECT number_id FROM conference_rooms WHERE id = $1", room_id)
    )
    if number_id is None and values["extension"] is None:
        raise ValidationError("a room keeps a number or an extension, else nobody can reach it", field="extension")
    await _save(
        conn,
        "UPDATE conference_rooms SET name = $3, number_id = $4, extension = $5, pin = $6, leader_pin = $7,"
        " starts = $8, record = $9 WHERE tenant_id = $1 AND id = $2",
        tenant_id, room_id, values, number_id,
    )  # fmt: skip
    if values["extension"] != current.extension:
        await _claim_extension(conn, tenant_id, room_id, values["extension"])
    if "leader_ids" in given:
        await _set_leaders(conn, tenant_id, room_id, values["leader_ids"])
    return await get_room(conn, tenant_id, room_id)


async def _checked(
    conn: Connection, tenant_id: uuid.UUID, given: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """``values`` with the ``given`` fields checked and put in, then the room's rules checked whole
    (a new room is given every field; an update, the ones it changes)."""
    values = dict(values)
    if "name" in given:
        values["name"] = check_name(given["name"], "name")
    if "extension" in given:
        extension = given["extension"]
        values["extension"] = check_extension(extension.strip()) if extension and extension.strip() else None
    for field in ("pin", "leader_pin"):
        if field in given:
            values[field] = check_pin(given[field], field)
    for field in ("starts", "record"):
        if field in given:
            values[field] = given[field]
    if "leader_ids" in given:
        values["leader_ids"] = await _check_leaders(conn, tenant_id, given["leader_ids"])
    _check_rules(values)
    return values


async def _save(
    conn: Connection, sql: str, tenant_id: uuid.UUID, room_id: uuid.UUID, values: dict[str, Any],
    number_id: uuid.UUID | None,
) -> None:  # fmt: skip
    """Write the room's row ($1 tenant, $2 room, then its columns); a number that already leads
    into another room is a conflict on ``number``."""
    try:
        async with conn.transaction():
            await conn.execute(
                sql, tenant_id, room_id, values["name"], number_id, values["extension"], values["pin"],
                values["leader_pin"], values["starts"], values["record"],
            )  # fmt: skip
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "conference_rooms_number_id_key":
            raise ConflictError("this number already leads into another room", field="number") from exc
        raise


async def _claim_extension(conn: Connection, tenant_id: uuid.UUID, room_id: uuid.UUID, extension: str | None) -> None:
    """The room's extension in the tenant's one list of extensions (one already taken: a conflict)."""
    await conn.execute("DELETE FROM extensions WHERE tenant_id = $1 AND room_id = $2", tenant_id, room_id)
    if extension is not None:
        with translated_errors():
            await conn.execute(
                "INSERT INTO extensions (tenant_id, extension, room_id) VALUES ($1, $2, $3)",
                tenant_id, extension, room_id,
            )  # fmt: skip


async def delete_room(conn: Connection, tenant_id: uuid.UUID, room_id: uuid.UUID) -> None:
    status = await conn.execute("DELETE FROM conference_rooms WHERE tenant_id = $1 AND id = $2", tenant_id, room_id)
    if status.endswith(" 0"):
        raise NotFoundError("no such conference room", field="room_id")
