"""The scenario editor's form: drawn from a stored scenario body (builtins) and read back into
one.

Every input is named by its path in the scenario (``filters[0].working.options.hold_music``),
as a problem's ``field`` spells it under ``body.``, so a problem is shown beside the input it
names (or the nearest part of the form that holds it). A stage's block is picked by its tag;
each block's fields come from its form part (hook ``register_block_forms``), named
``<stage>@<tag>.<path>`` so the parts of all the tags offered can sit in one form (the one
picked is shown; CSS hides the others); a block without a form part is edited as JSON.
Settings no field names are kept: each stage carries its stored block in a hidden input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vats.bots.web.cabinet.texts import Lang
from vats.core.directory.validation import normalise_phone
from vats.core.engine.forms import BlockFormPart, Choice, FormField, TypedEntry
from vats.core.errors import ValidationError
from vats.core.snapshot import TenantSnapshot

STAGES = ("menu", "handling", "insurance")
MAX_FILTERS = 100  # a posted form names at most this many filters (the count is the client's word)
EXTRA_ROWS = 1  # an empty row offered after a list's values (saving offers the next)
NEW_FILTER: dict[str, Any] = {"name": "", "condition": {"type": "tags", "tags": []}, "working": {}}

T: dict[Lang, dict[str, str]] = {
    "ru": {
        "menu": "Голосовое меню / добавочный", "handling": "Обработка звонка", "insurance": "Страховка",
        "none": "— выключено —", "json": "Настройки (JSON)", "greeting": "Приветствие",
        "hold_music": "Мелодия ожидания вместо гудка", "recording": "Запись разговоров",
        "rec_default": "как у номера", "rec_on": "записывать", "rec_off": "не записывать",
        "recording_warning": "Предупреждение о записи", "number_as_caller_id": "Многоканальный номер в качестве АОН",
        "not_number": "Введите целое число.", "not_json": "Это не JSON: {error}", "options": "Опции",
    },
    "en": {
        "menu": "Voice menu / extension", "handling": "Call handling", "insurance": "Insurance",
        "none": "— off —", "json": "Settings (JSON)", "greeting": "Greeting",
        "hold_music": "Hold music instead of ringback", "recording": "Call recording",
        "rec_default": "as the number says", "rec_on": "record", "rec_off": "don't record",
        "recording_warning": "Recording warning", "number_as_caller_id": "The number as caller ID",
        "not_number": "Enter a whole number.", "not_json": "Not JSON: {error}", "options": "Options",
    },
}  # fmt: skip


def is_typed(entry: TypedEntry | None, value: Any) -> bool:
    """Whether a stored list row is a typed one (``{"kind": "external", "number": ...}``)."""
    return (
        entry is not None
        and isinstance(value, Mapping)
        and all(value.get(k) == v for k, v in entry.value.items())
    )


def _without_nulls(value: Any) -> Any:
    """A stored list row as its choice spells it: a target stored as ``{"kind": "employee",
    "id": …, "number": null}`` is the choice ``{"kind": "employee", "id": …}``."""
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if v is not None}
    return value


def encode(value: Any) -> str:
    """A choice's value as an HTML option's value (JSON, compact and stable)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass
class Input:
    """One input (or a list of selects) of the form."""

    name: str  # the HTML name
    path: str  # its path in the scenario (errors are matched on it)
    label: str
    kind: str  # text, number, check, choice, list, media, json, checks
    value: Any = None
    choices: list[tuple[str, str]] = field(default_factory=list)  # (encoded value, label)
    hint: str = ""
    error: str = ""
    typed: TypedEntry | None = None  # a list's rows may also be typed in (an outside number)
    typed_label: str = ""  # the typed entry's choice, in the page's language
    typed_hint: str = ""

    @property
    def id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)

    @property
    def typed_marker(self) -> str:
        """The select's value that asks for a typed row."""
        return encode(self.typed.value) if self.typed else ""

    @property
    def typed_rows(self) -> list[tuple[str, str]]:
        """A list's rows as (the select's value, the typed text): a typed row (an outside
        number) picks the marker and shows its text; then empty rows to add more."""
        rows = []
        for v in self.value or []:
            if is_typed(self.typed, v):
                assert self.typed is not None
                rows.append((self.typed_marker, str(v.get(self.typed.key) or "")))
            else:
                rows.append((encode(v), ""))
        return rows + [("", "")] * EXTRA_ROWS

    @property
    def encoded(self) -> str:
        return encode(self.value)

    @property
    def rows(self) -> list[str]:
        """A list's values (encoded), then empty rows to add more."""
        values = [encode(v) for v in (self.value or [])]
        return values + [""] * EXTRA_ROWS

    @property
    def selected(self) -> set[str]:
        return {encode(v) for v in (self.value or [])}

    @property
    def checked_first(self) -> list[tuple[str, str]]:
        """Checkbox choices, the checked ones first (a long list shows what is picked)."""
        chosen = self.selected
        return [c for c in self.choices if c[0] in chosen] + [c for c in self.choices if c[0] not in chosen]


