"""Request examples shown in the API docs, by operation id. ``attach_examples`` adds them to
the generated OpenAPI document; a test checks that every operation taking a body has one and
that each example is accepted by the body's schema."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi.spec import Example, OpenAPI

REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    # CRM (plugins/crm, plugins/crm_webhook)
    "saveContact": {"number": "+79161234567", "name": "Иван Петров", "company": "ООО Ромашка"},
    "updateContact": {"kind": "business", "company": "ООО Ромашка"},
    "bulkContacts": {"contact_ids": ["3f2b8a9e-1c4d-4e5f-8a7b-9c0d1e2f3a4b"], "action": "make_personal"},
    "tagCall": {"tag_ids": ["3f2b8a9e-1c4d-4e5f-8a7b-9c0d1e2f3a4b"]},
    "createTask": {"title": "Перезвонить клиенту", "number": "+79161234567"},
    "updateTask": {"status": "done"},
    "commentTask": {"text": "Перезвонил, договорились на вторник"},
    "attachToTask": {"kind": "call", "id": "3f2b8a9e-1c4d-4e5f-8a7b-9c0d1e2f3a4b"},
    "createDeal": {"contact_id": "3f2b8a9e-1c4d-4e5f-8a7b-9c0d1e2f3a4b", "title": "Поставка оборудования"},
    "updateDeal": {"status": "won"},
    "commentDeal": {"text": "Счёт отправлен"},
    "attachToDeal": {"kind": "task", "id": "3f2b8a9e-1c4d-4e5f-8a7b-9c0d1e2f3a4b"},
    "updateCrmSettings": {"duplicate_check": True},
    "mapCrmUser": {"external_id": "amo-12345"},
    "setCrmWebhook": {"url": "https://crm.example.com/hooks/vats"},
    # conference rooms (core/conferences)
    "createConferenceRoom": {
        "name": "Планёрка", "extension": "700", "pin": "2468", "starts": "leaders",
        "leader_ids": ["3f2b8a9e-1c4d-4e5f-8a7b-9c0d1e2f3a4b"], "record": True,
    },
    "updateConferenceRoom": {"pin": None, "starts": "anyone"},
    # migration (plugins/migration): one old cabinet's customer, then the wizard's employee step
    "operatorAddMigrationDrafts": {
        "format": "vats-old-cabinet-export", "version": 1,
        "customers": [{
            "id": "C-1", "name": "ООО Ромашка", "admin_email": "boss@romashka.example",
            "lines": [{"login": "c1-anna", "password": "Anna-Line-2026", "name": "Анна"}],
            "numbers": [{"number": "+74951234001", "forwarding": [{"to": "c1-anna"}, {"to": "+79161234001"}]}],
            "short_numbers": [{"extension": "301", "to": "c1-anna"}],
        }],
    },
    "operatorSaveMigrationEmployees": {
        "employees": [{
            "full_name": "Анна Петрова", "email": "anna@romashka.example", "role": "admin", "extension": "301",
            "lines": [{"login": "c1-anna", "kind": "softphone"}], "external_numbers": ["+79161234001"],
            "caller_id": "+74951234001",
        }],
    },
    "operatorPublishMigrationAgreement": {
        "title": "Миграционная оферта",
        "body": "1. Настройки нового кабинета вступают в силу после завершения миграции.\n"
                "2. Условия прежнего тарифа сохраняются 30 календарных дней.",
    },
    "acceptMigrationAgreement": {"version": 2},
    "completeMigration": {"emails_confirmed": True},
    # notifications (plugins/notifications)
    "addNotificationRecipient": {"kind": "email", "address": "buh@example.ru", "threshold_kop": 100000},
    "changeNotificationRecipient": {"threshold_kop": 50000, "language": "ru"},
    "confirmNotificationRecipient": {"code": "123456"},
    "verifyNotificationEmail": {"token": "the-token-from-the-link"},
    "operatorSetNotificationSettings": {
        "sms_http": {
            "url": "https://sms.example.com/send", "method": "POST", "auth": "bearer", "auth_value": "TOKEN",
            "body_template": '{"to": "$to", "text": "$text", "from": "$sender"}', "sender": "VATS",
            "success_contains": '"ok"', "message_id_field": "id", "timeout_s": 10,
        },
        "sms_daily_limit": 100, "codes_per_hour": 5,
    },
    # billing (plugins/billing)
    "putBillingRequisites": {
        "kind": "legal", "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
        "address": "г. Москва, ул. Вавилова, д. 19",
    },
    "operatorSaveTenantRequisites": {
        "kind": "individual", "name": "ИП Иванов Иван Иванович", "inn": "500100732259",
        "address": "г. Подольск, ул. Ленина, д. 1",
    },
    "operatorSaveBillingSettings": {
        "max_call_s": 14400, "number_monthly_kop": 30000, "suspend_after_days": 14, "warn_days": 3, "trial_days": 14,
    },
    "operatorSetBillingDay": {"billing_day": 1},
    "operatorSetCreditLimit": {"credit_limit_kop": 50000},
    "operatorSetOptions": {"options": ["recording"]},
    "createBillingTopUp": {"amount_kop": 150000, "method": "card"},
    "createBillingInvoice": {"amount_kop": 150000},
    "closeBillingMonth": {"month": "2026-10"},
    "mailBillingCallDetail": {"since": "2026-11-01", "until": "2026-11-30", "email": "buh@romashka.example"},
    "operatorCreateInvoice": {"amount_kop": 150000},
    "operatorCloseMonth": {"month": "2026-10"},
    "operatorPutVatRate": {"effective_from": "2026-01-01", "rate_pct": 22},
    "operatorPutOwnRequisites": {
        "name": "ООО «Телеком»", "inn": "7736207543", "kpp": "773601001", "address": "г. Москва, ул. Льва Толстого, 16",
        "bank_name": "ПАО Сбербанк", "bik": "044525225", "account": "40702810938000000001",
        "corr_account": "30101810400000000225", "director": "Петров П. П.", "accountant": "Сидорова С. С.",
    },
    "bindBillingCard": {"idempotency_key": "bind-2026-11-29"},
    "chargeBillingCard": {"amount_kop": 100000},
    "saveBillingAutopay": {
        "terms_accepted": True, "threshold_kop": 20000, "threshold_amount_kop": 100000,
        "monthly_day": 31, "monthly_amount_kop": 300000, "monthly_limit_kop": 1000000,
    },
    "operatorCreateTariff": {
        "code": "business", "name": "Бизнес", "monthly_fee_kop": 499000, "seats_included": 20, "extra_seat_kop": 25000,
        "options": [{"code": "recording", "name": "Запись разговоров", "price_kop": 0}],
        "rate_plan_id": "7b0a1c2e-0000-4000-8000-000000000001",
    },
    "operatorUpdateTariff": {"name": "Старт", "monthly_fee_kop": 99000, "seats_included": 3, "extra_seat_kop": 39000},
    "operatorCreateRatePlan": {"name": "Межгород"},
    "operatorAssignTariff": {"tariff": "pro"},
    "operatorMapLegacyTariff": {"old_code": "Бизнес-2019", "legacy_tariff": "start", "target_tariff": "pro"},
    "changeBillingTariff": {"tariff": "pro"},
    "buyNumber": {"number": "+74957770707", "idempotency_key": "buy-2026-11-29-1"},
    "operatorPutCatalogueNumber": {"city": "Москва", "category": "bronze", "price_kop": 300000, "monthly_kop": 70000},
    "operatorAdjustBalance": {
        "direction": "credit", "amount_kop": 50000, "reason": "Компенсация за простой", "idempotency_key": "adj-1",
    },
    "operatorCreateTrunk": {
        "name": "rostelecom",
        "host": "sip.provider.example",
        "port": 5060,
        "username": "74951234567",
        "password": "provider-secret",
        "inbound_match": "203.0.113.0/24",
        "dial_format": "national",
    },
    "clickToCall": {"to": "+7 916 123-45-67"},
    "setCallerIdRule": {
        "scope": "group",
        "scope_id": "3f1e2d4c-0000-4000-8000-000000000001",
        "prefix": "+7495",
        "number_id": "3f1e2d4c-0000-4000-8000-000000000002",
    },
    "addOutboundBan": {"terminal_id": "3f1e2d4c-0000-4000-8000-000000000003", "prefix": "+"},
    "login": {"email": "admin@demo.vats.example", "password": "the password `vats serve` printed"},
    "refreshTokens": {"refresh_token": "the refresh_token from the log-in answer"},
    "requestPasswordReset": {"email": "anna@example.com"},
    "confirmPasswordReset": {"token": "the token from the e-mail", "password": "my-New-passw0rd"},
    "acceptInvitation": {"token": "the token from the invitation e-mail", "password": "my-Passw0rd-2026"},
    "updateMe": {"position": "Старший менеджер", "time_zone": "Asia/Yekaterinburg"},
    "setMyAvailability": {"mode": "unavailable"},
    "changeMyPassword": {"current_password": "my-Passw0rd-2026", "new_password": "an0ther-Passw0rd"},
    "addMyExternalNumber": {"number": "+7 916 123-45-67"},
    "updateMyTerminal": {"ring_delay_s": 5, "ring_time_s": 20},
    "createEmployee": {
        "full_name": "Анна Иванова",
        "email": "anna@example.com",
        "role": "head",
        "position": "Руководитель отдела продаж",
        "external_numbers": ["+7 916 123-45-67"],
        "on_no_answer": {"action": "voicemail"},
    },
    "updateEmployee": {"position": "Старший менеджер", "no_answer_after_s": 25, "ring_mode": "sequential"},
    "setEmployeeAvailability": {"mode": "available"},
    "addSipLine": {"kind": "mobile_app", "sip_login": "office-101", "sip_password": "Phone-Passw0rd-2026"},
    "updateTerminal": {"ring_delay_s": 5, "ring_time_s": 25, "is_primary": False},
    "addExternalNumber": {"number": "+7 903 555-11-22"},
    "addAbsence": {
        "kind": "vacation",
        "starts_on": "2026-12-28",
        "ends_on": "2027-01-11",
        "forward": {"action": "voicemail"},
    },
    "addExtraPeriod": {
        "available": True,
        "starts_at": "2026-12-26T10:00:00+03:00",
        "ends_at": "2026-12-26T16:00:00+03:00",
        "note": "Рабочая суббота отдела",
    },
    "createGroup": {"name": "Продажи", "extension": "200", "strategy": "uniform", "ring_time_s": 30},
    "updateGroup": {"strategy": "one_by_one", "step_delay_s": 15},
    "setGroupMembers": {"member_ids": []},
    "createSchedule": {
        "name": "Пн-Пт с обедом",
        "intervals": [
            {"day": 0, "start": "09:00", "end": "13:00"},
            {"day": 0, "start": "14:00", "end": "18:00"},
        ],
    },
    "updateSchedule": {"name": "Основной график"},
    "createCalendar": {"name": "Филиал", "official_country": "RU"},
    "updateCalendar": {"name": "Производственный календарь"},
    "overrideCalendarDays": {
        "starts_on": "2026-12-30",
        "ends_on": "2026-12-31",
        "kind": "day_off",
        "note": "Корпоратив",
    },
    "updateNumber": {"name": "Реклама в метро", "recording": "off", "number_as_caller_id": True},
    "createTag": {"kind": "contact", "name": "VIP", "color": "#d33"},
    "updateTenantSettings": {"time_zone": "Europe/Moscow"},
    "switchTenantPlugin": {"enabled": False},
    "createMedia": {
        "name": "Приветствие и музыка",
        "items": [
            {"type": "file", "file_id": "standard:greeting"},
            {"type": "pause", "ms": 500},
            {"type": "file", "file_id": "standard:hold_music"},
        ],
    },
    "updateMedia": {"items": [{"type": "file", "file_id": "standard:all_busy"}]},
    "createScenario": {
        "name": "Основной",
        "body": {
            "filters": [
                {
                    "name": "VIP",
                    "condition": {"type": "tags", "tags": ["VIP"]},
                    "working": {"handling": {"type": "forward", "targets": [], "personal_manager_first": True}},
                }
            ],
            "default": {
                "options": {"greeting": ["standard:greeting"]},
                "handling": {"type": "forward", "targets": [{"kind": "extension", "number": "200"}]},
                "insurance": {"type": "voicemail"},
            },
        },
    },
    "replaceScenario": {"name": "Основной", "body": {"default": {"handling": {"type": "voicemail"}}}},
    "copyScenario": {"name": "Основной (копия)"},
    "simulateScenario": {
        "caller": "+79161234567",
        "at": "2026-11-24T12:00:00+03:00",
        "script": "201 busy, 202 answers",
    },
    "createIvrMenu": {
        "name": "Главное меню",
        "level": 1,
        "body": {
            "instruction": ["standard:greeting"],
            "repeat_timeout_s": 5,
            "next_timeout_s": 15,
            "items": [{"key": "0", "do": {"action": "repeat"}}, {"key": "9", "do": {"action": "skip"}}],
        },
    },
    "replaceIvrMenu": {
        "name": "Главное меню",
        "level": 1,
        "body": {"instruction": ["standard:greeting"], "items": [{"key": "0", "do": {"action": "repeat"}}]},
    },
    "operatorCreateTenant": {
        "name": "ООО Ромашка",
        "admin_email": "boss@romashka.example",
        "admin_phone": "+7 916 123-45-67",
        "seats_max": 10,
    },
    "operatorAssignNumber": {"number": "+7 495 123-45-67", "name": "Основной"},
    "operatorPromoteAdmin": {"email": "anna@example.com"},
    "operatorSetSeats": {"seats_max": 20},
}


def attach_examples(app: Litestar) -> OpenAPI:
    """Put REQUEST_EXAMPLES into the app's OpenAPI document (generated once, then served)."""
    schema = app.openapi_schema
    for path_item in (schema.paths or {}).values():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(path_item, method, None)
            if operation is None or operation.request_body is None:
                continue
            example = REQUEST_EXAMPLES.get(operation.operation_id or "")
            if example is None:
                continue
            for media in (operation.request_body.content or {}).values():
                media.examples = {"example": Example(summary="example", value=example)}
    return schema
