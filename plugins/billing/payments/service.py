"""Payments: a top-up through the gateway, the gateway's notification settled into the ledger,
the payment history.

Every payment is a row of ``billing_payments`` written before the gateway is asked (its id is
the gateway's ``Idempotence-Key``, so a retry never makes a second payment there). The money
is credited from the gateway's own word about the payment (re-fetched on a notification), with
the ledger key ``payment:<row id>``: a repeated, replayed or forged notification, a retry after
a crash, two processes at once: one credit at most.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Annotated, Any, Literal

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ConflictError, NotFoundError, ValidationError
from vats.core.payments import GatewayPayment, NotificationRefused, PaymentGateway, PayMethod, Receipt, ReceiptItem
from vats.core.protocols import KernelAPI
from vats.plugins.billing import ledger
from vats.plugins.billing.payments import gateways

log = logging.getLogger(__name__)

MIN_TOPUP_KOP = 100  # YooKassa's minimum: 1 rouble
MAX_TOPUP_KOP = 100_000_000  # 1,000,000 roubles: above any card's or SBP's limit
TopUpKop = Annotated[int, msgspec.Meta(ge=MIN_TOPUP_KOP, le=MAX_TOPUP_KOP, examples=[150000])]
HISTORY_DAYS = 4

Purpose = Literal["top_up", "card_binding", "card_charge"]
Status = Literal["new", "sending", "pending", "waiting_for_capture", "succeeded", "canceled"]
_ORDER = {"new": 0, "sending": 1, "pending": 2, "waiting_for_capture": 3, "succeeded": 4, "canceled": 4}
TEST_MARK = "ТЕСТ, деньги не списаны: "
_REASONS = {
    ("top_up", "card"): "Пополнение картой",
    ("top_up", "sbp"): "Пополнение через СБП",
    ("card_charge", "threshold"): "Автоплатёж: баланс ниже порога",
    ("card_charge", "monthly"): "Автоплатёж ежемесячный",
    ("card_charge", "one_off"): "Оплата привязанной картой",
}
_COLUMNS = (
    "id, purpose, method, trigger, amount_kop, status, test, failure, confirmation_url, qr_payload,"
    " created_at, updated_at"
)


class Payment(msgspec.Struct, kw_only=True):
    """A payment as the tenant sees it. ``confirmation_url``: where to pay (card page);
    ``qr_payload``: the SBP QR code's content. ``test``: no real money moved (demo)."""

    id: uuid.UUID
    purpose: Purpose
    method: Literal["card", "sbp", "saved_card"]
    trigger: Literal["threshold", "monthly", "one_off"] | None
    amount_kop: int
    status: Status
    test: bool
    failure: str | None
    confirmation_url: str | None
    qr_payload: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


def payment_of(row: Any) -> Payment:
    return Payment(**{k: row[k] for k in Payment.__struct_fields__})


FINANCES_PAGE = "/cabinet/settings/finances"  # billing's cabinet pages (plugins/billing/cabinet.py)
AUTOPAY_PAGE = f"{FINANCES_PAGE}/autopay"


def return_url(kernel: KernelAPI, payment_id: uuid.UUID, page: str = FINANCES_PAGE) -> str:
    """Where the gateway sends the payer back: the cabinet page the payment was made from,
    naming the payment (the finances page says whether it was credited)."""
    return f"{kernel.config.base_url}{page}?payment={payment_id}"


def receipt_for(kernel: KernelAPI, email: str | None, amount_kop: int, what: str) -> Receipt | None:
    """54-ФЗ: the receipt YooKassa's receipt service issues, when the operator set a VAT code."""
    vat_code = kernel.config.yookassa_vat_code
    if vat_code is None or not email:
        return None
    return Receipt(email=email, items=[ReceiptItem(description=what, amount_kop=amount_kop, vat_code=vat_code)])


