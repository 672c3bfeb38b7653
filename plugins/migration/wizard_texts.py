"""The migration wizard's texts (operator portal), Russian first, and its problems in Russian.

The plan's and the sources' problems are English sentences carrying values (a log-in, a name, a
place in the file); ``problem_ru`` says them in Russian by pattern, and a sentence it does not
know falls back to the cabinet's own translations (``problem_text``), then to the English."""

from __future__ import annotations

import re

from vats.bots.web.cabinet.kit import problem_text

TEXTS_RU: dict[str, str] = {
    "mw_title": "Миграция",
    "mw_hint": "Перенос клиента со старой ВАТС. У клиента ещё нет кабинета ВАТС, поэтому мастер"
    " проходит оператор (или поддержка) вместе с ним: загрузите выгрузку, настройте сотрудников,"
    " затем «Создать ЛК ВАТС».",
    "mw_upload": "Загрузить выгрузку",
    "mw_file": "Файл выгрузки",
    "mw_file_hint": "Не больше {limit} МБ. JSON старого кабинета (версия 1) или CSV расширений FreePBX (Bulk Handler).",
    "mw_source": "Формат",
    "mw_source_json": "JSON старого кабинета, версия 1",
    "mw_source_freepbx-csv": "FreePBX Bulk Handler, CSV расширений",
    "mw_load": "Загрузить",
    "mw_drafts": "Черновики",
    "mw_no_drafts": "Черновиков пока нет: загрузите выгрузку.",
    "mw_customer": "Клиент",
    "mw_contract": "Договор",
    "mw_state": "Состояние",
    "mw_problems": "Проблемы",
    "mw_state_proposed": "Предложен список",
    "mw_state_saved": "Сохранён",
    "mw_state_created": "ЛК ВАТС создан",
    "mw_added": "Черновиков добавлено: {n}.",
    "mw_uploaded": "Выгрузка загружена: список сотрудников предложен по адресатам переадресации.",
    "mw_too_big": "Файл больше {limit} МБ: не принят и не читался.",
    "mw_choose_file": "Выберите файл.",
    "mw_bad_file": "Файл не прочитан: {place} — {message}",
    "mw_no_customers": "В файле нет ни одного клиента.",
    "mw_nul": "текст с символом NUL нельзя сохранить.",
    "mw_step": "Сотрудники",
    "mw_step_hint": "Каждый адресат переадресации (SIP-линия или внешний номер) предложен сотрудником."
    " Удалите лишние строки, добавьте недостающих, укажите ФИО, роль, АОН, короткий номер и e-mail"
    " (будущий логин). Каждая существующая SIP-линия должна быть закреплена за сотрудником;"
    " «Сохранить» сохраняет и неполный список.",
    "mw_back": "Все черновики",
    "mw_col_person": "Сотрудник",
    "mw_col_access": "Доступ и номера",
    "mw_full_name": "ФИО",
    "mw_role": "Роль",
    "mw_role_user": "Сотрудник",
    "mw_role_admin": "Администратор",
    "mw_caller_id": "АОН",
    "mw_no_caller_id": "—",
    "mw_extension": "Короткий номер",
    "mw_email": "E-mail (логин)",
    "mw_lines": "SIP-линии",
    "mw_line": "Линия",
    "mw_no_line": "— не закреплена —",
    "mw_kind": "Терминал",
    "mw_kind_softphone": "Софтфон",
    "mw_kind_mobile_app": "Моб. приложение",
    "mw_kind_webphone": "Вебфон",
    "mw_externals": "Внешние номера",
    "mw_external": "Внешний номер",
    "mw_add_line": "+ линия",
    "mw_add_external": "+ номер",
    "mw_remove": "Убрать",
    "mw_remove_row": "Удалить",
    "mw_add_row": "Добавить сотрудника",
    "mw_row": "Сотрудник {n}",
    "mw_new_row": "новый сотрудник",
    "mw_save": "Сохранить",
    "mw_create": "Создать ЛК ВАТС",
    "mw_saved": "Сохранено.",
    "mw_proposed_note": "Список ещё не сохранён.",
    "mw_all_problems": "Что мешает создать ЛК ВАТС",
    "mw_no_problems": "Проблем нет: можно создавать ЛК ВАТС.",
    "mw_unbound": "Не закреплены линии",
    "mw_refused": "ЛК ВАТС не создан: {problem}",
    "mw_not_saved": "Не сохранено: {problem}",
    "mw_external_numbers": "Внешние номера",
    "mw_more": " (и ещё проблем: {n})",
    "mw_confirm_title": "Создать ЛК ВАТС?",
    "mw_confirm_hint": "Будет создан кабинет ВАТС {name}: сотрудники, их SIP-линии (со старыми логинами и"
    " паролями — телефоны продолжат регистрироваться), номера и сценарии по старым правилам."
    " Сотрудникам с e-mail уйдут приглашения.",
    "mw_confirm": "Подтвердить: создать ЛК ВАТС",
    "mw_cancel": "Отменить",
    "mw_will_employees": "Сотрудников",
    "mw_will_admin": "Первый администратор",
    "mw_will_lines": "SIP-линий",
    "mw_will_numbers": "Номеров",
    "mw_will_invite": "Приглашения получат",
    "mw_created_title": "ЛК ВАТС создан",
    "mw_created_hint": "Кабинет ВАТС создан. До завершения миграции звонки идут по старым правилам.",
    "mw_tenant": "Клиент в портале",
    "mw_invitations": "Приглашений отправлено",
    "mw_nobody": "никто",
    "op_action_migration_drafts_added": "миграция: загружена выгрузка",
    "op_action_migration_saved": "миграция: сохранены сотрудники",
    "op_action_migration_created": "миграция: создан ЛК ВАТС",
}

