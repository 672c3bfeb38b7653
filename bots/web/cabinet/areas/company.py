"""Settings → PBX (admin): time zone, call recording, what each role may see ("Система прав":
history scope, downloading history, listening to recordings) and the plugins switched on for
this PBX. The same services and rules as PATCH /api/tenant/settings and PUT
/api/tenant/plugins/{name}."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Template
from vats.bots.web.cabinet.kit import ADMIN, CabinetPages, NavEntry, form_fields, language, page, problem_text, require
from vats.bots.web.kit import kernel_of, tenant_transaction
from vats.core.directory.models import RoleSettings, RolesSettings
from vats.core.errors import ValidationError, VatsError
from vats.core.features import RECORDING, may_use
from vats.core.media.library import list_media
from vats.core.plugins import PluginAbout

PAGE = "/cabinet/settings/pbx"
SCOPED_ROLES = ("head", "user", "restricted")  # admins always see everything
SCOPES = ("own", "department", "company")
MAX_RETENTION_DAYS = 3650  # as TenantSettings.retention_days allows


def roles_from_form(form: dict[str, str]) -> RolesSettings:
    roles: dict[str, RoleSettings] = {}
    for role in SCOPED_ROLES:
        # restricted users see only their own external calls (seed 003): no scope to choose
        scope = "own" if role == "restricted" else form.get(f"{role}-scope", "")
        if scope not in SCOPES:
            raise ValidationError(f"choose one of {', '.join(SCOPES)}", field=f"{role}-scope")
        roles[role] = RoleSettings(
            history_scope=scope,  # type: ignore[arg-type]
            may_download_history=form.get(f"{role}-download") == "on",
            may_play_recordings=form.get(f"{role}-play") == "on",
        )
    return RolesSettings(**roles)


def retention_from_form(form: dict[str, str]) -> int | None:
    """Days recordings are kept; empty: the operator's default."""
    text = form.get("retention_days", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_DAYS:
        raise ValidationError(f"a number of days from 1 to {MAX_RETENTION_DAYS}", field="retention_days")
    return int(text)



def _about(about: PluginAbout | None, name: str, lang: str) -> dict[str, str]:
    """A plugin's title and line in the page's language; without ``vats_about``, its name."""
    if about is None:
        return {"title": name, "description": ""}
    if lang == "en":
        return {"title": about.title_en or about.title, "description": about.description_en or about.description}
    return {"title": about.title, "description": about.description}

class CompanyPages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def settings(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:
            tenant = tx.tenant
            disabled = await kernel.plugins.disabled_for(tx.conn, tenant.id)
            chains = await list_media(tx.conn, tenant.id)
            # the tariff may not include recording (tenant_may_use): the page says why nothing is recorded
            recording_refused = not await may_use(kernel.plugins, tenant.id, RECORDING, tx.conn)
        warnings = [("", "")] + [(str(m.id), m.name) for m in chains]  # "": the standard warning
        plugins = [
            {"name": n, "enabled": n not in disabled, "switchable": kernel.plugins.switchable(n),
             **_about(kernel.plugins.about(n), n, language(request))}
            for n in kernel.plugins.names()
            if not n.startswith("vats.")  # the kernel's own helpers (ring memory) are not plugins to switch
        ]  # fmt: skip
        context.setdefault("errors", {})
        context.setdefault("notice", "")
        return await page(
            request, "company.html", status, tenant=tenant, roles=SCOPED_ROLES, scopes=SCOPES, plugins=plugins,
            warnings=warnings, default_retention=kernel.config.retention_days, recording_refused=recording_refused,
            **context,
        )  # fmt: skip

    @post("/")
    async def save(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        form = await form_fields(request)
        kernel = kernel_of(request)
        try:
            async with tenant_transaction(kernel, me) as tx:
                current = tx.tenant.settings
            settings = msgspec.structs.replace(
                current,
                recording_enabled=form.get("recording_enabled") == "on",
                recording_default=form.get("recording_default") == "on",
                recording_warning_media=form.get("recording_warning_media") or None,
                retention_days=retention_from_form(form),
                roles=roles_from_form(form),
            )
            await kernel.directory.update_tenant(
                me.tenant_id, time_zone=form.get("time_zone", "").strip() or None, settings=settings
            )
        except VatsError as exc:
            errors = {exc.field or "time_zone": problem_text(lang, exc.message)}
            return await self._page(request, 422, errors=errors)
        return await self._page(request, notice=TEXTS_EN["pbx_saved"] if lang == "en" else TEXTS_RU["pbx_saved"])

    @post("/plugins")
    async def switch_plugin(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        kernel = kernel_of(request)
        name = form.get("plugin", "")
        try:
            if name not in kernel.plugins.names():
                raise ValidationError("no such plugin", field="plugin")
            async with tenant_transaction(kernel, me) as tx:
                await kernel.plugins.set_enabled(tx.conn, tx.tenant.id, name, form.get("enabled") == "1")
        except VatsError as exc:
            return await self._page(request, 422, errors={"plugin": problem_text(language(request), exc.message)})
        return await self._page(request)


TEXTS_RU = {
    "pbx_title": "АТС",
    "pbx_time_zone": "Часовой пояс",
    "pbx_recording": "Запись разговоров",
    "pbx_recording_enabled": "Услуга записи подключена",
    "pbx_recording_refused": "Ваш тариф не включает запись разговоров: звонки не записываются. Подключите"
    " опцию «Запись разговоров» у оператора или перейдите на тариф, где она есть (Мои финансы → Сменить тариф).",
    "pbx_recording_default": "Записывать звонки, если не настроено иначе",
    "pbx_warning_media": "Предупреждение о записи по умолчанию",
    "pbx_warning_standard": "Стандартное",
    "pbx_retention": "Срок хранения записей и голосовых сообщений, дней",
    "pbx_retention_hint": "Пусто — по умолчанию оператора: {days}. Потом файлы удаляются.",
    "err:a number of days from 1 to 3650": "Число дней от 1 до 3650.",
    "pbx_rights": "Система прав",
    "pbx_rights_hint": "Администраторы видят всё; остальные — по этим правилам.",
    "pbx_history_scope": "История звонков",
    "pbx_scope_own": "Только свои звонки",
    "pbx_scope_department": "Звонки своего отдела",
    "pbx_scope_company": "Все звонки компании",
    "pbx_may_download": "Может выгружать историю",
    "pbx_may_play": "Может слушать записи",
    "pbx_restricted_scope": "Только свои внешние звонки",
    "pbx_no_internal": "Внутренние звонки пользователям не показываются.",
    "pbx_saved": "Настройки сохранены.",
    "pbx_plugins": "Модули",
    "pbx_plugin_on": "Включён",
    "pbx_plugin_off": "Выключен",
    "pbx_switch_on": "Включить",
    "pbx_switch_off": "Выключить",
    "pbx_plugin_fixed": "всегда включён",
    "err:no such plugin": "Такого модуля нет.",
}
TEXTS_EN = {
    "pbx_title": "PBX",
    "pbx_time_zone": "Time zone",
    "pbx_recording": "Call recording",
    "pbx_recording_enabled": "The recording service is on",
    "pbx_recording_refused": "Your tariff does not include call recording: calls are not recorded. Ask the"
    ' operator for the "Call recording" option or move to a tariff that has it (My finances → Change tariff).',
    "pbx_recording_default": "Record calls unless set otherwise",
    "pbx_warning_media": "Default recording warning",
    "pbx_warning_standard": "Standard",
    "pbx_retention": "Keep recordings and voicemail for, days",
    "pbx_retention_hint": "Empty: the operator's default, {days}. Then the files are deleted.",
    "pbx_rights": "Rights",
    "pbx_rights_hint": "Admins see everything; the others by these rules.",
    "pbx_history_scope": "Call history",
    "pbx_scope_own": "Own calls only",
    "pbx_scope_department": "Their department's calls",
    "pbx_scope_company": "All the company's calls",
    "pbx_may_download": "May export the history",
    "pbx_may_play": "May listen to recordings",
    "pbx_restricted_scope": "Own external calls only",
    "pbx_no_internal": "Users are not shown internal calls.",
    "pbx_saved": "Settings saved.",
    "pbx_plugins": "Plugins",
    "pbx_plugin_on": "On",
    "pbx_plugin_off": "Off",
    "pbx_switch_on": "Switch on",
    "pbx_switch_off": "Switch off",
    "pbx_plugin_fixed": "always on",
}


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[CompanyPages],
        nav=[NavEntry(href=PAGE, label_ru="АТС", label_en="PBX", roles=ADMIN, section="settings", order=400)],
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
