"""The scenario editor's form parts for the menu stage (hook ``register_block_forms``): a
voice menu (one of the PBX's level-1 menus) and extension dialing."""

from __future__ import annotations

import uuid

from vats.core.engine.forms import BlockFormPart, Choice, FormField, Stage
from vats.core.snapshot import TenantSnapshot
from vats.plugins.ivr.models import Menu

MENU: frozenset[Stage] = frozenset({"menu"})
NO_INPUT = [
    Choice(value="next", label="перейти к следующему блоку", label_en="go to the next block"),
    Choice(value="hangup", label="завершить вызов", label_en="hang up"),
]


def ivr_fields(snapshot: TenantSnapshot) -> list[FormField]:
    menus: dict[uuid.UUID, Menu] = snapshot.extras.get("ivr_menus", {})
    first_level = sorted((m for m in menus.values() if m.level == 1), key=lambda m: m.name.casefold())
    return [
        FormField(path="menu_id", label="Голосовое меню", label_en="Voice menu", kind="choice",
                  choices=[Choice(value=str(m.id), label=m.name) for m in first_level],
                  hint="меню создаются в разделе «Голосовые меню»", hint_en="menus are made under Voice menus"),
        FormField(path="on_no_input", label="Если ничего не нажато", label_en="If no key is pressed", kind="choice",
                  choices=NO_INPUT),
    ]  # fmt: skip


def extension_fields(snapshot: TenantSnapshot) -> list[FormField]:
    return [
        FormField(path="instruction", label="Инструкция", label_en="Instruction", kind="media"),
        FormField(path="timeout_s", label="Ждать набора, с", label_en="Wait for digits, s", kind="number"),
        FormField(path="on_no_input", label="Если ничего не набрано", label_en="If nothing is dialled",
                  kind="choice", choices=NO_INPUT),
        FormField(path="on_failed", label="Если добавочный не ответил", label_en="If the extension fails",
                  kind="choice", choices=NO_INPUT),
    ]  # fmt: skip


FORMS = [
    BlockFormPart(tag="ivr", label="Голосовое меню", label_en="Voice menu", stages=MENU, fields=ivr_fields),
    BlockFormPart(tag="extension_dialing", label="Набор добавочного", label_en="Extension dialing", stages=MENU,
                  fields=extension_fields),
]  # fmt: skip
