"""Settings → Outbound calls (admins): which of the PBX's numbers an outside call shows as its
caller ID, by scope (the whole PBX, a group, an employee, one SIP line) and optionally only for
destinations starting with a prefix; and bans on destinations per SIP line. The same services
and role rule as /api/outbound (core/asterisk/outbound.py); a refusal comes back as the page
with the problem beside its input and nothing saved."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    REFUSED,
    CabinetPages,
    NavEntry,
    form_context,
    form_fields,
    kernel_of,
    my_language,
    page,
    refusal,
    require,
    tenant_transaction,
)
from vats.bots.web.kit import TenantScope
from vats.core.asterisk import outbound
from vats.core.asterisk.outbound import SPECIFICITY, BanIn, CallerIdRuleIn, Scope
from vats.core.directory import employees as employees_repo
from vats.core.directory import numbers as numbers_repo
from vats.core.directory.groups import list_groups
from vats.core.errors import ValidationError, VatsError

PAGE = "/cabinet/settings/outbound"
SCOPES: tuple[Scope, ...] = ("tenant", "group", "employee", "line")
# The service's field and the input that shows it: the scope and its id are one select here.
_INPUT_OF = {"scope": "target", "scope_id": "target", "terminal_id": "line"}


def scope_target(form: dict[str, str]) -> tuple[Scope, uuid.UUID | None]:
    """The "whom" select: ``tenant``, or ``<scope>:<id>`` for a group, an employee or a line."""
    scope, _, ident = form.get("target", "").partition(":")
    if scope not in SCOPES:
        raise ValidationError("choose whom the rule is for", field="target")
    if scope == "tenant":
        return "tenant", None
    try:
        return scope, uuid.UUID(ident)
    except ValueError:
        raise ValidationError("choose whom the rule is for", field="target") from None


def picked_id(form: dict[str, str], field: str, message: str) -> uuid.UUID:
    try:
        return uuid.UUID(form.get(field, ""))
    except ValueError:
        raise ValidationError(message, field=field) from None


def prefix_of(form: dict[str, str]) -> str:
    """What a person types (``+7 495``, ``8495``) as the service's prefix: ``+`` and digits."""
    text = "".join(form.get("prefix", "").split())
    if text.startswith("8") and text.isdigit():
        text = "+7" + text[1:]
    return text


async def _directory(tx: TenantScope) -> dict[str, Any]:
    """The names the page shows and the choices its forms offer, from one transaction."""
    people = await employees_repo.list_employees(tx.conn, tx.tenant.id)
    groups = await list_groups(tx.conn, tx.tenant.id)
    numbers = await numbers_repo.list_numbers(tx.conn, tx.tenant.id)
    lines = [
        (terminal.id, terminal.sip_login, person.full_name)
        for person in people
        for terminal in person.terminals
        if terminal.sip_login is not None
    ]
    return {"people": people, "groups": groups, "numbers": numbers, "lines": lines}


