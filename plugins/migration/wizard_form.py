"""The employee step as a form: the posted fields back into the wizard's rows, and the rows (with
the problems that concern each) as the page shows them.

Each row of the form has a key (``row`` fields, in the page's order); its fields are named
``<key>.full_name``, ``<key>.line`` / ``<key>.kind`` (one pair per line binding, in order) and
``<key>.external`` (one per outside number). Rows added in the browser get a fresh key, so
adding or removing a row never renumbers the others' fields."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

import msgspec
from vats.bots.web.cabinet.kit import MAX_FIELD
from vats.core.migration_export import LineKind
from vats.plugins.migration.drafts import DraftView, WizardEmployee
from vats.plugins.migration.plan import Problem, phone_or_none

KINDS: tuple[LineKind, ...] = ("softphone", "mobile_app", "webphone")
_KEY = re.compile(r"^[0-9a-z]{1,16}$")
_ROW_PLACE = re.compile(r"^(?:proposed )?employees\[(?P<i>\d+)\](?:\.(?P<field>[a-z_]+))?")
MAX_ROWS = 1000


def new_key() -> str:
    return "n" + secrets.token_hex(4)


class FormRefused(Exception):
    """A field no row may carry (too long, a kind that does not exist): nothing is saved.
    ``field`` is its place as the problems name it (``employees[1].full_name``)."""

    def __init__(self, field: str, who: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.who = who  # the row, as typed (its name, or its number)
        self.message = message


def rows_from_form(form: Any) -> tuple[list[str], list[WizardEmployee]]:
    """The rows as posted (``form``: the request's multi-dict), with their keys."""
    keys = [k for k in form.getall("row", []) if isinstance(k, str) and _KEY.match(k)][:MAX_ROWS]

    def one(name: str) -> str:
        value = form.get(name)
        return value.strip()[:MAX_FIELD] if isinstance(value, str) else ""

    def many(name: str) -> list[str]:
        return [v.strip()[:MAX_FIELD] for v in form.getall(name, []) if isinstance(v, str)]

    raw = []
    for key in keys:
        role = one(f"{key}.role")
        bindings = [
            {"login": login, "kind": kind or "softphone"}
            for login, kind in zip(many(f"{key}.line"), many(f"{key}.kind"), strict=False)
            if login
        ]
        raw.append({
            "full_name": one(f"{key}.full_name"), "email": one(f"{key}.email") or None,
            "role": role if role in ("admin", "user") else "user", "extension": one(f"{key}.extension") or None,
            "lines": bindings, "external_numbers": [x for x in many(f"{key}.external") if x],
            "caller_id": one(f"{key}.caller_id") or None,
        })  # fmt: skip
    try:
        return keys, msgspec.convert(raw, list[WizardEmployee])
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).rpartition(" - at `$")
        found = re.match(r"\[(\d+)\]\.(\w+)", where)
        if found is None:
            raise FormRefused("employees", "", message or str(exc)) from None
        i = int(found.group(1))
        who = str(raw[i]["full_name"] or f"#{i + 1}")
        raise FormRefused(f"employees[{i}].{found.group(2)}", who, message) from None


def _prefilled(row: WizardEmployee, short: Mapping[str, str]) -> str:
    """The extension shown: the row's own, else the old short number of one of its lines or
    outside numbers (seed 000: "prefilled where there were short numbers")."""
    if row.extension:
        return row.extension
    for key in [b.login.lower() for b in row.lines] + [phone_or_none(x) or x for x in row.external_numbers]:
        if key in short:
            return short[key]
    return ""


def shown_rows(
    draft: DraftView,
    short: Mapping[str, str],
    translate: Any,
    keys: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows as the page draws them, each with the problems that concern it (translated by
    ``translate``), and the problems that concern no single row."""
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(draft.employees):
        key = keys[i] if keys and i < len(keys) else f"r{i}"
        rows.append({
            "key": key, "n": i + 1, "full_name": row.full_name, "role": row.role,
            "email": row.email or "", "extension": _prefilled(row, short), "caller_id": row.caller_id or "",
            "lines": [{"login": b.login, "kind": b.kind, "id": f"{key}-l{j}"} for j, b in enumerate(row.lines)],
            "externals": [{"number": x, "id": f"{key}-x{j}"} for j, x in enumerate(row.external_numbers)],
            "problems": [], "fields": {},
        })  # fmt: skip
    general: list[str] = []
    for problem in draft.problems:
        _place(problem, rows, general, translate)
    return rows, general


_TAKEN_EMAIL = re.compile(r"^the e-mail (?P<v>\S+) is already an account's log-in$")
_TAKEN_LOGIN = re.compile(r"^the SIP log-in (?P<v>\S+) \(line of .+\) is already used by another PBX's line$")


def _row_of(problem: Problem, rows: list[dict[str, Any]]) -> tuple[int, str] | None:
    """The row (and field) a problem concerns: by its place, or, for what only the database
    knows (an e-mail or a log-in another PBX uses), by the row carrying that e-mail or line."""
    found = _ROW_PLACE.match(problem.place)
    if found is not None:
        i = int(found.group("i"))
        return (i, found.group("field") or "full_name") if i < len(rows) else None
    if (taken := _TAKEN_EMAIL.match(problem.message)) is not None:
        value = taken.group("v").lower()
        return next(((i, "email") for i, r in enumerate(rows) if r["email"].lower() == value), None)
    if (taken := _TAKEN_LOGIN.match(problem.message)) is not None:
        value = taken.group("v").lower()
        hit = (i for i, r in enumerate(rows) if any(line["login"].lower() == value for line in r["lines"]))
        return next(((i, "lines") for i in hit), None)
    return None


def _place(problem: Problem, rows: list[dict[str, Any]], general: list[str], translate: Any) -> None:
    text = translate(problem.message)
    where = _row_of(problem, rows)
    if where is None:
        general.append(text)
        return
    row = rows[where[0]]
    row["problems"].append(text)
    field = where[1]
    row["fields"].setdefault({"lines": "lines", "external_numbers": "externals"}.get(field, field), text)


def first_problem(draft: DraftView, translate: Any, more: str) -> str:
    """The first problem, named with its row, and how many others there are."""
    first = draft.problems[0]
    found = _ROW_PLACE.match(first.place)
    text = str(translate(first.message))
    if found is not None and int(found.group("i")) < len(draft.employees):
        i = int(found.group("i"))
        name = draft.employees[i].full_name.strip()
        text = f"{name or '#' + str(i + 1)}: {text}"
    if len(draft.problems) > 1:
        text += more.format(n=len(draft.problems) - 1)
    return text
