"""Settings → Интеграции: CRM (admins), contributed by the webhook plugin through
``register_cabinet_pages``: where CRM events go, the signing secret (shown once, when set;
afterwards only its last four characters), a test event, and the recent deliveries with how
each went. The same rules as /api/crm/webhook (routes.py): a public http(s) address, a secret
of 16 to 200 characters or one generated."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    CabinetPages,
    NavEntry,
    form_fields,
    kernel_of,
    language,
    page,
    problem_text,
    redirect,
    require,
    tenant_transaction,
)
from vats.core import outbox
from vats.core.destinations import Destinations
from vats.core.errors import ValidationError, VatsError
from vats.plugins.crm_webhook import WebhookIn, _check_url

PAGE = "/cabinet/settings/crm-webhook"
SHOWN = 20  # deliveries on the page (the API lists 100)
# What the plugin sends: every CRM event (its ``crm_event`` hook), by kind.
EVENTS = ("call", "contact", "task")


def _local(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S")


class WebhookPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request, notice=request.query_params.get("done", ""))

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            hook = await tx.conn.fetchrow("SELECT url, secret FROM crm_webhooks WHERE tenant_id = $1", tx.tenant.id)
            rows = await tx.conn.fetch(
                "SELECT id, kind, attempts, sent_at, failed_at, last_status, last_error, created_at"
                " FROM outbox WHERE tenant_id = $1 AND channel = 'crm_webhook' ORDER BY id DESC LIMIT $2",
                tx.tenant.id, SHOWN,
            )  # fmt: skip
            zone = zoneinfo.ZoneInfo(tx.tenant.time_zone)
        deliveries = [
            {
                "id": r["id"], "kind": r["kind"], "attempts": r["attempts"], "at": _local(r["created_at"], zone),
                "state": "delivered" if r["sent_at"] else "given_up" if r["failed_at"] else "pending",
                "status": r["last_status"], "error": r["last_error"] or "",
            }
            for r in rows
        ]  # fmt: skip
        context.setdefault("errors", {})
        context.setdefault("values", {"url": hook["url"]} if hook else {})
        return await page(
            request, "crm_webhook/settings.html", status, hook=hook is not None,
            hint=hook["secret"][-4:] if hook else "", deliveries=deliveries, events=EVENTS, **context,
        )  # fmt: skip

    @post("/")
    async def save(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        kernel = kernel_of(request)
        lang = language(request)
        try:
            try:
                data = msgspec.convert(
                    {"url": form.get("url", "").strip(), "secret": form.get("secret") or None}, WebhookIn
                )
            except msgspec.ValidationError as exc:
                field = "secret" if "secret" in str(exc) else "url"
                message = "16 to 200 characters" if field == "secret" else "an http:// or https:// address"
                raise ValidationError(message, field=field) from exc
            # The address is checked (its name resolved) before a connection is taken, as the API does.
            url = await _check_url(data.url, Destinations(kernel.config.outbound_allow_networks))
        except VatsError as exc:
            errors = {exc.field or "url": problem_text(lang, exc.message)}
            return await self._page(request, 422, errors=errors, values={"url": form.get("url", "")})
        secret = data.secret or secrets.token_urlsafe(32)
        async with tenant_transaction(kernel, me) as tx:
            await tx.conn.execute(
                "INSERT INTO crm_webhooks (tenant_id, url, secret) VALUES ($1, $2, $3) ON CONFLICT (tenant_id)"
                " DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret",
                tx.tenant.id, url, secret,
            )  # fmt: skip
        # The secret is shown this once (the receiver needs it to check signatures).
        return await self._page(request, notice="saved", secret=secret)

    @post("/test")
    async def test(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            if not await tx.conn.fetchval("SELECT true FROM crm_webhooks WHERE tenant_id = $1", tx.tenant.id):
                refusal = problem_text(language(request), "set the address first")
                return await self._page(request, 422, errors={"url": refusal})
            payload = {"event": "test", "at": dt.datetime.now(dt.UTC).isoformat(), "note": "a test event from vats"}
            await outbox.enqueue(tx.conn, tenant_id=tx.tenant.id, channel="crm_webhook", kind="test", payload=payload)
        return redirect(f"{PAGE}?done=test")

    @post("/delete")
    async def remove(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            await tx.conn.execute("DELETE FROM crm_webhooks WHERE tenant_id = $1", tx.tenant.id)
            await tx.conn.execute(
                "UPDATE outbox SET failed_at = now(), last_error = 'the webhook was removed'"
                " WHERE tenant_id = $1 AND channel = 'crm_webhook' AND sent_at IS NULL AND failed_at IS NULL",
                tx.tenant.id,
            )
        return redirect(f"{PAGE}?done=removed")


TEXTS_RU = {
    "crm_webhook_title": "Интеграции: CRM",
    "crm_webhook_intro": "События звонков, контактов и задач отправляются на адрес вашей CRM (POST, JSON, с подписью).",
    "crm_webhook_users": "Какие ID пользователей CRM у сотрудников",
    "crm_webhook_url": "Адрес (URL) для событий",
    "crm_webhook_secret": "Секрет для подписи",
    "crm_webhook_secret_hint": "Оставьте пустым, чтобы создать новый. Сейчас задан секрет, оканчивающийся на «{hint}».",
    "crm_webhook_secret_new": "Оставьте пустым, и секрет будет создан.",
    "crm_webhook_secret_once": "Секрет показан один раз — сохраните его в CRM:",
    "crm_webhook_events": "Какие события отправляются",
    "crm_webhook_event_call": "Звонки (входящие, исходящие, пропущенные)",
    "crm_webhook_event_contact": "Новые контакты",
    "crm_webhook_event_task": "Задачи (перезвонить, голосовая почта и другие)",
    "crm_webhook_event_test": "Проверка",
    "crm_webhook_saved": "Адрес сохранён.",
    "crm_webhook_test": "Отправить проверочное событие",
    "crm_webhook_tested": "Проверочное событие поставлено в очередь: его судьба — в списке ниже.",
    "crm_webhook_removed": "Отправка событий выключена.",
    "crm_webhook_remove": "Перестать отправлять события",
    "crm_webhook_deliveries": "Последние отправки",
    "crm_webhook_none": "Отправок пока не было.",
    "crm_webhook_when": "Когда",
    "crm_webhook_kind": "Событие",
    "crm_webhook_state": "Состояние",
    "crm_webhook_attempts": "Попыток",
    "crm_webhook_answer": "Ответ",
    "crm_webhook_state_delivered": "Доставлено",
    "crm_webhook_state_pending": "В очереди",
    "crm_webhook_state_given_up": "Не доставлено",
    "err:an http:// or https:// address": "Укажите адрес, начинающийся с http:// или https://.",
    "err:16 to 200 characters": "От 16 до 200 символов.",
    "err:set the address first": "Сначала сохраните адрес.",
}
TEXTS_EN = {
    "crm_webhook_title": "Integrations: CRM",
    "crm_webhook_intro": "Call, contact and task events are sent to your CRM's address (POST, JSON, signed).",
    "crm_webhook_users": "Employees' CRM user ids",
    "crm_webhook_url": "Address (URL) for events",
    "crm_webhook_secret": "Signing secret",
    "crm_webhook_secret_hint": "Leave empty to make a new one. The secret set now ends in “{hint}”.",
    "crm_webhook_secret_new": "Leave empty and a secret is made.",
    "crm_webhook_secret_once": "The secret is shown this once; keep it in the CRM:",
    "crm_webhook_events": "Events sent",
    "crm_webhook_event_call": "Calls (inbound, outbound, missed)",
    "crm_webhook_event_contact": "New contacts",
    "crm_webhook_event_task": "Tasks (call back, voicemail)",
    "crm_webhook_event_test": "Test",
    "crm_webhook_saved": "Address saved.",
    "crm_webhook_test": "Send a test event",
    "crm_webhook_tested": "The test event is queued: see how it goes below.",
    "crm_webhook_removed": "Events are no longer sent.",
    "crm_webhook_remove": "Stop sending events",
    "crm_webhook_deliveries": "Recent deliveries",
    "crm_webhook_none": "Nothing sent yet.",
    "crm_webhook_when": "When",
    "crm_webhook_kind": "Event",
    "crm_webhook_state": "State",
    "crm_webhook_attempts": "Attempts",
    "crm_webhook_answer": "Answer",
    "crm_webhook_state_delivered": "Delivered",
    "crm_webhook_state_pending": "Queued",
    "crm_webhook_state_given_up": "Not delivered",
}


def cabinet_pages() -> CabinetPages:
    return CabinetPages(
        handlers=[WebhookPage],
        nav=[
            NavEntry(
                href=PAGE, label_ru="Интеграции", label_en="Integrations", roles=ADMIN, section="settings", order=800
            )
        ],
        templates=Path(__file__).parent / "templates",
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
