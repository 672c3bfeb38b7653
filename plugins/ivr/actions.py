"""What an IVR menu item does when its key is pressed: one small class per kind of item, in
the manner of Kazoo's ``cf_*`` modules. Each is the stored item's data (``"action"`` is its
tag) and its behaviour:

* ``describe(snapshot, menus)``: how the trace and the cabinet name it;
* ``press(ctx, press)``: the key was pressed: the first primitive, or done;
* ``resume(ctx, press, result)``: a later step of what ``press`` started (ringing, dialling an
  extension, recording a message); the IVR block keeps the key in its cursor and finds the
  item again in the menu;
* ``check(conn, tenant_id, where, level=...)``: when a menu is saved, that what the item names
  exists in the PBX (and fits the menu's ``level``); raises a VatsError whose ``field`` starts
  with ``where``.

A new kind of item is one new class here, added to ``Action``; nothing else changes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar, Literal

import msgspec
from msgspec import Struct
from vats.core.calls.intents import TaskIntent
from vats.core.db.database import Connection
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.dialing import Target, plan_attempts
from vats.core.engine.direct import DirectCursor, direct_call
from vats.core.engine.primitives import Collect, Play, StepResult, Voicemail
from vats.core.engine.ringing import ring_through, voicemail_box
from vats.core.errors import NotFoundError, ValidationError
from vats.core.media.library import media_exists
from vats.core.snapshot import TenantSnapshot
from vats.plugins.ivr.extension import ExtensionCursor, ExtensionDialingBlock

if TYPE_CHECKING:
    from vats.plugins.ivr.models import Menu

BLOCK = "ivr"
VOICEMAIL_PROMPT = ["standard:voicemail_prompt"]


class IvrCursor(Struct, kw_only=True, forbid_unknown_fields=True):
    """The IVR between steps: the menu played (None: the block's own), the phase (None:
    not started; "collect": waiting for a key; "info": information played; "action": the
    action of ``key`` is under way), the seconds waited and wrong keys so far, and the cursor
    of what the action runs (``ring``: attempts rung; ``direct``; ``ext``)."""

    menu: uuid.UUID | None = None
    phase: Literal["collect", "info", "action"] | None = None
    waited: int = 0
    errors: int = 0
    key: str | None = None
    ring: int = 0
    direct: DirectCursor | None = None
    ext: ExtensionCursor | None = None


class KeyPress:
    """What an item's action sees: the menu it belongs to, every menu (for submenus), and
    the IVR's cursor with the key whose action runs."""

    __slots__ = ("cursor", "menu", "menus")

    def __init__(self, menu: Menu, menus: dict[uuid.UUID, Menu], cursor: IvrCursor) -> None:
        self.menu, self.menus, self.cursor = menu, menus, cursor

    def collect(self, menu: Menu, *, error: bool = False, waited: int = 0, errors: int = 0) -> Outcome:
        """Say ``menu``'s instructions (after the error media) and wait for a key."""
        media = [*(menu.body.error if error else []), *menu.body.instruction]
        primitive = Collect(media=media, max_digits=1, timeout_s=float(menu.body.repeat_timeout_s))
        return Outcome(
            primitive=primitive, cursor=IvrCursor(menu=menu.id, phase="collect", waited=waited, errors=errors)
        )

    def under_way(self, **changes: object) -> IvrCursor:
        """The cursor while this key's action goes on."""
        return msgspec.structs.replace(self.cursor, phase="action", waited=0, errors=0, **changes)


