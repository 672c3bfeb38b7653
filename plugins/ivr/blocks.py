"""Menu blocks: an IVR menu (keys 0-9 * #, up to two levels) and extension dialing
(plugins/ivr/extension.py). What each key does is its item's action (plugins/ivr/actions.py)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar, Literal

import msgspec
from msgspec import Struct
from vats.core.db.database import Connection
from vats.core.engine.block import Block, Ref
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.primitives import StepResult
from vats.core.errors import NotFoundError, ValidationError
from vats.core.snapshot import TenantSnapshot
from vats.plugins.ivr.actions import BLOCK, IvrCursor, KeyPress
from vats.plugins.ivr.extension import MAX_ERRORS, ExtensionDialingBlock
from vats.plugins.ivr.models import Menu

__all__ = ["ExtensionDialingBlock", "IvrBlock", "IvrCursor"]


class IvrBlock(Struct, tag="ivr", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    menu_id: uuid.UUID
    on_no_input: Literal["next", "hangup"] = "next"

    Cursor: ClassVar[type[Struct]] = IvrCursor

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None:
        level = await conn.fetchval(
            "SELECT level FROM ivr_menus WHERE tenant_id = $1 AND id = $2", tenant_id, self.menu_id
        )
        if level is None:
            raise NotFoundError("no such voice menu", field=f"{where}.menu_id")
        if level != 1:
            raise ValidationError("a scenario starts with a level-1 menu", field=f"{where}.menu_id")

    def describe(self, snapshot: TenantSnapshot) -> str:
        """The menu, then one line per key (the diagram draws them as the menu's branches)."""
        menus: dict[uuid.UUID, Menu] = snapshot.extras.get("ivr_menus", {})
        menu = menus.get(self.menu_id)
        if menu is None:
            return "голосовое меню «?»"
        keys = [f"{item.key} → {item.do.describe_ru(snapshot, menus)}" for item in menu.body.items]
        return "\n".join([f"голосовое меню «{menu.name}»", *keys])

    def references(self) -> list[Ref]:
        """The menu only: what its items name is the menu's own (the plugin's reference hooks)."""
        return [Ref(kind="ivr_menu", id=self.menu_id)]

    def without(self, ref: Ref) -> IvrBlock | None:
        """Without its menu the block has nothing to play: the stage goes (as a deleted menu is
        skipped at call time)."""
        return None if ref == Ref(kind="ivr_menu", id=self.menu_id) else self

    async def run(self, ctx: StepContext, cursor: IvrCursor, result: StepResult | None) -> Outcome:
        menus: dict[uuid.UUID, Menu] = ctx.snapshot.extras.get("ivr_menus", {})
        menu = menus.get(cursor.menu or self.menu_id)
        if menu is None or not menu.body.enabled:
            ctx.note(BLOCK, "skip the menu", "it is switched off" if menu else "it no longer exists")
            return Outcome(done="next")
        press = KeyPress(menu, menus, cursor)
        if cursor.phase is None:
            ctx.note(BLOCK, f"menu «{menu.name}»", "say the instructions")
            return press.collect(menu)
        if cursor.phase == "info":
            return press.collect(menu)
        if cursor.phase == "action":
            item = next((i for i in menu.body.items if i.key == cursor.key), None)
            if item is None:  # the menu changed while the action ran
                return Outcome(done="next")
            return await item.do.resume(ctx, press, result)
        return await self._key(ctx, press, result)

    async def _key(self, ctx: StepContext, press: KeyPress, result: StepResult | None) -> Outcome:
        menu, cursor = press.menu, press.cursor
        digits = result.digits if result is not None else None
        if not digits:
            waited = cursor.waited + menu.body.repeat_timeout_s
            if waited >= menu.body.next_timeout_s:
                then = "next block" if self.on_no_input == "next" else "hang up"
                ctx.note(BLOCK, "no key pressed", f"after {waited} s: {then}")
                return Outcome(done=self.on_no_input)
            ctx.note(BLOCK, "no key yet", "say the instructions again")
            return press.collect(menu, waited=waited, errors=cursor.errors)
        item = next((i for i in menu.body.items if i.key == digits[0]), None)
        if item is None:
            errors = cursor.errors + 1
            if errors >= MAX_ERRORS:
                ctx.note(BLOCK, f"key {digits} is not in the menu", f"{errors} wrong keys: {self.on_no_input}")
                return Outcome(done=self.on_no_input)
            ctx.note(BLOCK, f"key {digits} is not in the menu", "error message, instructions again")
            return press.collect(menu, error=True, waited=cursor.waited, errors=errors)
        ctx.note(BLOCK, f"key {digits} in «{menu.name}»: {item.do.describe(ctx.snapshot, press.menus)}")
        press.cursor = msgspec.structs.replace(cursor, key=item.key, ring=0, direct=None, ext=None)
        return await item.do.press(ctx, press)


if TYPE_CHECKING:  # strict mypy checks each block against the Block contract here
    _ivrblock: type[Block[IvrCursor]] = IvrBlock