async def _claim(
    conn: Connection,
    tenant_id: uuid.UUID,
    *,
    gateway: PaymentGateway,
    purpose: Purpose,
    method: str,
    amount_kop: int,
    idempotency_key: str,
    trigger: str | None = None,
) -> tuple[Any, bool]:
    """The payment row of this key: (row, True) written now, or (row, False) written before."""
    row = await conn.fetchrow(
        "INSERT INTO billing_payments (tenant_id, gateway, purpose, method, trigger, amount_kop, idempotency_key, test)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING"
        f" RETURNING {_COLUMNS}, gateway_payment_id",
        tenant_id, gateway.name, purpose, method, trigger, amount_kop, idempotency_key, gateway.test,
    )  # fmt: skip
    if row is not None:
        return row, True
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS}, gateway_payment_id FROM billing_payments"
        " WHERE tenant_id = $1 AND idempotency_key = $2",
        tenant_id, idempotency_key,
    )  # fmt: skip
    assert row is not None  # the insert met this key's row
    if row["purpose"] != purpose or row["amount_kop"] != amount_kop or row["method"] != method:
        raise ConflictError("this idempotency key was used for another payment", field="idempotency_key")
    return row, False


async def _record(kernel: KernelAPI, tenant_id: uuid.UUID, payment_id: uuid.UUID, answer: GatewayPayment) -> Payment:
    """What the gateway answered to the creation: its id, where the payer goes."""
    async with kernel.db.tenant(tenant_id) as conn:
        row = await conn.fetchrow(
            "UPDATE billing_payments SET gateway_payment_id = $2, confirmation_url = $3, qr_payload = $4,"
            " test = test OR $5, status = CASE WHEN status IN ('new', 'sending') THEN $6 ELSE status END,"
            f" updated_at = now() WHERE id = $1 RETURNING {_COLUMNS}",
            payment_id, answer.id, answer.confirmation_url, answer.qr_payload, answer.test, answer.status,
        )  # fmt: skip
    return payment_of(row)


async def top_up(
    kernel: KernelAPI,
    tenant_id: uuid.UUID,
    *,
    amount_kop: int,
    method: PayMethod,
    idempotency_key: str,
    email: str | None,
) -> Payment:
    """A top-up the payer confirms at the gateway (card page or SBP QR)."""
    gateway = gateways.default(kernel)
    async with kernel.db.tenant(tenant_id) as conn:
        row, _ = await _claim(
            conn, tenant_id, gateway=gateway, purpose="top_up", method=method, amount_kop=amount_kop,
            idempotency_key=f"top_up:{idempotency_key}",
        )  # fmt: skip
    if row["gateway_payment_id"] is not None:
        return payment_of(row)
    what = "Пополнение лицевого счёта ВАТС"
    answer = await gateway.create_payment(
        amount_kop=amount_kop, description=what, idempotency_key=str(row["id"]),
        return_url=return_url(kernel, row["id"]), method=method,
        receipt=receipt_for(kernel, email, amount_kop, what), metadata={"vats_payment": str(row["id"])},
    )  # fmt: skip
    return await _record(kernel, tenant_id, row["id"], answer)


async def bind_card(kernel: KernelAPI, tenant_id: uuid.UUID, *, idempotency_key: str) -> Payment:
    """Start binding a card: the payer confirms a 1-rouble authorisation, which is then released."""
    gateway = gateways.default(kernel)
    async with kernel.db.tenant(tenant_id) as conn:
        accepted = await conn.fetchval("SELECT terms_accepted_at FROM billing_autopay WHERE tenant_id = $1", tenant_id)
        if accepted is None:
            raise ValidationError("accept the autopay terms before binding a card", field="terms_accepted")
        row, _ = await _claim(
            conn, tenant_id, gateway=gateway, purpose="card_binding", method="card", amount_kop=100,
            idempotency_key=f"card_binding:{idempotency_key}",
        )  # fmt: skip
    if row["gateway_payment_id"] is not None:
        return payment_of(row)
    answer = await gateway.bind_card(
        idempotency_key=str(row["id"]), return_url=return_url(kernel, row["id"], AUTOPAY_PAGE),
        description="Привязка карты для автоплатежа (1 ₽ вернётся)", metadata={"vats_payment": str(row["id"])},
    )  # fmt: skip
    return await _record(kernel, tenant_id, row["id"], answer)


