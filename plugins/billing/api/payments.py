"""/api/billing/payments: top up through the payment gateway (card page or SBP QR), the payment
history (the last 4 days unless a period is given), and the gateway's notifications (public:
the gateway calls it; what it says is checked with the gateway before anything is written)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody, QueryParameter
from vats.bots.web.kit import ADMIN, KernelDep, Limit, MeDep, Offset, Page, TenantDep
from vats.core.errors import NotFoundError
from vats.core.payments import GatewayError, PayMethod
from vats.plugins.billing.payments import service
from vats.plugins.billing.payments.qr import qr_svg
from vats.plugins.billing.payments.service import Payment, TopUpKop

IdempotencyKey = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$",
                                             examples=["topup-2026-11-29-1"])]  # fmt: skip


class TopUpIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """How much (kopecks, 1 to 1,000,000 roubles) and how: ``card`` (a payment page) or ``sbp``
    (a QR code). The same ``idempotency_key`` again answers the same payment."""

    amount_kop: TopUpKop
    method: PayMethod = "card"
    idempotency_key: IdempotencyKey | None = None


class PaymentHistory(Page[Payment], kw_only=True):
    since: dt.datetime
    until: dt.datetime


GATEWAY_FAILS: dict[str, Any] = {"problems": [502]}  # the OpenAPI document lists it


def unavailable(exc: GatewayError) -> HTTPException:
    """The gateway failed (not the caller's input): 502, try again later."""
    return HTTPException(status_code=502, detail=f"the payment gateway failed: {exc}")


class PaymentsController(Controller):
    path = "/api/billing/payments"
    tags = ["billing"]
    opt = {"roles": ADMIN}

    @post("/", operation_id="createBillingTopUp", summary="Top up the balance: a payment to confirm at the gateway",
          status_code=201, opt=GATEWAY_FAILS)  # fmt: skip
    async def top_up(self, me: MeDep, kernel: KernelDep, data: JSONBody[TopUpIn]) -> Payment:
        """Answers the payment with ``confirmation_url`` (card: send the payer there) or
        ``qr_payload`` (SBP: show it as a QR code). The balance grows when the gateway confirms."""
        try:
            return await service.top_up(
                kernel, me.tenant_id, amount_kop=data.amount_kop, method=data.method,
                idempotency_key=data.idempotency_key or str(uuid.uuid4()), email=me.email,
            )  # fmt: skip
        except GatewayError as exc:
            raise unavailable(exc) from None

    @get("/", operation_id="listBillingPayments", summary="Payment history (the last 4 days unless a period is given)")
    async def history(
        self,
        tx: TenantDep,
        since: Annotated[dt.datetime | None, QueryParameter(description="from (ISO 8601 with offset)")] = None,
        until: Annotated[dt.datetime | None, QueryParameter(description="until, excluded (default: now)")] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> PaymentHistory:
        items, total, since, until = await service.history(
            tx.conn, tx.tenant.id, since=since, until=until, limit=limit, offset=offset
        )
        return PaymentHistory(items=items, total=total, limit=limit, offset=offset, since=since, until=until)

    @get("/{payment_id:uuid}", operation_id="getBillingPayment", summary="One payment and its state")
    async def one(self, tx: TenantDep, payment_id: FromPath[uuid.UUID]) -> Payment:
        return await service.get(tx.conn, tx.tenant.id, payment_id)

    @get("/{payment_id:uuid}/qr.svg", operation_id="getBillingPaymentQr", summary="An SBP payment's QR code (SVG)",
         media_type="image/svg+xml")  # fmt: skip
    async def qr(self, tx: TenantDep, payment_id: FromPath[uuid.UUID]) -> str:
        payment = await service.get(tx.conn, tx.tenant.id, payment_id)
        if not payment.qr_payload:
            raise NotFoundError("this payment has no QR code (not an SBP payment)", field="payment_id")
        return qr_svg(payment.qr_payload)


class PaymentNotificationsController(Controller):
    path = "/api/billing/payments/notifications"
    tags = ["billing"]
    opt: dict[str, Any] = {"exclude_from_auth": True}

    @post("/{gateway:str}", operation_id="receivePaymentNotification", summary="A payment gateway's notification",
          status_code=200, request_max_body_size=256 * 1024, opt=GATEWAY_FAILS)  # fmt: skip
    async def notify(self, request: Request[Any, Any, Any], kernel: KernelDep, gateway: FromPath[str]) -> Payment:
        """Called by the gateway, not by people. The payment it names is fetched from the gateway
        again; its answer, not the notification, moves money. Unknown payment: 404, nothing written;
        a gateway failure: 502, so the gateway retries."""
        body = await request.body()
        remote = request.client.host if request.client else None
        try:
            return await service.on_notification(kernel, gateway, body, remote)
        except GatewayError as exc:
            raise unavailable(exc) from None
