"""Small helpers the directory repositories share: error translation, partial updates and the
locks that make read-check-write sequences hold under concurrency."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ConflictError, NotFoundError, ValidationError

# Unique constraints and the input field each one protects.
_UNIQUE_FIELDS = {
    "employees_email": ("email", "this e-mail is already used by another account"),
    "employees_tenant_id_full_name_key": ("full_name", "another employee has this name"),
    "extensions_pkey": ("extension", "this extension is already used by an employee or a group"),
    "numbers_e164_key": ("number", "this number is already assigned"),
    "groups_tenant_id_name_key": ("name", "another group has this name"),
    "schedules_tenant_id_name_key": ("name", "another schedule has this name"),
    "calendars_tenant_id_name_key": ("name", "another calendar has this name"),
    "tags_tenant_id_kind_name_key": ("name", "a tag of this kind with this name exists"),
    "terminals_sip_login_key": ("sip_login", "this SIP log-in is already used by another line"),
    "terminals_sip_login_ci": ("sip_login", "this SIP log-in is already used by another line"),
    "terminals_external_once": ("external_numbers", "this external number is already listed"),
    "media_files_tenant_id_name_key": ("name", "another recording has this name"),
    "media_tenant_id_name_key": ("name", "another media has this name"),
    "scenarios_tenant_id_name_key": ("name", "another scenario has this name"),
    "ivr_menus_tenant_id_name_key": ("name", "another menu has this name"),
}


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn constraint violations caused by input into errors naming the field."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        field, message = _UNIQUE_FIELDS.get(exc.constraint_name or "", (None, "already exists"))
        raise ConflictError(message, field=field) from exc
    except asyncpg.ForeignKeyViolationError as exc:
        column = _fk_column(exc)
        raise NotFoundError(f"{column} refers to nothing in this PBX", field=column) from exc
    except asyncpg.CheckViolationError as exc:
        raise ValidationError(f"value out of range ({exc.constraint_name})") from exc


def _fk_column(exc: asyncpg.ForeignKeyViolationError) -> str:
    # detail: Key (tenant_id, schedule_id)=(...) is not present in table "schedules".
    detail = exc.detail or ""
    if "(" in detail:
        cols = detail.split("(", 1)[1].split(")", 1)[0].split(", ")
        return cols[-1]
    return "id"


def changes(update: msgspec.Struct, columns: set[str]) -> dict[str, Any]:
    """The fields of an update Struct that were given (not UNSET) and map to ``columns``."""
    return {
        f: getattr(update, f)
        for f in update.__struct_fields__
        if f in columns and getattr(update, f) is not msgspec.UNSET
    }


async def update_row(
    conn: Connection, table: str, tenant_id: uuid.UUID, row_id: uuid.UUID, values: dict[str, Any]
) -> None:
    """UPDATE one tenant-scoped row; NotFoundError if it is not there."""
    if not values:
        exists = await conn.fetchval(f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2", tenant_id, row_id)
        if not exists:
            raise NotFoundError(f"no such {table[:-1]}", field="id")
        return
    assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(values, start=3))
    with translated_errors():
        status = await conn.execute(
            f"UPDATE {table} SET {assignments} WHERE tenant_id = $1 AND id = $2",
            tenant_id,
            row_id,
            *values.values(),
        )
    if status.endswith(" 0"):
        raise NotFoundError(f"no such {table[:-1]}", field="id")


async def lock_tenant(conn: Connection, tenant_id: uuid.UUID) -> dict[str, Any]:
    """Serialise the tenant-wide rules (seat limit, free extensions, the last admin) until the
    transaction ends, and return the tenant row.

    FOR NO KEY UPDATE, not FOR UPDATE: it still excludes every other writer of these rules, but
    does not block the foreign-key checks (FOR KEY SHARE) that every insert into a tenant-owned
    table takes on the tenant row, so calls and history go on being recorded meanwhile.
    """
    row = await conn.fetchrow("SELECT * FROM tenants WHERE id = $1 FOR NO KEY UPDATE", tenant_id)
    if row is None:
        raise NotFoundError("no such tenant", field="tenant")
    return dict(row)


async def lock_row(conn: Connection, table: str, tenant_id: uuid.UUID, row_id: uuid.UUID, field: str) -> None:
    """Lock one tenant-scoped row against concurrent changes and deletion until the transaction
    ends; NotFoundError naming ``field`` if it is not there (or a concurrent transaction deleted
    it first: PostgreSQL re-reads the row once the other commits)."""
    found = await conn.fetchval(
        f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2 FOR UPDATE", tenant_id, row_id
    )
    if not found:
        raise NotFoundError(f"no such {field.removesuffix('_id')}", field=field)
