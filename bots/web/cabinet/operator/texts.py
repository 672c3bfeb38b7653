"""The operator portal's texts, Russian first, English second. The cabinet's shared texts (sign
in, e-mail, password, save, ...) come through the same lookup, so a key is never shown bare."""

from __future__ import annotations

import re

from vats.bots.web.cabinet.texts import Lang, problem_text
from vats.bots.web.cabinet.texts import texts as cabinet_texts

RU: dict[str, str] = {
    "op_portal": "Портал оператора",
    "op_sign_in": "Вход оператора",
    "op_tenants": "Клиенты",
    "op_numbers": "Номера",
    "op_trunks": "SIP-транки",
    "op_audit": "Журнал",
    "op_search_tenants": "Название или e-mail администратора",
    "op_status": "Состояние",
    "op_any_status": "Любое состояние",
    "op_active": "Работает",
    "op_suspended": "Приостановлена",
    "op_name": "Название",
    "op_created": "Создан",
    "op_employees": "Сотрудники",
    "op_seats": "Места",
    "op_seats_max": "Максимум мест",
    "op_seats_of": "{used} из {max}",
    "op_seats_hint": "Не меньше {included} (входит в тариф) и не меньше числа сотрудников.",
    "op_seats_hint_no_tariff": "Не меньше числа сотрудников.",
    "op_new_tenant": "Новый клиент",
    "op_admin_email": "E-mail администратора",
    "op_admin_name": "Имя администратора",
    "op_admin_phone": "Телефон администратора",
    "op_time_zone": "Часовой пояс",
    "op_create": "Создать",
    "op_created_notice": (
        "Клиент создан. Пароль администратора {email}: {password} — передайте его; больше он не показывается."
    ),
    "op_suspend": "Приостановить",
    "op_resume": "Возобновить",
    "op_suspend_hint": "Сотрудники клиента не смогут войти, их сеансы завершатся сразу.",
    "op_done_suspended": "АТС приостановлена; сеансы её сотрудников завершены.",
    "op_done_resumed": "АТС снова работает.",
    "op_done_seats": "Число мест изменено.",
    "op_done_admin": "Сотрудник стал администратором.",
    "op_done_number": "Номер назначен.",
    "op_done_trunk": "Транк добавлен.",
    "op_done_trunk_deleted": "Транк удалён.",
    "op_admins": "Администраторы",
    "op_promote": "Назначить администратором",
    "op_promote_hint": "E-mail сотрудника этой АТС",
    "op_assign_number": "Назначить номер",
    "op_number": "Номер",
    "op_number_name": "Подпись",
    "op_tenant": "Клиент",
    "op_no_numbers": "Номеров нет.",
    "op_no_tenants": "Клиентов не найдено.",
    "op_no_trunks": "Транков нет.",
    "op_search_numbers": "Номер, подпись или клиент",
    "op_new_trunk": "Новый транк",
    "op_host": "Адрес",
    "op_port": "Порт",
    "op_username": "Логин",
    "op_trunk_password": "Пароль",
    "op_password_set": "задан",
    "op_inbound_match": "Откуда входящие (адрес или сеть)",
    "op_dial_format": "Формат номера",
    "op_dial_e164": "+74951234567 (E.164)",
    "op_dial_national": "84951234567 (через 8)",
    "op_dial_digits": "74951234567 (только цифры)",
    "op_outbound": "Для исходящих",
    "op_delete": "Удалить",
    "op_yes": "да",
    "op_no": "нет",
    "op_when": "Когда",
    "op_who": "Кто",
    "op_what": "Что",
    "op_details": "Подробности",
    "op_recent": "Последние действия",
    "op_no_entries": "Записей нет.",
    "op_back": "← Клиенты",
    "op_action_tenant_created": "клиент создан",
    "op_action_tenant_suspended": "приостановлен",
    "op_action_tenant_resumed": "возобновлён",
    "op_action_seats_changed": "изменено число мест",
    "op_action_admin_promoted": "назначен администратор",
    "op_action_number_assigned": "назначен номер",
    "op_action_trunk_created": "добавлен транк",
    "op_action_trunk_deleted": "удалён транк",
    "op_token": "токен API",
    "op_signed_in_as": "Оператор",
}

