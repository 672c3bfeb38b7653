""""Check a call": the cabinet's form for the call simulator (the engine's, as the API's
``POST /api/scenarios/{id}/simulate`` runs it) and the trace shown step by step.

The form asks who calls, when (in the PBX's time zone), how each employee answers and which
keys the caller presses; it becomes the simulator's script ("101 busy, 102 answers, press 2").
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field

from vats.bots.web.cabinet.scenarios.editor import STAGES
from vats.bots.web.cabinet.scenarios.editor import T as EDITOR_T
from vats.bots.web.cabinet.scenarios.trace_texts import block_name, trace_text
from vats.bots.web.cabinet.texts import Lang
from vats.core.engine.simulator import Simulation
from vats.core.errors import ValidationError
from vats.core.snapshot import TenantSnapshot

ANSWERS = ("no answer", "answers", "busy", "unavailable")
MAX_PEOPLE = 40  # employees offered in the form (by extension); others let it ring out

T: dict[Lang, dict[str, str]] = {
    "ru": {
        "no answer": "не отвечает", "answers": "отвечает", "busy": "занят", "unavailable": "недоступен",
        "answer": "ответ", "play": "Играет", "collect": "Ждёт нажатия после", "dial": "Звонит",
        "queue": "Очередь: звонит", "voicemail": "Записывает голосовое сообщение", "hangup": "Завершает вызов",
        "record": "Запись разговора", "answered_by": "Кто ответил", "nobody": "Никто не ответил",
        "pressed": "нажато", "no_key": "ничего не нажато", "status": "итог", "bad_time": "Укажите дату и время.",
        "bad_keys": "Клавиши: цифры, * и #, через запятую.", "ring": "с",
    },
    "en": {
        "no answer": "no answer", "answers": "answers", "busy": "busy", "unavailable": "unavailable",
        "answer": "answer", "play": "Plays", "collect": "Waits for a key after", "dial": "Rings",
        "queue": "Queue: rings", "voicemail": "Records a voice message", "hangup": "Hangs up",
        "record": "Call recording", "answered_by": "Answered by", "nobody": "Nobody answered",
        "pressed": "pressed", "no_key": "no key pressed", "status": "result", "bad_time": "Give a date and time.",
        "bad_keys": "Keys: digits, * and #, separated by commas.", "ring": "s",
    },
}  # fmt: skip

STATUS_RU = {
    "ANSWER": "ответили", "BUSY": "занято", "NOANSWER": "нет ответа", "CHANUNAVAIL": "недоступно",
    "CANCEL": "звонящий положил трубку", "TIMEOUT": "время вышло", "OK": "готово", "OFFER": "выбор",
}  # fmt: skip


@dataclass
class Person:
    extension: str
    name: str
    answer: str = "no answer"


@dataclass
class CheckForm:
    caller: str = ""
    at: str = ""  # datetime-local, in the PBX's time zone
    keys: str = ""  # "2, 1"
    hangs_up: bool = False
    people: list[Person] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def people(snapshot: TenantSnapshot) -> list[Person]:
    found = [e for e in snapshot.employees.values() if e.extension]
    found.sort(key=lambda e: (len(e.extension or ""), e.extension or ""))
    return [Person(extension=e.extension or "", name=e.full_name) for e in found[:MAX_PEOPLE]]


def blank(snapshot: TenantSnapshot, now: dt.datetime) -> CheckForm:
    local = now.astimezone(zoneinfo.ZoneInfo(snapshot.tenant.time_zone))
    return CheckForm(at=local.strftime("%Y-%m-%dT%H:%M"), people=people(snapshot))


def read(form: Mapping[str, str], snapshot: TenantSnapshot, lang: Lang) -> tuple[CheckForm, str, str]:
    """The form as posted, the simulator's script and the call's time (ISO with offset)."""
    t = T[lang]
    check = CheckForm(
        caller=form.get("caller", "").strip(), at=form.get("at", "").strip(), keys=form.get("keys", "").strip(),
        hangs_up=bool(form.get("hangs_up")), people=people(snapshot),
    )  # fmt: skip
    script = []
    for person in check.people:
        answer = form.get(f"answer:{person.extension}", "no answer")
        person.answer = answer if answer in ANSWERS else "no answer"
        if person.answer != "no answer":
            script.append(f"{person.extension} {person.answer}")
    for key in filter(None, (k.strip() for k in check.keys.split(","))):
        if not re.fullmatch(r"[0-9*#]+", key):
            check.errors["keys"] = t["bad_keys"]
            break
        script.append(f"press {key}")
    if check.hangs_up:
        script.append("caller hangs up")
    at = ""
    try:
        local = dt.datetime.fromisoformat(check.at)
        at = local.replace(tzinfo=zoneinfo.ZoneInfo(snapshot.tenant.time_zone)).isoformat()
    except ValueError:
        check.errors["at"] = t["bad_time"]
    if check.errors:
        raise CheckError(check)
    return check, ", ".join(script), at


class CheckError(ValidationError):
    def __init__(self, check: CheckForm) -> None:
        super().__init__("the form has mistakes", field=next(iter(check.errors)))
        self.check = check


@dataclass
class Step:
    number: int
    what: str
    result: str
    why: list[str]


@dataclass
class Trace:
    steps: list[Step]
    answered_by: str
    path: list[str]


def _who(address: str, employee_id: str | None, snapshot: TenantSnapshot) -> str:
    import uuid

    owner = None
    if employee_id:
        owner = snapshot.employees.get(uuid.UUID(employee_id))
    elif address.startswith("sip/"):
        found = snapshot.owner_of_login(address.removeprefix("sip/"))
        owner = snapshot.employees.get(found) if found else None
    if owner is not None:
        return f"{owner.full_name} ({owner.extension})" if owner.extension else owner.full_name
    return address.removeprefix("tel/")


# A line's address in the engine's notes: a SIP line or an outside number.
_ADDRESS = re.compile(r"\b(?:sip/[A-Za-z0-9_.-]+|tel/\+?\d+)")
_ADDRESS_LIST = re.compile(rf"{_ADDRESS.pattern}(?:, {_ADDRESS.pattern})*")


def _line_of(address: str, snapshot: TenantSnapshot) -> tuple[str, str] | None:
    """The employee's name and the kind of their line an address rings, if it is one of theirs."""
    if address.startswith("sip/"):
        login = address.removeprefix("sip/")
        owner_id = snapshot.owner_of_login(login)
        employee = snapshot.employees.get(owner_id) if owner_id else None
        terminal = next((t for t in employee.terminals if t.sip_login == login), None) if employee else None
    else:
        own = snapshot.owner_of_number(address.removeprefix("tel/"))
        employee, terminal = own if own else (None, None)
    if employee is None:
        return None
    return employee.full_name, terminal.kind if terminal else ""


