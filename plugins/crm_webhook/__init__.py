"""An outgoing webhook for external CRMs: every ``crm_event`` (calls, contacts, tasks, with the
employees' external CRM user ids) is written to an outbox in the same transaction and POSTed,
signed, to the tenant's endpoint with retries (``delivery.py``).

Built only on public hooks, as a third-party integration would be.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from vats.core import hookimpl, outbox
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.errors import ValidationError
from vats.core.plugins import PluginAbout

vats_about = PluginAbout(
    title="Внешняя CRM",
    description="Сообщает внешней CRM (вебхуком) о звонках, контактах и задачах.",
    title_en="External CRM",
    description_en="Tells an external CRM (by webhook) about calls, contacts and tasks.",
)

if TYPE_CHECKING:  # aiohttp (through Destinations) is loaded by the routes and the sender only
    from vats.core.destinations import Destinations


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="crm_webhook", folder=Path(__file__).with_name("migrations"))]


@hookimpl
async def crm_event(tenant_id: uuid.UUID, kind: str, payload: dict[str, Any], conn: Connection) -> None:
    if await conn.fetchval("SELECT true FROM crm_webhooks WHERE tenant_id = $1", tenant_id):
        await outbox.enqueue(conn, tenant_id=tenant_id, channel="crm_webhook", kind=kind, payload=payload)


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


@hookimpl
def register_routes() -> Sequence[Any]:
    # Imported here: litestar is the web server's, not every command's, start-up cost.
    from vats.plugins.crm_webhook.routes import WebhookController

    return [WebhookController]


@hookimpl
def register_cabinet_pages() -> Sequence[Any]:
    """Settings → Интеграции (the CRM webhook) in the cabinet, for admins (cabinet.py)."""
    # Imported here like the routes: litestar is only the web server's cost.
    from vats.plugins.crm_webhook.cabinet import cabinet_pages

    return [cabinet_pages()]
