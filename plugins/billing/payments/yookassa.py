"""YooKassa API v3 (https://yookassa.ru/developers/api) as a ``PaymentGateway``.

Requests: HTTP Basic auth (shop id, secret key), an ``Idempotence-Key`` header on every POST
(YooKassa answers the same object to the same key for 24 hours, so a retry never charges
twice), amounts as strings of roubles with two decimals ("150.00"). YooKassa signs no
notification: as its documentation says, a notification is only a hint, and the payment is
fetched again by id (``GET /payments/{id}``) and trusted as the API answers it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
import msgspec
from vats.core.payments import (
    GatewayError,
    GatewayPayment,
    NotificationRefused,
    PayMethod,
    Receipt,
    SavedCard,
)

DEFAULT_API_URL = "https://api.yookassa.ru/v3"
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
BINDING_KOP = 100  # the 1-rouble authorisation that binds a card
_AMOUNT = re.compile(r"^(\d{1,12})\.(\d{2})$")
_PAYMENT_ID = re.compile(r"^[0-9A-Za-z_-]{1,100}$")


def basic_auth(login: str, password: str) -> str:
    """The HTTP Basic ``Authorization`` value YooKassa expects (shop id, secret key)."""
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def amount(kop: int) -> dict[str, str]:
    """Kopecks as YooKassa's amount object, exactly (no float on the way)."""
    return {"value": f"{kop // 100}.{kop % 100:02d}", "currency": "RUB"}


def kopecks(value: Any) -> int:
    """YooKassa's amount object as kopecks; a malformed one is the gateway's fault."""
    text = value.get("value") if isinstance(value, dict) else None
    found = _AMOUNT.match(text) if isinstance(text, str) else None
    if found is None or value.get("currency") != "RUB":
        raise GatewayError(f"YooKassa answered an amount vats cannot read: {value!r}")
    return int(found.group(1)) * 100 + int(found.group(2))


def receipt_object(receipt: Receipt) -> dict[str, Any]:
    """54-ФЗ: the receipt YooKassa's receipt service (or the shop's cash register) prints."""
    return {
        "customer": {"email": receipt.email},
        "items": [
            {
                "description": item.description[:128],
                "quantity": f"{item.quantity}.00",
                "amount": amount(item.amount_kop),
                "vat_code": item.vat_code,
                # an advance for the PBX's services, spent later from the balance
                "payment_subject": "service",
                "payment_mode": "full_prepayment",
            }
            for item in receipt.items
        ],
    }


