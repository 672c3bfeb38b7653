"""The texts of notifications, Russian first, with the fields each one fills in.

The texts of the messages events send (``EDITABLE``) ship as defaults here; the operator may
override each one per language (table ``notification_texts``, the operator portal's page
Уведомления). An override may use only the placeholders its default offers (``check``): a
text naming a field the event does not have is refused, naming it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Literal

from vats.core.db.database import Connection
from vats.core.errors import ValidationError

Language = Literal["ru", "en"]

TEXTS: dict[str, dict[Language, str]] = {
    "verify_subject": {
        "ru": "Подтвердите адрес для уведомлений АТС «{company}»",
        "en": "Confirm the address for notifications of the PBX “{company}”",
    },
    "verify_body": {
        "ru": (
            "Здравствуйте!\n\nЭтот адрес указали для уведомлений виртуальной АТС «{company}»"
            " (например, о низком балансе).\nЧтобы получать их, подтвердите адрес по ссылке (действует 24 часа):\n"
            "{link}\n\nЕсли вы не ждали этого письма, ничего не делайте: без подтверждения писем не будет.\n"
        ),
        "en": (
            "Hello,\n\nThis address was given for notifications of the virtual PBX “{company}”"
            " (a low balance, say).\nTo receive them, confirm the address (the link works for 24 hours):\n"
            "{link}\n\nIf you did not expect this letter, do nothing: without confirmation nothing is sent.\n"
        ),
    },
    "sms_code": {
        "ru": "Код подтверждения АТС «{company}»: {code}. Никому его не сообщайте.",
        "en": "Confirmation code of the PBX “{company}”: {code}. Do not share it.",
    },
    "recovery_code": {
        "ru": "Код для смены пароля в АТС «{company}»: {code}. Никому его не сообщайте.",
        "en": "Code to reset your password in the PBX “{company}”: {code}. Do not share it.",
    },
    "telegram_welcome": {
        "ru": "Сюда будут приходить уведомления АТС «{company}» (например, о низком балансе).",
        "en": "Notifications of the PBX “{company}” (a low balance, say) will come here.",
    },
    "low_balance_subject": {
        "ru": "Баланс АТС «{company}» ниже {threshold}",
        "en": "The balance of the PBX “{company}” is below {threshold}",
    },
    "low_balance_body": {
        "ru": (
            "Баланс виртуальной АТС «{company}»: {balance} — ниже порога {threshold}.\n"
            "Пополните счёт, чтобы звонки не остановились.\n"
        ),
        "en": (
            "The balance of the virtual PBX “{company}” is {balance}, below the threshold of {threshold}.\n"
            "Top the account up so that calls do not stop.\n"
        ),
    },
    "low_balance_sms": {
        "ru": "АТС «{company}»: баланс {balance}, ниже {threshold}. Пополните счёт.",
        "en": "PBX “{company}”: balance {balance}, below {threshold}. Please top up.",
    },
    "payment_subject": {
        "ru": "Платёж {amount} зачислен на счёт АТС «{company}»",
        "en": "A payment of {amount} reached the account of the PBX “{company}”",
    },
    "payment_body": {
        "ru": "На счёт виртуальной АТС «{company}» зачислено {amount}. Баланс: {balance}.\n",
        "en": "{amount} was credited to the account of the virtual PBX “{company}”. Balance: {balance}.\n",
    },
    "autopay_failed_subject": {
        "ru": "Автоплатёж АТС «{company}» не прошёл",
        "en": "The autopay of the PBX “{company}” failed",
    },
    "autopay_failed_body": {
        "ru": "Не удалось списать {amount} с карты для виртуальной АТС «{company}»: {reason}.\n"
        "Пополните счёт вручную, чтобы звонки не остановились.\n",
        "en": "{amount} could not be charged to the card for the virtual PBX “{company}”: {reason}.\n"
        "Please top the account up by hand so that calls do not stop.\n",
    },
    "autopay_declined": {"ru": "банк отклонил платёж", "en": "the bank declined the payment"},
    "autopay_card_expired": {"ru": "срок действия карты истёк", "en": "the card has expired"},
    "autopay_monthly_limit": {
        "ru": "достигнут месячный лимит автоплатежей",
        "en": "the monthly autopay limit is reached",
    },
    "monthly_subject": {
        "ru": "Абонентская плата АТС «{company}» за {period}: {amount}",
        "en": "The PBX “{company}” was charged {amount} for {period}",
    },
    "monthly_body": {
        "ru": "Со счёта виртуальной АТС «{company}» списана абонентская плата за {period}: {amount}.\n{items}\n",
        "en": "The subscription of the virtual PBX “{company}” for {period} was charged: {amount}.\n{items}\n",
    },
    "number_subject": {
        "ru": "Номер {number} подключён к АТС «{company}»",
        "en": "The number {number} was added to the PBX “{company}”",
    },
    "number_body": {
        "ru": "К виртуальной АТС «{company}» подключён номер {number} ({city}).\n"
        "Списано сейчас: {amount}; абонентская плата: {monthly} в месяц.\n"
        "Настройте, куда направлять звонки на него, в кабинете: Настройки → Номера.\n",
        "en": "The number {number} ({city}) was added to the virtual PBX “{company}”.\n"
        "Charged now: {amount}; monthly fee: {monthly}.\n"
        "Choose where its calls go in the cabinet: Settings → Numbers.\n",
    },
    "tariff_change_soon_subject": {
        "ru": "АТС «{company}» перейдёт на тариф «{target}» {date}",
        "en": "The PBX “{company}” moves to the tariff “{target}” on {date}",
    },
    "tariff_change_soon_body": {
        "ru": "После переноса виртуальная АТС «{company}» обслуживается по условиям прежнего тарифа «{tariff}»."
        "\nС {date} она перейдёт на тариф «{target}»: {monthly} в месяц.\n"
        "Пополните счёт заранее или обсудите условия с оператором.\n",
        "en": "Since its migration the virtual PBX “{company}” has kept the terms of its former tariff “{tariff}”."
        "\nOn {date} it moves to the tariff “{target}”: {monthly} a month.\n"
        "Top the account up in time, or talk to the operator about the terms.\n",
    },
    "legacy_ended_subject": {
        "ru": "АТС «{company}» переведена на тариф «{target}»",
        "en": "The PBX “{company}” moved to the tariff “{target}”",
    },
    "legacy_ended_body": {
        "ru": "30 дней условий прежнего тарифа «{tariff}» истекли: с {date} виртуальная АТС «{company}»"
        " обслуживается по тарифу «{target}» ({monthly} в месяц).\nСписано сейчас за остаток оплаченного"
        " периода: {amount}.\n",
        "en": "The 30 days on the former tariff “{tariff}” are over: from {date} the virtual PBX “{company}” is on"
        " the tariff “{target}” ({monthly} a month).\nCharged now for the rest of the paid period: {amount}.\n",
    },
    "suspension_warning_subject": {
        "ru": "АТС «{company}» будет приостановлена {date} за неуплату",
        "en": "The PBX “{company}” will be suspended on {date} for non-payment",
    },
    "suspension_warning_body": {
        "ru": "Баланс виртуальной АТС «{company}»: {balance} — ниже допустимого ({limit}).\n"
        "Если не пополнить счёт, {date} звонки остановятся (осталось дней: {days}).\n",
        "en": "The balance of the virtual PBX “{company}” is {balance}, below the allowed {limit}.\n"
        "Unless the account is topped up, calls stop on {date} (days left: {days}).\n",
    },
    "suspension_warning_sms": {
        "ru": "АТС «{company}»: баланс {balance}. Пополните счёт, иначе {date} звонки остановятся.",
        "en": "PBX “{company}”: balance {balance}. Top up, or calls stop on {date}.",
    },
    "suspended_subject": {
        "ru": "АТС «{company}» приостановлена за неуплату",
        "en": "The PBX “{company}” is suspended for non-payment",
    },
    "suspended_body": {
        "ru": "Виртуальная АТС «{company}» приостановлена: баланс {balance} ниже допустимого ({limit}).\n"
        "Звонки не проходят. Пополните счёт — АТС заработает сама, как только деньги поступят.\n",
        "en": "The virtual PBX “{company}” is suspended: the balance of {balance} is below the allowed {limit}.\n"
        "Calls do not go through. Top the account up and the PBX resumes as soon as the money arrives.\n",
    },
    "suspended_sms": {
        "ru": "АТС «{company}» приостановлена за неуплату: баланс {balance}. Пополните счёт.",
        "en": "PBX “{company}” is suspended for non-payment: balance {balance}. Please top up.",
    },
    "documents_subject": {
        "ru": "Документы АТС «{company}» готовы",
        "en": "The documents of the PBX “{company}” are ready",
    },
    "documents_body": {
        "ru": "Для виртуальной АТС «{company}» подготовлены документы:\n{documents}\n"
        "Они же — в кабинете: Настройки → Мои финансы.\n",
        "en": "Documents were made for the virtual PBX “{company}”:\n{documents}\n"
        "They are in the cabinet too: Settings → My finances.\n",
    },
    "migration_subject": {
        "ru": "Перенос в АТС «{company}» завершён",
        "en": "The migration into the PBX “{company}” is finished",
    },
    "migration_body": {
        "ru": "Перенос данных в виртуальную АТС «{company}» завершён.\n{summary}\n",
        "en": "The data migration into the virtual PBX “{company}” is finished.\n{summary}\n",
    },
}


def rubles(kop: int, language: Language) -> str:
    """Integer kopecks as money people read: 1 234,50 ₽ (ru) or ₽1,234.50 (en)."""
    sign = "-" if kop < 0 else ""
    whole, part = divmod(abs(kop), 100)
    if language == "ru":
        return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{part:02d}\u00a0₽"
    return f"{sign}₽{whole:,}.{part:02d}"


def t(language: Language, key: str, **fields: object) -> str:
    return TEXTS[key][language].format(**fields)


# The messages events send, as the operator edits them: event -> its texts' keys.
EDITABLE: dict[str, tuple[str, ...]] = {
    "low_balance": ("low_balance_subject", "low_balance_body", "low_balance_sms"),
    "payment": ("payment_subject", "payment_body"),
    "autopay_failed": ("autopay_failed_subject", "autopay_failed_body"),
    "monthly_charge": ("monthly_subject", "monthly_body"),
    "number_bought": ("number_subject", "number_body"),
    "suspension_warning": ("suspension_warning_subject", "suspension_warning_body", "suspension_warning_sms"),
    "suspended": ("suspended_subject", "suspended_body", "suspended_sms"),
    "documents": ("documents_subject", "documents_body"),
    "migration": ("migration_subject", "migration_body"),
    "tariff_change_soon": ("tariff_change_soon_subject", "tariff_change_soon_body"),
    "legacy_ended": ("legacy_ended_subject", "legacy_ended_body"),
}
EDITABLE_KEYS = frozenset(key for keys in EDITABLE.values() for key in keys)
MAX_TEXT = 2000


def fields_of(text: str) -> list[str]:
    """The placeholders a text names, in order (``{name}``); ValueError on broken braces."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def placeholders(key: str) -> frozenset[str]:
    """The fields a message's texts may name: every field its event fills in (those its
    event's default texts name; each text of an event is filled with the same fields)."""
    keys = next((keys for keys in EDITABLE.values() if key in keys), (key,))
    return frozenset(name for k in keys for text in TEXTS[k].values() for name in fields_of(text))


