"""Buying a number (seed 001 "Купить многоканальный номер"): the operator's catalogue (city,
category, one-off price, monthly fee), what is on sale, and the purchase.

A purchase is one transaction: the catalogue row is taken by one UPDATE (``sold_to IS NULL`` is
re-checked by PostgreSQL on the newest row, so of two buyers racing for a number exactly one
wins; the other finds it sold), the price is charged to the ledger under the buyer's
idempotency key, the number is added to the kernel's number directory bound to the tenant's
default scenario (``number_assigned`` is announced as when the operator assigns one), and its
monthly fee joins the monthly charges (``monthly.items``), the rest of a charged period
prorated at once. Without enough balance for the price and that share nothing is written.
The balance must cover it by itself: the credit limit is for calls.

Then ``billing_event("number_bought")`` is announced in the same transaction (payload in
``bought_payload``; docs/billing.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import msgspec
from vats.core.db.database import Connection
from vats.core.directory import numbers as numbers_repo
from vats.core.directory.validation import normalise_phone
from vats.core.errors import ConflictError, LimitError, NotFoundError, ValidationError
from vats.core.protocols import KernelAPI
from vats.plugins.billing import ledger, monthly
from vats.plugins.billing.models import MAX_KOP

Category = Literal["ordinary", "bronze", "silver", "gold"]
CATEGORIES: tuple[Category, ...] = ("ordinary", "bronze", "silver", "gold")
Price = Annotated[int, msgspec.Meta(ge=0, le=MAX_KOP, examples=[300000])]
MAX_LISTED = 500


class CatalogueNumber(msgspec.Struct, kw_only=True):
    """A number of the operator's catalogue; ``sold`` only in the operator's listing."""

    e164: Annotated[str, msgspec.Meta(examples=["+74957770707"])]
    city: Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["Москва"])]
    category: Category
    price_kop: Price  # once, when bought
    monthly_kop: Price  # every month from then on
    sold_to: uuid.UUID | None = None


class Purchase(msgspec.Struct, kw_only=True):
    """A bought number: its directory id, what was charged at once (the price and the monthly
    fee's share of the current period), and ``created`` False for a retry of a done purchase."""

    number: CatalogueNumber
    number_id: uuid.UUID
    price_kop: int
    prorated_kop: int
    created: bool
    balance_kop: int


_COLUMNS = "e164, city, category, price_kop, monthly_kop, sold_to"


# the buyer still has the number in the kernel's directory
_STILL_HELD = (
    "EXISTS (SELECT 1 FROM numbers n WHERE n.e164 = billing_number_catalogue.e164"
    " AND n.tenant_id = billing_number_catalogue.sold_to)"
)


def _entry(row: Any) -> CatalogueNumber:
    return CatalogueNumber(**{k: row[k] for k in CatalogueNumber.__struct_fields__})


async def on_sale(
    conn: Connection, *, city: str | None = None, category: str | None = None, limit: int = MAX_LISTED
) -> list[CatalogueNumber]:
    """Numbers nobody bought, cheapest first (the filters: exact city, category)."""
    if category is not None and category not in CATEGORIES:
        raise ValidationError("no such category", field="category")
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM billing_number_catalogue WHERE sold_to IS NULL"
        " AND ($1::text IS NULL OR city = $1) AND ($2::text IS NULL OR category = $2)"
        " ORDER BY price_kop, monthly_kop, e164 LIMIT $3",
        city, category, limit,
    )  # fmt: skip
    return [msgspec.structs.replace(_entry(r), sold_to=None) for r in rows]


async def cities(conn: Connection) -> list[str]:
    """The cities with numbers on sale, by name."""
    rows = await conn.fetch("SELECT DISTINCT city FROM billing_number_catalogue WHERE sold_to IS NULL ORDER BY city")
    return [r["city"] for r in rows]


