"""Settings → Groups (admins edit; heads see the groups the API shows them): a group's
extension, ringing strategy and times, and its members in ringing order. The same services and
rules as /api/groups (core/directory)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    MANAGERS,
    REFUSED,
    CabinetPages,
    NavEntry,
    form_context,
    form_fields,
    language,
    page,
    problem_text,
    redirect,
    refusal,
    require,
)
from vats.bots.web.kit import kernel_of, tenant_transaction
from vats.core.directory import employees as employees_repo
from vats.core.directory import groups as repo
from vats.core.directory.models import GroupCreate, GroupUpdate
from vats.core.directory.visibility import visible_group_ids
from vats.core.errors import NotFoundError, ReferencedError, ValidationError, VatsError

PAGE = "/cabinet/settings/groups"
STRATEGIES = ("all", "uniform", "one_by_one", "incremental", "least_busy")
TIMES = ("ring_time_s", "step_delay_s", "no_answer_after_s")


def seconds(form: dict[str, str], field: str) -> int:
    text = form.get(field, "").strip()
    if not text.isdigit():
        raise ValidationError("must be a whole number of seconds", field=field)
    return int(text)


def group_fields(form: dict[str, str]) -> dict[str, Any]:
    strategy = form.get("strategy", "all")
    if strategy not in STRATEGIES:
        raise ValidationError("choose a strategy from the list", field="strategy")
    fields: dict[str, Any] = {"name": form.get("name", "").strip(), "strategy": strategy}
    if form.get("extension", "").strip():
        fields["extension"] = form["extension"].strip()
    for time in TIMES:
        if time in form:
            fields[time] = seconds(form, time)
    return fields


class GroupPages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def groups(self, request: Request[Any, Any, Any]) -> Template:
        return await self._list(request)

    async def _list(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, MANAGERS)
        async with tenant_transaction(kernel_of(request), me) as tx:
            allowed = await visible_group_ids(tx.conn, tx.tenant.id, tx.tenant.settings, me.role, me.employee_id)
            groups = [g for g in await repo.list_groups(tx.conn, tx.tenant.id) if allowed is None or g.id in allowed]
        return await page(
            request, "groups.html", status, groups=groups, strategies=STRATEGIES, can_edit=me.role == "admin",
            **form_context(context),
        )  # fmt: skip

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = require(request, ADMIN)
        form = await form_fields(request)
        try:
            fields = group_fields(form)
            if not fields["name"]:
                raise ValidationError("must not be empty", field="name")
            group = await kernel_of(request).directory.create_group(me.tenant_id, GroupCreate(**fields))
        except VatsError as exc:
            return await self._list(request, REFUSED, **refusal(language(request), exc, "name", form), adding=True)
        return redirect(f"{PAGE}/{group.id}")

    @get("/{group_id:uuid}")
    async def card(self, request: Request[Any, Any, Any], group_id: FromPath[uuid.UUID]) -> Template:
        return await self._card(request, group_id)

    async def _card(
        self, request: Request[Any, Any, Any], group_id: uuid.UUID, status: int = 200, **context: Any
    ) -> Template:
        me = require(request, MANAGERS)
        async with tenant_transaction(kernel_of(request), me) as tx:
            allowed = await visible_group_ids(tx.conn, tx.tenant.id, tx.tenant.settings, me.role, me.employee_id)
            if allowed is not None and group_id not in allowed:
                raise NotFoundError("no such group", field="group_id")
            group = await repo.get_group(tx.conn, tx.tenant.id, group_id)
            people = {e.id: e for e in await employees_repo.list_employees(tx.conn, tx.tenant.id)}
        members = [people[m] for m in group.member_ids if m in people]
        others = sorted((e for e in people.values() if e.id not in group.member_ids), key=lambda e: e.full_name)
        return await page(
            request, "group.html", status, group=group, members=members, others=others, strategies=STRATEGIES,
            times=TIMES, can_edit=me.role == "admin", **form_context(context),
        )  # fmt: skip

    @post("/{group_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], group_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        try:
            fields = group_fields(form)
            await kernel_of(request).directory.update_group(me.tenant_id, group_id, GroupUpdate(**fields))
        except VatsError as exc:
            return await self._card(request, group_id, REFUSED, **refusal(lang, exc, "name", form))
        return await self._card(request, group_id, notice=TEXTS[lang]["groups_saved"])

    @post("/{group_id:uuid}/members")
    async def members(self, request: Request[Any, Any, Any], group_id: FromPath[uuid.UUID]) -> Template:
        """One change to the ringing order: add, remove, or move a member up or down."""
        me = require(request, ADMIN)
        form = await form_fields(request)
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:
            order = list((await repo.get_group(tx.conn, tx.tenant.id, group_id)).member_ids)
        try:
            who = uuid.UUID(form.get("employee_id", ""))
        except ValueError:
            refusal = self._say(request, "choose an employee")
            return await self._card(request, group_id, 422, errors={"members": refusal})
        action = form.get("action", "")
        if action == "add" and who not in order:
            order.append(who)
        elif action == "remove" and who in order:
            order.remove(who)
        elif action in ("up", "down") and who in order:
            at = order.index(who)
            to = at - 1 if action == "up" else at + 1
            if 0 <= to < len(order):
                order[at], order[to] = order[to], order[at]
        try:
            await kernel.directory.update_group(me.tenant_id, group_id, GroupUpdate(member_ids=order))
        except VatsError as exc:
            return await self._card(request, group_id, 422, errors={"members": self._say(request, exc.message)})
        return await self._card(request, group_id)

    @staticmethod
    def _say(request: Request[Any, Any, Any], message: str) -> str:
        return problem_text(language(request), message)

    @post("/{group_id:uuid}/delete")
    async def delete(self, request: Request[Any, Any, Any], group_id: FromPath[uuid.UUID]) -> Response[Any]:
        me = require(request, ADMIN)
        force = (await form_fields(request)).get("force") == "1"
        try:
            await kernel_of(request).directory.delete_group(me.tenant_id, group_id, force=force)
        except ReferencedError as exc:
            return await self._card(request, group_id, 409, in_use=[r.description for r in exc.references])
        return redirect(PAGE)


TEXTS_RU = {
    "groups_title": "Группы",
    "groups_add": "Добавить группу",
    "groups_none": "Групп пока нет.",
    "groups_members": "Участники",
    "groups_members_order": "Участники (в порядке дозвона)",
    "groups_no_members": "В группе никого нет.",
    "groups_add_member": "Добавить участника",
    "groups_up": "Выше",
    "groups_down": "Ниже",
    "groups_remove": "Убрать",
    "groups_strategy": "Стратегия",
    "groups_strategy_all": "Всем сразу",
    "groups_strategy_uniform": "Равномерно",
    "groups_strategy_one_by_one": "По очереди",
    "groups_strategy_incremental": "С нарастанием",
    "groups_strategy_least_busy": "Наименее загруженному",
    "groups_ring_time_s": "Звонить каждому, с",
    "groups_step_delay_s": "Шаг, с",
    "groups_no_answer_after_s": "Без ответа через, с",
    "groups_saved": "Группа сохранена.",
    "groups_delete": "Удалить группу",
    "groups_in_use": "Группа используется: {by}. Удалить всё равно? Там её не станет.",
    "groups_delete_anyway": "Удалить всё равно",
    "groups_read_only": "Изменять группы может администратор.",
    "err:must be a whole number of seconds": "Укажите целое число секунд.",
    "err:choose a strategy from the list": "Выберите стратегию из списка.",
    "err:choose an employee": "Выберите сотрудника.",
}
TEXTS_EN = {
    "groups_title": "Groups",
    "groups_add": "Add a group",
    "groups_none": "No groups yet.",
    "groups_members": "Members",
    "groups_members_order": "Members (in ringing order)",
    "groups_no_members": "Nobody is in the group.",
    "groups_add_member": "Add a member",
    "groups_up": "Up",
    "groups_down": "Down",
    "groups_remove": "Remove",
    "groups_strategy": "Strategy",
    "groups_strategy_all": "All at once",
    "groups_strategy_uniform": "Uniform",
    "groups_strategy_one_by_one": "One by one",
    "groups_strategy_incremental": "Incremental",
    "groups_strategy_least_busy": "Least busy",
    "groups_ring_time_s": "Ring each, s",
    "groups_step_delay_s": "Step, s",
    "groups_no_answer_after_s": "No answer after, s",
    "groups_saved": "Group saved.",
    "groups_delete": "Delete the group",
    "groups_in_use": "The group is in use: {by}. Delete anyway? It disappears from there.",
    "groups_delete_anyway": "Delete anyway",
    "groups_read_only": "An admin may change groups.",
}
TEXTS = {"ru": TEXTS_RU, "en": TEXTS_EN}


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[GroupPages],
        nav=[NavEntry(href=PAGE, label_ru="Группы", label_en="Groups", roles=MANAGERS, section="settings", order=150)],
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