def readable(text: str, snapshot: TenantSnapshot, lang: Lang) -> str:
    """A noted text with its addresses (``sip/<login>``, ``tel/<number>``) as a person reads
    them: the employee's name and the line's kind (a list of lines grouped per person), an
    unknown outside number as the number."""

    def one(address: str) -> str:
        found = _line_of(address, snapshot)
        if found is None:
            return address.removeprefix("tel/")
        name, kind = found
        return f"{name} ({trace_text(lang, kind)})" if kind else name

    def many(match: re.Match[str]) -> str:
        addresses = match.group(0).split(", ")
        if len(addresses) == 1:
            return one(addresses[0])
        people: dict[str, list[str]] = {}  # a person's lines together, in ringing order
        for address in addresses:
            found = _line_of(address, snapshot)
            if found is None:
                people.setdefault(address.removeprefix("tel/"), [])
            else:
                kinds = people.setdefault(found[0], [])
                if found[1] and trace_text(lang, found[1]) not in kinds:
                    kinds.append(trace_text(lang, found[1]))
        return "; ".join(f"{who} ({', '.join(kinds)})" if kinds else who for who, kinds in people.items())

    return _ADDRESS_LIST.sub(many, text)


_PATH_RU = {
    "default": "Номера, не входящие в фильтры", "off": "нерабочее время", "working": "рабочее время",
    "internal": "Внутренний звонок",
}  # fmt: skip
_PATH_EN = {
    "default": "Numbers not in filters", "off": "off hours", "working": "working hours", "internal": "Internal call",
}  # fmt: skip