async def catalogue(conn: Connection) -> list[CatalogueNumber]:
    """The whole catalogue, sold numbers too (the operator's view)."""
    return [_entry(r) for r in await conn.fetch(f"SELECT {_COLUMNS} FROM billing_number_catalogue ORDER BY e164")]


# Writers of catalogue numbers take turns per number: the operator portal's "add" checks that a
# number is new and then writes it, and the API's put writes it outright; without the lock an
# API put committed between the two would have its prices silently replaced by the page's.
# Taken in one order (sorted), so two overlapping lists cannot deadlock.
_LOCK = (
    "SELECT pg_advisory_xact_lock(k) FROM"
    " (SELECT hashtextextended('billing_catalogue:' || e, 0) AS k FROM unnest($1::text[]) e ORDER BY e) s"
)


async def lock_numbers(conn: Connection, e164s: Iterable[str]) -> None:
    """Wait for, then hold until ``conn``'s transaction ends, the right to write these catalogue
    numbers (E.164, as stored)."""
    await conn.execute(_LOCK, sorted(set(e164s)))


async def put_entry(conn: Connection, entry: CatalogueNumber) -> CatalogueNumber:
    """Add a number to the catalogue or change an unsold one's city, category or prices; a sold
    number its buyer no longer has (the operator took it back) goes on sale again (system
    scope: a number some tenant has cannot be put on sale)."""
    e164 = normalise_phone(entry.e164, "e164")
    if not entry.city.strip():
        raise ValidationError("a city cannot be blank", field="city")
    await lock_numbers(conn, [e164])  # the portal holds it already: granted at once
    if await conn.fetchval("SELECT true FROM numbers WHERE e164 = $1", e164):
        raise ConflictError("a tenant already has this number", field="e164")
    row = await conn.fetchrow(
        "INSERT INTO billing_number_catalogue (e164, city, category, price_kop, monthly_kop)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (e164) DO UPDATE SET city = EXCLUDED.city,"
        " category = EXCLUDED.category, price_kop = EXCLUDED.price_kop, monthly_kop = EXCLUDED.monthly_kop,"
        " sold_to = NULL, sold_at = NULL"
        f" WHERE billing_number_catalogue.sold_to IS NULL OR NOT {_STILL_HELD} RETURNING {_COLUMNS}",
        e164, entry.city.strip(), entry.category, entry.price_kop, entry.monthly_kop,
    )  # fmt: skip
    if row is None:
        raise ConflictError("the number is sold: its price can no longer change", field="e164")
    return _entry(row)


async def remove_entry(conn: Connection, e164: str) -> None:
    """Take an unsold number off sale."""
    done = await conn.execute(
        "DELETE FROM billing_number_catalogue WHERE e164 = $1 AND sold_to IS NULL", normalise_phone(e164, "e164")
    )
    if done == "DELETE 0":
        raise NotFoundError("no such number on sale", field="e164")


def bought_payload(purchase: Purchase, actor: str) -> dict[str, Any]:
    """``billing_event("number_bought")``'s payload (plain JSON)."""
    n = purchase.number
    return {
        "number": n.e164, "number_id": str(purchase.number_id), "city": n.city, "category": n.category,
        "price_kop": n.price_kop, "monthly_kop": n.monthly_kop, "prorated_kop": purchase.prorated_kop,
        "charged_kop": purchase.price_kop + purchase.prorated_kop, "balance_kop": purchase.balance_kop,
        "actor": actor,
    }  # fmt: skip