def payment_from(data: Any) -> GatewayPayment:
    """A YooKassa payment object as a GatewayPayment."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise GatewayError("YooKassa answered something that is not a payment")
    status = data.get("status")
    if status not in ("pending", "waiting_for_capture", "succeeded", "canceled"):
        raise GatewayError(f"YooKassa answered an unknown payment status {status!r}")
    confirmation = data.get("confirmation") or {}
    method = data.get("payment_method") or {}
    card = method.get("card") or {}
    saved = None
    if method.get("saved") and method.get("id") and card.get("last4"):
        saved = SavedCard(
            id=str(method["id"]),
            last4=str(card["last4"]),
            expiry_month=int(card.get("expiry_month") or 1),
            expiry_year=int(card.get("expiry_year") or 2000),
            brand=str(card.get("card_type") or ""),
        )
    metadata = data.get("metadata") or {}
    return GatewayPayment(
        id=data["id"],
        status=status,
        amount_kop=kopecks(data.get("amount")),
        paid=bool(data.get("paid")),
        confirmation_url=confirmation.get("confirmation_url"),
        qr_payload=confirmation.get("confirmation_data"),
        card=saved,
        cancellation_reason=(data.get("cancellation_details") or {}).get("reason"),
        metadata={str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {},
        test=bool(data.get("test")),
    )


class YooKassaGateway:
    """The client of one YooKassa shop. ``test`` marks a test shop or the demo's fake."""

    name = "yookassa"

    def __init__(self, shop_id: str, secret_key: str, api_url: str = DEFAULT_API_URL, *, test: bool = False) -> None:
        self.shop_id = shop_id
        self._auth = {"Authorization": basic_auth(shop_id, secret_key)}
        self.api_url = api_url.rstrip("/")
        self.test = test

    def __repr__(self) -> str:  # never the secret key
        return f"YooKassaGateway(shop_id={self.shop_id!r}, api_url={self.api_url!r}, test={self.test})"

    async def _request(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, key: str | None = None
    ) -> tuple[int, Any]:
        headers = {**self._auth, "Idempotence-Key": key} if key else self._auth
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as session,
                session.request(method, self.api_url + path, json=body, headers=headers) as response,
            ):
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayError(f"YooKassa is unreachable: {type(exc).__name__}") from exc
        try:
            data = msgspec.json.decode(raw) if raw else None
        except msgspec.DecodeError:
            data = None
        return status, data

    async def _payment(self, method: str, path: str, body: dict[str, Any] | None, key: str | None) -> GatewayPayment:
        status, data = await self._request(method, path, body=body, key=key)
        if status >= 300:
            detail = data.get("description") or data.get("code") if isinstance(data, dict) else None
            raise GatewayError(f"YooKassa refused {method} {path} ({status}): {detail or 'no description'}")
        return payment_from(data)

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
        body: dict[str, Any] = {
            "amount": amount(amount_kop),
            "capture": True,
            "description": description[:128],
            "metadata": dict(metadata or {}),
        }
        if method == "sbp":  # the cabinet draws the QR code from confirmation_data
            body["payment_method_data"] = {"type": "sbp"}
            body["confirmation"] = {"type": "qr", "return_url": return_url}
        else:
            body["payment_method_data"] = {"type": "bank_card"}
            body["confirmation"] = {"type": "redirect", "return_url": return_url}
            if save_card:
                body["save_payment_method"] = True
        if receipt is not None:
            body["receipt"] = receipt_object(receipt)
        return await self._payment("POST", "/payments", body, idempotency_key)

    async def bind_card(
        self, *, idempotency_key: str, return_url: str, description: str, metadata: Mapping[str, str] | None = None
    ) -> GatewayPayment:
        # Two-stage: the rouble is only held (capture false), then released by ``release``.
        body = {
            "amount": amount(BINDING_KOP),
            "capture": False,
            "save_payment_method": True,
            "payment_method_data": {"type": "bank_card"},
            "confirmation": {"type": "redirect", "return_url": return_url},
            "description": description[:128],
            "metadata": dict(metadata or {}),
        }
        return await self._payment("POST", "/payments", body, idempotency_key)

    async def release(self, payment_id: str, *, idempotency_key: str) -> GatewayPayment:
        return await self._payment("POST", f"/payments/{payment_id}/cancel", {}, idempotency_key)

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
        body: dict[str, Any] = {
            "amount": amount(amount_kop),
            "capture": True,
            "payment_method_id": card_id,
            "description": description[:128],
            "metadata": dict(metadata or {}),
        }
        if receipt is not None:
            body["receipt"] = receipt_object(receipt)
        return await self._payment("POST", "/payments", body, idempotency_key)

    async def get_payment(self, payment_id: str) -> GatewayPayment | None:
        if not _PAYMENT_ID.match(payment_id):
            return None
        status, data = await self._request("GET", f"/payments/{payment_id}")
        if status == 404:
            return None
        if status >= 300:
            raise GatewayError(f"YooKassa refused GET /payments ({status})")
        return payment_from(data)

    def notification_payment_id(self, body: bytes) -> str:
        try:
            data = msgspec.json.decode(body)
        except msgspec.DecodeError:
            raise NotificationRefused("the notification is not JSON", field="body") from None
        if not isinstance(data, dict) or data.get("type") != "notification":
            raise NotificationRefused("not a YooKassa notification", field="type")
        event = data.get("event")
        if not isinstance(event, str) or not event.startswith("payment."):
            raise NotificationRefused("vats follows payment events only", field="event")
        payment = data.get("object")
        payment_id = payment.get("id") if isinstance(payment, dict) else None
        if not isinstance(payment_id, str) or not _PAYMENT_ID.match(payment_id):
            raise NotificationRefused("the notification names no payment id", field="object.id")
        return payment_id

    async def verify_notification(self, body: bytes, *, remote_ip: str | None) -> GatewayPayment:
        payment_id = self.notification_payment_id(body)
        payment = await self.get_payment(payment_id)
        if payment is None:
            raise NotificationRefused("YooKassa has no such payment", field="object.id", unknown=True)
        return payment
