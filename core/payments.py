"""The payment-gateway contract: what a billing plugin asks of an acquirer (hook
``register_payment_gateways``). Amounts are integer kopecks; the gateway converts them to its
own format. A leaf module: it imports nothing of the kernel's services, so a gateway plugin
(or the billing plugin) depends on this contract only, never on another plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

import msgspec

# pending: the payer has not paid yet; waiting_for_capture: an authorisation holds the money
# (a card binding's rouble); succeeded: the money is ours; canceled: declined, expired,
# released or refused, for good.
PaymentStatus = Literal["pending", "waiting_for_capture", "succeeded", "canceled"]
PayMethod = Literal["card", "sbp"]


class SavedCard(msgspec.Struct, frozen=True, kw_only=True):
    """A card the gateway keeps for charges without the payer (autopay)."""

    id: str  # the gateway's payment method id, given back to ``charge_card``
    last4: str
    expiry_month: int
    expiry_year: int
    brand: str = ""

    @property
    def title(self) -> str:
        return f"{self.brand} •••• {self.last4}".strip()


class GatewayPayment(msgspec.Struct, frozen=True, kw_only=True):
    """A payment as the gateway has it."""

    id: str  # the gateway's id
    status: PaymentStatus
    amount_kop: int
    paid: bool = False
    confirmation_url: str | None = None  # where to send the payer (card page, SBP link)
    qr_payload: str | None = None  # SBP: the payload the cabinet draws as a QR code
    card: SavedCard | None = None  # the card paid with, when the gateway saved it
    cancellation_reason: str | None = None  # the gateway's own reason, e.g. "insufficient_funds"
    metadata: dict[str, str] = {}
    test: bool = False  # a test shop's payment: no real money moved


class ReceiptItem(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a fiscal receipt (54-ФЗ), sent with the payment to the acquirer's receipt
    service. ``vat_code`` is the acquirer's VAT code (YooKassa: 1 без НДС, 4 20 %, ...)."""

    description: str
    amount_kop: int
    vat_code: int
    quantity: int = 1


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    email: str  # where the acquirer sends the receipt
    items: list[ReceiptItem]


class GatewayError(Exception):
    """The gateway could not be reached or refused the request (not the payer's input)."""


class NotificationRefused(Exception):
    """A notification that names nothing the gateway vouches for (malformed, or its payment
    is unknown to the gateway); ``field`` names what is wrong."""

    def __init__(self, message: str, *, field: str, unknown: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.unknown = unknown


class PaymentGateway(Protocol):
    """An acquirer as billing uses it. ``name`` is stable: it is stored with every payment and
    ends the notification URL (``/api/billing/payments/notifications/{name}``). ``test``: a
    test shop or a fake, whose credits billing marks as test."""

    name: str
    test: bool

    async def create_payment(
        self,
        *,
        amount_kop: int,
        description: str,
        idempotency_key: str,
        return_url: str,
        method: PayMethod = "card",
        save_card: bool = False,
        receipt: Receipt | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> GatewayPayment:
        """A payment the payer confirms at ``confirmation_url`` (card) or by the SBP QR payload
        (``method="sbp"``). The same key again answers the same payment."""
        ...

    async def bind_card(
        self, *, idempotency_key: str, return_url: str, description: str, metadata: Mapping[str, str] | None = None
    ) -> GatewayPayment:
        """A 1-rouble authorisation that saves the card; ``release`` it once it holds."""
        ...

    async def release(self, payment_id: str, *, idempotency_key: str) -> GatewayPayment:
        """Cancel a held authorisation: the payer's money is given back."""
        ...

    async def charge_card(
        self,
        *,
        card_id: str,
        amount_kop: int,
        description: str,
        idempotency_key: str,
        receipt: Receipt | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> GatewayPayment:
        """Charge a saved card without the payer; the same key never charges twice."""
        ...

    async def get_payment(self, payment_id: str) -> GatewayPayment | None:
        """The payment as the gateway has it now; None if it has no such payment."""
        ...

    def notification_payment_id(self, body: bytes) -> str:
        """The payment id a notification names (parsing only; raises NotificationRefused)."""
        ...

    async def verify_notification(self, body: bytes, *, remote_ip: str | None) -> GatewayPayment:
        """The payment a notification is about, as the gateway vouches for it (re-fetched, or
        its signature checked): never the notification's own claims. Raises NotificationRefused."""
        ...
