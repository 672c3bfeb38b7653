"""VAT as data with effective dates (``billing_vat_rates``): the rate in force on a day, and the
VAT a price that includes it holds. Prices in vats include VAT; documents show its part."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import NotFoundError


class VatRate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """From ``effective_from`` on, VAT is ``rate_pct`` percent (None: the operator pays no VAT)."""

    effective_from: dt.date
    rate_pct: Annotated[int, msgspec.Meta(ge=0, le=100, examples=[22])] | None


async def rate_on(conn: Connection, day: dt.date) -> int | None:
    """The VAT percent in force on ``day`` (None: без НДС, or no rate known that early)."""
    value = await conn.fetchval(
        "SELECT rate_pct FROM billing_vat_rates WHERE effective_from <= $1 ORDER BY effective_from DESC LIMIT 1", day
    )
    return None if value is None else int(value)


async def rates(conn: Connection) -> list[VatRate]:
    rows = await conn.fetch("SELECT effective_from, rate_pct FROM billing_vat_rates ORDER BY effective_from")
    return [VatRate(effective_from=r["effective_from"], rate_pct=r["rate_pct"]) for r in rows]


async def save(conn: Connection, rate: VatRate) -> list[VatRate]:
    """Add a rate from a day on, or change the one of that day."""
    await conn.execute(
        "INSERT INTO billing_vat_rates (effective_from, rate_pct) VALUES ($1, $2)"
        " ON CONFLICT (effective_from) DO UPDATE SET rate_pct = EXCLUDED.rate_pct",
        rate.effective_from, rate.rate_pct,
    )  # fmt: skip
    return await rates(conn)


async def remove(conn: Connection, effective_from: dt.date) -> list[VatRate]:
    if await conn.execute("DELETE FROM billing_vat_rates WHERE effective_from = $1", effective_from) == "DELETE 0":
        raise NotFoundError("no VAT rate starts that day", field="effective_from")
    return await rates(conn)


def included(amount_kop: int, rate_pct: int | None) -> int:
    """The VAT inside a price that includes it, rounded half up to a kopeck (sign kept)."""
    if not rate_pct:
        return 0
    whole = abs(amount_kop) * rate_pct * 2 + (100 + rate_pct)
    part = whole // (2 * (100 + rate_pct))
    return part if amount_kop >= 0 else -part
