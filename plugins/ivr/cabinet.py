"""Settings → Голосовые меню (admins), contributed by the IVR plugin through
``register_cabinet_pages``: the PBX's voice menus, each with its greeting, error sound,
timeouts, on/off switch and what every key does (an employee, a group, a submenu, extension
dialing, ...). Saved by the plugin's own services (menus.py), so the API's rules apply; a menu
a scenario or another menu uses is deleted only when the admin confirms (the scenario loses
the menu stage, the parent menu the key)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    CabinetPages,
    NavEntry,
    form_fields,
    kernel_of,
    language,
    page,
    problem_text,
    redirect,
    require,
    tenant_transaction,
)
from vats.core.directory import employees as employees_repo
from vats.core.directory import groups as groups_repo
from vats.core.directory._sql import lock_tenant
from vats.core.errors import NotFoundError, ValidationError, VatsError
from vats.core.media import library
from vats.core.media.refs import standard_ref
from vats.plugins.ivr import menus
from vats.plugins.ivr.models import Menu, MenuIn

PAGE = "/cabinet/settings/ivr"
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#")
# Field names for the keys (``*`` and ``#`` make awkward ids and CSS selectors).
SLUG = {**{k: k for k in KEYS if k.isdigit()}, "*": "star", "#": "hash"}
# What a key may do, chosen from one list: the simple actions, or ringing someone, or a submenu.
SIMPLE = ("repeat", "extension_dialing", "skip")
KEEP = "keep"  # an item of a kind the page does not edit (information, voicemail, ...) stays as is
ITEM_AT = re.compile(r"^body\.items\[(\d+)\]")


def key_field(key: str) -> str:
    return f"key_{SLUG[key]}"


def _choice(item: Any) -> str:
    """The list value showing what a stored item does (``keep`` for kinds edited elsewhere)."""
    do = msgspec.to_builtins(item.do)
    action = do["action"]
    if action in SIMPLE:
        return str(action)
    if action == "route" and do["target"]["kind"] in ("employee", "group"):
        return f"{do['target']['kind']}:{do['target']['id']}"
    if action == "submenu":
        return f"submenu:{do['menu_id']}"
    return KEEP


def menu_values(menu: Menu) -> dict[str, str]:
    """The form's fields as the stored menu fills them."""
    body = menu.body
    values = {
        "name": menu.name,
        "level": str(menu.level),
        "instruction": body.instruction[0] if body.instruction else "",
        "error": body.error[0] if body.error else "",
        "repeat_timeout_s": str(body.repeat_timeout_s),
        "next_timeout_s": str(body.next_timeout_s),
        "enabled": "1" if body.enabled else "",
    }
    for item in body.items:
        values[key_field(item.key)] = _choice(item)
    return values


def _seconds(form: dict[str, str], field: str) -> int:
    text = form.get(field, "").strip()
    if not text.isdigit():
        raise ValidationError("must be a whole number of seconds", field=field)
    return int(text)


def _action(choice: str, kept: dict[str, Any] | None) -> dict[str, Any]:
    if choice in SIMPLE:
        return {"action": choice}
    if choice == KEEP and kept is not None:
        return kept
    kind, _, raw = choice.partition(":")
    try:
        object_id = str(uuid.UUID(raw))
    except ValueError:
        raise ValidationError("choose what the key does from the list", field="") from None
    if kind in ("employee", "group"):
        return {"action": "route", "target": {"kind": kind, "id": object_id}}
    if kind == "submenu":
        return {"action": "submenu", "menu_id": object_id}
    raise ValidationError("choose what the key does from the list", field="")


def menu_in(form: dict[str, str], old: Menu | None) -> MenuIn:
    """The posted form as the API's MenuIn; a bad value raises naming the form's field."""
    kept = {item.key: msgspec.to_builtins(item.do) for item in old.body.items} if old else {}
    items = []
    for key in KEYS:
        choice = form.get(key_field(key), "").strip()
        if not choice:
            continue
        try:
            items.append({"key": key, "do": _action(choice, kept.get(key))})
        except ValidationError as exc:
            raise ValidationError(exc.message, field=key_field(key)) from None
    level = form.get("level", "1")
    if level not in ("1", "2"):
        raise ValidationError("choose a level from the list", field="level")
    instruction = form.get("instruction", "").strip() or standard_ref("greeting")
    body = {
        "instruction": [instruction],
        "error": [form["error"]] if form.get("error", "").strip() else [],
        "repeat_timeout_s": _seconds(form, "repeat_timeout_s"),
        "next_timeout_s": _seconds(form, "next_timeout_s"),
        "enabled": form.get("enabled") == "1",
        "items": items,
    }
    try:
        return msgspec.convert({"name": form.get("name", ""), "level": int(level), "body": body}, MenuIn)
    except msgspec.ValidationError as exc:
        # Only the name's length can be wrong here: the rest the page built itself.
        raise ValidationError("must be at most 200 characters", field="name") from exc


