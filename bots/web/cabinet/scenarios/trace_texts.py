""""Check a call"'s reasons in the page's language.

The engine notes its decisions in English (the API's ``simulate`` returns them as they are, and
logs read them): ``ctx.note(block, decision, why)``. The cabinet shows them in Russian through
this catalogue: exact texts first, then patterns for the texts that carry a name, a number or
another noted text (translated in turn). A plugin translates its own notes by giving texts
keyed ``trace:<English text>`` in its ``CabinetPages.texts_ru``. What no entry knows is shown as
the engine wrote it."""

from __future__ import annotations

import re

from vats.bots.web.cabinet.texts import Lang, texts

# Where a note comes from: the engine's parts and the default plugins' blocks.
BLOCKS_RU = {
    "engine": "АТС", "filters": "фильтры", "options": "опции", "menu": "меню", "handling": "обработка",
    "insurance": "страховка", "direct call": "прямой звонок", "forward": "переадресация", "queue": "очередь",
    "voicemail": "голосовое сообщение", "hangup": "завершение", "ivr": "голосовое меню",
    "extension dialing": "набор добавочного", "extension_dialing": "набор добавочного",
    "old rules": "прежние правила",
}  # fmt: skip

EXACT_RU = {
    "hang up": "завершить вызов",
    "the branch has no handling block": "в ветке нет блока обработки",
    "the call was answered; it ends when they hang up": "на звонок ответили; он закончится, когда положат трубку",
    "go to insurance": "перейти к страховке",
    "greeting": "приветствие",
    "record": "запись разговора",
    # the migration's old rules (plugins/migration/legacy_rules.py)
    "the migration is not completed yet": "миграция ещё не завершена",
    "forwarding list": "список переадресации",
    "forwarding list, working time": "список переадресации, рабочее время",
    "forwarding list, off hours": "список переадресации, нерабочее время",
    "not recorded: the tariff has no call recording": "без записи: тариф не включает запись разговоров",
    "message left": "оставлено сообщение",
    "task for the one called": "задача тому, кому звонили",
    "nobody answered": "никто не ответил",
    "no forwarding is set": "переадресация не настроена",
    "the reception settings drop the call": "по настройкам приёма звонок сбрасывается",
    "forwarding stops": "переадресация прекращена",
    "too many hops": "слишком много переадресаций",
    "the forwarding target is gone": "адресата переадресации больше нет",
    "voicemail": "голосовая почта",
    "no such extension": "такого добавочного нет",
    "busy on another call": "занят другим звонком",
    "it no longer exists": "его больше нет",
    "the personal manager did not answer: task for them, call ends": (
        "персональный менеджер не ответил: задача ему, звонок завершается"
    ),
    "the caller chose to leave a message": "звонящий решил оставить сообщение",
    "record a message": "записать сообщение",
    "the caller asked to be called back": "звонящий попросил перезвонить",
    "task created, call ends": "задача создана, звонок завершается",
    "the caller stays in the queue": "звонящий остаётся в очереди",
    "task for the chosen assignee": "задача выбранному исполнителю",
    "on to insurance": "дальше — страховка",
    "end the call": "завершить звонок",
    "on to the branch's handling": "дальше — обработка ветки",
    "task created": "задача создана",
    "callback requested": "заказан обратный звонок",
    "wait for an extension": "ждём набора добавочного",
    "nothing typed": "ничего не набрано",
    "next": "дальше по сценарию",
    "hangup": "завершить вызов",
    "next block": "следующий блок",
    "unknown or not open to dialling": "неизвестен или закрыт для набора",
    "skip the menu": "пропустить меню",
    "it is switched off": "оно выключено",
    "say the instructions": "произнести инструкцию",
    "no key pressed": "клавиша не нажата",
    "no key yet": "клавиша ещё не нажата",
    "say the instructions again": "повторить инструкцию",
    "error message, instructions again": "сообщение об ошибке, инструкция снова",
    "no filter matched": "ни один фильтр не подошёл",
    "unknown condition": "неизвестное условие",
    "ring": "звонок",
    "ring everyone at once": "звонок всем сразу",
    "employee is in mode 'unavailable'": "сотрудник в режиме «недоступен»",
    "employee is in mode 'available'": "сотрудник в режиме «доступен»",
    "extra unavailability period": "дополнительный период недоступности",
    "extra availability period": "дополнительный период доступности",
    "outside the employee's working hours": "вне рабочего времени сотрудника",
    "terminal is switched off": "телефон выключен",
    "outside the terminal's schedule": "вне графика телефона",
    "inside working hours": "в рабочее время",
    "working time": "рабочее время",
    "off hours": "нерабочее время",
    "none": "нет",
    "repeat the instructions": "повтор инструкции",
    "information": "информация",
    "extension dialing": "набор добавочного",
    "callback request": "заказ обратного звонка",
    "an outside number": "внешний номер",
    "ANSWER": "ответили", "NOANSWER": "не ответили", "BUSY": "занято", "CANCEL": "звонящий положил трубку",
    "CHANUNAVAIL": "недоступно", "CONGESTION": "перегрузка", "TIMEOUT": "время вышло",
    "vacation": "отпуск", "sick_leave": "больничный", "other": "другое",
    "sip": "SIP", "external": "внешний номер", "webphone": "веб-телефон", "softphone": "софтфон",
    "mobile_app": "мобильное приложение",
}  # fmt: skip

