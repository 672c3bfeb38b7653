"""Deleting a scenario: refused for the PBX's default scenario and while numbers use it (they
would be left with no routing); the API and the cabinet both delete through here."""

from __future__ import annotations

import uuid

from vats.core.db.database import Connection
from vats.core.directory._sql import lock_row
from vats.core.directory.models import Reference
from vats.core.engine import scenarios as repo
from vats.core.errors import ReferencedError, ValidationError


async def delete_scenario(conn: Connection, tenant_id: uuid.UUID, scenario_id: uuid.UUID) -> None:
    # The row lock makes a number bound to the scenario meanwhile wait, and then be seen here.
    await lock_row(conn, "scenarios", tenant_id, scenario_id, "scenario_id")
    scenario = await repo.get_scenario(conn, tenant_id, scenario_id)
    if scenario.is_default:
        raise ValidationError("the default scenario cannot be deleted", field="scenario_id")
    users = await conn.fetch(
        "SELECT id, e164 FROM numbers WHERE tenant_id = $1 AND scenario_id = $2 ORDER BY e164", tenant_id, scenario_id
    )
    if users:
        raise ReferencedError(
            "numbers use this scenario", field="scenario_id",
            references=[Reference(kind="number", id=str(r["id"]), description=r["e164"]) for r in users],
        )  # fmt: skip
    await conn.execute("DELETE FROM scenarios WHERE tenant_id = $1 AND id = $2", tenant_id, scenario_id)
