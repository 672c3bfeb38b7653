"""Autopay ("Автоплатеж"): the bound card is charged when the balance falls below a threshold,
and on a day of each month (31: the month's last day), both at once if set; a one-off charge
from the card; a limit on what the card is charged per calendar month (the tenant's time zone).

Never twice for one trigger, whatever the number of processes:

* a threshold trigger is a dip: ``billing_autopay.threshold_armed`` is true while the balance
  has been at or above the threshold since the last charge; the one UPDATE that disarms it
  (row locks make it one, even with several processes at once) writes the charge, keyed
  ``autopay:threshold:<dip number>``; a credit that brings the balance back re-arms it;
* a monthly trigger is keyed ``autopay:monthly:<YYYY-MM>``;
* either is a ``billing_payments`` row, unique per tenant and key. Its id is the gateway's
  Idempotence-Key, so a process that dies while charging and the one that takes over after the
  lease (``SENDING_LEASE``) send the same key: the gateway charges once.

Before sending, under the tenant's autopay row lock (so two charges cannot both fit the
month's limit): no card or an expired card, or the month's limit, fail the charge at once
(``billing_event("autopay_failed")`` with the reason), without asking the gateway.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import uuid
import zoneinfo
from typing import Annotated, Any

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ValidationError
from vats.core.payments import GatewayError
from vats.core.protocols import KernelAPI
from vats.core.stopping import idle
from vats.plugins.billing.models import MAX_KOP
from vats.plugins.billing.payments import gateways, service
from vats.plugins.billing.payments.service import Payment, TopUpKop, payment_of

log = logging.getLogger(__name__)

SENDING_LEASE = dt.timedelta(seconds=60)  # a charge "sending" longer than this is taken over
TICK_S = 30.0
TERMS = (
    "Подключая автоплатёж, вы разрешаете списывать с привязанной карты: сумму пополнения, когда "
    "баланс опускается ниже порога, и ежемесячную сумму в выбранный день (31 — последний день "
    "месяца), не больше месячного лимита. Для привязки карты блокируется 1 ₽, он сразу "
    "возвращается. Отвязать карту и отключить автоплатёж можно в любой момент."
)


class Card(msgspec.Struct, kw_only=True):
    last4: str
    brand: str
    expiry_month: int
    expiry_year: int
    bound_at: dt.datetime
    test: bool


class Autopay(msgspec.Struct, kw_only=True):
    """The tenant's autopay: the terms and whether they were accepted, the bound card, the
    threshold rule, the monthly rule, the monthly limit and what was charged this month."""

    terms: str
    terms_accepted_at: dt.datetime | None
    card: Card | None
    threshold_kop: int | None
    threshold_amount_kop: int | None
    monthly_day: int | None
    monthly_amount_kop: int | None
    monthly_limit_kop: int | None
    charged_this_month_kop: int


class AutopayIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Autopay settings; ``terms_accepted`` must be true to set any. A rule is off when its
    fields are null; the threshold rule needs both its fields, so does the monthly one."""

    terms_accepted: bool
    threshold_kop: Annotated[int, msgspec.Meta(ge=0, le=MAX_KOP, examples=[10000])] | None = None
    threshold_amount_kop: TopUpKop | None = None
    monthly_day: Annotated[int, msgspec.Meta(ge=1, le=31, examples=[31])] | None = None
    monthly_amount_kop: TopUpKop | None = None
    monthly_limit_kop: Annotated[int, msgspec.Meta(ge=100, le=MAX_KOP, examples=[500000])] | None = None