@dataclass
class Part:
    """The fields of one block tag inside a stage."""

    tag: str
    label: str
    inputs: list[Input]


@dataclass
class StageView:
    path: str
    label: str
    tag: str  # the block picked ("" for none)
    base: str  # the stored block, JSON
    parts: list[Part]
    error: str = ""

    @property
    def id(self) -> str:
        return "s-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.path)


@dataclass
class BranchView:
    path: str
    title: str
    options: list[Input]
    stages: list[StageView]
    error: str = ""


@dataclass
class Section:
    """A filter (or "numbers not in filters") with its settings and branches."""

    path: str  # "filters[0]" or "" for "numbers not in filters"
    index: int | None
    inputs: list[Input]
    working: BranchView
    off_hours: BranchView
    has_off_hours: bool
    error: str = ""


@dataclass
class Editor:
    sections: list[Section]
    filter_count: int
    errors: dict[str, str] = field(default_factory=dict)  # problems no part of the form names
    general: list[str] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        """Every block tag offered in some stage (the page's CSS shows the picked one's part)."""
        branches = [b for s in self.sections for b in (s.working, s.off_hours)]
        return sorted({p.tag for b in branches for st in b.stages for p in st.parts})

    def walk(self) -> Iterable[Any]:
        for s in self.sections:
            yield s
            yield from s.inputs
            for b in (s.working, s.off_hours):
                yield b
                yield from b.options
                for st in b.stages:
                    yield st
                    for p in st.parts:
                        if p.tag == st.tag:
                            yield from p.inputs

    @property
    def first_error(self) -> str:
        """The id of the first part of the form with a problem (focused when the page opens)."""
        return next((i.id for i in self.walk() if isinstance(i, Input | StageView) and i.error), "")

    def place(self, path: str, message: str) -> None:
        """Show ``message`` beside the input ``path`` names, or the nearest part holding it."""
        best, best_len = None, -1
        for item in self.walk():
            own = item.path
            if own == path:
                best = item
                break
            if (path.startswith(own + ".") or path.startswith(own + "[")) and len(own) > best_len:
                best, best_len = item, len(own)
        if best is None:
            self.general.append(message)
        else:
            best.error = f"{best.error} {message}".strip()


@dataclass
class Choices:
    """What the editor's selects offer, read once per page."""

    media: list[tuple[str, str]]  # (ref, name)
    schedules: list[tuple[str, str]]
    calendars: list[tuple[str, str]]
    regions: list[tuple[str, str]]  # (code, name)
    parts: Sequence[BlockFormPart]


def _choices(items: Iterable[Choice], lang: Lang) -> list[tuple[str, str]]:
    return [(encode(c.value), (c.label_en or c.label) if lang == "en" else c.label) for c in items]


