"""The CRM's part of the Telegram bot, contributed through ``register_bot_routers`` and
``task_alert_buttons`` like a third-party plugin's: the buttons under a task alert (call back,
mark done, take it), ``/tasks`` (my open tasks, with the same buttons) and ``/calls`` (today's
calls and the ones I missed). Every action goes through the same rules as the cabinet API:
the employee's visibility and rights (``viewer.py``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from vats.core.asterisk.click_to_call import TelephonyUnavailable, click_to_call
from vats.core.bot import AlertButton, BotUser
from vats.core.db.database import Connection
from vats.core.directory.service import load_tenant
from vats.core.errors import NotFoundError, VatsError
from vats.core.protocols import KernelAPI
from vats.core.tasks import TaskNotice
from vats.plugins.crm import history, tasks
from vats.plugins.crm.models import TaskUpdate
from vats.plugins.crm.periods import period_bounds
from vats.plugins.crm.viewer import Viewer, viewer_for

TEXTS: dict[str, dict[str, str]] = {
    "call": {"ru": "📞 Перезвонить", "en": "📞 Call back"},
    "done": {"ru": "✅ Выполнено", "en": "✅ Mark done"},
    "take": {"ru": "🙋 Взять себе", "en": "🙋 Take it"},
    "calling": {"ru": "Звоним на ваш телефон, затем клиенту {to}", "en": "Ringing your phone, then {to}"},
    "no_telephony": {
        "ru": "Сейчас не позвонить отсюда: телефония ВАТС недоступна. Наберите {number} со своего телефона"
        " или нажмите позже.",
        "en": "Calling from here is not possible right now: the PBX's telephony is unavailable. Dial {number}"
        " from your own phone or try again later.",
    },
    "no_line": {
        "ru": "У вас нет включённой SIP-линии, на которую позвонить. Включите её в личном кабинете или наберите"
        " {number} сами.",
        "en": "You have no active SIP line to ring first. Switch one on in the cabinet or dial {number} yourself.",
    },
    "marked_done": {"ru": "✅ Выполнено: {name}", "en": "✅ Done: {name}"},
    "taken": {"ru": "🙋 Взял(а): {name}", "en": "🙋 Taken by {name}"},
    "gone": {"ru": "Задача уже недоступна", "en": "This task is no longer yours to see"},
    "no_tasks": {"ru": "Открытых задач нет 🎉", "en": "No open tasks 🎉"},
    "tasks": {"ru": "Открытые задачи: {count}", "en": "Open tasks: {count}"},
    "more": {"ru": "…и ещё {count} в личном кабинете", "en": "…and {count} more in the cabinet"},
    "calls": {
        "ru": "Звонки за сегодня: {total}, пропущено вами: {missed}",
        "en": "Today's calls: {total}, missed by you: {missed}",
    },
    "missed_header": {"ru": "Пропущенные:", "en": "Missed:"},
    "recent_header": {"ru": "Последние:", "en": "Latest:"},
    "digest": {
        "ru": "Открытых задач: {open} (новых за сутки: {new}), просрочено: {overdue}",
        "en": "Open tasks: {open} ({new} new in the last day), overdue: {overdue}",
    },
    "kind_missed": {"ru": "Пропущенный", "en": "Missed call"},
    "kind_voicemail": {"ru": "Голосовое", "en": "Voicemail"},
    "kind_callback": {"ru": "Перезвонить", "en": "Callback"},
    "kind_failed_forwarding": {"ru": "Не принят", "en": "Not taken"},
    "kind_failed_outbound": {"ru": "Исходящий не удался", "en": "Outbound failed"},
    "kind_manual": {"ru": "Задача", "en": "Task"},
}
ARROWS = {"inbound": "⬅️", "outbound": "➡️", "internal": "↔️"}
SHOWN_TASKS = 10
SHOWN_CALLS = 10


def _t(language: str, key: str, **values: Any) -> str:
    return TEXTS[key]["ru" if language == "ru" else "en"].format(**values)


class TaskAction(CallbackData, prefix="crm-task"):
    action: Literal["call", "done", "take"]
    task_id: uuid.UUID


def alert_buttons(task: TaskNotice, language: str) -> list[AlertButton]:
    """Call back (when the task is about a number), mark done, and take it (a group's task)."""
    actions: list[Literal["call", "done", "take"]] = ["call"] if task.number else []
    actions.append("done")
    if task.assignee_kind == "group":
        actions.append("take")
    return [
        AlertButton(text=_t(language, a), callback_data=TaskAction(action=a, task_id=task.id).pack()) for a in actions
    ]


async def _viewer(conn: Connection, kernel: KernelAPI, user: BotUser) -> tuple[Viewer, Any]:
    tenant = await load_tenant(conn, user.tenant_id)
    return await viewer_for(conn, kernel, tenant.id, user.employee_id, user.role, tenant.settings), tenant


async def _name(conn: Connection, user: BotUser) -> str:
    name = await conn.fetchval(
        "SELECT full_name FROM employees WHERE tenant_id = $1 AND id = $2", user.tenant_id, user.employee_id
    )
    return str(name)


async def _note_on_alert(query: CallbackQuery, line: str, drop: set[str]) -> None:
    """Add ``line`` to the alert and take away the buttons whose action is in ``drop``."""
    message = query.message
    if not isinstance(message, Message):
        return
    rows = message.reply_markup.inline_keyboard if message.reply_markup else []
    kept = [
        row
        for row in rows
        if not (
            row[0].callback_data
            and TaskAction.__prefix__ in row[0].callback_data
            and TaskAction.unpack(row[0].callback_data).action in drop
        )
    ]
    markup = InlineKeyboardMarkup(inline_keyboard=kept) if kept else None
    if message.caption is not None:  # a voicemail: the text is the audio's caption
        await message.edit_caption(caption=f"{message.caption}\n{line}", reply_markup=markup)
    else:
        await message.edit_text(f"{message.text}\n{line}", reply_markup=markup)


async def _act(query: CallbackQuery, action: TaskAction, kernel: KernelAPI, user: BotUser) -> None:
    language = user.language
    if action.action == "call":
        async with kernel.db.tenant(user.tenant_id) as conn:
            viewer, _ = await _viewer(conn, kernel, user)
            await tasks.get(conn, viewer, action.task_id)
            number = await conn.fetchval(
                "SELECT number FROM crm_tasks WHERE tenant_id = $1 AND id = $2", user.tenant_id, action.task_id
            )
        try:
            started = await click_to_call(kernel, user.tenant_id, user.employee_id, number or "")
        except TelephonyUnavailable:  # the operator's matter; the employee can still call by hand
            await query.answer(_t(language, "no_telephony", number=number or "")[:200], show_alert=True)
            return
        except NotFoundError as exc:
            if exc.field != "terminal_id":
                raise
            await query.answer(_t(language, "no_line", number=number or "")[:200], show_alert=True)
            return
        await query.answer(_t(language, "calling", to=started.to))
        return
    async with kernel.db.tenant(user.tenant_id) as conn:
        viewer, _ = await _viewer(conn, kernel, user)
        if action.action == "done":
            await tasks.update(conn, kernel, viewer, action.task_id, TaskUpdate(status="done"))
        else:
            await tasks.update(
                conn, kernel, viewer, action.task_id, TaskUpdate(assignee_kind="employee", assignee_id=user.employee_id)
            )
        name = await _name(conn, user)
    if action.action == "done":
        await _note_on_alert(query, _t(language, "marked_done", name=name), {"call", "done", "take"})
    else:
        await _note_on_alert(query, _t(language, "taken", name=name), {"take"})
    await query.answer()


def _local(at: dt.datetime, zone: str) -> str:
    return f"{at.astimezone(ZoneInfo(zone)):%H:%M}"


def router() -> Router:
    r = Router(name="crm")

    @r.callback_query(TaskAction.filter())
    async def on_button(query: CallbackQuery, callback_data: TaskAction, kernel: KernelAPI, user: BotUser) -> None:
        try:
            await _act(query, callback_data, kernel, user)
        except VatsError as exc:
            text = _t(user.language, "gone") if exc.status == 404 and exc.field == "task_id" else exc.message
            await query.answer(text[:200], show_alert=True)

    @r.message(Command("tasks"))
    async def open_tasks(message: Message, kernel: KernelAPI, user: BotUser) -> None:
        async with kernel.db.tenant(user.tenant_id) as conn:
            tenant = await load_tenant(conn, user.tenant_id)
            mine = (
                "t.tenant_id = $1 AND t.status IN ('open', 'in_progress') AND ((t.assignee_kind = 'employee'"
                " AND t.assignee_id = $2) OR (t.assignee_kind = 'group' AND t.assignee_id = ANY($3::uuid[])))"
            )
            memberships = await conn.fetch(
                "SELECT group_id FROM group_members WHERE tenant_id = $1 AND employee_id = $2",
                user.tenant_id, user.employee_id,
            )  # fmt: skip
            groups = [g["group_id"] for g in memberships]
            args = (user.tenant_id, user.employee_id, groups)
            total = await conn.fetchval(f"SELECT count(*) FROM crm_tasks t WHERE {mine}", *args)
            ids = await conn.fetch(
                f"SELECT t.id FROM crm_tasks t WHERE {mine} ORDER BY t.created_at DESC LIMIT {SHOWN_TASKS}", *args
            )
            notices = [await tasks.notice_of(conn, user.tenant_id, row["id"], None) for row in ids]
        if not total:
            await message.answer(_t(user.language, "no_tasks"))
            return
        await message.answer(_t(user.language, "tasks", count=total))
        for task in notices:
            who = ", ".join(filter(None, (task.contact_name, task.number))) or task.title
            keyboard = InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=b.text, callback_data=b.callback_data)]
                    for b in alert_buttons(task, user.language)
                ]
            )
            line = f"{_t(user.language, f'kind_{task.kind}')} · {who} · {_local(task.created_at, tenant.time_zone)}"
            await message.answer(line, reply_markup=keyboard)
        if total > SHOWN_TASKS:
            await message.answer(_t(user.language, "more", count=total - SHOWN_TASKS))

    @r.message(Command("calls"))
    async def todays_calls(message: Message, kernel: KernelAPI, user: BotUser) -> None:
        async with kernel.db.tenant(user.tenant_id) as conn:
            viewer, tenant = await _viewer(conn, kernel, user)
            since, until = period_bounds("today", tenant.time_zone)
            mine = history.Filters(since=since, until=until, employee_id=user.employee_id)
            recent, total = await history.listing(conn, viewer, mine, limit=SHOWN_CALLS, offset=0)
            missed_filter = history.Filters(since=since, until=until, missed_by=user.employee_id)
            missed, missed_total = await history.listing(conn, viewer, missed_filter, limit=SHOWN_CALLS, offset=0)

        def line(call: Any) -> str:
            who = ", ".join(filter(None, (call.contact_name, call.peer)))
            outcome = "✅" if call.answered else "❌"
            return f"{_local(call.started_at, tenant.time_zone)} {ARROWS[call.direction]} {who} {outcome}"

        parts = [_t(user.language, "calls", total=total, missed=missed_total)]
        if missed:
            parts += ["", _t(user.language, "missed_header"), *map(line, missed)]
        if recent:
            parts += ["", _t(user.language, "recent_header"), *map(line, recent)]
        await message.answer("\n".join(parts))

    return r


async def digest(conn: Connection, tenant_id: uuid.UUID, language: str) -> str:
    row = await conn.fetchrow(
        "SELECT count(*) AS open, count(*) FILTER (WHERE created_at > now() - interval '1 day') AS new,"
        " count(*) FILTER (WHERE deadline < now()) AS overdue FROM crm_tasks"
        " WHERE tenant_id = $1 AND status IN ('open', 'in_progress')",
        tenant_id,
    )
    assert row is not None
    return _t(language, "digest", open=row["open"], new=row["new"], overdue=row["overdue"])
