"""A local fake of YooKassa API v3 over real HTTP (aiohttp), for the demo and the tests.

It speaks the part of the protocol vats uses, as YooKassa does: Basic auth, ``Idempotence-Key``
(the same key answers the same payment), amounts as "150.00" strings, ``POST /v3/payments``
(card redirect, SBP QR, saving the card, charging a saved card), ``GET /v3/payments/{id}``,
``POST /v3/payments/{id}/cancel`` and ``/capture``, errors as ``{"type": "error", "code",
"parameter"}``. It shows a payment page (``/checkout/{id}``) where the payer picks a test card,
pays or gives up, and is redirected back to the shop's return URL; then it posts the
notification (``payment.succeeded``, ``payment.waiting_for_capture``, ``payment.canceled``) to
``notify_url`` after a delay, as many times as asked, retrying until it is answered 2xx.

Test cards: any number pays, except those in ``DECLINING`` (the payment is canceled with that
reason). Tests can also hold the answer to a payment's GET (``hold_fetch``), lose the answers
to notifications (``lose_answers``) and decline a saved card's next charge.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hmac
import html
import itertools
import logging
import re
import threading
import uuid
from typing import Any

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

SHOP_ID = "fake-shop"
SECRET_KEY = "fake-secret-key"
OK_CARD = "5555555555554477"
DECLINING = {
    "5555555555554592": "insufficient_funds",
    "5555555555554535": "card_expired",
    "5555555555554410": "fraud_suspected",
}
_AMOUNT = re.compile(r"^\d{1,9}\.\d{2}$")  # YooKassa's own ceiling is far below a billion roubles


def _error(status: int, code: str, description: str, parameter: str | None = None) -> web.Response:
    body: dict[str, Any] = {"type": "error", "id": str(uuid.uuid4()), "code": code, "description": description}
    if parameter:
        body["parameter"] = parameter
    return web.json_response(body, status=status)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeYooKassa:
    """The fake shop's server. Start it in the running loop (``start``) or in a thread of its
    own (``start_in_thread``, for tests that kill the process it notifies)."""

    def __init__(
        self,
        *,
        notify_url: str | None = None,
        shop_id: str = SHOP_ID,
        secret_key: str = SECRET_KEY,
        notify_delay_s: float = 0.1,
        repeat: int = 1,
        retry_s: float = 0.3,
        max_attempts: int = 50,
        verify_tls: bool = True,
    ) -> None:
        self.notify_url = notify_url
        self.shop_id = shop_id
        self.secret_key = secret_key
        self.notify_delay_s = notify_delay_s
        self.repeat = repeat  # how many times each notification is delivered (answered 2xx)
        self.retry_s = retry_s
        self.max_attempts = max_attempts
        self.verify_tls = verify_tls  # off for the demo, which notifies its own (maybe self-signed) vats
        self.payments: dict[str, dict[str, Any]] = {}
        self.deliveries: list[tuple[str, str, int | str]] = []  # (event, payment id, status or error)
        self.lose_answers = 0  # the next N answered deliveries count as unanswered (retried)
        self.declined_charges: dict[str, str] = {}  # saved card id -> reason of its next charge's decline
        self.requests: list[tuple[str, str]] = []  # (method, path) of every API request
        self.created: list[dict[str, Any]] = []  # the body of every accepted POST /v3/payments
        self._keys: dict[str, str] = {}  # Idempotence-Key -> payment id
        self._held: set[str] = set()
        self.fetches_waiting: set[str] = set()
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v3"

    # --- running ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/payments", self._create)
        app.router.add_get("/v3/payments/{id}", self._get)
        app.router.add_post("/v3/payments/{id}/cancel", self._cancel)
        app.router.add_post("/v3/payments/{id}/capture", self._capture)
        app.router.add_get("/checkout/{id}", self._page)
        app.router.add_post("/checkout/{id}", self._checkout)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._loop = asyncio.get_running_loop()
        self._runner = web.AppRunner(self.app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # where a browser here reaches it
        self.base_url = f"http://{shown}:{bound}"

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start_in_thread(self) -> None:
        started = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            loop.run_until_complete(self.start())
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake yookassa", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the fake YooKassa did not start")

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    # --- test knobs ----------------------------------------------------------------------

    def hold_fetch(self, payment_id: str) -> None:
        """``GET /v3/payments/{id}`` of this payment waits until ``release_fetch``."""
        self._held.add(payment_id)

    def release_fetch(self, payment_id: str) -> None:
        self._held.discard(payment_id)

    def answered(self, payment_id: str) -> int:
        """How many notifications of the payment were answered 2xx."""
        return sum(1 for _, pid, status in self.deliveries if pid == payment_id and status == 200)

    def send_notification(self, payment_id: str, event: str | None = None) -> None:
        """Post the payment's notification again (as YooKassa's retries would)."""
        payment = self.payments[payment_id]
        self._notify(event or f"payment.{payment['status']}", payment_id)

    # --- the API -------------------------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.shop_id}:{self.secret_key}".encode()).decode()
        return hmac.compare_digest(request.headers.get("Authorization", ""), expected)

    async def _create(self, request: web.Request) -> web.Response:
        self.requests.append(("POST", "/v3/payments"))
        if not self._authorised(request):
            return _error(401, "invalid_credentials", "Basic auth: shop id and secret key")
        key = request.headers.get("Idempotence-Key", "")
        if not 1 <= len(key) <= 64:
            return _error(400, "invalid_request", "Idempotence-Key: 1 to 64 characters", "Idempotence-Key")
        if key in self._keys:
            return web.json_response(self.payments[self._keys[key]])
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "invalid_request", "the body is not JSON")
        problem = self._check(body)
        if problem is not None:
            return problem
        self.created.append(body)
        payment_id = f"2f{next(self._ids):06d}-000f-5000-a000-{uuid.uuid4().hex[:12]}"
        value = body["amount"]
        payment: dict[str, Any] = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": {"value": value["value"], "currency": "RUB"},
            "description": body.get("description", ""),
            "metadata": body.get("metadata") or {},
            "created_at": _now(),
            "recipient": {"account_id": self.shop_id, "gateway_id": "fake"},
            "refundable": False,
            "test": True,
            "_capture": bool(body.get("capture", False)),
            "_save": bool(body.get("save_payment_method", False)),
        }
        if "receipt" in body:
            payment["receipt_registration"] = "pending"
        saved_id = body.get("payment_method_id")
        if saved_id is not None:
            saved = self._saved_card(saved_id)
            if saved is None:
                return _error(400, "invalid_request", "no such saved payment method", "payment_method_id")
            payment["payment_method"] = {**saved, "saved": True}
            reason = self.declined_charges.pop(saved_id, None) or self._expired(saved)
            self._settle(payment, reason)
            self._keys[key] = payment_id
            self.payments[payment_id] = payment
            self._notify(f"payment.{payment['status']}", payment_id)
            return web.json_response(self._public(payment))
        method = (body.get("payment_method_data") or {}).get("type", "bank_card")
        payment["payment_method"] = {"type": method, "id": payment_id, "saved": False}
        confirmation = body["confirmation"]
        page = f"{self.base_url}/checkout/{payment_id}"
        if confirmation["type"] == "qr":
            payment["confirmation"] = {"type": "qr", "confirmation_data": f"{page}?sbp=1"}
        else:
            payment["confirmation"] = {"type": "redirect", "confirmation_url": page}
        payment["_return_url"] = confirmation.get("return_url", "")
        self._keys[key] = payment_id
        self.payments[payment_id] = payment
        return web.json_response(self._public(payment))

    def _check(self, body: Any) -> web.Response | None:
        if not isinstance(body, dict):
            return _error(400, "invalid_request", "the body is not an object")
        value = body.get("amount")
        if not isinstance(value, dict) or not isinstance(value.get("value"), str) or not _AMOUNT.match(value["value"]):
            return _error(400, "invalid_request", "amount.value: a string such as 100.00", "amount.value")
        if value["value"] in ("0.00",):
            return _error(400, "invalid_request", "amount.value must be above zero", "amount.value")
        if value.get("currency") != "RUB":
            return _error(400, "invalid_request", "amount.currency: RUB", "amount.currency")
        receipt = body.get("receipt")
        if receipt is not None and (
            not (receipt.get("customer") or {}).get("email")
            or not receipt.get("items")
            or any(not 1 <= int(i.get("vat_code", 0)) <= 12 for i in receipt["items"])
        ):
            return _error(400, "invalid_request", "receipt: customer.email and items with vat_code", "receipt")
        if body.get("payment_method_id") is None:
            confirmation = body.get("confirmation")
            if not isinstance(confirmation, dict) or confirmation.get("type") not in ("redirect", "qr"):
                return _error(400, "invalid_request", "confirmation.type: redirect or qr", "confirmation.type")
            if confirmation["type"] == "redirect" and not confirmation.get("return_url"):
                return _error(400, "invalid_request", "confirmation.return_url is required", "confirmation.return_url")
        return None

    def _saved_card(self, card_id: Any) -> dict[str, Any] | None:
        for payment in self.payments.values():
            method = payment.get("payment_method") or {}
            if method.get("id") == card_id and method.get("saved") and "card" in method:
                return {k: v for k, v in method.items() if k != "saved"}
        return None

    @staticmethod
    def _expired(method: dict[str, Any]) -> str | None:
        card = method["card"]
        today = dt.date.today()
        if (int(card["expiry_year"]), int(card["expiry_month"])) < (today.year, today.month):
            return "card_expired"
        return None

    @staticmethod
    def _settle(payment: dict[str, Any], reason: str | None) -> None:
        """The payer paid (or the card was charged): the outcome, as YooKassa reports it."""
        if reason is not None:
            payment["status"] = "canceled"
            payment["cancellation_details"] = {"party": "payment_network", "reason": reason}
        elif payment["_capture"]:
            payment["status"] = "succeeded"
            payment["paid"] = True
            payment["captured_at"] = _now()
        else:
            payment["status"] = "waiting_for_capture"
            payment["paid"] = True

    @staticmethod
    def _public(payment: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in payment.items() if not k.startswith("_")}

    async def _get(self, request: web.Request) -> web.Response:
        payment_id = request.match_info["id"]
        self.requests.append(("GET", f"/v3/payments/{payment_id}"))
        if not self._authorised(request):
            return _error(401, "invalid_credentials", "Basic auth: shop id and secret key")
        self.fetches_waiting.add(payment_id)
        try:
            while payment_id in self._held:  # noqa: ASYNC110 (the test releases it from another thread)
                await asyncio.sleep(0.02)
        finally:
            self.fetches_waiting.discard(payment_id)
        payment = self.payments.get(payment_id)
        if payment is None:
            return _error(404, "not_found", "no such payment")
        return web.json_response(self._public(payment))

    async def _cancel(self, request: web.Request) -> web.Response:
        payment = self.payments.get(request.match_info["id"])
        self.requests.append(("POST", f"/v3/payments/{request.match_info['id']}/cancel"))
        if not self._authorised(request):
            return _error(401, "invalid_credentials", "Basic auth: shop id and secret key")
        if payment is None:
            return _error(404, "not_found", "no such payment")
        if payment["status"] == "canceled":
            return web.json_response(self._public(payment))
        if payment["status"] != "waiting_for_capture":
            return _error(400, "invalid_request", "only a payment waiting for capture can be canceled", "status")
        payment["status"] = "canceled"
        payment["paid"] = False
        payment["cancellation_details"] = {"party": "merchant", "reason": "canceled_by_merchant"}
        self._notify("payment.canceled", payment["id"])
        return web.json_response(self._public(payment))

    async def _capture(self, request: web.Request) -> web.Response:
        payment = self.payments.get(request.match_info["id"])
        if not self._authorised(request):
            return _error(401, "invalid_credentials", "Basic auth: shop id and secret key")
        if payment is None:
            return _error(404, "not_found", "no such payment")
        if payment["status"] == "waiting_for_capture":
            payment["status"] = "succeeded"
            self._notify("payment.succeeded", payment["id"])
        return web.json_response(self._public(payment))

    # --- the payer's page ----------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.Response:
        payment = self.payments.get(request.match_info["id"])
        if payment is None:
            return web.Response(status=404, text="Платёж не найден")
        value = html.escape(payment["amount"]["value"])
        description = html.escape(payment.get("description", ""))
        if payment["status"] != "pending":
            body = f"<p>Платёж уже обработан: {html.escape(payment['status'])}.</p>"
        else:
            options = "".join(
                f'<option value="{number}">{number} ({reason})</option>' for number, reason in DECLINING.items()
            )
            body = (
                '<form method="post">'
                f'<label>Номер карты <select name="card"><option value="{OK_CARD}">{OK_CARD} (оплата проходит)</option>'
                f"{options}</select></label> "
                '<label>Срок <input name="expiry" value="12/30" size="5"></label> '
                '<button name="action" value="pay">Оплатить</button> '
                '<button name="action" value="cancel">Отказаться</button></form>'
            )
        page = (
            '<!doctype html><html lang="ru"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Тестовая оплата (фейковая ЮKassa)</title></head><body>"
            "<h1>Тестовая оплата</h1><p>Это демонстрационная страница: деньги не списываются.</p>"
            f"<p>{description}</p><p>Сумма: <b>{value} ₽</b></p>{body}</body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    async def _checkout(self, request: web.Request) -> web.Response:
        payment = self.payments.get(request.match_info["id"])
        if payment is None:
            return web.Response(status=404, text="Платёж не найден")
        form = await request.post()
        if payment["status"] == "pending":
            if form.get("action") == "cancel":
                payment["status"] = "canceled"
                payment["cancellation_details"] = {"party": "yoo_money", "reason": "expired_on_confirmation"}
            else:
                number = re.sub(r"\D", "", str(form.get("card") or OK_CARD))
                month, _, year = str(form.get("expiry") or "12/30").partition("/")
                method = payment["payment_method"]
                if method["type"] == "bank_card":
                    method["card"] = {
                        "first6": number[:6], "last4": number[-4:], "expiry_month": f"{int(month):02d}",
                        "expiry_year": str(2000 + int(year) if len(year) == 2 else int(year)),
                        "card_type": "MasterCard",
                    }  # fmt: skip
                reason = DECLINING.get(number)
                self._settle(payment, reason)
                if payment["_save"] and reason is None and method["type"] == "bank_card":
                    method["saved"] = True
            self._notify(f"payment.{payment['status']}", payment["id"])
        raise web.HTTPSeeOther(payment.get("_return_url") or "/")

    # --- notifications -------------------------------------------------------------------

    def _notify(self, event: str, payment_id: str) -> None:
        if not self.notify_url:
            return
        task = asyncio.get_running_loop().create_task(self._deliver(event, payment_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, event: str, payment_id: str) -> None:
        await asyncio.sleep(self.notify_delay_s)
        assert self.notify_url is not None
        body = {"type": "notification", "event": event, "object": self._public(self.payments[payment_id])}
        timeout = aiohttp.ClientTimeout(total=30)
        for _ in range(self.repeat):
            for _attempt in range(self.max_attempts):
                status: int | str
                try:
                    async with (
                        aiohttp.ClientSession(timeout=timeout) as session,
                        session.post(self.notify_url, json=body, ssl=self.verify_tls) as response,
                    ):
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status = type(exc).__name__
                if status == 200 and self.lose_answers > 0:
                    self.lose_answers -= 1
                    status = "answer lost"
                self.deliveries.append((event, payment_id, status))
                if status == 200:
                    break
                await asyncio.sleep(self.retry_s)


async def serve_demo(host: str = "127.0.0.1", *, notify_url: str) -> FakeYooKassa:
    """The demo's fake, started in the running loop on a free port."""
    fake = FakeYooKassa(notify_url=notify_url, notify_delay_s=1.0, verify_tls=False)
    await fake.start(host)
    log.info("demo payments: a fake YooKassa at %s (no real money)", fake.base_url)
    return fake