def _get(data: Mapping[str, Any] | None, path: str) -> Any:
    value: Any = data or {}
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _block_inputs(
    stage: str, tag: str, part: BlockFormPart | None, block: Mapping[str, Any] | None, snapshot: TenantSnapshot,
    choices: Choices, lang: Lang,
) -> list[Input]:  # fmt: skip
    prefix = f"{stage}@{tag}"
    if part is None:
        text = json.dumps(block or {"type": tag}, ensure_ascii=False, indent=1)
        return [Input(name=f"{prefix}.json", path=stage, label=T[lang]["json"], kind="json", value=text)]
    inputs = []
    for f in part.fields(snapshot):
        known = _choices(f.choices, lang)
        if f.kind == "media":
            known = [(encode(ref), name) for ref, name in choices.media]
        value = _get(block, f.path) if block else None
        if f.kind == "list" and isinstance(value, list):
            value = [_without_nulls(v) for v in value]
        label = (f.label_en or f.label) if lang == "en" else f.label
        hint = (f.hint_en or f.hint) if lang == "en" else f.hint
        encoded = {c for c, _ in known}
        values = value if isinstance(value, list) else [value]
        for v in values:  # a stored value the choices lack stays offered (nothing is lost on save)
            if f.kind in ("choice", "list", "media") and v is not None and encode(v) not in encoded:
                if not (f.kind == "list" and is_typed(f.typed, v)):
                    known.append((encode(v), str(v)))
        typed = f.typed if f.kind == "list" else None
        typed_label = typed_hint = ""
        if typed is not None:
            typed_label = (typed.label_en or typed.label) if lang == "en" else typed.label
            typed_hint = (typed.hint_en or typed.hint) if lang == "en" else typed.hint
        inputs.append(Input(name=f"{prefix}.{f.path}", path=f"{stage}.{f.path}", label=label, kind=f.kind,
                            value=value, choices=known, hint=hint, typed=typed, typed_label=typed_label,
                            typed_hint=typed_hint))  # fmt: skip
    return inputs


def _branch(
    path: str, title: str, branch: Mapping[str, Any] | None, snapshot: TenantSnapshot, choices: Choices, lang: Lang
) -> BranchView:
    t = T[lang]
    branch = branch or {}
    options = branch.get("options") or {}
    media = [(encode(ref), name) for ref, name in choices.media]
    o = f"{path}.options"
    inputs = [
        Input(name=f"{o}.greeting", path=f"{o}.greeting", label=t["greeting"], kind="media",
              value=options.get("greeting", []), choices=media),
        Input(name=f"{o}.hold_music", path=f"{o}.hold_music", label=t["hold_music"], kind="check",
              value=bool(options.get("hold_music"))),
        Input(name=f"{o}.recording", path=f"{o}.recording", label=t["recording"], kind="choice",
              value=options.get("recording", "default"),
              choices=[(encode(v), t[f"rec_{v}"]) for v in ("default", "on", "off")]),
        Input(name=f"{o}.recording_warning", path=f"{o}.recording_warning", label=t["recording_warning"],
              kind="media", value=options.get("recording_warning", []), choices=media),
        Input(name=f"{o}.number_as_caller_id", path=f"{o}.number_as_caller_id", label=t["number_as_caller_id"],
              kind="check", value=bool(options.get("number_as_caller_id"))),
    ]  # fmt: skip
    stages = []
    by_tag = {p.tag: p for p in choices.parts}
    for stage in STAGES:
        block = branch.get(stage)
        tag = block.get("type", "") if isinstance(block, Mapping) else ""
        tags = [p.tag for p in choices.parts if stage in p.stages]
        if tag and tag not in tags:
            tags.append(tag)  # a block without a form part (or offered elsewhere): kept, as JSON
        parts = []
        for each in tags:
            part = by_tag.get(each)
            label = ((part.label_en or part.label) if lang == "en" else part.label) if part else each
            own = block if each == tag else None
            parts.append(Part(tag=each, label=label,
                              inputs=_block_inputs(f"{path}.{stage}", each, part, own, snapshot, choices, lang)))
        stages.append(StageView(path=f"{path}.{stage}", label=t[stage], tag=tag, base=encode(block), parts=parts))
    return BranchView(path=path, title=title, options=inputs, stages=stages)


