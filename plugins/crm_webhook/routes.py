"""The tenant admin's webhook settings: ``/api/crm/webhook`` and its deliveries."""

from __future__ import annotations

import secrets

from litestar import Controller, delete, get, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.kit import ADMIN, KernelDep, MeDep, TenantDep, tenant_transaction
from vats.core.destinations import Destinations
from vats.core.errors import NotFoundError
from vats.plugins.crm_webhook import Delivery, Webhook, WebhookIn, _check_url


class WebhookController(Controller):
    path = "/api/crm/webhook"
    tags = ["crm: webhook"]
    opt = {"roles": ADMIN}

    @get(operation_id="getCrmWebhook", summary="Where CRM events are sent")
    async def show(self, tx: TenantDep) -> Webhook:
        row = await tx.conn.fetchrow(
            "SELECT url, secret, created_at FROM crm_webhooks WHERE tenant_id = $1", tx.tenant.id
        )
        if row is None:
            raise NotFoundError("no webhook is set", field="url")
        return Webhook(url=row["url"], secret_hint=row["secret"][-4:], created_at=row["created_at"])

    @put(operation_id="setCrmWebhook", summary="Send CRM events (signed) to this address")
    async def set(self, kernel: KernelDep, me: MeDep, data: JSONBody[WebhookIn]) -> Webhook:
        # The address is checked (its name resolved) before the transaction takes a connection.
        url = await _check_url(data.url, Destinations(kernel.config.outbound_allow_networks))
        secret = data.secret or secrets.token_urlsafe(32)
        async with tenant_transaction(kernel, me) as tx:
            created = await tx.conn.fetchval(
                "INSERT INTO crm_webhooks (tenant_id, url, secret) VALUES ($1, $2, $3) ON CONFLICT (tenant_id)"
                " DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret RETURNING created_at",
                tx.tenant.id, url, secret,
            )  # fmt: skip
        return Webhook(url=url, secret=secret, secret_hint=secret[-4:], created_at=created)

    @delete(operation_id="deleteCrmWebhook", summary="Stop sending CRM events", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, tx: TenantDep) -> None:
        done = await tx.conn.execute("DELETE FROM crm_webhooks WHERE tenant_id = $1", tx.tenant.id)
        await tx.conn.execute(
            "UPDATE outbox SET failed_at = now(), last_error = 'the webhook was removed'"
            " WHERE tenant_id = $1 AND channel = 'crm_webhook' AND sent_at IS NULL AND failed_at IS NULL",
            tx.tenant.id,
        )
        if done == "DELETE 0":
            raise NotFoundError("no webhook is set", field="url")

    @get("/deliveries", operation_id="listCrmWebhookDeliveries", summary="The last 100 events and how they went")
    async def deliveries(self, tx: TenantDep) -> list[Delivery]:
        rows = await tx.conn.fetch(
            "SELECT id, kind, attempts, sent_at, failed_at, last_status, last_error, created_at"
            " FROM outbox WHERE tenant_id = $1 AND channel = 'crm_webhook' ORDER BY id DESC LIMIT 100",
            tx.tenant.id,
        )
        return [
            Delivery(
                id=r["id"],
                kind=r["kind"],
                attempts=r["attempts"],
                last_status=r["last_status"],
                last_error=r["last_error"],
                created_at=r["created_at"],
                state="delivered" if r["sent_at"] else "given_up" if r["failed_at"] else "pending",
            )
            for r in rows
        ]