def due_date(year: int, month: int, day: int) -> dt.date:
    """The monthly charge's day in a month: ``day``, or the month's last day if it is shorter."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _local(now: dt.datetime, tz: str) -> dt.datetime:
    return now.astimezone(zoneinfo.ZoneInfo(tz))


def month_start(now: dt.datetime, tz: str) -> dt.datetime:
    local = _local(now, tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def _tz(conn: Connection, tenant_id: uuid.UUID) -> str:
    return str(await conn.fetchval("SELECT time_zone FROM tenants WHERE id = $1", tenant_id))


async def charged_this_month(conn: Connection, tenant_id: uuid.UUID, tz: str, now: dt.datetime) -> int:
    """What the card was charged (or is being charged) this calendar month."""
    value = await conn.fetchval(
        "SELECT coalesce(sum(amount_kop), 0) FROM billing_payments WHERE tenant_id = $1 AND purpose = 'card_charge'"
        " AND status IN ('sending', 'pending', 'waiting_for_capture', 'succeeded') AND created_at >= $2",
        tenant_id, month_start(now, tz),
    )  # fmt: skip
    return int(value)


async def settings(conn: Connection, tenant_id: uuid.UUID, now: dt.datetime | None = None) -> Autopay:
    now = now or dt.datetime.now(dt.UTC)
    row = await conn.fetchrow("SELECT * FROM billing_autopay WHERE tenant_id = $1", tenant_id)
    card = await conn.fetchrow(
        "SELECT last4, brand, expiry_month, expiry_year, bound_at, test FROM billing_cards WHERE tenant_id = $1",
        tenant_id,
    )
    charged = await charged_this_month(conn, tenant_id, await _tz(conn, tenant_id), now)
    fields = ("threshold_kop", "threshold_amount_kop", "monthly_day", "monthly_amount_kop", "monthly_limit_kop")
    return Autopay(
        terms=TERMS,
        terms_accepted_at=row["terms_accepted_at"] if row else None,
        card=Card(**dict(card)) if card else None,
        charged_this_month_kop=charged,
        **{f: (row[f] if row else None) for f in fields},
    )


async def save(conn: Connection, tenant_id: uuid.UUID, data: AutopayIn) -> Autopay:
    """Save the settings (in the caller's transaction); refuse what cannot work, naming the field."""
    for rule, amount in (("threshold_kop", "threshold_amount_kop"), ("monthly_day", "monthly_amount_kop")):
        if (getattr(data, rule) is None) != (getattr(data, amount) is None):
            missing = rule if getattr(data, rule) is None else amount
            raise ValidationError(f"{rule} and {amount} go together", field=missing)
    enabling = data.threshold_kop is not None or data.monthly_day is not None
    if not data.terms_accepted:
        raise ValidationError("accept the autopay terms first", field="terms_accepted")
    if enabling and not await conn.fetchval("SELECT true FROM billing_cards WHERE tenant_id = $1", tenant_id):
        raise ValidationError("bind a card first: autopay charges the bound card", field="card")
    today = _local(dt.datetime.now(dt.UTC), await _tz(conn, tenant_id)).date()
    await conn.execute(
        "INSERT INTO billing_autopay AS a (tenant_id, terms_accepted_at, threshold_kop, threshold_amount_kop,"
        " monthly_day, monthly_amount_kop, monthly_since, monthly_limit_kop)"
        " VALUES ($1, now(), $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id) DO UPDATE SET"
        " terms_accepted_at = coalesce(a.terms_accepted_at, now()), threshold_kop = $2, threshold_amount_kop = $3,"
        " threshold_armed = true, monthly_day = $4, monthly_amount_kop = $5,"
        # a changed day counts from today: a month whose day already passed is not charged now
        " monthly_since = CASE WHEN a.monthly_day IS NOT DISTINCT FROM $4"
        " THEN coalesce(a.monthly_since, $6) ELSE $6 END,"
        " monthly_limit_kop = $7, updated_at = now()",
        tenant_id, data.threshold_kop, data.threshold_amount_kop, data.monthly_day, data.monthly_amount_kop,
        today, data.monthly_limit_kop,
    )  # fmt: skip
    return await settings(conn, tenant_id)


async def unbind(conn: Connection, tenant_id: uuid.UUID) -> Autopay:
    """Forget the card; autopay's rules go with it (there is nothing left to charge)."""
    await conn.execute("DELETE FROM billing_cards WHERE tenant_id = $1", tenant_id)
    await conn.execute(
        "UPDATE billing_autopay SET threshold_kop = NULL, threshold_amount_kop = NULL, monthly_day = NULL,"
        " monthly_amount_kop = NULL, updated_at = now() WHERE tenant_id = $1",
        tenant_id,
    )
    return await settings(conn, tenant_id)


# --- triggers ---------------------------------------------------------------------------


async def claim_due(kernel: KernelAPI, now: dt.datetime | None = None) -> int:
    """Write the charges that are due now (threshold dips, monthly days); how many."""
    now = now or dt.datetime.now(dt.UTC)
    claimed = 0
    # Three short transactions; each locks autopay rows before anything else, as ``charge`` and
    # ``service.settle`` do (one lock order: autopay, then payments, then the account).
    async with kernel.db.system() as conn:
        dips = await conn.fetch(
            "UPDATE billing_autopay a SET threshold_armed = false, threshold_dips = threshold_dips + 1"
            " FROM billing_accounts b, billing_cards c"
            " WHERE b.tenant_id = a.tenant_id AND c.tenant_id = a.tenant_id AND a.threshold_kop IS NOT NULL"
            " AND a.threshold_armed AND b.balance_kop < a.threshold_kop"
            " RETURNING a.tenant_id, a.threshold_dips, a.threshold_amount_kop, c.gateway"
        )
        for dip in dips:
            claimed += await _claim(conn, dip["tenant_id"], dip["gateway"], "threshold", dip["threshold_amount_kop"],
                                    f"autopay:threshold:{dip['threshold_dips']}")  # fmt: skip
    async with kernel.db.system() as conn:
        # Back at or above the threshold (credited by other means): the next dip charges again.
        await conn.execute(
            "UPDATE billing_autopay a SET threshold_armed = true FROM billing_accounts b"
            " WHERE b.tenant_id = a.tenant_id AND a.threshold_kop IS NOT NULL AND NOT a.threshold_armed"
            " AND b.balance_kop >= a.threshold_kop"
        )
    async with kernel.db.system() as conn:
        monthly = await conn.fetch(
            "SELECT a.tenant_id, a.monthly_day, a.monthly_amount_kop, a.monthly_since, t.time_zone, c.gateway"
            " FROM billing_autopay a JOIN billing_cards c USING (tenant_id) JOIN tenants t ON t.id = a.tenant_id"
            " WHERE a.monthly_day IS NOT NULL"
        )
        for row in monthly:
            today = _local(now, row["time_zone"]).date()
            due = due_date(today.year, today.month, row["monthly_day"])
            if due <= today and (row["monthly_since"] is None or due >= row["monthly_since"]):
                claimed += await _claim(conn, row["tenant_id"], row["gateway"], "monthly", row["monthly_amount_kop"],
                                        f"autopay:monthly:{today:%Y-%m}")  # fmt: skip
    return claimed


async def _claim(conn: Connection, tenant_id: uuid.UUID, gateway: str, trigger: str, amount_kop: int, key: str) -> int:
    written = await conn.fetchval(
        "INSERT INTO billing_payments (tenant_id, gateway, purpose, method, trigger, amount_kop, idempotency_key)"
        " VALUES ($1, $2, 'card_charge', 'saved_card', $3, $4, $5)"
        " ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING true",
        tenant_id, gateway, trigger, amount_kop, key,
    )  # fmt: skip
    return 1 if written else 0


async def send_due(kernel: KernelAPI, now: dt.datetime | None = None) -> None:
    """Charge the written charges not yet sent, and take over those whose sender died."""
    async with kernel.db.system() as conn:
        rows = await conn.fetch(
            "SELECT id, tenant_id FROM billing_payments WHERE purpose = 'card_charge'"
            " AND (status = 'new' OR (status = 'sending' AND updated_at < now() - $1::interval))"
            " ORDER BY created_at LIMIT 100",
            SENDING_LEASE,
        )
    for row in rows:
        await charge(kernel, row["tenant_id"], row["id"], now=now)


async def tick(kernel: KernelAPI, now: dt.datetime | None = None) -> None:
    await claim_due(kernel, now)
    await send_due(kernel, now)


async def worker(kernel: KernelAPI) -> None:
    """``vats serve``'s autopay: every TICK_S, in every process (they never charge twice)."""
    while True:
        await tick(kernel)
        await idle(TICK_S)


# --- charging ---------------------------------------------------------------------------


def _expired(card: Any, today: dt.date) -> bool:
    return (card["expiry_year"], card["expiry_month"]) < (today.year, today.month)


async def one_off(kernel: KernelAPI, tenant_id: uuid.UUID, *, amount_kop: int, idempotency_key: str) -> Payment:
    """A one-off charge of the bound card, refused (nothing written) when it cannot work."""
    now = dt.datetime.now(dt.UTC)
    key = f"one_off:{idempotency_key}"
    async with kernel.db.tenant(tenant_id) as conn:
        existing = await conn.fetchrow(
            "SELECT * FROM billing_payments WHERE tenant_id = $1 AND idempotency_key = $2", tenant_id, key
        )
        if existing is not None:  # a retried request: the same payment
            if existing["amount_kop"] != amount_kop:
                raise ValidationError("this idempotency key was used for another amount", field="idempotency_key")
            return payment_of(existing)
        card = await conn.fetchrow("SELECT * FROM billing_cards WHERE tenant_id = $1", tenant_id)
        tz = await _tz(conn, tenant_id)
        if card is None:
            raise ValidationError("no card is bound", field="card")
        if _expired(card, _local(now, tz).date()):
            raise ValidationError("the bound card has expired: bind another", field="card")
        limit = await conn.fetchval("SELECT monthly_limit_kop FROM billing_autopay WHERE tenant_id = $1", tenant_id)
        if limit is not None and await charged_this_month(conn, tenant_id, tz, now) + amount_kop > limit:
            raise ValidationError("this charge would exceed the card's monthly limit", field="amount_kop")
        row = await conn.fetchrow(
            "INSERT INTO billing_payments (tenant_id, gateway, purpose, method, trigger, amount_kop, idempotency_key)"
            " VALUES ($1, $2, 'card_charge', 'saved_card', 'one_off', $3, $4)"
            " ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id",
            tenant_id, card["gateway"], amount_kop, key,
        )  # fmt: skip
    if row is None:  # the same request, at the same moment: it charges, this one answers its payment
        async with kernel.db.tenant(tenant_id) as conn:
            return payment_of(await conn.fetchrow(
                "SELECT * FROM billing_payments WHERE tenant_id = $1 AND idempotency_key = $2", tenant_id, key
            ))  # fmt: skip
    return await charge(kernel, tenant_id, row["id"], now=now)


async def charge(
    kernel: KernelAPI, tenant_id: uuid.UUID, payment_id: uuid.UUID, *, now: dt.datetime | None = None
) -> Payment:
    """Send one written card charge to the gateway (or fail it first: no card, expired, limit)."""
    now = now or dt.datetime.now(dt.UTC)
    async with kernel.db.tenant(tenant_id) as conn:
        # The tenant's autopay row lock: its charges are checked against the limit one at a time.
        await conn.execute("INSERT INTO billing_autopay (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING", tenant_id)
        limit = await conn.fetchval(
            "SELECT monthly_limit_kop FROM billing_autopay WHERE tenant_id = $1 FOR UPDATE", tenant_id
        )
        row = await conn.fetchrow(
            "SELECT *, updated_at < now() - $2::interval AS stale FROM billing_payments WHERE id = $1 FOR UPDATE",
            payment_id, SENDING_LEASE,
        )  # fmt: skip
        if row is None or row["status"] not in ("new", "sending") or (row["status"] == "sending" and not row["stale"]):
            return payment_of(row) if row is not None else await service.get(conn, tenant_id, payment_id)
        card = await conn.fetchrow("SELECT * FROM billing_cards WHERE tenant_id = $1", tenant_id)
        tz = await _tz(conn, tenant_id)
        failure = None
        if row["status"] == "new":
            if card is None:
                failure = "declined"  # unbound meanwhile: nothing to charge
            elif _expired(card, _local(now, tz).date()):
                failure = "card_expired"
            elif limit is not None and await charged_this_month(conn, tenant_id, tz, now) + row["amount_kop"] > limit:
                failure = "monthly_limit"
        elif card is None:
            failure = "declined"
        if failure is not None:
            failed = await conn.fetchrow(
                "UPDATE billing_payments SET status = 'canceled', failure = $2, updated_at = now() WHERE id = $1"
                " RETURNING *",
                payment_id, failure,
            )  # fmt: skip
            if row["trigger"] in ("threshold", "monthly"):
                await service.announce_autopay_failure(kernel, conn, tenant_id, failed, failure, None)
            return payment_of(failed)
        assert card is not None
        await conn.execute(
            "UPDATE billing_payments SET status = 'sending', gateway = $2, updated_at = now() WHERE id = $1",
            payment_id, card["gateway"],
        )  # fmt: skip
        email = await conn.fetchval(
            "SELECT email FROM employees WHERE tenant_id = $1 AND role = 'admin' ORDER BY created_at LIMIT 1", tenant_id
        )
    gateway = gateways.by_name(kernel, card["gateway"])
    if gateway is None:
        log.error("autopay %s: the card's gateway %r is not configured; retried later", payment_id, card["gateway"])
        async with kernel.db.tenant(tenant_id) as conn:
            return await service.get(conn, tenant_id, payment_id)
    what = "Автоплатёж ВАТС" if row["trigger"] != "one_off" else "Оплата ВАТС привязанной картой"
    try:
        answer = await gateway.charge_card(
            card_id=card["card_id"], amount_kop=row["amount_kop"], description=what,
            idempotency_key=str(payment_id), receipt=service.receipt_for(kernel, email, row["amount_kop"], what),
            metadata={"vats_payment": str(payment_id)},
        )  # fmt: skip
    except GatewayError as exc:  # left "sending": taken over after the lease, with the same key
        log.warning("autopay %s: the gateway failed (%s); retried later", payment_id, exc)
        async with kernel.db.tenant(tenant_id) as conn:
            return await service.get(conn, tenant_id, payment_id)
    return await service.settle(kernel, tenant_id, payment_id, answer, gateway)