TEXTS_EN: dict[str, str] = {
    "mw_title": "Migration",
    "mw_hint": "Moving a customer from the old PBX. The customer has no vats cabinet yet, so the operator"
    " (or support) runs the wizard with them: upload the export, set up the employees, then"
    " «Create the PBX».",
    "mw_upload": "Upload an export",
    "mw_file": "Export file",
    "mw_file_hint": "At most {limit} MB. The old cabinet's JSON (version 1) or FreePBX's extensions CSV"
    " (Bulk Handler).",
    "mw_source": "Format",
    "mw_source_json": "The old cabinet's JSON, version 1",
    "mw_source_freepbx-csv": "FreePBX Bulk Handler, extensions CSV",
    "mw_load": "Upload",
    "mw_drafts": "Drafts",
    "mw_no_drafts": "No drafts yet: upload an export.",
    "mw_customer": "Customer",
    "mw_contract": "Contract",
    "mw_state": "State",
    "mw_problems": "Problems",
    "mw_state_proposed": "Proposed",
    "mw_state_saved": "Saved",
    "mw_state_created": "PBX created",
    "mw_added": "Drafts added: {n}.",
    "mw_uploaded": "The export is uploaded: the employees are proposed from the forwarding addressees.",
    "mw_too_big": "The file is over {limit} MB: refused, not read.",
    "mw_choose_file": "Choose a file.",
    "mw_bad_file": "The file was not read: {place} — {message}",
    "mw_no_customers": "The file has no customer.",
    "mw_nul": "text with a NUL character cannot be stored.",
    "mw_step": "Employees",
    "mw_step_hint": "Every forwarding addressee (a SIP line or an outside number) is proposed as an employee."
    " Remove rows, add the missing people, set the full name, role, caller ID, extension and e-mail (the"
    " future log-in). Every existing SIP line must be bound to an employee; «Save» keeps an incomplete"
    " list too.",
    "mw_back": "All drafts",
    "mw_col_person": "Employee",
    "mw_col_access": "Access and numbers",
    "mw_full_name": "Full name",
    "mw_role": "Role",
    "mw_role_user": "Employee",
    "mw_role_admin": "Admin",
    "mw_caller_id": "Caller ID",
    "mw_no_caller_id": "—",
    "mw_extension": "Extension",
    "mw_email": "E-mail (log-in)",
    "mw_lines": "SIP lines",
    "mw_line": "Line",
    "mw_no_line": "— not bound —",
    "mw_kind": "Terminal",
    "mw_kind_softphone": "Softphone",
    "mw_kind_mobile_app": "Mobile app",
    "mw_kind_webphone": "Webphone",
    "mw_externals": "Outside numbers",
    "mw_external": "Outside number",
    "mw_add_line": "+ line",
    "mw_add_external": "+ number",
    "mw_remove": "Remove",
    "mw_remove_row": "Remove",
    "mw_add_row": "Add an employee",
    "mw_row": "Employee {n}",
    "mw_new_row": "new employee",
    "mw_save": "Save",
    "mw_create": "Create the PBX",
    "mw_saved": "Saved.",
    "mw_proposed_note": "The list is not saved yet.",
    "mw_all_problems": "What stops creating the PBX",
    "mw_no_problems": "No problems: the PBX can be created.",
    "mw_unbound": "Lines not bound",
    "mw_refused": "The PBX was not created: {problem}",
    "mw_not_saved": "Not saved: {problem}",
    "mw_external_numbers": "Outside numbers",
    "mw_more": " (and {n} more problems)",
    "mw_confirm_title": "Create the PBX?",
    "mw_confirm_hint": "This creates the PBX {name}: its employees, their SIP lines (with the old log-ins and"
    " passwords: the phones go on registering), numbers and scenarios following the old rules. Employees"
    " with an e-mail are invited.",
    "mw_confirm": "Confirm: create the PBX",
    "mw_cancel": "Cancel",
    "mw_will_employees": "Employees",
    "mw_will_admin": "First admin",
    "mw_will_lines": "SIP lines",
    "mw_will_numbers": "Numbers",
    "mw_will_invite": "Invited",
    "mw_created_title": "PBX created",
    "mw_created_hint": "The PBX is created. Until the migration is completed, calls follow the old rules.",
    "mw_tenant": "The tenant in the portal",
    "mw_invitations": "Invitations sent",
    "mw_nobody": "nobody",
    "op_action_migration_drafts_added": "migration: export uploaded",
    "op_action_migration_saved": "migration: employees saved",
    "op_action_migration_created": "migration: PBX created",
}