def build(
    body: Mapping[str, Any], snapshot: TenantSnapshot, choices: Choices, lang: Lang, s: Mapping[str, str]
) -> Editor:
    """The editor's view of ``body`` (a stored scenario body, or one read back from the form)."""
    sections = []
    schedules = [(encode(None), s["scenarios_24_7"]), *((encode(i), n) for i, n in choices.schedules)]
    calendars = [(encode(None), s["scenarios_no_calendar"]), *((encode(i), n) for i, n in choices.calendars)]
    regions = [(encode(code), name) for code, name in choices.regions]
    filters = body.get("filters") or []
    for i, f in enumerate(filters):
        p = f"filters[{i}]"
        condition = f.get("condition") or {}
        kind = condition.get("type", "tags")
        inputs = [
            Input(name=f"{p}.name", path=f"{p}.name", label=s["scenarios_filter_name"], kind="text",
                  value=f.get("name", "")),
            Input(name=f"{p}.condition.type", path=f"{p}.condition", label=s["scenarios_condition"], kind="choice",
                  value=kind, choices=[(encode("region"), s["scenarios_by_region"]),
                                       (encode("tags"), s["scenarios_by_tags"])]),
            Input(name=f"{p}.condition.subjects", path=f"{p}.condition.subjects", label=s["scenarios_regions"],
                  kind="checks", value=condition.get("subjects", []), choices=regions),
            Input(name=f"{p}.condition.tags", path=f"{p}.condition.tags", label=s["scenarios_tags"], kind="text",
                  value=", ".join(condition.get("tags", [])), hint=s["scenarios_tags_hint"]),
            Input(name=f"{p}.schedule_id", path=f"{p}.schedule_id", label=s["scenarios_schedule"], kind="choice",
                  value=f.get("schedule_id"), choices=schedules),
            Input(name=f"{p}.calendar_id", path=f"{p}.calendar_id", label=s["scenarios_calendar"], kind="choice",
                  value=f.get("calendar_id"), choices=calendars),
        ]  # fmt: skip
        sections.append(Section(
            path=p, index=i, inputs=inputs,
            working=_branch(f"{p}.working", s["scenarios_working"], f.get("working"), snapshot, choices, lang),
            off_hours=_branch(f"{p}.off_hours", s["scenarios_off_hours"], f.get("off_hours"), snapshot, choices, lang),
            has_off_hours=f.get("off_hours") is not None,
        ))  # fmt: skip
    inputs = [
        Input(name="schedule_id", path="schedule_id", label=s["scenarios_schedule"], kind="choice",
              value=body.get("schedule_id"), choices=schedules),
        Input(name="calendar_id", path="calendar_id", label=s["scenarios_calendar"], kind="choice",
              value=body.get("calendar_id"), choices=calendars),
    ]  # fmt: skip
    sections.append(Section(
        path="", index=None, inputs=inputs,
        working=_branch("default", s["scenarios_working"], body.get("default"), snapshot, choices, lang),
        off_hours=_branch("off_hours", s["scenarios_off_hours"], body.get("off_hours"), snapshot, choices, lang),
        has_off_hours=body.get("off_hours") is not None,
    ))  # fmt: skip
    return Editor(sections=sections, filter_count=len(filters))


# --- reading the form back ------------------------------------------------------------------


