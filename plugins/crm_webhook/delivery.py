"""Delivering the outbox: signed POSTs with retries and backoff.

Each event is one POST of its JSON body with headers ``X-Vats-Event`` (call, contact, task),
``X-Vats-Delivery`` (the outbox id: the receiver's idempotency key, since a delivery whose
answer was lost is sent again) and ``X-Vats-Signature: t=<unix time>,v1=<hex>``, where the hex
is HMAC-SHA256 of ``"<t>.<body>"`` with the tenant's secret (the receiver checks it and the
time, as with Stripe's webhooks). A 2xx answer delivers; 408, 429, 5xx and network errors
retry with exponential backoff (5 s doubling, at most 1 h, 12 attempts); other 4xx give up
at once (the endpoint refuses the event; retrying would not change that), and so does a
destination that is not public (``vats.core.destinations``: checked at every send, on the
addresses the connection then goes to; redirects are not followed).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgspec
from vats.core.destinations import DestinationRefused, Destinations
from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)

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


def backoff_s(attempts: int) -> int:
    return int(min(FIRST_DELAY_S * 2 ** max(attempts - 1, 0), MAX_DELAY_S))


async def deliver_due(db: Any, session: aiohttp.ClientSession, destinations: Destinations) -> int:
    """Send what is due (up to a batch); returns how many were attempted. Rows are claimed with
    SKIP LOCKED, so several vats processes share the outbox without sending an event twice at
    the same time. ``session`` comes from ``destinations.session()``: its resolver refuses
    names that lead to addresses the policy refuses."""
    async with db.system() as conn:
        rows = await conn.fetch(
            "SELECT o.id, o.kind, o.payload, o.attempts, w.url, w.secret FROM crm_webhook_outbox o"
            " JOIN crm_webhooks w ON w.tenant_id = o.tenant_id"
            " WHERE o.delivered_at IS NULL AND o.given_up_at IS NULL AND o.next_at <= now()"
            " ORDER BY o.next_at, o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED",
            BATCH,
        )
        for row in rows:
            status, error, refused = await _post(session, destinations, row)
            attempts = row["attempts"] + 1
            if status is not None and 200 <= status < 300:
                await conn.execute(
                    "UPDATE crm_webhook_outbox SET delivered_at = now(), attempts = $2, last_status = $3,"
                    " last_error = NULL WHERE id = $1",
                    row["id"], attempts, status,
                )  # fmt: skip
                continue
            retry = not refused and (status is None or status in (408, 429) or status >= 500)
            give_up = not retry or attempts >= MAX_ATTEMPTS
            await conn.execute(
                "UPDATE crm_webhook_outbox SET attempts = $2, last_status = $3, last_error = $4,"
                " next_at = now() + make_interval(secs => $5), given_up_at = CASE WHEN $6 THEN now() END"
                " WHERE id = $1",
                row["id"], attempts, status, error, backoff_s(attempts), give_up,
            )  # fmt: skip
            if give_up:
                log.warning("webhook event %s given up after %d attempts (%s)", row["id"], attempts, error)
    return len(rows)


async def _post(
    session: aiohttp.ClientSession, destinations: Destinations, row: Any
) -> tuple[int | None, str | None, bool]:
    """(HTTP status, error, whether the destination was refused) of one POST."""
    body = msgspec.json.encode(row["payload"])
    headers = {
        "Content-Type": "application/json",
        "X-Vats-Event": row["kind"],
        "X-Vats-Delivery": str(row["id"]),
        "X-Vats-Signature": sign(row["secret"], int(time.time()), body),
    }
    try:
        destinations.check_host(urlsplit(row["url"]).hostname or "")
        async with session.post(
            row["url"],
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
            allow_redirects=False,
        ) as response:
            await response.read()
            return response.status, None if response.status < 400 else f"HTTP {response.status}", False
    except DestinationRefused as exc:
        return None, f"refused: {exc}"[:500], True
    except (aiohttp.ClientError, TimeoutError) as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, DestinationRefused):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            return None, f"refused: {cause}"[:500], True
        return None, f"{type(exc).__name__}: {exc}"[:500], False


async def worker(kernel: KernelAPI) -> None:
    """The delivery loop ``vats serve`` runs (``register_workers``)."""
    destinations = Destinations(kernel.config.outbound_allow_networks)
    async with destinations.session() as session:
        while True:
            if not await deliver_due(kernel.db, session, destinations):
                await asyncio.sleep(IDLE_POLL_S)