# The plan's problems (plugins/migration/plan.py, drafts.py) and the sources' errors, in Russian.
_RU: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^the employee needs a name$"), "Укажите ФИО сотрудника."),
    (re.compile(r"^lines bound to no employee: (?P<v>.+)$"), "Линии не закреплены ни за кем: {v}."),
    (re.compile(r"^line (?P<l>.+) is already bound to (?P<n>.+)$"), "Линия {l} уже закреплена за «{n}»."),
    (re.compile(r"^(?P<l>.+) is not a line of this customer$"), "{l} — не линия этого клиента."),
    (re.compile(r"^(?P<v>\+\d+) is already an outside number of (?P<n>.+)$"), "Номер {v} уже внешний номер «{n}»."),
    (re.compile(r"^extension (?P<v>\S+) is already (?P<n>.+)'s$"), "Короткий номер {v} уже у «{n}»."),
    (re.compile(r"^(?P<v>.+) is not one of this customer's numbers$"), "{v} — не номер этого клиента."),
    (re.compile(r"^another employee has this name: (?P<v>.+)$"), "Сотрудник с именем «{v}» уже есть."),
    (re.compile(r"^another employee has this e-mail: (?P<v>.+)$"), "E-mail {v} уже у другого сотрудника."),
    (re.compile(r"^(?P<v>\+\d+) is already assigned to a PBX$"), "Номер {v} уже подключён к другой ВАТС."),
    (re.compile(r"^(?P<v>\+\d+) is no longer a number of this PBX$"),
     "Номер {v} больше не подключён к этой ВАТС: подключите его снова, чтобы пересоздать ЛК."),
    (re.compile(r"^the SIP log-in (?P<l>\S+) \(line of (?P<n>.+)\) is already used by another PBX's line$"),
     "SIP-логин {l} (линия «{n}») уже занят линией другой ВАТС."),
    (re.compile(r"^the e-mail (?P<v>\S+) is already an account's log-in$"),
     "E-mail {v} уже логин другой учётной записи."),
    (re.compile(r"^the log-in (?P<v>\S+) is listed twice$"), "Логин {v} указан дважды."),
    (re.compile(r"^duplicate number (?P<v>\S+)$"), "Номер {v} указан дважды."),
    (re.compile(r"^the interval ends before it starts$"), "Интервал кончается раньше, чем начинается."),
    (re.compile(r"^unknown addressee (?P<v>.+): neither a line of this customer nor a phone number$"),
     "Неизвестный адресат {v}: ни линия клиента, ни номер телефона."),
    (re.compile(r"^this customer's PBX was already created.*$"), "ЛК ВАТС этого клиента уже создан."),
    (re.compile(r"^this customer was already imported.*$"), "Этот клиент уже перенесён."),
    (re.compile(r"^Expected `str` of length <= (?P<v>\d+)$"), "Не длиннее {v} символов."),
    (re.compile(r"^Invalid enum value .*$"), "Выберите из списка."),
    (re.compile(r"^not valid JSON \((?P<v>.*)\)$"), "не JSON ({v})."),
    (re.compile(r"^this vats reads version (?P<a>\S+) of the export, the file is version (?P<b>.+)$"),
     "этот vats читает выгрузку версии {a}, у файла версия {b}."),
    (re.compile(r"^expected (?P<a>.+), found (?P<b>.+)$"), "ожидалось {a}, в файле {b}."),
    (re.compile(r"^the header lacks the column\(s\) (?P<v>.+)$"), "в заголовке нет столбцов {v}."),
]  # fmt: skip
# "<value>: <rule>" (an extension or a line's password that breaks a directory rule).
_PREFIXED = re.compile(r"^(?P<head>(line )?[^:\s]+): (?P<rule>.+)$")
_PLACE = [
    (re.compile(r"^line (?P<l>\d+), column (?P<c>\d+)$"), "строка {l}, столбец {c}"),
    (re.compile(r"^line (?P<l>\d+), column (?P<c>\w+)$"), "строка {l}, столбец {c}"),
    (re.compile(r"^line (?P<l>\d+)$"), "строка {l}"),
    (re.compile(r"^byte (?P<b>\d+)$"), "байт {b}"),
    (re.compile(r"^the file$"), "файл"),
]


def problem_ru(message: str) -> str:
    """A problem's English sentence in Russian (unknown ones: the cabinet's translation, else as is)."""
    for pattern, template in _RU:
        match = pattern.match(message)
        if match:
            return template.format(**match.groupdict())
    prefixed = _PREFIXED.match(message)
    if prefixed:
        rule = problem_text("ru", prefixed.group("rule"))
        if rule != prefixed.group("rule"):
            head = prefixed.group("head").replace("line ", "линия ")
            return f"{head}: {rule}"
    return problem_text("ru", message)


def place_ru(place: str) -> str:
    for pattern, template in _PLACE:
        match = pattern.match(place)
        if match:
            return template.format(**match.groupdict())
    return place