def path_label(label: str, lang: Lang, blocks: Mapping[str, str]) -> str:
    """One step of the call's path (the engine's key: ``default``, ``filter:<name>:working``,
    ``handling:forward``, ``menu:ivr``) as the scenario editor names it."""
    words = _PATH_RU if lang == "ru" else _PATH_EN
    head, _, rest = label.partition(":")
    if label in ("default", "internal"):
        return words[label]
    if label == "default:off":
        return f"{words['default']}, {words['off']}"
    if head == "filter" and rest:
        name, _, when = rest.rpartition(":")
        filter_word = "Фильтр" if lang == "ru" else "Filter"
        return f"{filter_word} «{name}», {words.get(when, when)}"
    if head in STAGES and rest:
        return f"{EDITOR_T[lang][head]}: {blocks.get(rest, rest)}"
    return label


def trace(
    sim: Simulation, snapshot: TenantSnapshot, lang: Lang, blocks: Mapping[str, str] | None = None
) -> Trace:
    """The simulation step by step, in the page's language: what the PBX did, what came of it,
    and the engine's reasons (its trace, as the API returns it, translated here: addresses as
    employees' names, the path as the editor names its parts; ``blocks``: a block's tag to its
    name in the editor's picker)."""
    t = T[lang]
    why: dict[int, list[str]] = {}
    for entry in sim.trace:
        decision = readable(trace_text(lang, entry.decision), snapshot, lang)
        reason = readable(trace_text(lang, entry.why), snapshot, lang)
        line = f"{block_name(lang, entry.block)}: {decision}" + (f" ({reason})" if reason else "")
        why.setdefault(entry.step, []).append(line)
    legs_of: dict[str, str] = {}
    steps = []
    for n, step in enumerate(sim.steps, 1):
        p, r = step.primitive, step.result or {}
        op = p.get("op", "")
        if op in ("dial", "queue"):
            names = [_who(leg["address"], leg.get("employee_id"), snapshot) for leg in p.get("legs", [])]
            for leg, name in zip(p.get("legs", []), names, strict=True):
                legs_of[leg["address"]] = name
            seconds = p.get("ring_s") or p.get("max_wait_s")
            who = ", ".join(dict.fromkeys(names)) or "—"  # one name for a person's several phones
            what = f"{t[op]}: {who}" + (f" ({seconds} {t['ring']})" if seconds else "")
        elif op == "collect":
            what = f"{t['collect']} {len(p.get('media', []))} медиа" if lang == "ru" else f"{t['collect']} media"
        else:
            what = t.get(op, op)
        status = r.get("status", "")
        result = STATUS_RU.get(status, status) if lang == "ru" else status.lower()
        if r.get("answered_by"):
            result += f": {legs_of.get(r['answered_by'], _who(r['answered_by'], None, snapshot))}"
        if op == "collect":
            result = f"{t['pressed']} {r['digits']}" if r.get("digits") else t["no_key"]
        # The engine notes at its step n - 1 why it chose this primitive (and what came of the last).
        steps.append(Step(number=n, what=what, result=result, why=why.pop(n - 1, [])))
    for number in sorted(why):  # reasons noted after the last step (e.g. the caller hung up)
        if steps:
            steps[-1].why += why[number]
    answered = legs_of.get(sim.answered_by or "", "") or (
        _who(sim.answered_by, None, snapshot) if sim.answered_by else ""
    )
    return Trace(steps=steps, answered_by=answered, path=[path_label(p, lang, blocks or {}) for p in sim.path])
