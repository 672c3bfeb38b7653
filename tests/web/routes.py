"""The route table the access tests are generated from: who may call each route, and a valid
body for it. A route missing here fails the tests, so every new route gets an entry."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute

A, H, U, R = "admin", "head", "user", "restricted"
EVERYONE = {A, H, U, R}
MANAGERS = {A, H}
WORKERS = {A, H, U}
ADMIN = {A}
PUBLIC = "public"
OPERATOR = "operator"

# "METHOD /path" -> roles allowed, "public" or "operator"
ACCESS: dict[str, Any] = {
    "GET /health": PUBLIC,
    "GET /health/live": PUBLIC,
    "GET /favicon.svg": PUBLIC,  # the cabinet's icon, asked by every page before signing in
    "GET /favicon.ico": PUBLIC,
    "GET /api/auth/session": EVERYONE,
    "POST /api/auth/login": PUBLIC,
    "POST /api/auth/refresh": PUBLIC,
    "POST /api/auth/logout": EVERYONE,
    "POST /api/auth/password-reset": PUBLIC,
    "POST /api/auth/password-reset/confirm": PUBLIC,
    "POST /api/invitations/accept": PUBLIC,
    "GET /api/invitations/{token:str}": PUBLIC,
    "GET /api/me": EVERYONE,
    "PATCH /api/me": EVERYONE,
    "PUT /api/me/availability": EVERYONE,
    "POST /api/me/password": EVERYONE,
    "GET /api/me/sip-credentials": EVERYONE,
    "POST /api/me/external-numbers": EVERYONE,
    "DELETE /api/me/terminals/{terminal_id:uuid}": EVERYONE,
    "PATCH /api/me/terminals/{terminal_id:uuid}": EVERYONE,
    "POST /api/me/terminals/{terminal_id:uuid}/password": EVERYONE,
    "GET /api/me/telegram-link": EVERYONE,
    "POST /api/me/telegram-link": EVERYONE,
    "DELETE /api/me/telegram-link": EVERYONE,
    "POST /telegram/webhook": PUBLIC,  # Telegram's own: its secret-token header is checked instead
    "GET /api/employees": EVERYONE,
    "POST /api/employees": ADMIN,
    "GET /api/employees/{employee_id:uuid}": MANAGERS,
    "PATCH /api/employees/{employee_id:uuid}": ADMIN,
    "DELETE /api/employees/{employee_id:uuid}": ADMIN,
    "POST /api/employees/{employee_id:uuid}/invitation": ADMIN,
    "PUT /api/employees/{employee_id:uuid}/availability": ADMIN,
    "GET /api/employees/{employee_id:uuid}/sip-credentials": ADMIN,
    "POST /api/employees/{employee_id:uuid}/terminals/{terminal_id:uuid}/password": ADMIN,
    "POST /api/employees/{employee_id:uuid}/sip-lines": ADMIN,
    "POST /api/employees/{employee_id:uuid}/password": ADMIN,
    "PATCH /api/employees/{employee_id:uuid}/terminals/{terminal_id:uuid}": ADMIN,
    "DELETE /api/employees/{employee_id:uuid}/terminals/{terminal_id:uuid}": ADMIN,
    "POST /api/employees/{employee_id:uuid}/external-numbers": ADMIN,
    "POST /api/employees/{employee_id:uuid}/absences": ADMIN,
    "DELETE /api/employees/{employee_id:uuid}/absences/{absence_id:uuid}": ADMIN,
    "POST /api/employees/{employee_id:uuid}/extra-periods": ADMIN,
    "DELETE /api/employees/{employee_id:uuid}/extra-periods/{period_id:uuid}": ADMIN,
    "GET /api/groups": MANAGERS,
    "POST /api/groups": ADMIN,
    "GET /api/groups/{group_id:uuid}": MANAGERS,
    "PATCH /api/groups/{group_id:uuid}": ADMIN,
    "PUT /api/groups/{group_id:uuid}/members": ADMIN,
    "DELETE /api/groups/{group_id:uuid}": ADMIN,
    "GET /api/schedules": MANAGERS,
    "POST /api/schedules": ADMIN,
    "GET /api/schedules/{schedule_id:uuid}": MANAGERS,
    "PATCH /api/schedules/{schedule_id:uuid}": ADMIN,
    "DELETE /api/schedules/{schedule_id:uuid}": ADMIN,
    "GET /api/calendars": MANAGERS,
    "POST /api/calendars": ADMIN,
    "GET /api/calendars/{calendar_id:uuid}": MANAGERS,
    "PATCH /api/calendars/{calendar_id:uuid}": ADMIN,
    "DELETE /api/calendars/{calendar_id:uuid}": ADMIN,
    "GET /api/calendars/{calendar_id:uuid}/days": MANAGERS,
    "PUT /api/calendars/{calendar_id:uuid}/days": ADMIN,
    "DELETE /api/calendars/{calendar_id:uuid}/days": ADMIN,
    "GET /api/numbers": ADMIN,
    "GET /api/numbers/{number_id:uuid}": ADMIN,
    "PATCH /api/numbers/{number_id:uuid}": ADMIN,
    "GET /api/tags": EVERYONE,
    "POST /api/tags": ADMIN,
    "DELETE /api/tags/{tag_id:uuid}": ADMIN,
    "GET /api/tenant": EVERYONE,
    "GET /api/audit": ADMIN,
    "GET /api/scenarios": ADMIN,
    "POST /api/scenarios": ADMIN,
    "GET /api/scenarios/{scenario_id:uuid}": ADMIN,
    "PUT /api/scenarios/{scenario_id:uuid}": ADMIN,
    "DELETE /api/scenarios/{scenario_id:uuid}": ADMIN,
    "POST /api/scenarios/{scenario_id:uuid}/copy": ADMIN,
    "GET /api/scenarios/{scenario_id:uuid}/diagram.svg": ADMIN,
    "POST /api/scenarios/{scenario_id:uuid}/simulate": ADMIN,
    "GET /api/ivr-menus": ADMIN,
    "POST /api/ivr-menus": ADMIN,
    "GET /api/ivr-menus/{menu_id:uuid}": ADMIN,
    "PUT /api/ivr-menus/{menu_id:uuid}": ADMIN,
    "DELETE /api/ivr-menus/{menu_id:uuid}": ADMIN,
    "POST /api/media/files": ADMIN,
    "GET /api/media/files": ADMIN,
    "GET /api/media/files/{file_id:str}/audio": ADMIN,
    "DELETE /api/media/files/{file_id:uuid}": ADMIN,
    "GET /api/media": ADMIN,
    "POST /api/media": ADMIN,
    "GET /api/media/{media_id:uuid}": ADMIN,
    "PATCH /api/media/{media_id:uuid}": ADMIN,
    "DELETE /api/media/{media_id:uuid}": ADMIN,
    "GET /api/tenant/settings": ADMIN,
    "PATCH /api/tenant/settings": ADMIN,
    "GET /api/tenant/plugins": ADMIN,
    "PUT /api/tenant/plugins/{name:str}": ADMIN,
    "POST /api/operator/tenants": OPERATOR,
    "GET /api/operator/tenants": OPERATOR,
    "POST /api/operator/tenants/{tenant_id:uuid}/suspend": OPERATOR,
    "POST /api/operator/tenants/{tenant_id:uuid}/resume": OPERATOR,
    "POST /api/operator/tenants/{tenant_id:uuid}/numbers": OPERATOR,
    "POST /api/operator/tenants/{tenant_id:uuid}/admins": OPERATOR,
    "PUT /api/operator/tenants/{tenant_id:uuid}/seats": OPERATOR,
    "GET /api/operator/audit": OPERATOR,
    "GET /api/operator/trunks": OPERATOR,
    "POST /api/operator/trunks": OPERATOR,
    "DELETE /api/operator/trunks/{trunk_id:uuid}": OPERATOR,
    # billing (plugins/billing)
    "GET /api/billing/balance": ADMIN,
    "GET /api/billing/ledger": ADMIN,
    "GET /api/operator/billing/tariffs": OPERATOR,
    "GET /api/operator/migrations": OPERATOR,
    "POST /api/operator/migrations": OPERATOR,
    "GET /api/operator/migrations/{draft_id:uuid}": OPERATOR,
    "PUT /api/operator/migrations/{draft_id:uuid}/employees": OPERATOR,
    "POST /api/operator/migrations/{draft_id:uuid}/create": OPERATOR,
    "GET /api/operator/migration-agreement/versions": OPERATOR,
    "POST /api/operator/migration-agreement/versions": OPERATOR,
    "GET /api/operator/migration-agreement/versions/{version:int}": OPERATOR,
    "GET /api/operator/migration-agreement/acceptances": OPERATOR,
    "GET /api/migration/agreement": ADMIN,
    "GET /api/migration/agreement/versions/{version:int}": ADMIN,
    "POST /api/migration/agreement/accept": ADMIN,
    "GET /api/migration": ADMIN,
    "POST /api/migration/complete": ADMIN,
    "POST /api/migration/recreate": ADMIN,
    "POST /api/operator/billing/tariffs": OPERATOR,
    "PUT /api/operator/billing/tariffs/{code:str}": OPERATOR,
    "GET /api/operator/billing/rate-plans": OPERATOR,
    "POST /api/operator/billing/rate-plans": OPERATOR,
    "GET /api/operator/billing/rate-plans/{plan_id:uuid}/rates": OPERATOR,
    "POST /api/operator/billing/rate-plans/{plan_id:uuid}/import": OPERATOR,
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/tariff": OPERATOR,
    "GET /api/operator/billing/tenants/{tenant_id:uuid}/balance": OPERATOR,
    "POST /api/operator/billing/tenants/{tenant_id:uuid}/adjustments": OPERATOR,
    "GET /api/billing/periods": ADMIN,
    "GET /api/operator/billing/settings": OPERATOR,
    "PUT /api/operator/billing/settings": OPERATOR,
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/credit-limit": OPERATOR,
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/billing-day": OPERATOR,
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/options": OPERATOR,
    "GET /api/operator/billing/tenants/{tenant_id:uuid}/periods": OPERATOR,
    "POST /api/operator/billing/run": OPERATOR,
    "GET /api/operator/billing/legacy-tariffs": OPERATOR,
    "PUT /api/operator/billing/legacy-tariffs": OPERATOR,
    "DELETE /api/operator/billing/legacy-tariffs/{old_code:str}": OPERATOR,
    "GET /api/operator/billing/legacy-tariffs/tenants": OPERATOR,
    "GET /api/billing/requisites": ADMIN,
    "PUT /api/billing/requisites": ADMIN,
    "GET /api/operator/billing/tenants/{tenant_id:uuid}/requisites": OPERATOR,
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/requisites": OPERATOR,
    "POST /api/billing/payments": ADMIN,
    "GET /api/billing/payments": ADMIN,
    "GET /api/billing/payments/{payment_id:uuid}": ADMIN,
    "GET /api/billing/payments/{payment_id:uuid}/qr.svg": ADMIN,
    "POST /api/billing/payments/notifications/{gateway:str}": PUBLIC,  # the gateway's; re-fetched to verify
    "GET /api/billing/autopay": ADMIN,
    "PUT /api/billing/autopay": ADMIN,
    "POST /api/billing/autopay/card": ADMIN,
    "DELETE /api/billing/autopay/card": ADMIN,
    "POST /api/billing/autopay/charges": ADMIN,
    "GET /api/billing/numbers": ADMIN,
    "POST /api/billing/numbers/buy": ADMIN,
    "GET /api/billing/tariffs": ADMIN,
    "POST /api/billing/tariff": ADMIN,
    "GET /api/operator/billing/numbers": OPERATOR,
    "PUT /api/operator/billing/numbers/{e164:str}": OPERATOR,
    "DELETE /api/operator/billing/numbers/{e164:str}": OPERATOR,
    "GET /api/billing/documents": ADMIN,
    "GET /api/billing/documents/{document_id:uuid}/pdf": ADMIN,
    "POST /api/billing/invoices": ADMIN,
    "POST /api/billing/documents/closing": ADMIN,
    "GET /api/billing/calls": ADMIN,
    "GET /api/billing/calls/xlsx": ADMIN,
    "POST /api/billing/calls/mail": ADMIN,
    "GET /api/operator/billing/requisites": OPERATOR,
    "PUT /api/operator/billing/requisites": OPERATOR,
    "GET /api/operator/billing/vat-rates": OPERATOR,
    "PUT /api/operator/billing/vat-rates": OPERATOR,
    "GET /api/operator/billing/tenants/{tenant_id:uuid}/documents": OPERATOR,
    "GET /api/operator/billing/tenants/{tenant_id:uuid}/documents/{document_id:uuid}/pdf": OPERATOR,
    "POST /api/operator/billing/tenants/{tenant_id:uuid}/invoices": OPERATOR,
    "POST /api/operator/billing/tenants/{tenant_id:uuid}/documents/closing": OPERATOR,
    "POST /api/calls": EVERYONE,
    "GET /api/lines": EVERYONE,
    "GET /api/outbound/caller-ids": ADMIN,
    "POST /api/outbound/caller-ids": ADMIN,
    "DELETE /api/outbound/caller-ids/{rule_id:uuid}": ADMIN,
    "GET /api/outbound/bans": ADMIN,
    "POST /api/outbound/bans": ADMIN,
    "DELETE /api/outbound/bans/{ban_id:uuid}": ADMIN,
    # conference rooms (core/conferences): their recordings are admins' only (seed 003)
    "GET /api/conferences": ADMIN,
    "POST /api/conferences": ADMIN,
    "GET /api/conferences/live": EVERYONE,
    "GET /api/conferences/{room_id:uuid}": ADMIN,
    "PATCH /api/conferences/{room_id:uuid}": ADMIN,
    "DELETE /api/conferences/{room_id:uuid}": ADMIN,
    "GET /api/conferences/{room_id:uuid}/recordings": ADMIN,
    "GET /api/conferences/{room_id:uuid}/recordings/{recording_id:str}": ADMIN,
    # CRM (plugins/crm); "WORKERS" is everyone but restricted users
    "GET /api/contacts": EVERYONE,
    "POST /api/contacts": WORKERS,
    "GET /api/contacts/{contact_id:uuid}": EVERYONE,
    "PATCH /api/contacts/{contact_id:uuid}": WORKERS,
    "DELETE /api/contacts/{contact_id:uuid}": ADMIN,
    "POST /api/contacts/bulk": ADMIN,
    "POST /api/contacts/import": ADMIN,
    "GET /api/contacts/export.csv": ADMIN,
    "GET /api/history": EVERYONE,
    # the role settings refuse restricted users downloads and recordings (by default)
    "GET /api/history/export.csv": WORKERS,
    "GET /api/history/{call_id:uuid}": EVERYONE,
    "PUT /api/history/{call_id:uuid}/tags": WORKERS,
    "GET /api/history/{call_id:uuid}/recording": WORKERS,
    "GET /api/history/{call_id:uuid}/voicemail": WORKERS,
    "GET /api/tasks": EVERYONE,
    "POST /api/tasks": EVERYONE,
    "GET /api/tasks/{task_id:uuid}": EVERYONE,
    "PATCH /api/tasks/{task_id:uuid}": EVERYONE,
    "POST /api/tasks/{task_id:uuid}/comments": EVERYONE,
    "POST /api/tasks/{task_id:uuid}/attachments": EVERYONE,
    "GET /api/tasks/{task_id:uuid}/voicemail": WORKERS,
    "GET /api/deals": WORKERS,
    "POST /api/deals": WORKERS,
    "GET /api/deals/{deal_id:uuid}": WORKERS,
    "PATCH /api/deals/{deal_id:uuid}": WORKERS,
    "POST /api/deals/{deal_id:uuid}/comments": WORKERS,
    "POST /api/deals/{deal_id:uuid}/attachments": WORKERS,
    "GET /api/dashboard": EVERYONE,
    "GET /api/dashboard/chart": EVERYONE,
    "GET /api/statistics": EVERYONE,
    "GET /api/statistics/chart": EVERYONE,
    "GET /api/crm/settings": ADMIN,
    "PATCH /api/crm/settings": ADMIN,
    "GET /api/crm/users": ADMIN,
    "PUT /api/crm/users/{employee_id:uuid}": ADMIN,
    "DELETE /api/crm/users/{employee_id:uuid}": ADMIN,
    "GET /api/crm/webhook": ADMIN,
    "PUT /api/crm/webhook": ADMIN,
    "DELETE /api/crm/webhook": ADMIN,
    "GET /api/crm/webhook/deliveries": ADMIN,
    # notifications (plugins/notifications)
    "GET /api/notifications/recipients": ADMIN,
    "POST /api/notifications/recipients": ADMIN,
    "PUT /api/notifications/recipients/{recipient_id:uuid}": ADMIN,
    "DELETE /api/notifications/recipients/{recipient_id:uuid}": ADMIN,
    "POST /api/notifications/recipients/{recipient_id:uuid}/resend": ADMIN,
    "POST /api/notifications/recipients/{recipient_id:uuid}/confirm": ADMIN,
    "POST /api/notifications/verify": PUBLIC,  # the e-mail link's token is the credential
    "GET /notifications/verify": PUBLIC,
    "POST /notifications/verify": PUBLIC,
    "GET /api/operator/notifications/settings": OPERATOR,
    "PUT /api/operator/notifications/settings": OPERATOR,
}

# Valid bodies (so a refusal is about who calls, not about what they sent).
BODIES: dict[str, Any] = {
    "POST /api/conferences": {"name": "Комната {n}"},
    "PATCH /api/conferences/{room_id:uuid}": {"record": True},
    "POST /api/notifications/recipients": {"kind": "email", "address": "n{n}@firm.example"},
    "PUT /api/notifications/recipients/{recipient_id:uuid}": {"threshold_kop": 100},
    "POST /api/notifications/recipients/{recipient_id:uuid}/confirm": {"code": "123456"},
    "POST /api/notifications/verify": {"token": "no-such-token"},
    "PUT /api/operator/notifications/settings": {"sms_daily_limit": 100},
    "POST /api/auth/login": {"email": "nobody@nowhere.example", "password": "wrong-Passw0rd"},
    "POST /api/auth/refresh": {"refresh_token": "not-a-token"},
    "POST /api/auth/password-reset": {"email": "nobody@nowhere.example"},
    "POST /api/auth/password-reset/confirm": {"token": "no-such-token", "password": "some-Passw0rd"},
    "POST /api/invitations/accept": {"token": "no-such-token", "password": "some-Passw0rd"},
    "PATCH /api/me": {"position": "Инженер"},
    "PUT /api/me/availability": {"mode": "available"},
    "POST /api/me/password": {"current_password": "wrong-Passw0rd", "new_password": "other-Passw0rd"},
    "POST /api/me/external-numbers": {"number": "+79161112233"},
    "PATCH /api/me/terminals/{terminal_id:uuid}": {"ring_delay_s": 5},
    "POST /api/employees": {"full_name": "Новый {n}", "email": "new{n}@example.com"},
    "PATCH /api/employees/{employee_id:uuid}": {"position": "Старший"},
    "PUT /api/employees/{employee_id:uuid}/availability": {"mode": "unavailable"},
    "PATCH /api/employees/{employee_id:uuid}/terminals/{terminal_id:uuid}": {"ring_time_s": 25},
    "POST /api/employees/{employee_id:uuid}/external-numbers": {"number": "+79161112244"},
    "POST /api/employees/{employee_id:uuid}/sip-lines": {"kind": "mobile_app"},
    "POST /api/operator/migrations": {"format": "vats-old-cabinet-export", "version": 1, "customers": []},
    "PUT /api/operator/migrations/{draft_id:uuid}/employees": {"employees": []},
    "POST /api/operator/migration-agreement/versions": {"title": "Оферта {n}", "body": "Условия {n}"},
    "POST /api/migration/agreement/accept": {"version": 1},
    "POST /api/migration/complete": {"emails_confirmed": True},
    "POST /api/employees/{employee_id:uuid}/absences": {
        "kind": "sick_leave",
        "starts_on": "2031-02-01",
        "ends_on": "2031-02-03",
    },
    "POST /api/employees/{employee_id:uuid}/extra-periods": {
        "available": False,
        "starts_at": "2031-02-01T10:00:00+03:00",
        "ends_at": "2031-02-01T12:00:00+03:00",
    },
    "POST /api/groups": {"name": "Группа {n}"},
    "PATCH /api/groups/{group_id:uuid}": {"ring_time_s": 40},
    "PUT /api/groups/{group_id:uuid}/members": {"member_ids": []},
    "POST /api/schedules": {"name": "График {n}", "intervals": [{"day": 0, "start": "10:00", "end": "12:00"}]},
    "PATCH /api/schedules/{schedule_id:uuid}": {"name": "Другое имя {n}"},
    "POST /api/calendars": {"name": "Календарь {n}", "official_country": None},
    "PATCH /api/calendars/{calendar_id:uuid}": {"name": "Календарь {n}"},
    "PUT /api/calendars/{calendar_id:uuid}/days": {"starts_on": "2031-03-01", "kind": "day_off"},
    "PATCH /api/numbers/{number_id:uuid}": {"name": "Реклама"},
    "POST /api/tags": {"kind": "contact", "name": "Тег {n}"},
    "PATCH /api/tenant/settings": {"time_zone": "Europe/Moscow"},
    "PUT /api/tenant/plugins/{name:str}": {"enabled": True},
    "POST /api/media": {"name": "Медиа {n}", "items": [{"type": "pause", "ms": 500}]},
    "POST /api/scenarios": {"name": "Сценарий {n}", "body": {"default": {"handling": {"type": "hangup"}}}},
    "PUT /api/scenarios/{scenario_id:uuid}": {
        "name": "Сценарий {n}",
        "body": {"default": {"handling": {"type": "voicemail"}}},
    },
    "POST /api/scenarios/{scenario_id:uuid}/copy": {"name": "Копия {n}"},
    "POST /api/scenarios/{scenario_id:uuid}/simulate": {"caller": "+79161234567", "at": "2026-11-24T12:00:00+03:00"},
    "POST /api/ivr-menus": {
        "name": "Меню {n}",
        "level": 2,
        "body": {"instruction": ["standard:greeting"], "items": [{"key": "0", "do": {"action": "repeat"}}]},
    },
    "PUT /api/ivr-menus/{menu_id:uuid}": {
        "name": "Меню {n}",
        "level": 2,
        "body": {"instruction": ["standard:greeting"], "items": [{"key": "9", "do": {"action": "repeat"}}]},
    },
    "PATCH /api/media/{media_id:uuid}": {"name": "Медиа {n}"},
    "POST /api/operator/tenants": {"name": "Оператор {n}", "admin_email": "op{n}@example.com"},
    "POST /api/operator/tenants/{tenant_id:uuid}/numbers": {"number": "+7495765{n:04d}"},
    "POST /api/operator/tenants/{tenant_id:uuid}/admins": {"email": "admin@spare.example"},
    "PUT /api/operator/tenants/{tenant_id:uuid}/seats": {"seats_max": 60},
    "POST /api/operator/trunks": {"name": "trunk{n}", "host": "sip{n}.provider.example"},
    "POST /api/operator/billing/tariffs": {
        "code": "t{n}", "name": "Тариф {n}", "monthly_fee_kop": 100000, "seats_included": 3, "extra_seat_kop": 30000,
    },
    "PUT /api/operator/billing/tariffs/{code:str}": {
        "name": "Тариф {n}", "monthly_fee_kop": 100000, "seats_included": 3, "extra_seat_kop": 30000,
    },
    "POST /api/operator/billing/rate-plans": {"name": "План {n}"},
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/tariff": {"tariff": "pro"},
    "PUT /api/operator/billing/settings": {"max_call_s": 3600},
    "PUT /api/operator/billing/legacy-tariffs": {"old_code": "Бизнес-2019", "legacy_tariff": "start", "target_tariff": "pro"},
    "POST /api/billing/payments": {"amount_kop": 10000, "method": "card"},
    "PUT /api/billing/autopay": {"terms_accepted": True, "threshold_kop": 10000, "threshold_amount_kop": 50000},
    "POST /api/billing/autopay/card": {},
    "POST /api/billing/autopay/charges": {"amount_kop": 10000},
    "POST /api/billing/tariff": {"tariff": "pro"},
    "POST /api/billing/numbers/buy": {"number": "+74959990{n:03d}", "idempotency_key": "buy-{n}"},
    "PUT /api/operator/billing/numbers/{e164:str}": {
        "city": "Москва", "category": "bronze", "price_kop": 300000, "monthly_kop": 70000,
    },
    "POST /api/billing/invoices": {"amount_kop": 150000},
    "POST /api/billing/documents/closing": {"month": "2026-10"},
    "POST /api/operator/billing/tenants/{tenant_id:uuid}/invoices": {"amount_kop": 150000},
    "POST /api/operator/billing/tenants/{tenant_id:uuid}/documents/closing": {"month": "2026-10"},
    "PUT /api/operator/billing/requisites": {
        "name": "ООО «Телеком»", "inn": "7736207543", "kpp": "773601001", "address": "Москва", "bank_name": "Банк",
        "bik": "044525225", "account": "40702810938000000001", "corr_account": "30101810400000000225",
    },
    "PUT /api/operator/billing/vat-rates": {"effective_from": "2019-01-01", "rate_pct": 20},
    "POST /api/billing/payments/notifications/{gateway:str}": {"event": "payment.succeeded", "object": {"id": "x"}},
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/credit-limit": {"credit_limit_kop": 10000},
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/billing-day": {"billing_day": 5},
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/options": {"options": []},
    "PUT /api/billing/requisites": {
        "kind": "legal", "name": "ООО «Ромашка» {n}", "inn": "7707083893", "kpp": "773601001", "address": "Москва",
    },
    "PUT /api/operator/billing/tenants/{tenant_id:uuid}/requisites": {
        "kind": "individual", "name": "ИП Иванов {n}", "inn": "500100732259", "address": "Москва",
    },
    "POST /api/operator/billing/tenants/{tenant_id:uuid}/adjustments": {
        "direction": "credit", "amount_kop": 10000, "reason": "Тест {n}", "idempotency_key": "adj-{n}",
    },
    "POST /api/calls": {"to": "+79161234567"},
    "POST /api/outbound/caller-ids": {"scope": "tenant", "number_id": "00000000-0000-0000-0000-000000000000"},
    "POST /api/outbound/bans": {"terminal_id": "00000000-0000-0000-0000-000000000000", "prefix": "+"},
    "POST /api/contacts": {"number": "+7916555{n:04d}", "name": "Клиент {n}"},
    "PATCH /api/contacts/{contact_id:uuid}": {"company": "ООО Ромашка"},
    "POST /api/contacts/bulk": {"contact_ids": ["00000000-0000-0000-0000-000000000000"], "action": "delete"},
    "PUT /api/history/{call_id:uuid}/tags": {"tag_ids": []},
    "POST /api/tasks": {"title": "Перезвонить {n}"},
    "PATCH /api/tasks/{task_id:uuid}": {"status": "in_progress"},
    "POST /api/tasks/{task_id:uuid}/comments": {"text": "Комментарий {n}"},
    "POST /api/tasks/{task_id:uuid}/attachments": {"kind": "call", "id": "00000000-0000-0000-0000-000000000000"},
    "POST /api/deals": {"contact_id": "00000000-0000-0000-0000-000000000000", "title": "Сделка {n}"},
    "PATCH /api/deals/{deal_id:uuid}": {"status": "in_progress"},
    "POST /api/deals/{deal_id:uuid}/comments": {"text": "Комментарий {n}"},
    "POST /api/deals/{deal_id:uuid}/attachments": {"kind": "call", "id": "00000000-0000-0000-0000-000000000000"},
    "PATCH /api/crm/settings": {"duplicate_check": True},
    "PUT /api/crm/users/{employee_id:uuid}": {"external_id": "crm-user-{n}"},
    "PUT /api/crm/webhook": {"url": "http://93.184.215.14/hooks"},
    "POST /api/billing/calls/mail": {"since": "2026-11-01", "until": "2026-11-30"},
}

# Multipart uploads: (form fields, files).
UPLOADS: dict[str, Any] = {
    "POST /api/media/files": ({"name": "Запись {n}"}, {"file": ("hello.mp3", "MP3", "audio/mpeg")}),
    "POST /api/contacts/import": ({}, {"file": ("contacts.csv", "number,name\n+79165550000,Импорт\n", "text/csv")}),
    "POST /api/operator/billing/rate-plans/{plan_id:uuid}/import": (
        {}, {"file": ("rates.csv", "prefix,price_per_min_kop\n7,250\n", "text/csv")},
    ),
}

QUERIES: dict[str, dict[str, str]] = {
    "GET /api/billing/calls": {"since": "2026-11-01", "until": "2026-11-30"},
    "GET /api/billing/calls/xlsx": {"since": "2026-11-01", "until": "2026-11-30"},
    "DELETE /api/calendars/{calendar_id:uuid}/days": {"start": "2031-03-01", "end": "2031-03-02"},
}

SKIPPED_PREFIXES = ("/schema",)  # the OpenAPI document, docs UI and its static assets
# The web cabinet's and the operator portal's pages (cookie sessions + CSRF, not bearer tokens):
# tests/web/cabinet covers them.
CABINET_PATHS = ("/", "/signin", "/signout", "/invite", "/reset-password")


def _cabinet(path: str) -> bool:
    return path in CABINET_PATHS or path.startswith(("/cabinet", "/signin/", "/operator"))


def route_table(app: Litestar) -> list[str]:
    keys = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(SKIPPED_PREFIXES) or _cabinet(route.path):
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            keys.append(f"{method} {route.path}")
    return sorted(keys)


def fill(key: str, ids: dict[str, str], n: int) -> tuple[str, str, Any, dict[str, str]]:
    """(method, concrete url, body, query) for a route key."""
    method, path = key.split(" ", 1)
    url = path
    for name, value in ids.items():
        for kind in ("uuid", "str"):
            url = url.replace("{" + f"{name}:{kind}" + "}", value)
    url = re.sub(r"\{\w+:int\}", "1", url)  # a version or a number: 1 exists or is a plain 404
    body = BODIES.get(key)
    if body is not None:
        body = _format(body, n)
    return method, url, body, QUERIES.get(key, {})


def _format(value: Any, n: int) -> Any:
    if isinstance(value, str):
        return value.format(n=n)
    if isinstance(value, dict):
        return {k: _format(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_format(v, n) for v in value]
    return value
