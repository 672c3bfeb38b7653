"""Self-service tariff change from the cabinet ("Сменить тариф"): an upgrade (Start → Pro)
takes effect at once; a downgrade is the operator's (issue 17: "no self-service downgrade").

The current month: the new tariff applies from today. The difference in the monthly price
(the fee, the seats beyond those the tariff includes at its extra seat's price, the "+" options
kept) for the days left of the charged period, today included, is charged at once
(``catalogue.assign_tariff`` → ``monthly.prorate``); the next period is charged at the new
tariff. In a period not charged yet (a new PBX's trial) nothing is charged now. The balance
itself must cover that charge (the credit limit is for calls), or nothing changes.

Each change is recorded (``billing_tariff_changes``: who, from, to, what it cost at once) and
announced as ``billing_event("tariff_changed")``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import LimitError, ValidationError
from vats.core.protocols import KernelAPI
from vats.plugins.billing import catalogue, ledger, monthly
from vats.plugins.billing.models import Tariff


class Quote(msgspec.Struct, kw_only=True):
    """What moving to ``to`` means: its monthly price for this PBX against today's, what is
    charged at once for the days left (today included) of the charged period, and whether the
    PBX may do it itself (``refusal``: why not; None: it may)."""

    current: str | None  # the tariff's code
    to: str
    monthly_now_kop: int
    monthly_then_kop: int
    charge_now_kop: int
    days_left: int
    period_end: dt.date | None
    refusal: str | None = None  # "same", "downgrade", "balance"


class Change(msgspec.Struct, kw_only=True):
    tariff: str
    charged_kop: int
    balance_kop: int


async def quote(conn: Connection, tenant_id: uuid.UUID, code: str, *, today: dt.date | None = None) -> Quote:
    """Within a transaction (the tenant's account row stays locked until it ends)."""
    today = today or dt.datetime.now(dt.UTC).date()
    move = await catalogue.tariff_move(conn, tenant_id, code)
    current = await conn.fetchval("SELECT code FROM billing_tariffs WHERE id = $1", move.old_tariff_id)
    share = await monthly.prorated(conn, tenant_id, monthly_change_kop=move.now_kop - move.was_kop, today=today)
    refusal = None
    if move.old_tariff_id == move.new_tariff_id:
        refusal = "same"
    elif await _cheaper(conn, move.new_tariff_id, move.old_tariff_id):
        refusal = "downgrade"
    elif share.amount_kop > await ledger.balance_of(conn, tenant_id):
        refusal = "balance"
    return Quote(
        current=current, to=code, monthly_now_kop=move.was_kop, monthly_then_kop=move.now_kop,
        charge_now_kop=max(0, share.amount_kop), days_left=share.days_left, period_end=share.period_end,
        refusal=refusal,
    )  # fmt: skip


async def _cheaper(conn: Connection, new_id: Any, old_id: Any) -> bool:
    """Is the new tariff a downgrade: a lower monthly fee than the old one's?"""
    rows = await conn.fetch("SELECT id, monthly_fee_kop FROM billing_tariffs WHERE id = ANY($1)", [new_id, old_id])
    fees: dict[Any, int] = {r["id"]: r["monthly_fee_kop"] for r in rows}
    return old_id is not None and fees.get(new_id, 0) < fees.get(old_id, 0)


async def change(
    conn: Connection, kernel: KernelAPI, tenant_id: uuid.UUID, code: str, *, actor: str, today: dt.date | None = None
) -> Change:
    """Move the tenant to tariff ``code`` as its admin asked; ValidationError (field ``tariff``)
    for the same tariff or a downgrade, LimitError (field ``tariff``) when the balance cannot
    pay the charge now. Nothing is written then."""
    today = today or dt.datetime.now(dt.UTC).date()
    q = await quote(conn, tenant_id, code, today=today)
    if q.refusal != "same" and code in await _legacy(conn):
        raise ValidationError("an old cabinet's tariff is not sold", field="tariff")
    if q.refusal == "same":
        raise ValidationError("the PBX is on this tariff already", field="tariff")
    if q.refusal == "downgrade":
        raise ValidationError("a cheaper tariff is the operator's to give: ask the operator", field="tariff")
    if q.refusal == "balance":
        raise LimitError(
            f"not enough money: the change costs {q.charge_now_kop} kopecks now, more than the balance", field="tariff"
        )
    charged = await catalogue.assign_tariff(conn, tenant_id, code, today=today, kernel=kernel)
    await conn.execute(
        "INSERT INTO billing_tariff_changes (tenant_id, from_code, to_code, charged_kop, actor)"
        " VALUES ($1, $2, $3, $4, $5)",
        tenant_id, q.current, code, charged, actor,
    )  # fmt: skip
    balance = await ledger.balance_of(conn, tenant_id)
    if kernel.plugins.implemented("billing_event"):
        await kernel.plugins.emit(
            "billing_event", tenant_id=tenant_id, conn=conn, kind="tariff_changed",
            payload={"from": q.current, "to": code, "charged_kop": charged, "monthly_kop": q.monthly_then_kop,
                     "balance_kop": balance, "actor": actor},
        )  # fmt: skip
    return Change(tariff=code, charged_kop=charged, balance_kop=balance)


async def _legacy(conn: Connection) -> set[str]:
    """The tariffs holding an old cabinet's terms (``legacy.py``): not sold."""
    return {r["code"] for r in await conn.fetch("SELECT code FROM billing_tariffs WHERE legacy")}


async def offers(conn: Connection, tenant_id: uuid.UUID, *, today: dt.date | None = None) -> list[tuple[Tariff, Quote]]:
    """Every tariff sold, and the PBX's own (a legacy one too), with what moving to it would mean
    for this PBX (cheapest first)."""
    legacy = await _legacy(conn)
    current = await conn.fetchval(
        "SELECT t.code FROM billing_accounts a JOIN billing_tariffs t ON t.id = a.tariff_id WHERE a.tenant_id = $1",
        tenant_id,
    )
    return [
        (t, await quote(conn, tenant_id, t.code, today=today))
        for t in await catalogue.tariffs(conn)
        if t.code not in legacy or t.code == current
    ]
