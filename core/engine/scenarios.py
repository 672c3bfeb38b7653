"""Stored scenarios: create (validated by decoding every block), read, bind to numbers."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.core.blocks import BlockRegistry
from vats.core.db.database import Connection
from vats.core.directory._sql import lock_tenant, translated_errors
from vats.core.directory.validation import check_name
from vats.core.engine.scenario import ScenarioBody, compile_body
from vats.core.errors import NotFoundError, ValidationError


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    is_default: bool
    body: dict[str, Any]


def check_body(body: Any, registry: BlockRegistry) -> ScenarioBody:
    try:
        return compile_body(body, registry)
    except msgspec.ValidationError as exc:
        raise ValidationError(f"the scenario is not valid: {exc}", field="body") from exc


async def create_scenario(
    conn: Connection, tenant_id: uuid.UUID, name: str, body: Any, registry: BlockRegistry, *, is_default: bool = False
) -> Scenario:
    # The tenant's lock (deletions of what scenarios name hold it) before the checks; callers
    # that check references first take it earlier in the same transaction.
    await lock_tenant(conn, tenant_id)
    check_body(body, registry)
    with translated_errors():
        row = await conn.fetchrow(
            "INSERT INTO scenarios (tenant_id, name, is_default, body) VALUES ($1, $2, $3, $4) RETURNING *",
            tenant_id, check_name(name, "name"), is_default, body,
        )  # fmt: skip
    assert row is not None
    return Scenario(id=row["id"], name=row["name"], is_default=row["is_default"], body=row["body"])


async def get_scenario(conn: Connection, tenant_id: uuid.UUID, scenario_id: uuid.UUID) -> Scenario:
    row = await conn.fetchrow("SELECT * FROM scenarios WHERE tenant_id = $1 AND id = $2", tenant_id, scenario_id)
    if row is None:
        raise NotFoundError("no such scenario", field="scenario_id")
    return Scenario(id=row["id"], name=row["name"], is_default=row["is_default"], body=row["body"])


async def scenarios_of(conn: Connection, tenant_id: uuid.UUID) -> list[Scenario]:
    rows = await conn.fetch("SELECT * FROM scenarios WHERE tenant_id = $1 ORDER BY name", tenant_id)
    return [Scenario(id=r["id"], name=r["name"], is_default=r["is_default"], body=r["body"]) for r in rows]


async def default_scenario_id(conn: Connection, tenant_id: uuid.UUID) -> uuid.UUID | None:
    value: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM scenarios WHERE tenant_id = $1 AND is_default", tenant_id
    )
    return value
