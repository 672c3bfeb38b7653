"""Every text the cabinet's pages show, in Russian and English, in one place.

Pages ask for a text by key (``texts(lang)["sign_in"]``); a key missing in English falls back
to Russian, so a page never shows a bare key. Service messages (a ValidationError's detail) are
English; the page shows them through ``problem_text``, which translates the ones it knows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

Lang = Literal["ru", "en"]
LANGS: tuple[Lang, ...] = ("ru", "en")

RU: dict[str, str] = {
    "app": "Виртуальная АТС",
    "sign_in": "Вход",
    "sign_in_button": "Войти",
    "email": "E-mail",
    "password": "Пароль",
    "forgot_password": "Забыли пароль?",
    "reset_sent": "Если такой адрес есть, на него ушло письмо со ссылкой для нового пароля.",
    "reset_title": "Сброс пароля",
    "reset_button": "Прислать ссылку",
    "back_to_sign_in": "Вернуться ко входу",
    "wrong_credentials": "Неверный e-mail или пароль.",
    "too_many_attempts": "Слишком много неудачных попыток. Попробуйте через {minutes} мин.",
    "suspended": "Эта АТС приостановлена; обратитесь к оператору.",
    "session_over": "Сессия закончилась, войдите снова.",
    "signed_out": "Вы вышли.",
    "sign_out": "Выйти",
    "profile": "Профиль",
    "my_menu": "Моё меню",
    "availability": "Доступность",
    "availability_unavailable": "Недоступен",
    "availability_by_schedule": "По графику",
    "availability_available": "Доступен",
    "settings": "Настройки",
    "employees": "Сотрудники",
    "me": "Я",
    "menu": "Меню",
    "no_access_title": "Нет доступа",
    "no_access": "Эта страница доступна только администратору АТС. Если она вам нужна, попросите администратора.",
    "not_found_title": "Не найдено",
    "not_found": "Такой страницы нет.",
    "home": "На главную",
    "search": "Поиск",
    "search_placeholder": "Имя, e-mail, номер, должность",
    "role": "Роль",
    "any_role": "Любая роль",
    "role_admin": "Администратор",
    "role_head": "Руководитель",
    "role_user": "Сотрудник",
    "role_restricted": "Ограниченный",
    "full_name": "Имя",
    "position": "Должность",
    "extension": "Внутр. номер",
    "status": "Статус",
    "invited": "Приглашён",
    "active": "Активен",
    "find": "Найти",
    "shown_of": "{first}–{last} из {total}",
    "nothing_found": "Никого не нашлось.",
    "previous": "← Назад",
    "next": "Вперёд →",
    "add_employee": "Добавить сотрудника",
    "add": "Добавить",
    "extension_auto": "пусто — выберем сами",
    "employee_added": "Сотрудник {name} добавлен, приглашение отправлено на {email}.",
    "fix_errors": "Исправьте отмеченные поля.",
    "sip_lines": "SIP-линии",
    "sip_login": "Логин",
    "sip_password": "Пароль",
    "no_sip_lines": "SIP-линий нет.",
    "card": "Карточка",
    "change_password": "Сменить пароль",
    "current_password": "Текущий пароль",
    "new_password": "Новый пароль",
    "password_changed": "Пароль изменён; другие ваши сеансы завершены.",
    "save": "Сохранить",
    "language": "Язык",
    "invite_title": "Приглашение в виртуальную АТС",
    "invite_for": "{full_name} ({email}), АТС «{tenant}»",
    "invite_button": "Задать пароль и войти",
    "new_password_hint": "Не короче 10 символов; буквы вместе с цифрами или знаками.",
    "reset_new_title": "Новый пароль",
    "csrf_refused": "Форма устарела: обновите страницу и отправьте её снова.",
    # Service messages (core raises them in English), as a page shows them.
    "err:a password has at least 10 characters": "Пароль — не короче 10 символов.",
    "err:a password has at most 128 characters": "Пароль — не длиннее 128 символов.",
    "err:a password mixes letters with digits or symbols": "В пароле нужны буквы вместе с цифрами или знаками.",
    "err:the current password is wrong": "Текущий пароль неверен.",
    "err:a phone number is required": "Укажите номер телефона.",
    "err:the link is not valid: it was used, replaced or has expired": (
        "Ссылка недействительна: ею уже воспользовались, её заменили или срок истёк."
    ),
    "err:must not be empty": "Заполните это поле.",
    "err:required": "Заполните это поле.",
}

EN: dict[str, str] = {
    "app": "Virtual PBX",
    "sign_in": "Sign in",
    "sign_in_button": "Sign in",
    "email": "E-mail",
    "password": "Password",
    "forgot_password": "Forgot your password?",
    "reset_sent": "If the address is known, a link for a new password is on its way.",
    "reset_title": "Password reset",
    "reset_button": "Send the link",
    "back_to_sign_in": "Back to sign-in",
    "wrong_credentials": "Wrong e-mail or password.",
    "too_many_attempts": "Too many failed attempts. Try again in {minutes} min.",
    "suspended": "This PBX is suspended; contact your operator.",
    "session_over": "Your session has ended; please sign in again.",
    "signed_out": "You have signed out.",
    "sign_out": "Sign out",
    "profile": "Profile",
    "my_menu": "My menu",
    "availability": "Availability",
    "availability_unavailable": "Unavailable",
    "availability_by_schedule": "By schedule",
    "availability_available": "Available",
    "settings": "Settings",
    "employees": "Employees",
    "me": "Me",
    "menu": "Menu",
    "no_access_title": "No access",
    "no_access": "Only the PBX's admin may open this page. Ask your admin if you need it.",
    "not_found_title": "Not found",
    "not_found": "There is no such page.",
    "home": "Home",
    "search": "Search",
    "search_placeholder": "Name, e-mail, extension, position",
    "role": "Role",
    "any_role": "Any role",
    "role_admin": "Admin",
    "role_head": "Head",
    "role_user": "Employee",
    "role_restricted": "Restricted",
    "full_name": "Name",
    "position": "Position",
    "extension": "Extension",
    "status": "Status",
    "invited": "Invited",
    "active": "Active",
    "find": "Find",
    "shown_of": "{first}–{last} of {total}",
    "nothing_found": "Nobody found.",
    "previous": "← Previous",
    "next": "Next →",
    "add_employee": "Add an employee",
    "add": "Add",
    "extension_auto": "empty: we pick one",
    "employee_added": "{name} added; the invitation went to {email}.",
    "fix_errors": "Please correct the marked fields.",
    "sip_lines": "SIP lines",
    "sip_login": "Login",
    "sip_password": "Password",
    "no_sip_lines": "No SIP lines.",
    "card": "Card",
    "change_password": "Change password",
    "current_password": "Current password",
    "new_password": "New password",
    "password_changed": "Password changed; your other sessions were signed out.",
    "save": "Save",
    "language": "Language",
    "invite_title": "Invitation to the virtual PBX",
    "invite_for": "{full_name} ({email}), PBX “{tenant}”",
    "invite_button": "Set the password and sign in",
    "new_password_hint": "At least 10 characters; letters together with digits or symbols.",
    "reset_new_title": "New password",
    "csrf_refused": "The form is out of date: reload the page and send it again.",
    "err:required": "Please fill this in.",
}


class Texts(dict[str, str]):
    """One language's texts; a missing key falls back to Russian, then to the key itself."""

    def __missing__(self, key: str) -> str:
        return _CATALOGUE["ru"].get(key, key)


