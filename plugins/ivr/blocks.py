"""Menu blocks: an IVR menu (keys 0-9 * #, up to two levels) and extension dialing."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from msgspec import Struct
from vats.core.calls.intents import TaskIntent
from vats.core.db.database import Connection
from vats.core.engine.block import Ref, media_refs, media_without
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.dialing import Attempt, Target, plan_attempts, ring_next
from vats.core.engine.direct import direct_call
from vats.core.engine.primitives import Collect, Play, StepResult, Voicemail
from vats.core.errors import NotFoundError, ValidationError
from vats.core.snapshot import TenantSnapshot
from vats.plugins.ivr.models import (
    Callback,
    ExtensionDialing,
    LeaveVoicemail,
    Menu,
    PlayMedia,
    Repeat,
    Route,
    SkipMenu,
    Submenu,
)

MAX_ERRORS = 3


def _ring(
    ctx: StepContext, attempts: list[Attempt], cursor: dict[str, Any], result: StepResult | None, block: str
) -> Outcome:
    """Ring the attempts one after another; "connected" when someone answers, "next" when nobody does."""
    index = int(cursor.get("attempt", 0))
    if result is not None and index > 0:
        if result.status == "ANSWER":
            ctx.note(block, f"answered by {result.answered_by}")
            return Outcome(done="connected")
        ctx.note(block, f"{attempts[index - 1].label}: {result.status}" if index - 1 < len(attempts) else result.status)
    attempt, dial, index = ring_next(ctx, attempts, index, block)
    if attempt is not None:
        return Outcome(primitive=dial, cursor={**cursor, "attempt": index})
    return Outcome(done="next")


def _owner_target(ctx: StepContext, extension: str, allowed: list[str] | None) -> Target | None:
    """The employee or group an extension belongs to, if the caller may dial it."""
    owner = ctx.snapshot.extensions.get(extension)
    if owner is None:
        return None
    if owner in ctx.snapshot.employees:
        dial_through = ctx.snapshot.employees[owner].dial_through
        kind: Literal["employee", "group"] = "employee"
    else:
        dial_through = ctx.snapshot.groups[owner].dial_through
        kind = "group"
    permitted = extension in allowed if allowed is not None else dial_through
    return Target(kind=kind, id=owner) if permitted else None


class IvrBlock(Struct, tag="ivr", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    menu_id: uuid.UUID
    on_no_input: Literal["next", "hangup"] = "next"

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None:
        level = await conn.fetchval(
            "SELECT level FROM ivr_menus WHERE tenant_id = $1 AND id = $2", tenant_id, self.menu_id
        )
        if level is None:
            raise NotFoundError("no such voice menu", field=f"{where}.menu_id")
        if level != 1:
            raise ValidationError("a scenario starts with a level-1 menu", field=f"{where}.menu_id")

    def describe(self, snapshot: TenantSnapshot) -> str:
        menu = snapshot.extras.get("ivr_menus", {}).get(self.menu_id)
        return f"голосовое меню «{menu.name if menu else '?'}»"

    def references(self) -> list[Ref]:
        """The menu only: what its items name is the menu's own (the plugin's reference hooks)."""
        return [Ref(kind="ivr_menu", id=self.menu_id)]

    def without(self, ref: Ref) -> IvrBlock | None:
        """Without its menu the block has nothing to play: the stage goes (as a deleted menu is
        skipped at call time)."""
        return None if ref == Ref(kind="ivr_menu", id=self.menu_id) else self

    def _collect(self, menu: Menu, cursor: dict[str, Any], *, error: bool = False) -> Outcome:
        media = [*(menu.body.error if error else []), *menu.body.instruction]
        primitive = Collect(media=media, max_digits=1, timeout_s=float(menu.body.repeat_timeout_s))
        return Outcome(primitive=primitive, cursor={**cursor, "menu": str(menu.id), "phase": "collect"})

    async def run(self, ctx: StepContext, cursor: dict[str, Any], result: StepResult | None) -> Outcome:
        menus: dict[uuid.UUID, Menu] = ctx.snapshot.extras.get("ivr_menus", {})
        menu = menus.get(uuid.UUID(cursor.get("menu", str(self.menu_id))))
        if menu is None or not menu.body.enabled:
            ctx.note("ivr", "skip the menu", "it is switched off" if menu else "it no longer exists")
            return Outcome(done="next")
        phase = cursor.get("phase")
        if phase is None:
            ctx.note("ivr", f"menu «{menu.name}»", "say the instructions")
            return self._collect(menu, cursor)
        if phase == "route":
            return await self._route(ctx, cursor, result)
        if phase == "extension":
            inner = await ExtensionDialingBlock(error=menu.body.error).run(ctx, cursor.get("ext", {}), result)
            if inner.primitive is not None:
                return Outcome(primitive=inner.primitive, cursor={**cursor, "ext": inner.cursor})
            return inner
        if phase == "info":
            return self._collect(menu, cursor)
        if phase == "voicemail":
            ctx.intents.append(msgspec.convert(cursor["intent"], TaskIntent))
            ctx.note("ivr", "message left", "task created")
            return Outcome(done="hangup")
        return await self._key(ctx, menu, menus, cursor, result)

    async def _key(
        self,
        ctx: StepContext,
        menu: Menu,
        menus: dict[uuid.UUID, Menu],
        cursor: dict[str, Any],
        result: StepResult | None,
    ) -> Outcome:
        digits = result.digits if result is not None else None
        if not digits:
            waited = int(cursor.get("waited", 0)) + menu.body.repeat_timeout_s
            if waited >= menu.body.next_timeout_s:
                ctx.note(
                    "ivr",
                    "no key pressed",
                    f"after {waited} s: {'next block' if self.on_no_input == 'next' else 'hang up'}",
                )
                return Outcome(done=self.on_no_input)
            ctx.note("ivr", "no key yet", "say the instructions again")
            return self._collect(menu, {**cursor, "waited": waited})
        item = next((i for i in menu.body.items if i.key == digits[0]), None)
        if item is None:
            errors = int(cursor.get("errors", 0)) + 1
            if errors >= MAX_ERRORS:
                ctx.note("ivr", f"key {digits} is not in the menu", f"{errors} wrong keys: {self.on_no_input}")
                return Outcome(done=self.on_no_input)
            ctx.note("ivr", f"key {digits} is not in the menu", "error message, instructions again")
            return self._collect(menu, {**cursor, "errors": errors}, error=True)
        action = item.do
        ctx.note("ivr", f"key {digits}: {type(action).__name__}")
        ctx.trace[-1] = msgspec.structs.replace(
            ctx.trace[-1], decision=f"key {digits} in «{menu.name}»: {_describe(action, ctx, menus)}"
        )
        fresh = {k: v for k, v in cursor.items() if k not in ("waited", "errors")}
        if isinstance(action, Repeat):
            return self._collect(menu, fresh)
        if isinstance(action, PlayMedia):
            return Outcome(
                primitive=Play(media=list(action.media), interruptible=True), cursor={**fresh, "phase": "info"}
            )
        if isinstance(action, Submenu):
            sub = menus.get(action.menu_id)
            if sub is None:
                return Outcome(done="next")
            return self._collect(sub, {"menu": str(sub.id)})
        if isinstance(action, Route):
            return await self._route(
                ctx, {**fresh, "phase": "route", "target": msgspec.to_builtins(action.target)}, None
            )
        if isinstance(action, ExtensionDialing):
            first = ExtensionDialingBlock(error=menu.body.error).start()
            return Outcome(primitive=first.primitive, cursor={**fresh, "phase": "extension", "ext": first.cursor})
        if isinstance(action, LeaveVoicemail):
            intent = TaskIntent(kind="voicemail", assignee_kind=action.assignee_kind, assignee_id=action.assignee_id)
            box = f"{ctx.snapshot.tenant.id}/{ctx.facts.number}"
            return Outcome(
                primitive=Voicemail(box=box, greeting=list(action.greeting)),
                cursor={**fresh, "phase": "voicemail", "intent": msgspec.to_builtins(intent)},
            )
        if isinstance(action, Callback):
            ctx.intents.append(
                TaskIntent(kind="callback", assignee_kind=action.assignee_kind, assignee_id=action.assignee_id)
            )
            ctx.note("ivr", "callback requested", "task created, call ends")
            return Outcome(done="hangup")
        if isinstance(action, SkipMenu):
            return Outcome(done="next")
        return Outcome(done="next")

    async def _route(self, ctx: StepContext, cursor: dict[str, Any], result: StepResult | None) -> Outcome:
        target = msgspec.convert(cursor["target"], Target)
        if target.kind == "extension" and target.number:
            owner = ctx.snapshot.extensions.get(target.number)
            if owner is not None:
                target = Target(kind="employee" if owner in ctx.snapshot.employees else "group", id=owner)
        if target.kind in ("employee", "group"):
            # Their own reception settings decide: absence, off hours, no-answer forwarding.
            outcome = await direct_call(ctx, cursor, result, target)
        else:
            outcome = _ring(ctx, plan_attempts(ctx, [target], block="ivr"), cursor, result, "ivr")
        if outcome.done == "next":
            ctx.note("ivr", "nobody answered", "on to the branch's handling")
        return outcome


def _describe(action: Any, ctx: StepContext, menus: dict[uuid.UUID, Menu]) -> str:
    if isinstance(action, Submenu):
        sub = menus.get(action.menu_id)
        return f"submenu «{sub.name if sub else '?'}»"
    if isinstance(action, Route):
        t = action.target
        if t.kind == "group" and t.id in ctx.snapshot.groups:
            return f"group «{ctx.snapshot.groups[t.id].name}»"
        if t.kind == "employee" and t.id in ctx.snapshot.employees:
            return f"employee {ctx.snapshot.employees[t.id].full_name}"
        return f"{t.kind} {t.number or t.id}"
    return {
        "Repeat": "repeat the instructions", "PlayMedia": "information", "ExtensionDialing": "extension dialing",
        "LeaveVoicemail": "voicemail", "Callback": "callback request", "SkipMenu": "skip the menu",
    }.get(type(action).__name__, type(action).__name__)  # fmt: skip


class ExtensionDialingBlock(
    Struct, tag="extension_dialing", tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """The caller types an extension; only dial-through extensions, or those listed."""

    instruction: list[str] = []
    error: list[str] = []
    timeout_s: int = 5
    allowed: list[str] | None = None  # None: every extension with dial-through on
    on_no_input: Literal["next", "hangup"] = "next"
    on_failed: Literal["next", "hangup"] = "next"

    def describe(self, snapshot: TenantSnapshot) -> str:
        return "набор добавочного"

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None:
        return None  # extensions are looked up when dialled: one may be created later

    def references(self) -> list[Ref]:
        return media_refs([*self.instruction, *self.error])

    def without(self, ref: Ref) -> ExtensionDialingBlock:
        return msgspec.structs.replace(
            self, instruction=media_without(self.instruction, ref), error=media_without(self.error, ref)
        )

    def start(self) -> Outcome:
        return Outcome(
            primitive=Collect(media=list(self.instruction), max_digits=5, timeout_s=float(self.timeout_s)),
            cursor={"phase": "collect"},
        )

    async def run(self, ctx: StepContext, cursor: dict[str, Any], result: StepResult | None) -> Outcome:
        if not cursor:
            ctx.note("extension dialing", "wait for an extension")
            return self.start()
        if cursor.get("phase") == "ring":
            target = msgspec.convert(cursor["target"], Target)
            outcome = await direct_call(ctx, cursor, result, target)
            if outcome.done == "next":
                ctx.note("extension dialing", "nobody answered", self.on_failed)
                return Outcome(done=self.on_failed)
            return outcome
        digits = result.digits if result is not None else None
        if not digits:
            ctx.note("extension dialing", "nothing typed", self.on_no_input)
            return Outcome(done=self.on_no_input)
        dialled = _owner_target(ctx, digits, self.allowed)
        if dialled is None:
            errors = int(cursor.get("errors", 0)) + 1
            ctx.note("extension dialing", f"extension {digits} cannot be dialled", "unknown or not open to dialling")
            if errors >= MAX_ERRORS:
                return Outcome(done=self.on_failed)
            return Outcome(
                primitive=Collect(
                    media=[*self.error, *self.instruction], max_digits=5, timeout_s=float(self.timeout_s)
                ),
                cursor={"phase": "collect", "errors": errors},
            )
        ctx.note("extension dialing", f"extension {digits}")
        outcome = await direct_call(ctx, {"phase": "ring", "target": msgspec.to_builtins(dialled)}, None, dialled)
        if outcome.done == "next":
            return Outcome(done=self.on_failed)
        return outcome
