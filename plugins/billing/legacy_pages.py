"""The operator portal's page Старые тарифы (/operator/billing/legacy): which legacy tariff and
target tariff each old cabinet's tariff code gives a migrated PBX (``legacy.py``), a warning
for PBXs that migrated with a code nobody mapped, and the PBXs on legacy terms with the day
each moves on. Every change is audited with the signed-in operator, like the API's.

Also the tenant's side: ``context`` gives billing's finances and tariff pages what they show
while the PBX is on a legacy tariff (``templates/billing/_legacy.html``)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from vats.bots.web.cabinet.kit import CabinetPages, NavEntry, form_fields, kernel_of
from vats.bots.web.cabinet.operator.kit import actor, language, message, page, record
from vats.bots.web.cabinet.texts import Lang
from vats.core.db.database import Connection
from vats.core.errors import VatsError
from vats.plugins.billing import catalogue, legacy

PAGE = "/operator/billing/legacy"

_RU = {
    "no such tariff": "Такого тарифа нет.",
    "the target tariff must differ from the legacy one": "Целевой тариф должен отличаться от старого.",
    "the target is a legacy tariff: choose one that is sold": "Целевой тариф — старый: выберите продаваемый.",
    "no mapping for this old tariff code": "Для этого кода соответствия нет.",
    f"an old tariff code is 1 to {legacy.MAX_CODE} printable characters": f"Код — от 1 до {legacy.MAX_CODE} знаков.",
}


def _day(value: Any) -> str:
    return f"{value:%d.%m.%Y}"


class LegacyTariffsPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        done = next((k for k in ("saved", "removed") if request.query_params.get(k)), "")
        return await self._show(request, done=done)

    async def _show(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        async with kernel_of(request).db.system() as conn:
            maps = await legacy.mappings(conn)
            tariffs = await catalogue.tariffs(conn)
            terms = await legacy.all_terms(conn)
        mapped = {m.old_code for m in maps}
        unmapped = [t for t in terms if t.legacy_tariff is None and t.old_code not in mapped]
        current = [t for t in terms if t.legacy_tariff is not None and t.switched_at is None]
        context.setdefault("errors", {})
        context.setdefault("values", {})
        context.setdefault("done", "")
        return page(
            request, "billing/operator_legacy.html", status, mappings=maps, tariffs=tariffs,
            unmapped=[{"tenant_id": str(t.tenant_id), "tenant": t.tenant, "old_code": t.old_code,
                       "completed": _day(t.completed_at)} for t in unmapped],
            current=[{"tenant_id": str(t.tenant_id), "tenant": t.tenant, "old_code": t.old_code,
                      "legacy": t.legacy_tariff, "target": t.target_tariff, "until": _day(t.until),
                      "switch_on": _day(t.switch_on)} for t in current],
            **context,
        )  # fmt: skip

    async def _refused(self, request: Request[Any, Any, Any], exc: VatsError, form: dict[str, str]) -> Template:
        lang = language(request)
        text = _RU.get(exc.message, "") if lang == "ru" else ""
        return await self._show(request, 422, errors={exc.field or "old_code": text or message(lang, exc.message)},
                          values=form)  # fmt: skip

    @post("/")
    async def save(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        form = await form_fields(request)
        kernel = kernel_of(request)
        try:
            async with kernel.db.system() as conn:
                saved, applied = await legacy.save_mapping(
                    conn, kernel, form.get("old_code", ""), form.get("legacy_tariff", ""),
                    form.get("target_tariff", ""),
                )  # fmt: skip
                await _audit(conn, request, "legacy_tariff_mapped", old_code=saved.old_code,
                             legacy_tariff=saved.legacy_tariff, target_tariff=saved.target_tariff,
                             applied=applied)  # fmt: skip
        except VatsError as exc:
            return await self._refused(request, exc, form)
        return Redirect(f"{PAGE}?saved=1", status_code=303)

    @post("/remove")
    async def remove(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        form = await form_fields(request)
        try:
            async with kernel_of(request).db.system() as conn:
                gone = await legacy.remove_mapping(conn, form.get("old_code", ""))
                await _audit(conn, request, "legacy_tariff_unmapped", old_code=gone.old_code,
                             legacy_tariff=gone.legacy_tariff, target_tariff=gone.target_tariff)  # fmt: skip
        except VatsError as exc:
            return await self._refused(request, exc, {})
        return Redirect(f"{PAGE}?removed=1", status_code=303)


async def unmapped_warning(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """The portal's Сводка: how many migrated PBXs wait for their old code to be mapped (None,
    hiding the block, when none do)."""
    async with kernel_of(request).db.system() as conn:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM billing_legacy_terms g WHERE g.legacy_tariff_id IS NULL AND g.switched_at IS NULL"
            " AND NOT EXISTS (SELECT FROM billing_legacy_tariffs m WHERE m.old_code = g.old_code)"
        )
    return {"count": int(waiting), "page": PAGE} if waiting else None


async def _audit(conn: Connection, request: Request[Any, Any, Any], action: str, **detail: Any) -> None:
    """As the API's operator billing routes record it (``billing_<action>``)."""
    await record(conn, actor(request), f"billing_{action}", detail=msgspec.to_builtins(detail))