async def buy(
    conn: Connection,
    kernel: KernelAPI,
    tenant_id: uuid.UUID,
    e164: str,
    *,
    idempotency_key: str,
    actor: str,
    today: dt.date | None = None,
) -> Purchase:
    """Buy a number for the tenant within ``conn``'s transaction (the tenant's scope).

    A number sold to someone else: ConflictError (field ``number``); not enough balance:
    LimitError (field ``number``), nothing written. The number already the tenant's (a retried
    purchase): the purchase again, ``created`` False, nothing charged twice.
    """
    if not 1 <= len(idempotency_key) <= 150:
        raise ValidationError("an idempotency key has 1 to 150 characters", field="idempotency_key")
    try:
        e164 = normalise_phone(e164, "number")
    except ValidationError:
        raise ValidationError("not a number of the catalogue", field="number") from None
    row = await conn.fetchrow(
        "UPDATE billing_number_catalogue SET sold_to = $2, sold_at = now() WHERE e164 = $1 AND sold_to IS NULL"
        f" RETURNING {_COLUMNS}",
        e164, tenant_id,
    )  # fmt: skip
    if row is None:
        return await _bought_before(conn, tenant_id, e164)
    entry = msgspec.structs.replace(_entry(row), sold_to=None)
    await ledger.open_account(conn, tenant_id)
    balance = int(
        await conn.fetchval("SELECT balance_kop FROM billing_accounts WHERE tenant_id = $1 FOR UPDATE", tenant_id)
    )
    today = today or dt.datetime.now(dt.UTC).date()
    share = await monthly.prorated(conn, tenant_id, monthly_change_kop=entry.monthly_kop, today=today)
    due = entry.price_kop + share.amount_kop
    if due > balance:
        raise LimitError(f"not enough money: the number costs {due} kopecks now, the balance is {balance}",
                         field="number")  # fmt: skip
    if entry.price_kop:
        await ledger.post(
            conn, tenant_id, kind="charge", amount_kop=-entry.price_kop, idempotency_key=f"buy:{idempotency_key}",
            reference=f"number:{e164}", reason=f"Покупка номера {e164}", actor=actor, kernel=kernel,
        )  # fmt: skip
    number = await numbers_repo.assign_number(conn, tenant_id, e164)
    default = await conn.fetchval(
        "SELECT id FROM scenarios WHERE tenant_id = $1 AND is_default FOR KEY SHARE", tenant_id
    )
    if default is not None:
        await conn.execute(
            "UPDATE numbers SET scenario_id = $3 WHERE tenant_id = $1 AND id = $2", tenant_id, number.id, default
        )
        number = msgspec.structs.replace(number, scenario_id=default)
    await kernel.plugins.emit("number_assigned", tenant_id=tenant_id, conn=conn, number=number)
    prorated = await monthly.prorate(
        conn, tenant_id, monthly_change_kop=entry.monthly_kop, what=f"Абонентская плата за номер {e164}",
        today=today, kernel=kernel,
    )  # fmt: skip
    purchase = Purchase(
        number=entry, number_id=number.id, price_kop=entry.price_kop, prorated_kop=prorated, created=True,
        balance_kop=await ledger.balance_of(conn, tenant_id),
    )  # fmt: skip
    if kernel.plugins.implemented("billing_event"):
        await kernel.plugins.emit(
            "billing_event", tenant_id=tenant_id, conn=conn, kind="number_bought",
            payload=bought_payload(purchase, actor),
        )  # fmt: skip
    return purchase


async def _bought_before(conn: Connection, tenant_id: uuid.UUID, e164: str) -> Purchase:
    """The number was not on sale: the tenant's own (a retry) answers its purchase again."""
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM billing_number_catalogue WHERE e164 = $1", e164)
    if row is None:
        raise NotFoundError("no such number on sale", field="number")
    number_id = await conn.fetchval("SELECT id FROM numbers WHERE tenant_id = $1 AND e164 = $2", tenant_id, e164)
    if row["sold_to"] != tenant_id or number_id is None:
        raise ConflictError("the number has just been bought by someone else", field="number")
    return Purchase(
        number=msgspec.structs.replace(_entry(row), sold_to=None), number_id=number_id, price_kop=0, prorated_kop=0,
        created=False, balance_kop=await ledger.balance_of(conn, tenant_id),
    )  # fmt: skip
