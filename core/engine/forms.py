"""A block's form part: what the cabinet's scenario editor shows for one block type.

A plugin that registers a block may describe its settings as a few fields (hook
``register_block_forms``); the cabinet draws them, reads them back into the block's stored
form and saves the scenario through the same checks as the API. Each field names a ``path``
into the block's stored form (``"ring_s"``, ``"on_failure.action"``), so a problem whose
``field`` is ``body.default.handling.ring_s`` is shown beside the field whose path is
``ring_s``. Settings no field names are kept as they were stored. A block without a form
part is edited as JSON.

Field kinds, and what the cabinet reads back:

* ``text``: a string; ``number``: a whole number (left empty: the block's default);
* ``check``: true or false;
* ``choice``: one of ``choices`` (each value is any JSON value: a string, a number, null, an
  object such as ``{"max_wait_s": 60}``);
* ``list``: an ordered list of ``choices`` values (e.g. forwarding targets, in ring order); with
  ``typed``, a row may also be typed in (an outside number among the forwarding targets);
* ``media``: an ordered list of media references; the cabinet offers the PBX's media.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from msgspec import Struct

FieldKind = Literal["text", "number", "check", "choice", "list", "media"]
Stage = Literal["menu", "handling", "insurance"]


class Choice(Struct, frozen=True, kw_only=True):
    value: Any  # stored as it is (JSON)
    label: str  # Russian
    label_en: str = ""


class TypedEntry(Struct, frozen=True, kw_only=True):
    """A ``list`` row typed in rather than picked: offered as one more choice (``label``) with a
    text input beside it, stored as ``value`` with the text under ``key`` (a forwarding target:
    ``{"kind": "external"}`` with the number as ``number``)."""

    label: str  # Russian
    label_en: str = ""
    value: dict[str, Any]
    key: str
    hint: str = ""  # the text input's placeholder
    hint_en: str = ""
    phone: bool = False  # the text is a phone number: stored in E.164 when it reads as one


class FormField(Struct, frozen=True, kw_only=True):
    path: str  # dotted path into the block's stored form
    label: str  # Russian
    label_en: str = ""
    kind: FieldKind = "text"
    choices: list[Choice] = []
    hint: str = ""  # a line under the field (Russian)
    hint_en: str = ""
    typed: TypedEntry | None = None  # a ``list``'s rows may also be typed in


@dataclass(frozen=True, kw_only=True)
class BlockFormPart:
    """The form part of the block whose tag is ``tag``: its name in the stage's block picker,
    the stages it is offered in, and its fields (built per PBX: choices come from the
    snapshot, e.g. the employees or the IVR menus)."""

    tag: str
    label: str  # Russian
    label_en: str = ""
    stages: frozenset[Stage] = frozenset({"menu", "handling", "insurance"})
    # Called with the PBX's TenantSnapshot (typed Any: this module is a leaf the hookspecs import,
    # and the snapshot module imports the plugin host, which imports the hookspecs).
    fields: Callable[[Any], list[FormField]] = field(default=lambda snapshot: [])