async def on_notification(kernel: KernelAPI, gateway_name: str, body: bytes, remote_ip: str | None) -> Payment:
    """A gateway's notification: the payment it names, settled as the gateway vouches for it.

    Unknown gateway or payment: NotFoundError, nothing written. A forged body changes nothing:
    only what the gateway answers when asked is believed."""
    gateway = gateways.by_name(kernel, gateway_name)
    if gateway is None:
        raise NotFoundError("no such payment gateway", field="gateway")
    try:
        gateway_payment_id = gateway.notification_payment_id(body)
    except NotificationRefused as exc:
        raise ValidationError(str(exc), field=exc.field) from None
    async with kernel.db.system() as conn:
        row = await conn.fetchrow(
            "SELECT id, tenant_id FROM billing_payments WHERE gateway = $1 AND gateway_payment_id = $2",
            gateway.name, gateway_payment_id,
        )  # fmt: skip
    if row is None:
        raise NotFoundError("no payment of this PBX has this id", field="object.id")
    try:
        payment = await gateway.verify_notification(body, remote_ip=remote_ip)
    except NotificationRefused as exc:
        if exc.unknown:
            raise NotFoundError(str(exc), field=exc.field) from None
        raise ValidationError(str(exc), field=exc.field) from None
    if payment.id != gateway_payment_id:
        raise ValidationError("the gateway answered another payment", field="object.id")
    return await settle(kernel, row["tenant_id"], row["id"], payment, gateway)


async def settle(
    kernel: KernelAPI, tenant_id: uuid.UUID, payment_id: uuid.UUID, payment: GatewayPayment, gateway: PaymentGateway
) -> Payment:
    """Bring our payment to the gateway's state: credit a success once, keep a bound card,
    announce what happened (``billing_event``). Safe to run any number of times, at once."""
    release = False
    async with kernel.db.tenant(tenant_id) as conn:
        # The lock order of every autopay path: the tenant's autopay row, then the payment.
        await conn.execute("SELECT FROM billing_autopay WHERE tenant_id = $1 FOR UPDATE", tenant_id)
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS}, gateway_payment_id FROM billing_payments WHERE id = $1 FOR UPDATE", payment_id
        )
        if row is None:
            raise NotFoundError("no such payment", field="payment_id")
        if payment.amount_kop != row["amount_kop"]:
            log.error("payment %s: the gateway says %s kopecks, vats asked %s", payment_id, payment.amount_kop,
                      row["amount_kop"])  # fmt: skip
            raise ConflictError("the gateway's amount differs from the payment's", field="object.amount")
        before: str = row["status"]
        status: str = payment.status if _ORDER[payment.status] > _ORDER[before] else before
        final_before = before in ("succeeded", "canceled")
        test = bool(row["test"] or payment.test or gateway.test)
        failure = row["failure"]
        if row["purpose"] == "card_binding":
            if payment.status in ("waiting_for_capture", "succeeded") and payment.card is not None:
                await conn.execute(
                    "INSERT INTO billing_cards"
                    " (tenant_id, gateway, card_id, last4, brand, expiry_month, expiry_year, test)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id) DO UPDATE SET gateway = $2,"
                    " card_id = $3, last4 = $4, brand = $5, expiry_month = $6, expiry_year = $7, test = $8,"
                    " bound_at = CASE WHEN billing_cards.card_id = $3 THEN billing_cards.bound_at ELSE now() END",
                    tenant_id, gateway.name, payment.card.id, payment.card.last4, payment.card.brand,
                    payment.card.expiry_month, payment.card.expiry_year, test,
                )  # fmt: skip
                release = payment.status == "waiting_for_capture"
            elif payment.status == "canceled" and payment.cancellation_reason != "canceled_by_merchant":
                failure = payment.cancellation_reason or "declined"
        elif payment.status == "succeeded":
            what = _REASONS.get((row["purpose"], row["trigger"] or row["method"]), "Оплата")
            posted = await ledger.post(
                conn, tenant_id, kind="payment", amount_kop=row["amount_kop"], idempotency_key=f"payment:{payment_id}",
                reason=(TEST_MARK if test else "") + what, reference=f"payment:{payment_id}",
                actor=f"gateway:{gateway.name}", kernel=kernel,
            )  # fmt: skip
            if posted.created:
                await _rearm_threshold(conn, tenant_id, posted.after_kop)
                await announce(kernel, conn, tenant_id, "payment_received", {
                    "payment_id": str(payment_id), "amount_kop": row["amount_kop"], "method": row["method"],
                    "purpose": row["purpose"], "trigger": row["trigger"], "test": test,
                    "balance_kop": posted.after_kop,
                })  # fmt: skip
        elif payment.status == "canceled" and not final_before:
            failure = "card_expired" if payment.cancellation_reason == "card_expired" else "declined"
            if row["trigger"] in ("threshold", "monthly"):
                await announce_autopay_failure(kernel, conn, tenant_id, row, failure, payment.cancellation_reason)
        updated = await conn.fetchrow(
            "UPDATE billing_payments SET status = $2, test = $3, failure = $4,"
            " gateway_payment_id = coalesce(gateway_payment_id, $5),"
            f" updated_at = CASE WHEN status = $2 THEN updated_at ELSE now() END WHERE id = $1 RETURNING {_COLUMNS}",
            payment_id, status, test, failure, payment.id,
        )  # fmt: skip
    if release:  # the binding's rouble goes back (a retry of this is harmless: same key)
        await gateway.release(payment.id, idempotency_key=f"release-{payment_id}")
    return payment_of(updated)