def check(key: str, language: Language, text: str) -> str:
    """An operator's text for ``key``, refused naming the first placeholder the event lacks (or
    a brace without its pair); the field is ``<key>.<language>``."""
    field = f"{key}.{language}"
    if key not in EDITABLE_KEYS:
        raise ValidationError("no such message text", field="key")
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError("the text is empty", field=field)
    if len(text) > MAX_TEXT:
        raise ValidationError(f"at most {MAX_TEXT} characters", field=field)
    try:
        named = fields_of(text)
    except ValueError:
        raise ValidationError("a brace without its pair: write {{ and }} for braces themselves", field=field) from None
    allowed = placeholders(key)
    for name in named:
        if name not in allowed:  # also {company.__class__} and {0}: only plain known names
            raise UnknownPlaceholder(name, sorted(allowed), field)
    return text


class UnknownPlaceholder(ValidationError):
    """A text names a field its event does not have: the message names it and the known ones."""

    def __init__(self, name: str, known: list[str], field: str) -> None:
        self.name, self.known = name, known
        listed = ", ".join("{" + n + "}" for n in known)
        super().__init__(f"unknown placeholder {{{name}}}; this text knows {listed}", field=field)

    def russian(self) -> str:
        listed = ", ".join("{" + n + "}" for n in self.known)
        return f"Неизвестная подстановка {{{self.name}}}; в этом тексте есть {listed}"


class Catalogue:
    """The texts as sent now: the operator's overrides over the defaults."""

    def __init__(self, overrides: Mapping[tuple[str, str], str]) -> None:
        self.overrides = overrides

    def t(self, language: Language, key: str, **fields: object) -> str:
        text = self.overrides.get((key, language))
        if text is not None:
            try:
                return text.format(**fields)
            except (KeyError, IndexError, ValueError, AttributeError):  # checked when saved; the default then
                pass
        return t(language, key, **fields)


async def catalogue(conn: Connection) -> Catalogue:
    rows = await conn.fetch("SELECT key, language, text FROM notification_texts")
    return Catalogue({(r["key"], r["language"]): r["text"] for r in rows})
