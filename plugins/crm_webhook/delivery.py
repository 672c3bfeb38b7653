"""Delivering CRM events through the kernel's outbox (``vats.core.outbox``, channel
``crm_webhook``): signed POSTs with retries and backoff.

Each event is one POST of its JSON body with headers ``X-Vats-Event`` (call, contact, task),
``X-Vats-Delivery`` (the outbox id: the receiver's idempotency key, since a delivery whose
answer was lost is sent again) and ``X-Vats-Signature: t=<unix time>,v1=<hex>``, where the hex
is HMAC-SHA256 of ``"<t>.<body>"`` with the tenant's secret (the receiver checks it and the
time, as with Stripe's webhooks). A 2xx answer delivers; 408, 429, 5xx and network errors
retry with exponential backoff (5 s doubling, at most 1 h, 12 attempts); other 4xx give up
at once (the endpoint refuses the event; retrying would not change that), and so does a
destination that is not public (``vats.core.destinations``: checked at every send, on the
addresses the connection then goes to; redirects are not followed). A connection that drops
after the request left may have delivered it: the retry is counted ``uncertain`` and carries
the same ``X-Vats-Delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgspec
from vats.core.db.database import Database
from vats.core.destinations import DestinationRefused, Destinations
from vats.core.outbox import Item, Outcome, Refused, Rejected, RetryPolicy, Sender, Sent, Unknown
from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)

CHANNEL = "crm_webhook"
MAX_ATTEMPTS = 12
FIRST_DELAY_S = 5
MAX_DELAY_S = 3600
BATCH = 20
TIMEOUT_S = 10
IDLE_POLL_S = 1.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, tolerance_s: int = 300, now: float | None = None) -> bool:
    """For receivers (and tests): is this signature ours and fresh?"""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


RETRY = RetryPolicy(base_delay_s=FIRST_DELAY_S, max_delay_s=MAX_DELAY_S, max_attempts=MAX_ATTEMPTS, give_up_after=None)


def backoff_s(attempts: int) -> int:
    return int(RETRY.delay_s(attempts))


class WebhookChannel:
    """POSTs one event to its tenant's endpoint and says how it went."""

    name = CHANNEL

    def __init__(self, db: Database, session: aiohttp.ClientSession, destinations: Destinations) -> None:
        self.db, self.session, self.destinations = db, session, destinations

    async def send(self, item: Item) -> Outcome:
        async with self.db.system() as conn:
            hook = await conn.fetchrow("SELECT url, secret FROM crm_webhooks WHERE tenant_id = $1", item.tenant_id)
        if hook is None:
            return Rejected("the webhook was removed")
        body = msgspec.json.encode(item.payload)
        headers = {
            "Content-Type": "application/json",
            "X-Vats-Event": item.kind,
            "X-Vats-Delivery": str(item.id),
            "X-Vats-Signature": sign(hook["secret"], int(time.time()), body),
        }
        try:
            self.destinations.check_host(urlsplit(hook["url"]).hostname or "")
            async with self.session.post(
                hook["url"], data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
                allow_redirects=False,
            ) as response:  # fmt: skip
                await response.read()
                status = response.status
        except DestinationRefused as exc:
            return Rejected(f"refused: {exc}"[:500])
        except (aiohttp.ClientError, TimeoutError) as exc:
            cause: BaseException | None = exc
            while cause is not None and not isinstance(cause, DestinationRefused):
                cause = cause.__cause__ or cause.__context__
            if cause is not None:
                return Rejected(f"refused: {cause}"[:500])
            error = f"{type(exc).__name__}: {exc}"[:500]
            if isinstance(exc, aiohttp.ClientConnectorError):
                return Refused(error)  # never connected: the receiver has not seen it
            return Unknown(error)  # it may have arrived; the receiver dedups by X-Vats-Delivery
        if 200 <= status < 300:
            return Sent(status=status)
        if status in (408, 429) or status >= 500:
            return Refused(f"HTTP {status}", status=status)
        return Rejected(f"HTTP {status}", status=status)  # the endpoint refuses the event; retrying would not help


def sender(db: Database, session: aiohttp.ClientSession, destinations: Destinations, **options: Any) -> Sender:
    """``session`` comes from ``destinations.session()``: its resolver refuses names that lead
    to addresses the policy refuses."""
    return Sender(db, WebhookChannel(db, session, destinations), retry=RETRY, batch=BATCH, **options)


async def deliver_due(db: Database, session: aiohttp.ClientSession, destinations: Destinations) -> int:
    """Send what is due (up to a batch); returns how many were attempted. Rows are claimed with
    SKIP LOCKED, so several vats processes share the outbox without sending an event twice at
    the same time."""
    return await sender(db, session, destinations).deliver_due()


async def worker(kernel: KernelAPI) -> None:
    """The delivery loop ``vats serve`` runs (``register_workers``)."""
    destinations = Destinations(kernel.config.outbound_allow_networks)
    async with destinations.session() as session:
        await sender(kernel.db, session, destinations, poll_s=IDLE_POLL_S).run()
