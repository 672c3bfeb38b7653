"""Reading a cabinet form into the API's input Structs, and a refusal into the page.

A form posts strings; the API decodes JSON. The few conversions here (a number, a checkbox, a
date, an optional id) raise the same ``ValidationError`` with the same ``field`` the service
would, so the page shows the problem beside its input whichever side found it."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any

from vats.bots.web.cabinet.kit import form_fields
from vats.bots.web.cabinet.texts import Lang, problem_text
from vats.core.directory.models import ForwardTarget
from vats.core.errors import ValidationError

read_form = form_fields  # the kit's: text fields only, each cut to the kit's MAX_FIELD


def integer(form: dict[str, str], field: str) -> int:
    text = form.get(field, "").strip()
    try:
        return int(text)
    except ValueError:
        raise ValidationError("must be a whole number", field=field) from None


def checkbox(form: dict[str, str], field: str) -> bool:
    return form.get(field) in ("on", "true", "1")


def optional_id(form: dict[str, str], field: str) -> uuid.UUID | None:
    text = form.get(field, "").strip()
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationError("is not one of the choices", field=field) from None


def choice(form: dict[str, str], field: str, allowed: tuple[str, ...]) -> str:
    value = form.get(field, "")
    if value not in allowed:
        raise ValidationError("is not one of the choices", field=field)
    return value


def date(form: dict[str, str], field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(form.get(field, "").strip())
    except ValueError:
        raise ValidationError("give a date", field=field) from None


def local_time(form: dict[str, str], field: str, time_zone: str) -> dt.datetime:
    """A ``datetime-local`` input's value, read in the employee's (or the PBX's) time zone."""
    try:
        naive = dt.datetime.fromisoformat(form.get(field, "").strip())
    except ValueError:
        raise ValidationError("give a date and time", field=field) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))


FORWARD_ACTIONS = ("", "drop", "employee", "group", "voicemail", "external")


def forward_target(form: dict[str, str], field: str) -> ForwardTarget | None:
    """A forward target from ``<field>.action`` and the one input that action needs (the others
    are ignored: the page shows them all, the service takes exactly one)."""
    action = choice(form, f"{field}.action", FORWARD_ACTIONS)
    if not action:
        return None
    employee_id = optional_id(form, f"{field}.employee_id") if action == "employee" else None
    group_id = optional_id(form, f"{field}.group_id") if action == "group" else None
    number = form.get(f"{field}.external_number", "").strip() or None if action == "external" else None
    return ForwardTarget(action=action, employee_id=employee_id, group_id=group_id, external_number=number)  # type: ignore[arg-type]


def refusal(lang: Lang, exc: ValidationError | Any, default_field: str) -> dict[str, str]:
    """The errors a page shows: the problem's text, in the page's language, under its field."""
    return {exc.field or default_field: problem_text(lang, exc.message)}