EN: dict[str, str] = {
    "op_portal": "Operator portal",
    "op_sign_in": "Operator sign-in",
    "op_tenants": "Tenants",
    "op_numbers": "Numbers",
    "op_trunks": "SIP trunks",
    "op_audit": "Audit log",
    "op_search_tenants": "Name or admin e-mail",
    "op_status": "Status",
    "op_any_status": "Any status",
    "op_active": "Active",
    "op_suspended": "Suspended",
    "op_name": "Name",
    "op_created": "Created",
    "op_employees": "Employees",
    "op_seats": "Seats",
    "op_seats_max": "Seat maximum",
    "op_seats_of": "{used} of {max}",
    "op_seats_hint": "At least {included} (included in the tariff) and at least the number of employees.",
    "op_seats_hint_no_tariff": "At least the number of employees.",
    "op_new_tenant": "New tenant",
    "op_admin_email": "Admin e-mail",
    "op_admin_name": "Admin name",
    "op_admin_phone": "Admin phone",
    "op_time_zone": "Time zone",
    "op_create": "Create",
    "op_created_notice": (
        "Tenant created. The password of admin {email}: {password}. Hand it over; it is not shown again."
    ),
    "op_suspend": "Suspend",
    "op_resume": "Resume",
    "op_suspend_hint": "The tenant's people cannot sign in; their sessions end at once.",
    "op_done_suspended": "The PBX is suspended; its people's sessions ended.",
    "op_done_resumed": "The PBX works again.",
    "op_done_seats": "Seats changed.",
    "op_done_admin": "The employee is an admin now.",
    "op_done_number": "Number assigned.",
    "op_done_trunk": "Trunk added.",
    "op_done_trunk_deleted": "Trunk removed.",
    "op_admins": "Admins",
    "op_promote": "Make an admin",
    "op_promote_hint": "E-mail of an employee of this PBX",
    "op_assign_number": "Assign a number",
    "op_number": "Number",
    "op_number_name": "Label",
    "op_tenant": "Tenant",
    "op_no_numbers": "No numbers.",
    "op_no_tenants": "No tenants found.",
    "op_no_trunks": "No trunks.",
    "op_search_numbers": "Number, label or tenant",
    "op_new_trunk": "New trunk",
    "op_host": "Host",
    "op_port": "Port",
    "op_username": "Username",
    "op_trunk_password": "Password",
    "op_password_set": "set",
    "op_inbound_match": "Inbound from (address or network)",
    "op_dial_format": "Number format",
    "op_outbound": "Outbound",
    "op_dial_national": "84951234567 (with 8)",
    "op_dial_digits": "74951234567 (digits only)",
    "op_delete": "Delete",
    "op_yes": "yes",
    "op_no": "no",
    "op_when": "When",
    "op_who": "Who",
    "op_what": "What",
    "op_details": "Details",
    "op_recent": "Recent actions",
    "op_no_entries": "No entries.",
    "op_back": "← Tenants",
    "op_action_tenant_created": "tenant created",
    "op_action_tenant_suspended": "suspended",
    "op_action_tenant_resumed": "resumed",
    "op_action_seats_changed": "seats changed",
    "op_action_admin_promoted": "admin promoted",
    "op_action_number_assigned": "number assigned",
    "op_action_trunk_created": "trunk added",
    "op_action_trunk_deleted": "trunk removed",
    "op_token": "API token",
    "op_signed_in_as": "Operator",
}


class Texts(dict[str, str]):
    """The portal's texts over the cabinet's: a key missing here is the cabinet's (in the
    same language), then Russian, then the key itself."""

    def __init__(self, own: dict[str, str], shared: dict[str, str]) -> None:
        super().__init__(own)
        self.shared = shared

    def __missing__(self, key: str) -> str:
        return self.shared[key] if key in self.shared else RU.get(key, key)


_CATALOGUE: dict[Lang, Texts] = {
    "ru": Texts(RU, cabinet_texts("ru")),
    "en": Texts(EN, cabinet_texts("en")),
}


def texts(lang: Lang) -> Texts:
    return _CATALOGUE[lang]


# The operator services' messages in Russian (those that carry a value, by pattern).
_RU_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^seats must be from (?P<a>\d+)( \(included in the tariff\))? to (?P<b>\d+)$"),
     "Мест — от {a} до {b}."),
    (re.compile(r"^the PBX already has (?P<n>\d+) employees$"),
     "В АТС уже {n} сотрудников: мест не может быть меньше."),
    (re.compile(r"^the PBX has no employee with this e-mail$"), "В этой АТС нет сотрудника с таким e-mail."),
    (re.compile(r"^no such tenant$"), "Такого клиента нет."),
    (re.compile(r"^enter a whole number$"), "Введите целое число."),
    (re.compile(r"^must be from (?P<a>\d+) to (?P<b>\d+)$"), "От {a} до {b}."),
    (re.compile(r"^no such trunk$"), "Такого транка нет."),
    (re.compile(r"^wrong e-mail or password$"), "Неверный e-mail или пароль."),
    (re.compile(r"^lowercase latin letters, digits, - and _; starts with a letter$"),
     "Строчные латинские буквы, цифры, - и _; начинается с буквы."),
    (re.compile(r"^a host name or an IP address$"), "Имя хоста или IP-адрес."),
    (re.compile(r"^a password needs a username$"), "Для пароля нужен логин."),
]  # fmt: skip


def message(lang: Lang, detail: str) -> str:
    """A service's message in the page's language."""
    if lang == "ru":
        for pattern, template in _RU_MESSAGES:
            match = pattern.match(detail)
            if match:
                return template.format(**match.groupdict())
    return problem_text(lang, detail)
