"""Stored scenarios: create and replace (validated: every block decoded, every reference to a
schedule, calendar or media checked, each block's own ``validate``, all inside the write's
transaction), read, bind to numbers. The API, the CLI and the bot all write through here."""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec
from vats.core.blocks import BlockRegistry
from vats.core.db.database import Connection
from vats.core.directory._sql import lock_tenant, translated_errors
from vats.core.directory.validation import check_name
from vats.core.engine.scenario import BlockDecodeError, ScenarioBody, compile_body
from vats.core.errors import NotFoundError, ValidationError
from vats.core.media.library import media_exists


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    is_default: bool
    body: dict[str, Any]


_AT = re.compile(r" - at `\$(.*)`$")


def check_body(body: Any, registry: BlockRegistry) -> ScenarioBody:
    """The body decoded, or a ValidationError whose ``field`` names the part that is wrong
    (``body.filters[0].name``, ``body.default.menu.menu_id``; ``body.default.menu`` for a field
    the block lacks)."""
    try:
        return compile_body(body, registry)
    except msgspec.ValidationError as exc:
        where = f"body.{exc.where}" if isinstance(exc, BlockDecodeError) else "body"
        found = _AT.search(str(exc))
        field = where + (found.group(1) if found else "")
        raise ValidationError(f"the scenario is not valid: {_AT.sub('', str(exc))}", field=field) from exc


async def check_references(conn: Connection, tenant_id: uuid.UUID, compiled: ScenarioBody) -> None:
    """Every schedule, calendar and media the scenario names exists in the tenant, and each
    block accepts its own settings (``validate``); errors name the field under ``body``."""
    holders = [(f"filters[{i}].", f) for i, f in enumerate(compiled.filters)] + [("", compiled)]
    for where, holder in holders:
        for field, table in (("schedule_id", "schedules"), ("calendar_id", "calendars")):
            value = getattr(holder, field)
            if value is not None and not await conn.fetchval(
                f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2", tenant_id, value
            ):
                raise NotFoundError(f"no such {field.removesuffix('_id')}", field=f"body.{where}{field}")
    branches = [("default", compiled.default)]
    branches += [(f"filters[{i}].working", f.working) for i, f in enumerate(compiled.filters)]
    branches += [(f"filters[{i}].off_hours", f.off_hours) for i, f in enumerate(compiled.filters) if f.off_hours]
    branches += [("off_hours", compiled.off_hours)] if compiled.off_hours else []
    for where, branch in branches:
        for field in ("greeting", "recording_warning"):
            for ref in getattr(branch.options, field):
                if not await media_exists(conn, tenant_id, ref):
                    raise NotFoundError(f"no media {ref!r}", field=f"body.{where}.options.{field}")
        for stage in ("menu", "handling", "insurance"):
            block = getattr(branch, stage)
            if block is not None:
                await block.validate(conn, tenant_id, f"body.{where}.{stage}")


async def create_scenario(
    conn: Connection, tenant_id: uuid.UUID, name: str, body: Any, registry: BlockRegistry, *, is_default: bool = False
) -> Scenario:
    # The tenant's lock first: deletions of what scenarios name hold it, so none can slip in
    # between the checks and the write.
    await lock_tenant(conn, tenant_id)
    await check_references(conn, tenant_id, check_body(body, registry))
    with translated_errors():
        row = await conn.fetchrow(
            "INSERT INTO scenarios (tenant_id, name, is_default, body) VALUES ($1, $2, $3, $4) RETURNING *",
            tenant_id, check_name(name, "name"), is_default, body,
        )  # fmt: skip
    assert row is not None
    return Scenario(id=row["id"], name=row["name"], is_default=row["is_default"], body=row["body"])


async def replace_scenario(
    conn: Connection, tenant_id: uuid.UUID, scenario_id: uuid.UUID, name: str, body: Any, registry: BlockRegistry
) -> Scenario:
    """Rename or rebuild a scenario (checked as on creation, under the same lock)."""
    await lock_tenant(conn, tenant_id)
    await check_references(conn, tenant_id, check_body(body, registry))
    with translated_errors():
        row = await conn.fetchrow(
            "UPDATE scenarios SET name = $3, body = $4 WHERE tenant_id = $1 AND id = $2 RETURNING *",
            tenant_id, scenario_id, check_name(name, "name"), body,
        )  # fmt: skip
    if row is None:
        raise NotFoundError("no such scenario", field="scenario_id")
    return Scenario(id=row["id"], name=row["name"], is_default=row["is_default"], body=row["body"])


async def get_scenario(conn: Connection, tenant_id: uuid.UUID, scenario_id: uuid.UUID) -> Scenario:
    row = await conn.fetchrow("SELECT * FROM scenarios WHERE tenant_id = $1 AND id = $2", tenant_id, scenario_id)
    if row is None:
        raise NotFoundError("no such scenario", field="scenario_id")
    return Scenario(id=row["id"], name=row["name"], is_default=row["is_default"], body=row["body"])


async def scenarios_of(conn: Connection, tenant_id: uuid.UUID) -> list[Scenario]:
    rows = await conn.fetch("SELECT * FROM scenarios WHERE tenant_id = $1 ORDER BY name", tenant_id)
    return [Scenario(id=r["id"], name=r["name"], is_default=r["is_default"], body=r["body"]) for r in rows]
