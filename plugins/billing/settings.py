"""The operator's billing settings (one row of ``billing_settings``)."""

from __future__ import annotations

import msgspec
from vats.core.db.database import Connection
from vats.plugins.billing.models import BillingSettings

_FIELDS = BillingSettings.__struct_fields__


async def load(conn: Connection) -> BillingSettings:
    row = await conn.fetchrow(f"SELECT {', '.join(_FIELDS)} FROM billing_settings")
    return BillingSettings() if row is None else BillingSettings(**dict(row))


async def save(conn: Connection, settings: BillingSettings) -> BillingSettings:
    values = msgspec.structs.astuple(settings)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(_FIELDS, start=1))
    await conn.execute(f"UPDATE billing_settings SET {assignments}, updated_at = now()", *values)
    return await load(conn)
