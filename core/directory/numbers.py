"""Numbers (DIDs) and tags. Only the operator assigns numbers; a number belongs to one tenant
across the whole system."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.directory._sql import changes, translated_errors, update_row
from vats.core.directory.models import Number, NumberUpdate, Tag, TagCreate
from vats.core.directory.validation import check_name, normalise_phone
from vats.core.errors import NotFoundError, ValidationError


def _number(row: Any, tag_ids: list[uuid.UUID]) -> Number:
    return Number(
        id=row["id"], tenant_id=row["tenant_id"], e164=row["e164"], name=row["name"],
        recording=row["recording"], recording_warning=row["recording_warning"],
        number_as_caller_id=row["number_as_caller_id"],
        scenario_id=row["scenario_id"], tag_ids=tag_ids,
    )  # fmt: skip


async def _tags_of(conn: Connection, tenant_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    result: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    for r in await conn.fetch(
        "SELECT number_id, tag_id FROM number_tags WHERE tenant_id = $1 AND number_id = ANY($2::uuid[])",
        tenant_id,
        ids,
    ):
        result[r["number_id"]].append(r["tag_id"])
    return result


async def assign_number(conn: Connection, tenant_id: uuid.UUID, number: str, name: str = "") -> Number:
    """Give a DID to a tenant (operator only: run in the tenant's or the system scope)."""
    e164 = normalise_phone(number, "number")
    if not await conn.fetchval("SELECT true FROM tenants WHERE id = $1", tenant_id):
        raise NotFoundError("no such tenant", field="tenant")
    with translated_errors():
        row = await conn.fetchrow(
            "INSERT INTO numbers (tenant_id, e164, name) VALUES ($1, $2, $3) RETURNING *",
            tenant_id,
            e164,
            name.strip() or e164,
        )
    return _number(row, [])


async def get_number(conn: Connection, tenant_id: uuid.UUID, number_id: uuid.UUID) -> Number:
    row = await conn.fetchrow("SELECT * FROM numbers WHERE tenant_id = $1 AND id = $2", tenant_id, number_id)
    if row is None:
        raise NotFoundError("no such number", field="number_id")
    return _number(row, (await _tags_of(conn, tenant_id, [number_id]))[number_id])


async def list_numbers(conn: Connection, tenant_id: uuid.UUID) -> list[Number]:
    rows = await conn.fetch("SELECT * FROM numbers WHERE tenant_id = $1 ORDER BY e164", tenant_id)
    tags = await _tags_of(conn, tenant_id, [r["id"] for r in rows])
    return [_number(r, tags[r["id"]]) for r in rows]


async def update_number(conn: Connection, tenant_id: uuid.UUID, number_id: uuid.UUID, data: NumberUpdate) -> Number:
    await get_number(conn, tenant_id, number_id)
    values = changes(data, {"name", "recording", "recording_warning", "number_as_caller_id", "scenario_id"})
    if "name" in values:
        values["name"] = check_name(values["name"], "name")
    # FOR KEY SHARE holds the scenario until this commits: its deletion (which locks it before
    # looking for numbers that use it) then sees this number, or went first and this is a 404.
    if values.get("scenario_id") is not None and not await conn.fetchval(
        "SELECT true FROM scenarios WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE", tenant_id, values["scenario_id"]
    ):
        raise NotFoundError("no such scenario", field="scenario_id")
    await update_row(conn, "numbers", tenant_id, number_id, values)
    if data.tag_ids is not msgspec.UNSET:
        kinds = {
            r["id"]: r["kind"]
            for r in await conn.fetch(
                "SELECT id, kind FROM tags WHERE tenant_id = $1 AND id = ANY($2::uuid[])", tenant_id, data.tag_ids
            )
        }
        for i, tag_id in enumerate(data.tag_ids):
            if tag_id not in kinds:
                raise NotFoundError("no such tag", field=f"tag_ids[{i}]")
            if kinds[tag_id] != "number":
                raise ValidationError("only tags of kind 'number' go on numbers", field=f"tag_ids[{i}]")
        await conn.execute("DELETE FROM number_tags WHERE tenant_id = $1 AND number_id = $2", tenant_id, number_id)
        await conn.executemany(
            "INSERT INTO number_tags (tenant_id, number_id, tag_id) VALUES ($1, $2, $3)",
            [(tenant_id, number_id, t) for t in dict.fromkeys(data.tag_ids)],
        )
    return await get_number(conn, tenant_id, number_id)


# --- tags ---------------------------------------------------------------------------------


def _tag(r: Any) -> Tag:
    return Tag(id=r["id"], kind=r["kind"], name=r["name"], color=r["color"])


async def create_tag(conn: Connection, tenant_id: uuid.UUID, data: TagCreate) -> Tag:
    name = check_name(data.name, "name", max_length=100)
    with translated_errors():
        row = await conn.fetchrow(
            "INSERT INTO tags (tenant_id, kind, name, color) VALUES ($1, $2, $3, $4) RETURNING *",
            tenant_id,
            data.kind,
            name,
            data.color,
        )
    return _tag(row)


async def list_tags(conn: Connection, tenant_id: uuid.UUID, kind: str | None = None) -> list[Tag]:
    rows = await conn.fetch(
        "SELECT * FROM tags WHERE tenant_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY kind, name",
        tenant_id,
        kind,
    )
    return [_tag(r) for r in rows]


async def delete_tag(conn: Connection, tenant_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    status = await conn.execute("DELETE FROM tags WHERE tenant_id = $1 AND id = $2", tenant_id, tag_id)
    if status.endswith(" 0"):
        raise NotFoundError("no such tag", field="tag_id")
