"""The tenant admin's webhook settings: ``/api/crm/webhook`` and its deliveries."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, Request, delete, get, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.core.destinations import Destinations
from vats.core.errors import NotFoundError
from vats.plugins.crm_webhook import Delivery, Webhook, WebhookIn, _check_url


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
