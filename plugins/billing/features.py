"""Tariff options that gate features: billing's answer to the kernel's ``tenant_may_use``.

A feature is sold as a "+" option of a tariff (its code, e.g. ``recording``). The tenant may
use it when its tariff includes it at no price (Pro's recording), or offers it at a price and
the tenant took it (Start's recording for 500 ₽ a month). A feature some tariff sells that the
tenant's tariff does not offer at all is refused; a code no tariff sells is not billing's to
decide (None). Gated by the kernel today: call recording (inbound and outbound).
"""

from __future__ import annotations

import uuid

import msgspec
from vats.core.db.database import Connection
from vats.plugins.billing.models import TariffOption

# One statement: asked on every outbound call and on every snapshot load.
_ASK = """
SELECT t.options AS offered, a.options AS taken,
       EXISTS (SELECT FROM billing_tariffs x, jsonb_array_elements(x.options) o WHERE o->>'code' = $2) AS sold
FROM billing_accounts a LEFT JOIN billing_tariffs t ON t.id = a.tariff_id WHERE a.tenant_id = $1
"""


async def may_use(conn: Connection, tenant_id: uuid.UUID, feature: str) -> bool | None:
    row = await conn.fetchrow(_ASK, tenant_id, feature)
    if row is None or not row["sold"]:
        return None  # no account yet (a PBX being created), or not a feature billing sells
    offered = {o.code: o for o in msgspec.convert(row["offered"] or [], list[TariffOption])}
    option = offered.get(feature)
    if option is None:
        return False
    return option.price_kop == 0 or feature in row["taken"]