async def _rearm_threshold(conn: Connection, tenant_id: uuid.UUID, balance_kop: int) -> None:
    await conn.execute(
        "UPDATE billing_autopay SET threshold_armed = true WHERE tenant_id = $1 AND NOT threshold_armed"
        " AND threshold_kop IS NOT NULL AND $2 >= threshold_kop",
        tenant_id, balance_kop,
    )  # fmt: skip


async def announce(
    kernel: KernelAPI, conn: Connection, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any]
) -> None:
    if kernel.plugins.implemented("billing_event"):
        await kernel.plugins.emit(
            "billing_event", tenant_id=tenant_id, conn=conn, kind=kind, payload=payload, kernel=kernel
        )


async def announce_autopay_failure(
    kernel: KernelAPI, conn: Connection, tenant_id: uuid.UUID, row: Any, reason: str, gateway_reason: str | None
) -> None:
    await announce(kernel, conn, tenant_id, "autopay_failed", {
        "payment_id": str(row["id"]), "reason": reason, "trigger": row["trigger"], "amount_kop": row["amount_kop"],
        "gateway_reason": gateway_reason,
    })  # fmt: skip


async def history(
    conn: Connection,
    tenant_id: uuid.UUID,
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[Payment], int, dt.datetime, dt.datetime]:
    """The tenant's payments in [since, until), newest first; by default the last 4 days."""
    until = until or dt.datetime.now(dt.UTC)
    try:
        since = since or until - dt.timedelta(days=HISTORY_DAYS)
    except OverflowError:
        raise ValidationError("the period's end is too early", field="until") from None
    if since.tzinfo is None or until.tzinfo is None:
        raise ValidationError("give the time with its offset, e.g. 2026-11-29T00:00:00+03:00", field="since")
    if since >= until:
        raise ValidationError("the period's start must come before its end", field="since")
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM billing_payments WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3"
        " ORDER BY created_at DESC, id LIMIT $4 OFFSET $5",
        tenant_id, since, until, limit, offset,
    )  # fmt: skip
    total = await conn.fetchval(
        "SELECT count(*) FROM billing_payments WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3",
        tenant_id, since, until,
    )  # fmt: skip
    return [payment_of(r) for r in rows], int(total), since, until


async def get(conn: Connection, tenant_id: uuid.UUID, payment_id: uuid.UUID) -> Payment:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM billing_payments WHERE tenant_id = $1 AND id = $2",
                              tenant_id, payment_id)  # fmt: skip
    if row is None:
        raise NotFoundError("no such payment", field="payment_id")
    return payment_of(row)
