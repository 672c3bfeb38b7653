"""Профиль (Me): my details, the cabinet's language, my SIP lines (credentials, a new password, a
provisioning QR), my password, and Telegram (deep link and QR code), the section the bot sends
people to ("Профиль → Telegram"). Every role has it; each form calls the service the matching
/api/me route calls."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.telegram import links
from vats.bots.web.cabinet import forms
from vats.bots.web.cabinet.pages import LANG_COOKIE, forget_shell, my_language, page
from vats.bots.web.cabinet.people_texts import say
from vats.bots.web.cabinet.provisioning import provisioning_offer, qr_svg
from vats.bots.web.cabinet.session import redirect
from vats.bots.web.cabinet.texts import LANGS, texts
from vats.bots.web.deps import caller
from vats.bots.web.kit import TenantScope, kernel_of, tenant_transaction
from vats.core.directory import employees as repo
from vats.core.directory.models import EmployeeUpdate
from vats.core.errors import NotFoundError, VatsError

if TYPE_CHECKING:  # importing the bot imports aiogram (seconds); the cabinet only reads its deep link
    from vats.bots.telegram.service import TelegramBot

RING_MODES = ("parallel", "sequential")
LANG_COOKIE_AGE = 365 * 24 * 3600


class MeController(Controller):
    path = "/cabinet/me"
    include_in_schema = False

    @get("/")
    async def me(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = caller(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            employee = await repo.get_employee(tx.conn, tx.tenant.id, me.employee_id)
            lines = await repo.sip_secrets(tx.conn, tx.tenant.id, me.employee_id)
            mine, _ = await repo.languages(tx.conn, tx.tenant.id, me.employee_id)
            telegram = await links.state(tx.conn, tx.tenant.id, me.employee_id)
            time_zone = employee.time_zone or tx.tenant.time_zone
        lang = await my_language(request)
        for key in ("errors", "values"):
            context.setdefault(key, {})
        for key in ("notice", "failed"):
            context.setdefault(key, "")
        context.setdefault("offer", None)
        context.setdefault("telegram_offer", None)
        choices = {
            "ring_modes": [(m, say(lang, f"card_ring_mode_{m}")) for m in RING_MODES],
            "languages": [("", say(lang, "me_language_browser")), ("ru", "Русский"), ("en", "English")],
        }
        return await page(
            request, "me.html", status,
            employee=employee, lines=lines, lines_base="/cabinet/me/terminals", my_language=mine or "",
            telegram=telegram, bot=kernel_of(request).telegram is not None, choices=choices,
            zone=zoneinfo.ZoneInfo(time_zone), **context,
        )  # fmt: skip

    async def _refused(
        self, request: Request[Any, Any, Any], name: str, exc: VatsError, default: str, form: dict[str, str]
    ) -> Template:
        errors = {exc.field or default: say(await my_language(request), exc.message)}
        return await self._page(request, 422, errors=errors, failed=name, values=form)

    @post("/profile")
    async def save_profile(self, request: Request[Any, Any, Any]) -> Template:
        """What PATCH /api/me changes: position, time zone, ring mode."""
        me = caller(request)
        form = await forms.read_form(request)
        try:
            data = EmployeeUpdate(
                position=form.get("position", "").strip()[:200],
                time_zone=form.get("time_zone", "").strip() or None,
                ring_mode=forms.choice(form, "ring_mode", RING_MODES),  # type: ignore[arg-type]
            )
            await kernel_of(request).directory.update_employee(me.tenant_id, me.employee_id, data)
        except VatsError as exc:
            return await self._refused(request, "me", exc, "position", form)
        return await self._page(request, notice=say(await my_language(request), "me_profile_saved"))

    @post("/language")
    async def save_language(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """My language, saved with me (employees.language: every browser, the bot, e-mails); the
        browser's own when I choose none (and this browser's menu choice is forgotten)."""
        me = caller(request)
        lang = (await forms.read_form(request)).get("language", "")
        chosen = lang if lang in LANGS else None
        await kernel_of(request).directory.update_employee(
            me.tenant_id,
            me.employee_id,
            EmployeeUpdate(language=chosen),
        )
        forget_shell(me.tenant_id, me.employee_id)
        # The whole page again (the shell too speaks the new language), this browser's own
        # choice replaced by mine or forgotten.
        cookie = Cookie(key=LANG_COOKIE, value=chosen or "", path="/", samesite="lax",
                        max_age=LANG_COOKIE_AGE if chosen else 0)  # fmt: skip
        return redirect("/cabinet/me", cookies=[cookie])

    @post("/password")
    async def change_password(self, request: Request[Any, Any, Any]) -> Template:
        """POST /api/me/password's service: my other sessions end at once, this one goes on."""
        form = await forms.read_form(request)
        try:
            await kernel_of(request).accounts.change_password(
                caller(request), form.get("current_password", ""), form.get("new_password", "")
            )
        except VatsError as exc:
            lang = await my_language(request)
            errors = {exc.field or "new_password": say(lang, exc.message)}
            return await self._page(request, 422, errors=errors, failed="password")
        return await self._page(request, notice=texts(await my_language(request))["password_changed"])

    # --- my SIP lines -----------------------------------------------------------------------

    async def _own_line(
        self, request: Request[Any, Any, Any], work: Callable[[TenantScope], Awaitable[dict[str, Any]]]
    ) -> Template:
        """A change to one of my own lines (another's line is a 404, as in /api/me)."""
        me = caller(request)
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                result = await work(tx)
        except NotFoundError:
            raise NotFoundError("no such terminal of yours", field="terminal_id") from None
        return await self._page(request, **result)

    @post("/terminals/{terminal_id:uuid}/password")
    async def new_sip_password(self, request: Request[Any, Any, Any], terminal_id: FromPath[uuid.UUID]) -> Template:
        async def work(tx: TenantScope) -> dict[str, Any]:
            await repo.reset_sip_password(tx.conn, tx.tenant.id, tx.me.employee_id, terminal_id)
            return {"notice": say(await my_language(request), "card_saved")}

        return await self._own_line(request, work)

    @post("/terminals/{terminal_id:uuid}/provisioning")
    async def provisioning_qr(self, request: Request[Any, Any, Any], terminal_id: FromPath[uuid.UUID]) -> Template:
        async def work(tx: TenantScope) -> dict[str, Any]:
            return {"offer": await provisioning_offer(request, tx, tx.me.employee_id, terminal_id)}

        return await self._own_line(request, work)

    # --- Telegram ---------------------------------------------------------------------------

    @post("/telegram")
    async def telegram_link(self, request: Request[Any, Any, Any]) -> Template:
        """POST /api/me/telegram-link's work: a one-time code, as a deep link and its QR code."""
        me = caller(request)
        bot = cast("TelegramBot | None", kernel_of(request).telegram)
        lang = await my_language(request)
        if bot is None:
            return await self._page(request, 409, errors={"bot": say(lang, "me_telegram_no_bot")}, failed="telegram")
        async with tenant_transaction(kernel_of(request), me) as tx:
            code = await links.new_code(tx.conn, tx.tenant.id, me.employee_id)
        url = bot.deep_link(code.code)
        offer = {
            "url": url,
            "qr_svg": qr_svg(url, "Telegram") if url else "",
            "command": f"/start {code.code}",
            "expires_at": code.expires_at,
        }
        return await self._page(request, telegram_offer=offer)

    @post("/telegram/unlink")
    async def telegram_unlink(self, request: Request[Any, Any, Any]) -> Template:
        me = caller(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            await links.unlink(tx.conn, tx.tenant.id, me.employee_id)
        return await self._page(request, notice=say(await my_language(request), "me_telegram_unlinked"))