class OutboundPages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def outbound(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            found = await _directory(tx)
            rules = await outbound.list_rules(tx.conn, tx.tenant.id)
            bans = await outbound.list_bans(tx.conn, tx.tenant.id)
        names: dict[tuple[str, uuid.UUID | None], str] = {("tenant", None): ""}
        names |= {("group", g.id): g.name for g in found["groups"]}
        names |= {("employee", p.id): p.full_name for p in found["people"]}
        names |= {("line", line_id): f"{login} ({who})" for line_id, login, who in found["lines"]}
        numbers = {n.id: n.e164 for n in found["numbers"]}
        # Listed in the order the PBX weighs them: the most specific rule first.
        rule_rows = sorted(
            (
                {"id": r.id, "scope": r.scope, "whom": names.get((r.scope, r.scope_id), "—"), "prefix": r.prefix,
                 "number": numbers.get(r.number_id, "—"), "order": (SPECIFICITY[r.scope], -len(r.prefix))}
                for r in rules
            ),
            key=lambda row: (row["order"], row["whom"], row["prefix"]),
        )  # fmt: skip
        ban_rows = [{"id": b.id, "line": names.get(("line", b.terminal_id), "—"), "prefix": b.prefix} for b in bans]
        choices = {
            "number_choices": [(str(n.id), f"{n.e164} {n.name}".strip()) for n in found["numbers"]],
            "line_choices": [(str(i), f"{login} ({who})") for i, login, who in found["lines"]],
        }
        return await page(
            request, "outbound.html", status, rules=rule_rows, bans=ban_rows, **found, **choices,
            **form_context(context),
        )  # fmt: skip

    async def _attempt(self, request: Request[Any, Any, Any], failed: str, default_field: str, work: Any) -> Template:
        """One change in one transaction under the admin rule; on a refusal, the page again
        with the problem beside its input (``failed`` names the form) and nothing saved."""
        me = require(request, ADMIN)
        form = await form_fields(request)
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                notice = await work(tx, form)
        except VatsError as exc:
            lang = await my_language(request)
            return await self._page(request, REFUSED, **refusal(lang, exc, default_field, form, failed, _INPUT_OF))
        return await self._page(request, notice=notice)

    @post("/rules")
    async def add_rule(self, request: Request[Any, Any, Any]) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> str:
            scope, scope_id = scope_target(form)
            number_id = picked_id(form, "number_id", "choose a number")
            rule = CallerIdRuleIn(scope=scope, scope_id=scope_id, prefix=prefix_of(form), number_id=number_id)
            await outbound.add_rule(tx.conn, tx.tenant.id, rule)
            return "outbound_rule_saved"

        return await self._attempt(request, "rule", "target", work)

    @post("/rules/{rule_id:uuid}/delete")
    async def delete_rule(self, request: Request[Any, Any, Any], rule_id: FromPath[uuid.UUID]) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> str:
            await outbound.delete_rule(tx.conn, tx.tenant.id, rule_id)
            return "outbound_rule_deleted"

        return await self._attempt(request, "rules", "rules", work)

    @post("/bans")
    async def add_ban(self, request: Request[Any, Any, Any]) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> str:
            line = picked_id(form, "line", "choose a SIP line")
            await outbound.add_ban(tx.conn, tx.tenant.id, BanIn(terminal_id=line, prefix=prefix_of(form)))
            return "outbound_ban_saved"

        return await self._attempt(request, "ban", "prefix", work)

    @post("/bans/{ban_id:uuid}/delete")
    async def delete_ban(self, request: Request[Any, Any, Any], ban_id: FromPath[uuid.UUID]) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> str:
            await outbound.delete_ban(tx.conn, tx.tenant.id, ban_id)
            return "outbound_ban_deleted"

        return await self._attempt(request, "bans", "bans", work)


TEXTS_RU = {
    "outbound_title": "Исходящие звонки",
    "outbound_menu": "Исходящие",
    "outbound_rules": "Номер, который видит собеседник",
    "outbound_rules_hint": (
        "Для внешнего звонка АТС берёт самое точное правило: линии, затем сотрудника, затем группы, затем "
        "всей АТС; среди равных — с более длинным префиксом. Без правила звонок идёт с номером по умолчанию."
    ),
    "outbound_no_rules": "Правил пока нет: звонки идут с номером по умолчанию.",
    "outbound_add_rule": "Добавить правило",
    "outbound_whom": "Для кого",
    "outbound_scope": "Уровень",
    "outbound_prefix": "Куда звонят (префикс)",
    "outbound_prefix_hint": "пусто — на любые номера",
    "outbound_any_destination": "любые номера",
    "outbound_number": "Показывать номер",
    "outbound_whole_pbx": "Вся АТС",
    "outbound_scope_tenant": "Вся АТС",
    "outbound_everyone": "все сотрудники",
    "outbound_scope_group": "Группа",
    "outbound_scope_employee": "Сотрудник",
    "outbound_scope_line": "SIP-линия",
    "outbound_no_numbers": "У АТС пока нет номеров: правилу нечего показывать.",
    "outbound_bans": "Запреты",
    "outbound_bans_hint": (
        "Запрет не даёт SIP-линии звонить на номера, начинающиеся с префикса; «+» запрещает все внешние звонки."
    ),
    "outbound_no_bans": "Запретов нет.",
    "outbound_add_ban": "Добавить запрет",
    "outbound_line": "SIP-линия",
    "outbound_ban_prefix": "Запретить номера, начинающиеся с",
    "outbound_no_lines": "SIP-линий нет: запрещать некому.",
    "outbound_delete": "Удалить",
    "outbound_delete_rule": "Удалить правило: {whom}, {prefix}",
    "outbound_delete_ban": "Удалить запрет: {line}, {prefix}",
    "outbound_rule_saved": "Правило сохранено.",
    "outbound_rule_deleted": "Правило удалено.",
    "outbound_ban_saved": "Запрет добавлен.",
    "outbound_ban_deleted": "Запрет снят.",
    "err:choose whom the rule is for": "Выберите, для кого правило.",
    "err:choose a number": "Выберите номер.",
    "err:choose a SIP line": "Выберите SIP-линию.",
    "err:a prefix is + and digits, e.g. +7495": "Префикс — «+» и цифры, например +7495.",
    "err:a prefix is + and digits; + alone bans every outside call": (
        "Префикс — «+» и цифры; один «+» запрещает все внешние звонки."
    ),
    "err:a tenant-wide rule names no scope_id": "Правило для всей АТС не называет группу, сотрудника или линию.",
    "err:no such line": "Такой SIP-линии нет.",
    "err:no such SIP line": "Такой SIP-линии нет.",
    "err:no such number in this PBX": "Такого номера в АТС нет.",
    "err:no such caller-ID rule": "Такого правила уже нет.",
    "err:no such ban": "Такого запрета уже нет.",
}
TEXTS_EN = {
    "outbound_title": "Outbound calls",
    "outbound_menu": "Outbound",
    "outbound_rules": "The number the other side sees",
    "outbound_rules_hint": (
        "For an outside call the PBX takes the most specific rule: the line's, then the employee's, then the "
        "group's, then the whole PBX's; among equals, the longer prefix. Without a rule the default number is shown."
    ),
    "outbound_no_rules": "No rules yet: calls show the default number.",
    "outbound_add_rule": "Add a rule",
    "outbound_whom": "For whom",
    "outbound_scope": "Level",
    "outbound_prefix": "Dialled prefix",
    "outbound_prefix_hint": "empty: any number",
    "outbound_any_destination": "any number",
    "outbound_number": "Show the number",
    "outbound_whole_pbx": "The whole PBX",
    "outbound_scope_tenant": "The whole PBX",
    "outbound_everyone": "everyone",
    "outbound_scope_group": "Group",
    "outbound_scope_employee": "Employee",
    "outbound_scope_line": "SIP line",
    "outbound_no_numbers": "The PBX has no numbers yet: a rule has nothing to show.",
    "outbound_bans": "Bans",
    "outbound_bans_hint": (
        "A ban stops a SIP line calling numbers that start with the prefix; “+” bans every outside call."
    ),
    "outbound_no_bans": "No bans.",
    "outbound_add_ban": "Add a ban",
    "outbound_line": "SIP line",
    "outbound_ban_prefix": "Ban numbers starting with",
    "outbound_no_lines": "No SIP lines: nothing to ban.",
    "outbound_delete": "Delete",
    "outbound_delete_rule": "Delete the rule: {whom}, {prefix}",
    "outbound_delete_ban": "Delete the ban: {line}, {prefix}",
    "outbound_rule_saved": "Rule saved.",
    "outbound_rule_deleted": "Rule deleted.",
    "outbound_ban_saved": "Ban added.",
    "outbound_ban_deleted": "Ban lifted.",
}


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[OutboundPages],
        nav=[
            NavEntry(
                href=PAGE, label_ru=TEXTS_RU["outbound_menu"], label_en=TEXTS_EN["outbound_menu"],
                roles=ADMIN, section="settings", order=160,
            )
        ],
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )  # fmt: skip
