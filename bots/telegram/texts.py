"""What the bot says, in Russian and English (by the Telegram user's language)."""

from __future__ import annotations

from typing import Any

from vats.core.bot import Language

TEXTS: dict[str, dict[Language, str]] = {
    "stranger": {
        "ru": "Этот бот — для сотрудников компаний на vats. Чтобы подключить его, откройте личный кабинет "
        "(Профиль → Telegram) и перейдите по ссылке, которую он выдаст.",
        "en": "This bot is for employees of companies on vats. To link it, open your cabinet "
        "(Profile → Telegram) and follow the link it gives you.",
    },
    "link_bad": {
        "ru": "Ссылка недействительна или устарела. Получите новую в личном кабинете.",
        "en": "This link is invalid or has expired. Get a new one in your cabinet.",
    },
    "linked": {
        "ru": "Готово: Telegram подключён, {name} ({company}).\n{help}",
        "en": "Done: Telegram is linked, {name} ({company}).\n{help}",
    },
    "help": {
        "ru": "/status — ваша доступность\n/tasks — открытые задачи\n/calls — звонки за сегодня\n"
        "/rooms — кто сейчас в комнатах конференций\n/unlink — отключить бота",
        "en": "/status — your availability\n/tasks — open tasks\n/calls — today's calls\n"
        "/rooms — who is in the conference rooms now\n/unlink — unlink the bot",
    },
    "unlinked": {
        "ru": "Бот отключён: уведомления больше не придут.",
        "en": "Unlinked: you will get no more alerts.",
    },
    "status_button": {"ru": "📶 Статус", "en": "📶 Status"},
    "status": {"ru": "Ваша доступность: {mode}", "en": "Your availability: {mode}"},
    "mode_unavailable": {"ru": "Недоступен", "en": "Unavailable"},
    "mode_by_schedule": {"ru": "Доступен по расписанию", "en": "Available by schedule"},
    "mode_available": {"ru": "Доступен", "en": "Available"},
    "mode_changed": {"ru": "Готово", "en": "Done"},
    "not_linked_alert": {"ru": "Бот не подключён", "en": "The bot is not linked"},
    # task alerts
    "reason_missed": {"ru": "📞 Пропущенный звонок", "en": "📞 Missed call"},
    "reason_voicemail": {"ru": "📨 Голосовое сообщение", "en": "📨 Voicemail"},
    "reason_callback": {"ru": "🔁 Просьба перезвонить", "en": "🔁 Callback request"},
    "reason_failed_forwarding": {"ru": "📵 Звонок не принят", "en": "📵 Call not taken"},
    "reason_failed_outbound": {"ru": "📵 Неуспешный исходящий звонок", "en": "📵 Outbound call failed"},
    "reason_manual": {"ru": "📝 Задача", "en": "📝 Task"},
    "from": {"ru": "От: {who}", "en": "From: {who}"},
    "call_at": {"ru": "Звонок {day} в {time} на номер {number}", "en": "Call on {day} at {time} to {number}"},
    "for_group": {"ru": "Группе: {group}", "en": "For the group: {group}"},
    "reassigned": {"ru": "Задача передана вам", "en": "Assigned to you"},
    "deadline": {"ru": "Срок: {deadline}", "en": "Due: {deadline}"},
    "no_voicemail": {"ru": "(запись сообщения не найдена)", "en": "(the recording was not found)"},
    "digest": {"ru": "Сводка за день: {company}", "en": "Daily digest: {company}"},
}


def t(language: Language, key: str, **values: Any) -> str:
    return TEXTS[key][language].format(**values)


def mode_name(language: Language, mode: str) -> str:
    return t(language, f"mode_{mode}")
