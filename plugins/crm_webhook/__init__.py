"""An outgoing webhook for external CRMs: every ``crm_event`` (calls, contacts, tasks, with the
employees' external CRM user ids) is written to an outbox in the same transaction and POSTed,
signed, to the tenant's endpoint with retries (``delivery.py``).

Built only on public hooks, as a third-party integration would be.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.core import hookimpl
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.destinations import Destinations
from vats.core.errors import NotFoundError, ValidationError


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="crm_webhook", folder=Path(__file__).with_name("migrations"))]


@hookimpl
async def crm_event(tenant_id: uuid.UUID, kind: str, payload: dict[str, Any], conn: Connection) -> None:
    if await conn.fetchval("SELECT true FROM crm_webhooks WHERE tenant_id = $1", tenant_id):
        await conn.execute(
            "INSERT INTO crm_webhook_outbox (tenant_id, kind, payload) VALUES ($1, $2, $3)", tenant_id, kind, payload
        )


@hookimpl
def register_workers() -> Sequence[Any]:
    from vats.plugins.crm_webhook.delivery import worker

    return [worker]


class WebhookIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Annotated[str, msgspec.Meta(min_length=8, max_length=2000, examples=["https://crm.example.com/hooks/vats"])]
    secret: Annotated[str, msgspec.Meta(min_length=16, max_length=200)] | None = None  # default: generated


class Webhook(msgspec.Struct, kw_only=True):
    url: str
    secret: str | None = None  # only in the answer that set it
    secret_hint: str  # its last 4 characters
    created_at: dt.datetime


class Delivery(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    attempts: int
    state: str  # pending, delivered, given_up
    last_status: int | None
    last_error: str | None
    created_at: dt.datetime


async def _check_url(url: str, destinations: Destinations) -> str:
    """An http(s) address whose host is public (or in the operator's allowed ranges)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        raise ValidationError("an http:// or https:// address", field="url") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise ValidationError("an http:// or https:// address", field="url")
    await destinations.check_url(url.strip(), field="url")
    return url.strip()


class WebhookController(Controller):
    path = "/api/crm/webhook"
    tags = ["crm: webhook"]
    opt = {"roles": frozenset({"admin"})}

    @get(operation_id="getCrmWebhook", summary="Where CRM events are sent")
    async def show(self, request: Request[Any, Any, Any]) -> Webhook:
        tenant_id = request.user.tenant_id
        async with request.app.state.kernel.db.tenant(tenant_id) as conn:
            row = await conn.fetchrow(
                "SELECT url, secret, created_at FROM crm_webhooks WHERE tenant_id = $1", tenant_id
            )
        if row is None:
            raise NotFoundError("no webhook is set", field="url")
        return Webhook(url=row["url"], secret_hint=row["secret"][-4:], created_at=row["created_at"])

    @put(operation_id="setCrmWebhook", summary="Send CRM events (signed) to this address")
    async def set(self, request: Request[Any, Any, Any], data: JSONBody[WebhookIn]) -> Webhook:
        kernel = request.app.state.kernel
        url = await _check_url(data.url, Destinations(kernel.config.outbound_allow_networks))
        secret = data.secret or secrets.token_urlsafe(32)
        tenant_id = request.user.tenant_id
        async with request.app.state.kernel.db.tenant(tenant_id) as conn:
            created = await conn.fetchval(
                "INSERT INTO crm_webhooks (tenant_id, url, secret) VALUES ($1, $2, $3) ON CONFLICT (tenant_id)"
                " DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret RETURNING created_at",
                tenant_id, url, secret,
            )  # fmt: skip
        return Webhook(url=url, secret=secret, secret_hint=secret[-4:], created_at=created)

    @delete(operation_id="deleteCrmWebhook", summary="Stop sending CRM events", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, request: Request[Any, Any, Any]) -> None:
        tenant_id = request.user.tenant_id
        async with request.app.state.kernel.db.tenant(tenant_id) as conn:
            done = await conn.execute("DELETE FROM crm_webhooks WHERE tenant_id = $1", tenant_id)
            await conn.execute(
                "UPDATE crm_webhook_outbox SET given_up_at = now(), last_error = 'the webhook was removed'"
                " WHERE tenant_id = $1 AND delivered_at IS NULL AND given_up_at IS NULL",
                tenant_id,
            )
        if done == "DELETE 0":
            raise NotFoundError("no webhook is set", field="url")

    @get("/deliveries", operation_id="listCrmWebhookDeliveries", summary="The last 100 events and how they went")
    async def deliveries(self, request: Request[Any, Any, Any]) -> list[Delivery]:
        tenant_id = request.user.tenant_id
        async with request.app.state.kernel.db.tenant(tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT id, kind, attempts, delivered_at, given_up_at, last_status, last_error, created_at"
                " FROM crm_webhook_outbox WHERE tenant_id = $1 ORDER BY id DESC LIMIT 100",
                tenant_id,
            )
        return [
            Delivery(
                id=r["id"],
                kind=r["kind"],
                attempts=r["attempts"],
                last_status=r["last_status"],
                last_error=r["last_error"],
                created_at=r["created_at"],
                state="delivered" if r["delivered_at"] else "given_up" if r["given_up_at"] else "pending",
            )
            for r in rows
        ]


@hookimpl
def register_routes() -> Sequence[Any]:
    return [WebhookController]