class Form:
    """The posted form: every value of every name, in order."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self.values: dict[str, list[str]] = {}
        for key, value in items:
            self.values.setdefault(key, []).append(value)

    def one(self, name: str, default: str = "") -> str:
        found = self.values.get(name)
        return found[-1] if found else default

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def has(self, name: str) -> bool:
        return name in self.values


def _decoded(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        nested = target.get(key)
        if not isinstance(nested, dict):
            nested = target[key] = {}
        target = nested
    target[last] = value


def _typed_list(form: Form, name: str, entry: TypedEntry) -> list[Any]:
    """A list whose rows may be typed in: each row's select (``name``) and its text input
    (``name#typed``), posted side by side. A row that picks the typed entry, or picks nothing
    but has text, is the typed entry with that text (an empty one is kept, for the scenario's
    check to name it)."""
    marker = encode(entry.value)
    texts = form.all(f"{name}#typed")
    rows = []
    for i, picked in enumerate(form.all(name)):
        text = texts[i].strip() if i < len(texts) else ""
        if picked == marker or (not picked and text):
            if entry.phone:
                try:  # "+7 916 123-45-67" is stored as +79161234567; what is not a number, as typed
                    text = normalise_phone(text)
                except ValidationError:
                    pass
            rows.append({**entry.value, entry.key: text})
        elif picked:
            rows.append(_decoded(picked))
    return rows


class Reader:
    """Reads the posted form into a scenario body; what cannot be read (a number that is not
    one, broken JSON) goes to ``errors`` by path, and such a body is not saved."""

    def __init__(self, form: Form, parts: Sequence[BlockFormPart], snapshot: TenantSnapshot, lang: Lang) -> None:
        self.form, self.snapshot, self.t = form, snapshot, T[lang]
        self.parts = {p.tag: p for p in parts}
        self.errors: dict[str, str] = {}

    def body(self, *, drop: int | None = None, add: bool = False) -> dict[str, Any]:
        form = self.form
        filters = []
        posted = form.one("filter_count")
        count = min(int(posted), MAX_FILTERS) if posted.isdigit() and len(posted) < 6 else 0
        for i in range(count):
            if i == drop:
                continue
            filters.append(self._filter(i))
        if add:
            filters.append(dict(NEW_FILTER))
        body: dict[str, Any] = {"filters": filters, "default": self._branch("default")}
        self._timing(body, "")
        if form.has("has_off_hours"):
            body["off_hours"] = self._branch("off_hours")
        return body

    def _timing(self, target: dict[str, Any], prefix: str) -> None:
        for name in ("schedule_id", "calendar_id"):
            value = _decoded(self.form.one(prefix + name, "null"))
            if value is not None:
                target[name] = value

    def _filter(self, i: int) -> dict[str, Any]:
        form, p = self.form, f"filters[{i}]"
        kind = _decoded(form.one(f"{p}.condition.type", '"tags"'))
        if kind == "region":
            condition = {"type": "region", "subjects": [_decoded(v) for v in form.all(f"{p}.condition.subjects")]}
        else:
            tags = [t.strip() for t in form.one(f"{p}.condition.tags").split(",") if t.strip()]
            condition = {"type": "tags", "tags": tags}
        found: dict[str, Any] = {"name": form.one(f"{p}.name").strip(), "condition": condition}
        self._timing(found, f"{p}.")
        found["working"] = self._branch(f"{p}.working")
        if form.has(f"{p}.has_off_hours"):
            found["off_hours"] = self._branch(f"{p}.off_hours")
        return found

    def _branch(self, path: str) -> dict[str, Any]:
        form, o = self.form, f"{path}.options"
        options: dict[str, Any] = {
            "greeting": [_decoded(v) for v in form.all(f"{o}.greeting") if v],
            "hold_music": form.has(f"{o}.hold_music"),
            "recording": _decoded(form.one(f"{o}.recording", '"default"')),
            "recording_warning": [_decoded(v) for v in form.all(f"{o}.recording_warning") if v],
            "number_as_caller_id": form.has(f"{o}.number_as_caller_id"),
        }
        branch: dict[str, Any] = {"options": options}
        for stage in STAGES:
            block = self._block(f"{path}.{stage}")
            if block is not None:
                branch[stage] = block
        return branch

    def _block(self, stage: str) -> dict[str, Any] | None:
        form = self.form
        tag = form.one(f"{stage}.type")
        if not tag:
            return None
        prefix = f"{stage}@{tag}"
        part = self.parts.get(tag)
        if part is None:
            text = form.one(f"{prefix}.json", "{}")
            try:
                block = json.loads(text)
            except ValueError as exc:
                self.errors[stage] = self.t["not_json"].format(error=exc)
                return {"type": tag}
            return block if isinstance(block, dict) else {"type": tag}
        base = _decoded(form.one(f"{stage}.base", "null"))
        block = dict(base) if isinstance(base, dict) and base.get("type") == tag else {"type": tag}
        for f in part.fields(self.snapshot):
            self._field(block, f, f"{prefix}.{f.path}", f"{stage}.{f.path}")
        return block

    def _field(self, block: dict[str, Any], f: FormField, name: str, path: str) -> None:
        form = self.form
        if f.kind == "check":
            _put(block, f.path, form.has(name))
        elif f.kind == "list" and f.typed is not None:
            _put(block, f.path, _typed_list(form, name, f.typed))
        elif f.kind in ("list", "media"):
            _put(block, f.path, [_decoded(v) for v in form.all(name) if v])
        elif f.kind == "choice":
            if form.has(name):
                _put(block, f.path, _decoded(form.one(name)))
        elif f.kind == "number":
            text = form.one(name).strip()
            if not text:
                return
            try:
                _put(block, f.path, int(text))
            except ValueError:  # kept as typed, to be shown again for fixing (nothing is saved)
                self.errors[path] = self.t["not_number"]
                _put(block, f.path, text)
        else:
            _put(block, f.path, form.one(name))