# Texts with a part that varies: (pattern, Russian template). ``{x}`` of a group named ``t_x``
# is itself translated (another noted text); other groups are shown as they are.
PATTERNS_RU: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), ru)
    for p, ru in (
        (r"^the call reached (?P<n>\d+) steps$", "звонок дошёл до {n} шагов"),
        (r"^filter «(?P<name>.*)» does not match$", "фильтр «{name}» не подходит"),
        (r"^filter «(?P<name>.*)» matches, (?P<t_branch>.+)$", "фильтр «{name}» подходит, {t_branch}"),
        (r"^numbers not in filters, (?P<t_branch>.+)$", "номера не в фильтрах, {t_branch}"),
        (r"^skip (?P<tag>\S+)$", "пропустить блок {tag}"),
        (r"^the plugin '?(?P<p>.+?)'? is switched off for this PBX$", "модуль «{p}» выключен в этой АТС"),
        (r"^answered by (?P<t_who>.+)$", "на звонок ответили: {t_who}"),
        (r"^forward to (?P<n>\+?\d+)$", "переадресовать на {n}"),
        (r"^then voicemail after (?P<s>\d+) s$", "затем голосовая почта через {s} с"),
        (r"^forward to (?P<t_a>\S+) by the reception settings$", "переадресовать ({t_a}) по настройкам приёма"),
        (r"^(?P<who>.+) is absent \((?P<t_kind>\w+)\)$", "{who} отсутствует ({t_kind})"),
        (r"^(?P<who>.+) takes no calls now$", "{who} сейчас не принимает звонки"),
        (r"^ring group (?P<g>.+) \(incremental\)$", "звонок группе {g} (по одному, не сбрасывая предыдущих)"),
        (r"^ring group (?P<g>.+)$", "звонок группе {g}"),
        (r"^ring manager (?P<who>.+)$", "звонок персональному менеджеру: {who}"),
        (r"^ring (?P<who>.+)$", "звонок: {who}"),
        (r"^employee is absent \((?P<t_kind>\w+)\) until (?P<d>[\d-]+)$", "сотрудник отсутствует ({t_kind}) до {d}"),
        (r"^skip extension (?P<n>\S+)$", "пропустить добавочный {n}"),
        (r"^skip (?P<who>.+) \((?P<t_what>[^()]+)\)$", "пропустить: {who} ({t_what})"),
        (r"^skip (?P<t_kind>employee|group|extension|external) (?P<x>\S+)$", "пропустить: {t_kind} {x}"),
        (r"^skip (?P<who>.+)$", "пропустить: {who}"),
        (r"^(?P<who>.+): nobody can take calls now$", "{who}: сейчас никто не может ответить"),
        (r"^left the queue: (?P<t_s>\w+)$", "покинул очередь: {t_s}"),
        (r"^wait in the queue up to (?P<s>\d+) s$", "ждать в очереди до {s} с"),
        (r"^(?P<n>\d+) phones ring meanwhile$", "тем временем звонят телефоны: {n}"),
        (r"^extension (?P<d>\S+) cannot be dialled$", "добавочный {d} не набрать"),
        (r"^extension (?P<d>\S+)$", "добавочный {d}"),
        (r"^menu «(?P<m>.*)»$", "меню «{m}»"),
        (r"^after (?P<s>\d+) s: (?P<t_then>.+)$", "через {s} с: {t_then}"),
        (r"^key (?P<k>\S+) is not in the menu$", "клавиши {k} нет в меню"),
        (r"^(?P<n>\d+) wrong keys: (?P<t_then>.+)$", "неверных нажатий: {n}; {t_then}"),
        (r"^key (?P<k>\S+) in «(?P<m>.*)»: (?P<t_do>.+)$", "клавиша {k} в «{m}»: {t_do}"),
        (r"^submenu «(?P<m>.*)»$", "подменю «{m}»"),
        (r"^group «(?P<g>.*)»$", "группа «{g}»"),
        (r"^employee (?P<who>.+)$", "сотрудник {who}"),
        (r"^the region of (?P<n>\S+) is unknown$", "регион номера {n} неизвестен"),
        (r"^caller's region (?P<r>.+)$", "регион звонящего {r}"),
        (r"^contact tags: (?P<t_tags>.+)$", "теги контакта: {t_tags}"),
        (r"^the old rules of (?P<n>\S+): (?P<t_label>.+)$", "прежние правила номера {n}: {t_label}"),
        (r"^VIP list «(?P<name>.*)»$", "VIP-список «{name}»"),
        (r"^(?P<label>.+): (?P<t_s>[A-Z]+)$", "{label}: {t_s}"),
    )
]


def trace_text(lang: Lang, text: str) -> str:
    """One noted text (a decision or a reason) in the page's language."""
    if lang != "ru" or not text:
        return text
    if text in EXACT_RU:
        return EXACT_RU[text]
    own = texts("ru").get(f"trace:{text}")  # a plugin's own translation
    if own is not None:
        return own
    for pattern, template in PATTERNS_RU:
        match = pattern.match(text)
        if match:
            parts = {k: trace_text(lang, v) if k.startswith("t_") else v for k, v in match.groupdict().items()}
            return template.format(**parts)
    return text


def block_name(lang: Lang, block: str) -> str:
    return BLOCKS_RU.get(block, block) if lang == "ru" else block