_CATALOGUE: dict[Lang, Texts] = {"ru": Texts(RU), "en": Texts(EN)}
_OWNERS: dict[str, str] = {key: "cabinet" for key in RU.keys() | EN.keys()}


def texts(lang: Lang) -> Texts:
    return _CATALOGUE[lang]


def add_texts(lang: Lang, more: Mapping[str, str], *, owner: str) -> None:
    """Join an area's or a plugin's texts to the catalogue (the page registry does this once
    per app). The same key from another owner, or with another text, is refused: two pages
    would show one text."""
    catalogue = _CATALOGUE[lang]
    for key, text in more.items():
        known_owner = _OWNERS.setdefault(key, owner)
        if known_owner != owner or catalogue.get(key, text) != text:
            raise ValueError(f"cabinet text {key!r} of {owner!r} is already given by {known_owner!r}")
        catalogue[key] = text


# Service messages that carry the value they refuse, with their Russian form.
_RU_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?P<v>'.*') is not an e-mail address$"), "{v} — не адрес e-mail."),
    (re.compile(r"^(?P<v>'.*') is not a (valid )?phone number$"), "{v} — не номер телефона."),
    (re.compile(r"^must be at most (?P<v>\d+) characters$"), "Не длиннее {v} символов."),
]


def problem_text(lang: Lang, detail: str) -> str:
    """A service's message in the page's language (English messages are shown as they are)."""
    if lang == "en":
        return detail[:1].upper() + detail[1:] if detail else detail
    known = _CATALOGUE["ru"].get(f"err:{detail}")  # the cabinet's and every area's translations
    if known is not None:
        return known
    for pattern, template in _RU_PATTERNS:
        match = pattern.match(detail)
        if match:
            return template.format(**match.groupdict())
    return detail


def pick_language(accept_language: str | None, chosen: str | None = None, default: Lang = "ru") -> Lang:
    """The person's choice if made, else the browser's first language we have, else ``default``
    (the PBX's language; Russian where there is none)."""
    if chosen in LANGS:
        return chosen
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((q, tag.strip().lower()[:2]))
    for _, tag in sorted(ranked, key=lambda r: -r[0]):
        if tag in LANGS:
            return tag
    return default
