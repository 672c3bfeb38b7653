"""The operator portal's page Уведомления (/operator/notifications): the wording of every
message an event sends, per event, in Russian and English, with a preview on sample values.
A text naming a placeholder its event does not have is refused beside its field, naming it
(``texts.check``); a text saved as the default, or emptied, goes back to the default."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import NavEntry, form_fields, kernel_of
from vats.bots.web.cabinet.operator.kit import actor, language, message, page, record
from vats.core.errors import ValidationError
from vats.plugins.notifications.texts import (
    EDITABLE,
    TEXTS,
    Language,
    UnknownPlaceholder,
    check,
    placeholders,
    rubles,
)

PAGE = "/operator/notifications"
LANGUAGES: tuple[Language, ...] = ("ru", "en")


def sample(language: Language) -> dict[str, object]:
    """Values the preview fills in, as a real message would."""
    ru = language == "ru"
    return {
        "company": "ООО «Ромашка»" if ru else "Romashka LLC", "balance": rubles(-12050, language),
        "threshold": rubles(50000, language), "amount": rubles(99000, language), "limit": rubles(-50000, language),
        "reason": "банк отклонил платёж" if ru else "the bank declined the payment",
        "period": "05.12.2026–04.01.2027" if ru else "2026-12-05–2027-01-04",
        "items": ("Тариф «Бизнес»: 990,00\u00a0₽" if ru else "Tariff “Business”: ₽990.00"),
        "number": "+74951234567", "city": "Москва" if ru else "Moscow", "monthly": rubles(30000, language),
        "date": "10.12.2026" if ru else "2026-12-10", "days": 2, "summary": "employees: 12\nnumbers: 3",
        "documents": "Счёт № 12: 990,00\u00a0₽ — https://pbx.example/cabinet/settings/finances/documents/1.pdf",
        "tariff": "Бизнес-2019" if ru else "Business 2019", "target": "Про" if ru else "Pro",
    }  # fmt: skip


def _preview(text: str, language: Language) -> str:
    try:
        return text.format(**sample(language))
    except (KeyError, IndexError, ValueError, AttributeError):
        return ""


class NotificationTextsPage(Controller):
    path = PAGE
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        async with kernel_of(request).db.system() as conn:
            rows = await conn.fetch("SELECT key, language, text FROM notification_texts")
        saved = {(r["key"], r["language"]): r["text"] for r in rows}
        typed: dict[str, str] = context.pop("typed", {})
        events = []
        for event, keys in EDITABLE.items():
            texts = []
            for key in keys:
                for lang in LANGUAGES:
                    name = f"{key}.{lang}"
                    current = typed.get(name, saved.get((key, lang), TEXTS[key][lang]))
                    texts.append({
                        "key": key, "lang": lang, "name": name, "id": f"{key}-{lang}", "text": current,
                        "overridden": (key, lang) in saved, "preview": _preview(current, lang),
                        "multiline": key.endswith("_body"),
                    })  # fmt: skip
            fields = sorted({p for key in keys for p in placeholders(key)})
            events.append({"event": event, "texts": texts, "placeholders": fields,
                           "overridden": any(x["overridden"] for x in texts)})  # fmt: skip
        return page(request, "notifications/operator_texts.html", status, events=events, base=PAGE, **context)

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    @post("/{event:str}")
    async def save(self, request: Request[Any, Any, Any], event: FromPath[str]) -> Template:
        keys = EDITABLE.get(event)
        if keys is None:
            return await self._page(request, 404)
        form = await form_fields(request)
        lang = language(request)
        errors: dict[str, str] = {}
        checked: dict[tuple[str, Language], str | None] = {}
        for key in keys:
            for text_lang in LANGUAGES:
                typed = form.get(f"{key}.{text_lang}", "").replace("\r\n", "\n").strip()
                if not typed or typed == TEXTS[key][text_lang]:
                    checked[(key, text_lang)] = None  # the default
                    continue
                try:
                    checked[(key, text_lang)] = check(key, text_lang, typed)
                except UnknownPlaceholder as exc:
                    errors[f"{key}.{text_lang}"] = exc.russian() if lang == "ru" else exc.message
                except ValidationError as exc:
                    errors[f"{key}.{text_lang}"] = message(lang, exc.message)
        if errors:
            return await self._page(request, 422, errors=errors, typed=form, open_event=event)
        async with kernel_of(request).db.system() as conn:
            for (key, text_lang), text in checked.items():
                if text is None:
                    await conn.execute(
                        "DELETE FROM notification_texts WHERE key = $1 AND language = $2", key, text_lang
                    )
                else:
                    await conn.execute(
                        "INSERT INTO notification_texts (key, language, text) VALUES ($1, $2, $3)"
                        " ON CONFLICT (key, language) DO UPDATE SET text = $3, updated_at = now()",
                        key, text_lang, text,
                    )  # fmt: skip
            await record(conn, actor(request), "notification_texts_changed", detail={"event": event})
        return await self._page(request, notice="saved", open_event=event)

    @post("/{event:str}/reset")
    async def reset(self, request: Request[Any, Any, Any], event: FromPath[str]) -> Template:
        keys = EDITABLE.get(event)
        if keys is None:
            return await self._page(request, 404)
        async with kernel_of(request).db.system() as conn:
            await conn.execute("DELETE FROM notification_texts WHERE key = ANY($1::text[])", list(keys))
            await record(conn, actor(request), "notification_texts_reset", detail={"event": event})
        return await self._page(request, notice="reset", open_event=event)


NAV = NavEntry(href=PAGE, label_ru="Уведомления", label_en="Notifications", section="operator", order=700)

TEXTS_RU = {
    "optexts_title": "Тексты уведомлений",
    "optexts_hint": "Как звучат сообщения клиентам о событиях: по-русски и по-английски. В фигурных скобках —"
    " что подставится; другие подстановки не принимаются. Пустое поле — текст по умолчанию.",
    "optexts_placeholders": "Подстановки",
    "optexts_preview": "Пример",
    "optexts_save": "Сохранить",
    "optexts_reset": "Вернуть тексты по умолчанию",
    "optexts_changed": "изменены",
    "optexts_saved": "Тексты сохранены.",
    "optexts_reset_done": "Вернулись тексты по умолчанию.",
    "optexts_event_low_balance": "Баланс ниже порога",
    "optexts_event_payment": "Платёж зачислен",
    "optexts_event_autopay_failed": "Автоплатёж не прошёл",
    "optexts_event_monthly_charge": "Списана абонентская плата",
    "optexts_event_number_bought": "Куплен номер",
    "optexts_event_suspension_warning": "Скоро приостановка за неуплату",
    "optexts_event_suspended": "АТС приостановлена за неуплату",
    "optexts_event_documents": "Документы готовы",
    "optexts_event_migration": "Перенос завершён",
    "optexts_event_tariff_change_soon": "Скоро смена тарифа после переноса",
    "optexts_event_legacy_ended": "Тариф после переноса сменился",
    "optexts_part_subject": "Тема письма и заголовок в кабинете",
    "optexts_part_body": "Текст письма и уведомления в кабинете",
    "optexts_part_sms": "SMS и Telegram",
    "err:a brace without its pair: write {{ and }} for braces themselves": (
        "Скобка без пары: сами фигурные скобки пишутся как {{ и }}"
    ),
    "err:at most 2000 characters": "Не длиннее 2000 символов",
}
TEXTS_EN = {
    "optexts_title": "Notification texts",
    "optexts_hint": "How the messages about events read, in Russian and English. Braces mark what is filled in;"
    " no other placeholders are accepted. An empty field: the default text.",
    "optexts_placeholders": "Placeholders",
    "optexts_preview": "Preview",
    "optexts_save": "Save",
    "optexts_reset": "Back to the default texts",
    "optexts_changed": "changed",
    "optexts_saved": "The texts are saved.",
    "optexts_reset_done": "The default texts are back.",
    "optexts_event_low_balance": "Balance below a threshold",
    "optexts_event_payment": "Payment received",
    "optexts_event_autopay_failed": "Autopay failed",
    "optexts_event_monthly_charge": "Monthly charge made",
    "optexts_event_number_bought": "Number bought",
    "optexts_event_suspension_warning": "Suspension for non-payment ahead",
    "optexts_event_suspended": "Suspended for non-payment",
    "optexts_event_documents": "Documents ready",
    "optexts_event_migration": "Migration finished",
    "optexts_event_tariff_change_soon": "Tariff change after migration ahead",
    "optexts_event_legacy_ended": "Tariff changed after migration",
    "optexts_part_subject": "E-mail subject and the cabinet's title",
    "optexts_part_body": "E-mail text and the cabinet's notification",
    "optexts_part_sms": "SMS and Telegram",
}