async def context(conn: Connection, tenant_id: uuid.UUID, lang: Lang) -> dict[str, str] | None:
    """What the tenant's finances and tariff pages say while the PBX is on a legacy tariff."""
    from vats.plugins.billing.cabinet import money  # the finances page (cabinet.py) imports this module

    terms = await legacy.shown(conn, tenant_id)
    if terms is None:
        return None
    return {"name": terms.name, "until": _day(terms.until), "target": terms.target_name,
            "fee": money(terms.target_fee_kop, lang)}  # fmt: skip


OPERATOR_RU = {
    "billing_legacy_title": "Старые тарифы",
    "billing_legacy_intro": (
        "Клиент, перенесённый из старого кабинета, 30 календарных дней со дня завершения переноса"
        " обслуживается на условиях старого тарифа, затем переходит на целевой. За 10 дней до перехода"
        " администраторы получают уведомление."
    ),
    "billing_legacy_saved": "Соответствие сохранено.",
    "billing_legacy_removed": "Соответствие удалено.",
    "billing_legacy_unmapped": "Старые тарифы без соответствия",
    "billing_legacy_unmapped_hint": (
        "Эти клиенты перенесены со старым тарифом, для которого нет соответствия: им назначен тариф"
        " по умолчанию. Сопоставьте код, и они получат условия старого тарифа до конца своих 30 дней."
    ),
    "billing_legacy_code": "Код старого тарифа",
    "billing_legacy_tariff": "Тариф со старыми условиями",
    "billing_legacy_target": "Целевой тариф",
    "billing_legacy_map": "Сохранить соответствие",
    "billing_legacy_mappings": "Соответствия",
    "billing_legacy_none": "Соответствий пока нет.",
    "billing_legacy_remove": "Удалить",
    "billing_legacy_completed": "перенос завершён",
    "billing_legacy_current": "Клиенты на старых условиях",
    "billing_legacy_until": "Старые условия до",
    "billing_legacy_switch_on": "Переход",
    "billing_legacy_no_current": "Сейчас никто не обслуживается по старым условиям.",
    "billing_legacy_widget": "Перенесённых клиентов, чей старый тариф не сопоставлен: {n}.",
}
OPERATOR_EN = {
    "billing_legacy_title": "Old tariffs",
    "billing_legacy_intro": (
        "A PBX migrated from the old cabinet keeps its old tariff's terms for 30 calendar days from the"
        " migration's completion, then moves to the target tariff. Its admins are told 10 days before."
    ),
    "billing_legacy_saved": "Mapping saved.",
    "billing_legacy_removed": "Mapping removed.",
    "billing_legacy_unmapped": "Old tariffs without a mapping",
    "billing_legacy_unmapped_hint": (
        "These PBXs migrated with an old tariff nobody mapped: they got the default tariff. Map the"
        " code and they get the old terms for the rest of their 30 days."
    ),
    "billing_legacy_code": "Old tariff code",
    "billing_legacy_tariff": "Tariff with the old terms",
    "billing_legacy_target": "Target tariff",
    "billing_legacy_map": "Save the mapping",
    "billing_legacy_mappings": "Mappings",
    "billing_legacy_none": "No mappings yet.",
    "billing_legacy_remove": "Remove",
    "billing_legacy_completed": "migration completed",
    "billing_legacy_current": "PBXs on old terms",
    "billing_legacy_until": "Old terms until",
    "billing_legacy_switch_on": "Moves on",
    "billing_legacy_no_current": "No PBX is on old terms now.",
    "billing_legacy_widget": "Migrated PBXs whose old tariff is not mapped: {n}.",
}
TENANT_RU = {
    "billing_legacy_notice": (
        "Вы обслуживаетесь по условиям прежнего тарифа «{name}» до {until} включительно. Затем АТС перейдёт"
        " на тариф «{target}» ({fee} в месяц)."
    ),
}
TENANT_EN = {
    "billing_legacy_notice": (
        "Your PBX keeps the terms of its former tariff “{name}” until {until} inclusive. Then it moves to"
        " the tariff “{target}” ({fee} a month)."
    ),
}


def legacy_pages() -> list[CabinetPages]:
    return [
        CabinetPages(
            handlers=[LegacyTariffsPage],
            nav=[NavEntry(href=PAGE, label_ru="Старые тарифы", label_en="Old tariffs", section="operator",
                          order=455)],
            texts_ru=OPERATOR_RU, texts_en=OPERATOR_EN, area="operator",
        ),
        CabinetPages(handlers=[], texts_ru=TENANT_RU, texts_en=TENANT_EN),
    ]  # fmt: skip