async def _must_exist(
    conn: Connection, tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID | None, field: str
) -> None:
    """Refuse an item naming an employee or a group (``kind``) that is not in the PBX."""
    table = "employees" if kind == "employee" else "groups"
    if not await conn.fetchval(f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2", tenant_id, object_id):
        raise NotFoundError(f"no such {kind}", field=field)


class ItemAction(Struct, tag_field="action", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the item actions: an action done at once has nothing to resume, and one that
    names nothing has nothing to check."""

    async def check(self, conn: Connection, tenant_id: uuid.UUID, where: str, *, level: int) -> None:
        return None

    label_ru: ClassVar[str] = ""  # how the cabinet's diagram names the item (Russian)

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        raise NotImplementedError

    def describe_ru(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        """The item on the cabinet's diagram (Russian): its ``label_ru`` unless it names something."""
        return self.label_ru or self.describe(snapshot, menus)

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        raise NotImplementedError

    async def resume(self, ctx: StepContext, press: KeyPress, result: StepResult | None) -> Outcome:
        return Outcome(done="next")


class Repeat(ItemAction, tag="repeat", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Say the instructions again (every menu has one)."""
    label_ru: ClassVar[str] = "повтор инструкции"

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        return "repeat the instructions"

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        return press.collect(press.menu)


class PlayMedia(ItemAction, tag="media", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Play information, then the menu again."""
    label_ru: ClassVar[str] = "информация"

    media: list[str]

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        return "information"

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        info = msgspec.structs.replace(press.cursor, phase="info", waited=0, errors=0)
        return Outcome(primitive=Play(media=list(self.media), interruptible=True), cursor=info)

    async def check(self, conn: Connection, tenant_id: uuid.UUID, where: str, *, level: int) -> None:
        for ref in self.media:
            if not await media_exists(conn, tenant_id, ref):
                raise NotFoundError(f"no media {ref!r}", field=f"{where}.media")


class Submenu(ItemAction, tag="submenu", frozen=True, kw_only=True, forbid_unknown_fields=True):
    menu_id: uuid.UUID

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        sub = menus.get(self.menu_id)
        return f"submenu «{sub.name if sub else '?'}»"

    def describe_ru(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        sub = menus.get(self.menu_id)
        return f"подменю «{sub.name if sub else '?'}»"

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        sub = press.menus.get(self.menu_id)
        return press.collect(sub) if sub is not None else Outcome(done="next")

    async def check(self, conn: Connection, tenant_id: uuid.UUID, where: str, *, level: int) -> None:
        if level != 1:
            raise ValidationError("only a level-1 menu has submenus (two levels at most)", field=where)
        sub_level = await conn.fetchval(
            "SELECT level FROM ivr_menus WHERE tenant_id = $1 AND id = $2", tenant_id, self.menu_id
        )
        if sub_level is None:
            raise NotFoundError("the submenu does not exist (create it first)", field=f"{where}.menu_id")
        if sub_level != 2:
            raise ValidationError("a submenu is a level-2 menu", field=f"{where}.menu_id")


class Route(ItemAction, tag="route", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ring an employee, a group, an extension or an outside number; employees and groups
    by their own reception settings (absence, off hours, no-answer forwarding)."""

    target: Target

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        t = self.target
        if t.kind == "group" and t.id in snapshot.groups:
            return f"group «{snapshot.groups[t.id].name}»"
        if t.kind == "employee" and t.id in snapshot.employees:
            return f"employee {snapshot.employees[t.id].full_name}"
        return f"{t.kind} {t.number or t.id}"

    def describe_ru(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        t = self.target
        if t.kind == "group" and t.id in snapshot.groups:
            return f"группа «{snapshot.groups[t.id].name}»"
        if t.kind == "employee" and t.id in snapshot.employees:
            return snapshot.employees[t.id].full_name
        return f"добавочный {t.number}" if t.kind == "extension" else str(t.number or t.id)

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        return await self.resume(ctx, press, None)

    async def check(self, conn: Connection, tenant_id: uuid.UUID, where: str, *, level: int) -> None:
        if self.target.kind in ("employee", "group"):
            await _must_exist(conn, tenant_id, self.target.kind, self.target.id, f"{where}.target.id")

    async def resume(self, ctx: StepContext, press: KeyPress, result: StepResult | None) -> Outcome:
        target = self.target
        if target.kind == "extension" and target.number:
            owner = ctx.snapshot.extensions.get(target.number)
            if owner is not None:
                target = Target(kind="employee" if owner in ctx.snapshot.employees else "group", id=owner)
        if target.kind in ("employee", "group"):
            outcome = await direct_call(ctx, press.cursor.direct, result, target)
            if outcome.primitive is not None:
                assert isinstance(outcome.cursor, DirectCursor)
                return Outcome(primitive=outcome.primitive, cursor=press.under_way(direct=outcome.cursor))
        else:
            rung = ring_through(ctx, plan_attempts(ctx, [target], block=BLOCK), press.cursor.ring, result, BLOCK)
            if rung.dial is not None:
                return Outcome(primitive=rung.dial, cursor=press.under_way(ring=rung.next_index))
            outcome = Outcome(done="connected" if rung.status == "connected" else "next")
        if outcome.done == "next":
            ctx.note(BLOCK, "nobody answered", "on to the branch's handling")
        return outcome


class ExtensionDialing(ItemAction, tag="extension_dialing", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The caller types an extension."""
    label_ru: ClassVar[str] = "набор добавочного"

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        return "extension dialing"

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        return self._wrapped(press, ExtensionDialingBlock(error=press.menu.body.error).prompt())

    async def resume(self, ctx: StepContext, press: KeyPress, result: StepResult | None) -> Outcome:
        dialing = ExtensionDialingBlock(error=press.menu.body.error)
        return self._wrapped(press, await dialing.run(ctx, press.cursor.ext or ExtensionCursor(), result))

    def _wrapped(self, press: KeyPress, inner: Outcome) -> Outcome:
        if inner.primitive is None:
            return inner
        assert isinstance(inner.cursor, ExtensionCursor)
        return Outcome(primitive=inner.primitive, cursor=press.under_way(ext=inner.cursor))


class LeaveVoicemail(ItemAction, tag="voicemail", frozen=True, kw_only=True, forbid_unknown_fields=True):
    label_ru: ClassVar[str] = "голосовая почта"
    assignee_kind: Literal["employee", "group"] = "employee"
    assignee_id: uuid.UUID
    greeting: list[str] = msgspec.field(default_factory=lambda: list(VOICEMAIL_PROMPT))

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        return "voicemail"

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        voicemail = Voicemail(box=voicemail_box(ctx), greeting=list(self.greeting))
        return Outcome(primitive=voicemail, cursor=press.under_way())

    async def check(self, conn: Connection, tenant_id: uuid.UUID, where: str, *, level: int) -> None:
        await _must_exist(conn, tenant_id, self.assignee_kind, self.assignee_id, f"{where}.assignee_id")

    async def resume(self, ctx: StepContext, press: KeyPress, result: StepResult | None) -> Outcome:
        ctx.intents.append(TaskIntent(kind="voicemail", assignee_kind=self.assignee_kind, assignee_id=self.assignee_id))
        ctx.note(BLOCK, "message left", "task created")
        return Outcome(done="hangup")


class Callback(ItemAction, tag="callback", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The caller asks to be called back: a task, then the call ends."""
    label_ru: ClassVar[str] = "заказ обратного звонка"

    assignee_kind: Literal["employee", "group"] = "employee"
    assignee_id: uuid.UUID

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        return "callback request"

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        ctx.intents.append(TaskIntent(kind="callback", assignee_kind=self.assignee_kind, assignee_id=self.assignee_id))
        ctx.note(BLOCK, "callback requested", "task created, call ends")
        return Outcome(done="hangup")

    async def check(self, conn: Connection, tenant_id: uuid.UUID, where: str, *, level: int) -> None:
        await _must_exist(conn, tenant_id, self.assignee_kind, self.assignee_id, f"{where}.assignee_id")


class SkipMenu(ItemAction, tag="skip", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Leave the menu: on to the branch's handling."""
    label_ru: ClassVar[str] = "дальше по сценарию"

    def describe(self, snapshot: TenantSnapshot, menus: dict[uuid.UUID, Menu]) -> str:
        return "skip the menu"

    async def press(self, ctx: StepContext, press: KeyPress) -> Outcome:
        return Outcome(done="next")


Action = Repeat | PlayMedia | Submenu | Route | ExtensionDialing | LeaveVoicemail | Callback | SkipMenu
