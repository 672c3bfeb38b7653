"""Вебфон: the employee's browser phone in the shell (bots/web/cabinet/webphone.py, static/webphone.js)."""

from __future__ import annotations

from vats.bots.web.cabinet.kit import CabinetPages
from vats.bots.web.cabinet.webphone import WebphoneController, webphone_socket

TEXTS_RU = {
    "webphone_title": "Вебфон",
    "webphone_open": "Открыть вебфон",
    "webphone_on": "Включить вебфон",
    "webphone_off": "Выключить вебфон",
    "webphone_number": "Номер или внутренний",
    "webphone_call": "Позвонить",
    "webphone_keypad": "Клавиатура",
    "webphone_hangup": "Положить трубку",
    "webphone_mute": "Выключить микрофон",
    "webphone_hold": "Удержание",
    "webphone_transfer_to": "Перевести на",
    "webphone_transfer": "Перевести",
    "webphone_incoming": "Входящий звонок",
    "webphone_answer": "Ответить",
    "webphone_decline": "Отклонить",
    "webphone_st_off": "Выключен. Включите, чтобы звонить из кабинета.",
    "webphone_st_connecting": "Подключается…",
    "webphone_st_ready": "Готов: звонки идут сюда",
    "webphone_st_failed": "Не удалось подключиться; пробую снова…",
    "webphone_st_no_line": "У вас нет включённой линии «Вебфон». "
    "Попросите администратора включить её в карточке сотрудника.",
    "webphone_st_calling": "Звоню {who}…",
    "webphone_st_ringing": "{who}: идёт вызов",
    "webphone_st_talking": "Разговор с {who}",
    "webphone_st_on_hold": "{who} на удержании",
    "webphone_st_incoming": "Звонит {who}",
    "webphone_st_ended": "Звонок завершён",
    "webphone_st_missed": "Не дозвонились: {reason}",
    "webphone_st_transferred": "Звонок переведён на {who}",
    "webphone_st_no_mic": "Браузер не дал микрофон. "
    "Разрешите его для этого сайта (значок слева от адреса) и позвоните снова.",
    "webphone_insecure": "Вебфону нужен микрофон, а браузер даёт его только сайту, открытому по HTTPS. "
    "Откройте кабинет по адресу https://…; если его нет, администратор включает HTTPS: VATS_TLS=self-signed "
    "(сертификат для локальной сети) или свой сертификат в VATS_TLS_CERT и VATS_TLS_KEY.",
    "webphone_unsupported": "Этот браузер не умеет звонить (нет WebRTC). "
    "Откройте кабинет в свежем Chrome, Firefox, Edge или Safari.",
    "webphone_leave": "Идёт звонок: если уйти со страницы, он прервётся.",
}

TEXTS_EN = {
    "webphone_title": "Webphone",
    "webphone_open": "Open the webphone",
    "webphone_on": "Switch the webphone on",
    "webphone_off": "Switch the webphone off",
    "webphone_number": "Number or extension",
    "webphone_call": "Call",
    "webphone_keypad": "Keypad",
    "webphone_hangup": "Hang up",
    "webphone_mute": "Mute",
    "webphone_hold": "Hold",
    "webphone_transfer_to": "Transfer to",
    "webphone_transfer": "Transfer",
    "webphone_incoming": "Incoming call",
    "webphone_answer": "Answer",
    "webphone_decline": "Decline",
    "webphone_st_off": "Off. Switch it on to make calls from the cabinet.",
    "webphone_st_connecting": "Connecting…",
    "webphone_st_ready": "Ready: calls come here",
    "webphone_st_failed": "Could not connect; trying again…",
    "webphone_st_no_line": "You have no webphone line switched on. Ask an admin to switch it on in your employee card.",
    "webphone_st_calling": "Calling {who}…",
    "webphone_st_ringing": "{who} is ringing",
    "webphone_st_talking": "Talking to {who}",
    "webphone_st_on_hold": "{who} is on hold",
    "webphone_st_incoming": "{who} is calling",
    "webphone_st_ended": "Call ended",
    "webphone_st_missed": "No answer: {reason}",
    "webphone_st_transferred": "Call transferred to {who}",
    "webphone_st_no_mic": "The browser gave no microphone. "
    "Allow it for this site (the icon left of the address) and call again.",
    "webphone_insecure": "The webphone needs the microphone, and browsers give it only to a site opened over HTTPS. "
    "Open the cabinet at https://…; if there is none, an admin switches HTTPS on: VATS_TLS=self-signed "
    "(a certificate for a LAN) or their own certificate in VATS_TLS_CERT and VATS_TLS_KEY.",
    "webphone_unsupported": "This browser cannot make calls (no WebRTC). "
    "Open the cabinet in a current Chrome, Firefox, Edge or Safari.",
    "webphone_leave": "A call is on: leaving the page ends it.",
}


def pages() -> CabinetPages:
    return CabinetPages(handlers=[WebphoneController, webphone_socket], texts_ru=TEXTS_RU, texts_en=TEXTS_EN)
