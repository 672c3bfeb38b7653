"""The texts of notifications, Russian first, with the fields each one fills in."""

from __future__ import annotations

from typing import Literal

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