def form_field(service_field: str | None, data: MenuIn | None) -> str:
    """The form field a service's error names (``body.items[2].do.target.id`` → that key)."""
    field = service_field or "name"
    found = ITEM_AT.match(field)
    if found and data is not None and int(found.group(1)) < len(data.body.items):
        return key_field(data.body.items[int(found.group(1))].key)
    if field == "body.items":
        return "items"
    return field.removeprefix("body.")


class IvrPages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def menus(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            found = await menus.list_menus(tx.conn, tx.tenant.id)
        return await page(request, "ivr/menus.html", menus=found)

    @get("/new")
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        defaults = {"repeat_timeout_s": "5", "next_timeout_s": "15", "enabled": "1", "level": "1", "key_0": "repeat"}
        return await self._form(request, None, values=defaults)

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = require(request, ADMIN)
        form = await form_fields(request)
        data = None
        try:
            data = menu_in(form, None)
            async with tenant_transaction(kernel_of(request), me) as tx:
                menu = await menus.create_menu(tx.conn, tx.tenant.id, data)
        except VatsError as exc:
            errors = {form_field(exc.field, data): problem_text(language(request), exc.message)}
            return await self._form(request, None, 422, values=form, errors=errors)
        return redirect(f"{PAGE}/{menu.id}?saved=1")

    @get("/{menu_id:uuid}")
    async def card(self, request: Request[Any, Any, Any], menu_id: FromPath[uuid.UUID]) -> Template:
        saved = request.query_params.get("saved") == "1"
        return await self._form(request, menu_id, notice=saved)

    @post("/{menu_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], menu_id: FromPath[uuid.UUID]) -> Response[Any]:
        me = require(request, ADMIN)
        form = await form_fields(request)
        data = None
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                old = await menus.get_menu(tx.conn, tx.tenant.id, menu_id)
                data = menu_in(form, old)
                await menus.update_menu(tx.conn, tx.tenant.id, menu_id, data)
        except NotFoundError as exc:
            if exc.field == "menu_id":
                raise
            errors = {form_field(exc.field, data): problem_text(language(request), exc.message)}
            return await self._form(request, menu_id, 422, values=form, errors=errors)
        except VatsError as exc:
            errors = {form_field(exc.field, data): problem_text(language(request), exc.message)}
            return await self._form(request, menu_id, 422, values=form, errors=errors)
        return redirect(f"{PAGE}/{menu_id}?saved=1")

    @post("/{menu_id:uuid}/delete")
    async def delete(self, request: Request[Any, Any, Any], menu_id: FromPath[uuid.UUID]) -> Response[Any]:
        me = require(request, ADMIN)
        force = (await form_fields(request)).get("force") == "1"
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:
            await lock_tenant(tx.conn, tx.tenant.id)  # nothing starts naming the menu meanwhile
            await menus.get_menu(tx.conn, tx.tenant.id, menu_id)
            refs = await menus.menu_references(tx.conn, tx.tenant.id, menu_id)
            if refs and not force:
                in_use = [r.description for r in refs]
            else:
                in_use = []
                await _drop_uses(tx.conn, kernel, tx.tenant.id, menu_id)
                await menus.delete_menu(tx.conn, tx.tenant.id, menu_id)
        if in_use:
            return await self._form(request, menu_id, 409, in_use=in_use)
        return redirect(PAGE)

    async def _form(
        self, request: Request[Any, Any, Any], menu_id: uuid.UUID | None, status: int = 200, **context: Any
    ) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            menu = await menus.get_menu(tx.conn, tx.tenant.id, menu_id) if menu_id else None
            people = await employees_repo.list_employees(tx.conn, tx.tenant.id)
            groups = await groups_repo.list_groups(tx.conn, tx.tenant.id)
            submenus = [m for m in await menus.list_menus(tx.conn, tx.tenant.id) if m.level == 2 and m.id != menu_id]
            media = await library.list_media(tx.conn, tx.tenant.id)
        sounds = [(f.id, f.name) for f in library.standard_files()] + [(str(m.id), m.name) for m in media]
        context.setdefault("errors", {})
        if "values" not in context:
            context["values"] = menu_values(menu) if menu else {}
        kept = {item.key: item.do for item in menu.body.items if _choice(item) == KEEP} if menu else {}
        return await page(
            request, "ivr/menu.html", status, ivr=menu, keys=KEYS, slug=SLUG, people=people, groups=groups,
            submenus=submenus, sounds=sounds, kept={k: type(v).__name__ for k, v in kept.items()}, **context,
        )  # fmt: skip


async def _drop_uses(conn: Any, kernel: Any, tenant_id: uuid.UUID, menu_id: uuid.UUID) -> None:
    """A forced deletion: scenarios lose their stage playing the menu (each block decides how),
    parent menus lose the key leading to it."""
    await kernel.references.drop(conn, tenant_id, "ivr_menu", menu_id)
    for parent in await menus.list_menus(conn, tenant_id):
        items = [i for i in parent.body.items if _choice(i) != f"submenu:{menu_id}"]
        if len(items) != len(parent.body.items):
            body = msgspec.structs.replace(parent.body, items=items)
            await conn.execute(
                "UPDATE ivr_menus SET body = $3 WHERE tenant_id = $1 AND id = $2",
                tenant_id, parent.id, msgspec.to_builtins(body),
            )  # fmt: skip


TEXTS_RU = {
    "ivr_title": "Голосовые меню",
    "ivr_add": "Новое меню",
    "ivr_none": "Голосовых меню пока нет.",
    "ivr_level": "Уровень",
    "ivr_level_1": "Основное меню",
    "ivr_level_2": "Подменю",
    "ivr_keys": "Клавиши",
    "ivr_on": "Включено",
    "ivr_off": "Выключено",
    "ivr_enabled": "Меню включено",
    "ivr_instruction": "Приветствие и инструкция",
    "ivr_error": "Звук при неверной клавише",
    "ivr_error_none": "— нет —",
    "ivr_repeat_timeout_s": "Повторить инструкцию через, с",
    "ivr_next_timeout_s": "Дальше по сценарию через, с",
    "ivr_key": "Клавиша",
    "ivr_does": "Что делает",
    "ivr_unused": "— не используется —",
    "ivr_do_repeat": "Повторить инструкцию",
    "ivr_do_extension_dialing": "Набор добавочного номера",
    "ivr_do_skip": "Дальше по сценарию",
    "ivr_do_keep": "Оставить как есть",
    "ivr_employees": "Соединить с сотрудником",
    "ivr_groups": "Соединить с группой",
    "ivr_submenus": "Перейти в подменю",
    "ivr_keys_hint": (
        "Набор добавочного включается, если назначить его на клавишу. "
        "В меню должна быть клавиша «Повторить инструкцию»."
    ),
    "ivr_saved": "Меню сохранено.",
    "ivr_delete": "Удалить меню",
    "ivr_in_use": "Меню используется: {by}. Удалить всё равно? Там его не станет.",
    "ivr_delete_anyway": "Удалить всё равно",
    "err:timeouts are 1 to 120 seconds": "Укажите от 1 до 120 секунд.",
    "err:the repeat timeout must be shorter than the next-block timeout": (
        "Повтор должен наступать раньше, чем переход дальше по сценарию."
    ),
    "err:a menu needs a 'repeat instructions' item": "Назначьте на одну из клавиш «Повторить инструкцию».",
    "err:another menu has this name": "Меню с таким названием уже есть.",
    "err:choose what the key does from the list": "Выберите действие клавиши из списка.",
    "err:choose a level from the list": "Выберите уровень из списка.",
    "err:only a level-1 menu has submenus (two levels at most)": "Подменю бывают только у основного меню.",
    "err:a submenu is a level-2 menu": "Подменю должно иметь уровень «Подменю».",
    "err:the submenu does not exist (create it first)": "Такого подменю нет.",
    "err:this menu is another menu's submenu; it stays level 2": (
        "Это меню — подменю другого меню, его уровень не меняется."
    ),
    "err:no such employee": "Такого сотрудника нет.",
    "err:no such group": "Такой группы нет.",
}
TEXTS_EN = {
    "ivr_title": "Voice menus",
    "ivr_add": "New menu",
    "ivr_none": "No voice menus yet.",
    "ivr_level": "Level",
    "ivr_level_1": "Main menu",
    "ivr_level_2": "Submenu",
    "ivr_keys": "Keys",
    "ivr_on": "On",
    "ivr_off": "Off",
    "ivr_enabled": "Menu switched on",
    "ivr_instruction": "Greeting and instructions",
    "ivr_error": "Sound for a wrong key",
    "ivr_error_none": "— none —",
    "ivr_repeat_timeout_s": "Repeat the instructions after, s",
    "ivr_next_timeout_s": "On with the scenario after, s",
    "ivr_key": "Key",
    "ivr_does": "Does",
    "ivr_unused": "— unused —",
    "ivr_do_repeat": "Repeat the instructions",
    "ivr_do_extension_dialing": "Extension dialing",
    "ivr_do_skip": "On with the scenario",
    "ivr_do_keep": "Keep as it is",
    "ivr_employees": "Connect to an employee",
    "ivr_groups": "Connect to a group",
    "ivr_submenus": "Go to a submenu",
    "ivr_keys_hint": "Extension dialing is on when a key does it. A menu needs a key that repeats the instructions.",
    "ivr_saved": "Menu saved.",
    "ivr_delete": "Delete the menu",
    "ivr_in_use": "The menu is in use: {by}. Delete anyway? It disappears from there.",
    "ivr_delete_anyway": "Delete anyway",
}


def cabinet_pages() -> CabinetPages:
    return CabinetPages(
        handlers=[IvrPages],
        nav=[
            NavEntry(
                href=PAGE, label_ru="Голосовые меню", label_en="Voice menus", roles=ADMIN, section="settings", order=260
            )
        ],
        templates=Path(__file__).parent / "templates",
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
