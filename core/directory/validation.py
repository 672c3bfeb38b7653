"""The directory's rules for single values. Each check raises ``ValidationError`` naming the
field, so every frontend reports the same clear message."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable

import phonenumbers
from vats.core.directory.models import Interval
from vats.core.errors import ValidationError

# Emergency and service numbers that can never be an extension (seed 002).
RESERVED_EXTENSIONS = frozenset(
    {"112", "101", "102", "103", "104", "04", "100", "109", "115", "121", "123", "125", "141", "149"}
)
_EXTENSION = re.compile(r"[1-9][0-9]{1,4}")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")
DEFAULT_PHONE_REGION = "RU"


def extension_problem(extension: str) -> str | None:
    """Why ``extension`` cannot be an extension, or None if it can."""
    if not _EXTENSION.fullmatch(extension):
        return "an extension is 2 to 5 digits and does not start with 0"
    if extension in RESERVED_EXTENSIONS:
        return f"{extension} is an emergency or service number and cannot be an extension"
    return None


def check_extension(extension: str, field: str = "extension") -> str:
    if (problem := extension_problem(extension)) is not None:
        raise ValidationError(problem, field=field)
    return extension


def next_free_extension(taken: Iterable[str], start: int = 100) -> str:
    """The smallest valid 3-5 digit extension from ``start`` up that is not taken."""
    used = set(taken)
    for n in range(start, 100_000):
        candidate = str(n)
        if candidate not in used and extension_problem(candidate) is None:
            return candidate
    raise ValidationError("no free extension is left", field="extension")


# A SIP log-in names a PJSIP endpoint and its auth section and is dialled as PJSIP/<login>, so
# it keeps to characters that are safe in Asterisk's configuration and in a SIP URI. Names the
# rendered configuration uses for its own sections are not log-ins.
_SIP_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,39}")
_RESERVED_LOGIN_PREFIXES = ("trunk-", "transport-")
_RESERVED_LOGINS = frozenset({"anonymous"})
# A SIP password is written into pjsip.conf: printable ASCII without spaces, quotes, brackets,
# backslash or ';' (which starts a comment there).
_SIP_PASSWORD = re.compile(r"[!#-:<-Z^-~]{6,64}")


def sip_login_problem(login: str) -> str | None:
    """Why ``login`` cannot be a SIP log-in, or None if it can (uniqueness aside)."""
    if not _SIP_LOGIN.fullmatch(login):
        return "a SIP log-in is 2 to 40 Latin letters, digits, '.', '_' or '-', starting with a letter or digit"
    lowered = login.lower()
    if lowered in _RESERVED_LOGINS or lowered.startswith(_RESERVED_LOGIN_PREFIXES):
        return f"{login!r} is reserved by the telephony configuration and cannot be a SIP log-in"
    return None


def check_sip_login(login: str, field: str = "sip_login") -> str:
    if (problem := sip_login_problem(login)) is not None:
        raise ValidationError(problem, field=field)
    return login


def sip_password_problem(password: str) -> str | None:
    if not _SIP_PASSWORD.fullmatch(password):
        return (
            "a SIP password is 6 to 64 printable Latin characters without spaces, double quotes,"
            " brackets, backslash or ';'"
        )
    return None


def check_sip_password(password: str, field: str = "sip_password") -> str:
    if (problem := sip_password_problem(password)) is not None:
        raise ValidationError(problem, field=field)
    return password


PHONE_REQUIRED = "a phone number is required"


def normalise_phone(text: str, field: str = "number", region: str = DEFAULT_PHONE_REGION) -> str:
    """A valid phone number in E.164 (``+74951234567``); national formats assume ``region``.
    An empty value is a missing field, said so (not "'' is not a phone number")."""
    if not text.strip():
        raise ValidationError(PHONE_REQUIRED, field=field)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"{text!r} is not a phone number", field=field) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(f"{text!r} is not a valid phone number", field=field)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_email(email: str, denied_domains: Iterable[str] = (), field: str = "email") -> str:
    """A syntactically valid address, lower-cased, whose domain the tenant does not refuse."""
    email = email.strip()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise ValidationError(f"{email!r} is not an e-mail address", field=field)
    domain = email.rsplit("@", 1)[1].lower()
    for denied in denied_domains:
        denied = denied.lower().lstrip(".")
        if domain == denied or domain.endswith("." + denied):
            raise ValidationError(
                f"e-mail addresses at {denied!r} are not accepted by this PBX's settings", field=field
            )
    return email.lower()


def check_time_zone(name: str, field: str = "time_zone") -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{name!r} is not a known time zone", field=field) from exc
    return name


def check_name(name: str, field: str, max_length: int = 200) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("must not be empty", field=field)
    if len(name) > max_length:
        raise ValidationError(f"must be at most {max_length} characters", field=field)
    return name


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def check_intervals(intervals: list[Interval], field: str = "intervals") -> list[Interval]:
    """Weekday 0-6, "HH:MM" times, start before end, and no overlap within a day."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for i, iv in enumerate(intervals):
        where = f"{field}[{i}]"
        if not 0 <= iv.day <= 6:
            raise ValidationError("day is 0 (Monday) to 6 (Sunday)", field=f"{where}.day")
        for part in ("start", "end"):
            if not _HHMM.fullmatch(getattr(iv, part)):
                raise ValidationError("time is HH:MM, 00:00 to 24:00", field=f"{where}.{part}")
        start, end = minutes(iv.start), minutes(iv.end)
        if start >= end:
            raise ValidationError("start must be before end", field=f"{where}.end")
        for other_start, other_end in by_day.get(iv.day, []):
            if start < other_end and other_start < end:
                raise ValidationError("overlaps another interval of the same day", field=where)
        by_day.setdefault(iv.day, []).append((start, end))
    return sorted(intervals, key=lambda iv: (iv.day, minutes(iv.start)))


def check_range(value: int, low: int, high: int, field: str) -> int:
    if not low <= value <= high:
        raise ValidationError(f"must be between {low} and {high}", field=field)
    return value
