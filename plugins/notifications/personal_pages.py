"""Pages for the personal mobile (seed 003): Профиль → Личный мобильный (set the number,
confirm it with the SMS code, remove it) and the public "recover the password by SMS" pages the
"forgot password" page offers (``personal.py`` has the rules)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    EVERYONE,
    PUBLIC,
    NavEntry,
    form_fields,
    kernel_of,
    language,
    page,
    problem_text,
    public_page,
    require,
    tenant_transaction,
)
from vats.core.accounts.service import RateLimitedError
from vats.core.errors import VatsError
from vats.plugins.notifications import personal
from vats.plugins.notifications.recipients import Sent, send_now

MOBILE_PAGE = "/cabinet/me/mobile"
RECOVERY_PAGE = "/signin/forgot/sms"
MAX_FIELD = 254


class PersonalMobilePage(Controller):
    path = MOBILE_PAGE
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, EVERYONE)
        async with tenant_transaction(kernel_of(request), me) as tx:
            mobile = await personal.get(tx.conn, tx.tenant.id, me.employee_id)
        context.setdefault("errors", {})
        context.setdefault("notice", "")
        context.setdefault("form", {})
        return await page(request, "notifications/mobile.html", status, mobile=mobile, base=MOBILE_PAGE, **context)

    def _error(self, request: Request[Any, Any, Any], exc: VatsError, default: str) -> dict[str, str]:
        field = exc.field if exc.field in ("personal_mobile", "code") else default
        return {field: problem_text(language(request), exc.message)}

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    @post("/")
    async def set_number(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, EVERYONE)
        form = await form_fields(request)
        kernel = kernel_of(request)
        try:
            async with tenant_transaction(kernel, me) as tx:
                number = form.get("personal_mobile", "")
                sms_id = await personal.set_number(tx.conn, tx.tenant.id, me.employee_id, number)
        except VatsError as exc:
            status = exc.status if 400 <= exc.status < 500 else 422
            return await self._page(request, status, errors=self._error(request, exc, "personal_mobile"), form=form)
        await send_now(kernel, Sent(sms=[sms_id]))
        return await self._page(request, notice="sent")

    @post("/confirm")
    async def confirm(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, EVERYONE)
        form = await form_fields(request)
        wrong: personal.WrongCode | None = None
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                try:
                    await personal.confirm(tx.conn, tx.tenant.id, me.employee_id, form.get("code", ""))
                except personal.WrongCode as exc:
                    wrong = exc  # the try is counted: commit, then answer
            if wrong is not None:
                raise wrong
        except VatsError as exc:
            return await self._page(request, 422, errors=self._error(request, exc, "code"))
        return await self._page(request, notice="confirmed")

    @post("/delete")
    async def remove(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, EVERYONE)
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                await personal.remove(tx.conn, tx.tenant.id, me.employee_id)
        except VatsError as exc:
            return await self._page(request, 422, errors=self._error(request, exc, "personal_mobile"))
        return await self._page(request, notice="removed")


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class RecoveryPages(Controller):
    """Public: the visitor is nobody yet. Both answers are the same whether the account exists."""

    path = RECOVERY_PAGE
    include_in_schema = False
    opt = {PUBLIC: True}

    @get("/")
    async def ask(self, request: Request[Any, Any, Any]) -> Template:
        kernel = kernel_of(request)
        # No SMS gateway at all (the operator's setting, the same for everyone): say so, not "sent".
        if await kernel.plugins.first("sms_provider", kernel=kernel) is None:
            return public_page(request, "notifications/recover.html", step="unavailable", email="", errors={})
        return public_page(request, "notifications/recover.html", step="ask", email="", errors={})

    def _limited(self, request: Request[Any, Any, Any], exc: RateLimitedError, step: str, email: str) -> Template:
        minutes = max(1, (exc.retry_after + 59) // 60)
        text = problem_text(language(request), "too many attempts from this address; try again later")
        return public_page(
            request, "notifications/recover.html", 429, step=step, email=email,
            errors={"form": text.format(minutes=minutes)},
        )  # fmt: skip

    @post("/")
    async def send(self, request: Request[Any, Any, Any]) -> Template:
        form = await form_fields(request)
        email = form.get("email", "")[:MAX_FIELD]
        kernel = kernel_of(request)
        try:
            sms = await personal.request_code(kernel, email, _client(request))
        except RateLimitedError as exc:
            return self._limited(request, exc, "ask", email)
        await send_now(kernel, Sent(sms=sms))
        return public_page(request, "notifications/recover.html", step="code", email=email, errors={})

    @post("/reset")
    async def reset(self, request: Request[Any, Any, Any]) -> Template:
        form = await form_fields(request)
        email = form.get("email", "")[:MAX_FIELD]
        try:
            await personal.reset_password(
                kernel_of(request), email, form.get("code", "")[:20], form.get("password", "")[:MAX_FIELD],
                _client(request),
            )  # fmt: skip
        except RateLimitedError as exc:
            return self._limited(request, exc, "code", email)
        except VatsError as exc:
            field = "password" if exc.field in ("password", "new_password") else "code"
            errors = {field: problem_text(language(request), exc.message)}
            return public_page(request, "notifications/recover.html", 422, step="code", email=email, errors=errors)
        return public_page(request, "notifications/recover.html", step="done", email="", errors={})


NAV = NavEntry(
    href=MOBILE_PAGE, label_ru="Личный мобильный", label_en="Personal mobile", roles=EVERYONE, section="me", order=800
)
RECOVERY = NavEntry(href=RECOVERY_PAGE + "/", label_ru="Восстановить по SMS на личный мобильный",
                    label_en="Recover by SMS to my personal mobile")  # fmt: skip

TEXTS_RU = {
    "mobile_title": "Личный мобильный",
    "mobile_hint": "По этому номеру можно восстановить пароль: на него придёт SMS с кодом."
    " Номер работает после подтверждения кодом. Коллеги его не видят.",
    "mobile_number": "Номер мобильного",
    "mobile_save": "Отправить код",
    "mobile_change": "Сменить номер",
    "mobile_code": "Код из SMS",
    "mobile_confirm": "Подтвердить",
    "mobile_remove": "Удалить номер",
    "mobile_verified": "подтверждён",
    "mobile_waiting": "ждёт подтверждения кодом",
    "mobile_none": "Номер не указан.",
    "mobile_sent": "Код отправлен в SMS: введите его ниже (действует 10 минут).",
    "mobile_confirmed": "Номер подтверждён: по нему можно восстановить пароль.",
    "mobile_removed": "Номер удалён.",
    "recover_title": "Восстановление пароля по SMS",
    "recover_ask": "Укажите e-mail, с которым входите. Если к учётной записи привязан подтверждённый личный"
    " мобильный, на него придёт SMS с кодом.",
    "recover_send": "Получить код",
    "recover_sent": "Если к этой учётной записи привязан подтверждённый личный мобильный, на него отправлен SMS"
    " с кодом. Код действует 10 минут.",
    "recover_code": "Код из SMS",
    "recover_save": "Сменить пароль",
    "recover_done": "Пароль изменён. Войдите с новым паролем.",
    "recover_again": "Получить новый код",
    "recover_sign_in": "Войти",
    "recover_unavailable": "Восстановление по SMS сейчас недоступно. Восстановите пароль по e-mail.",
    "recover_by_email": "Восстановить по e-mail",
    "err:the code is wrong or has expired": "Неверный или просроченный код",
    "err:too many attempts from this address; try again later": (
        "Слишком много попыток с этого адреса; попробуйте через {minutes} мин."
    ),
    "err:no code is waiting for this number": "Сначала укажите номер: код придёт на него",
    "err:no personal mobile is set": "Номер не указан",
}
TEXTS_EN = {
    "mobile_title": "Personal mobile",
    "mobile_hint": "This number can recover your password: an SMS with a code comes to it."
    " It works once confirmed with a code. Colleagues do not see it.",
    "mobile_number": "Mobile number",
    "mobile_save": "Send a code",
    "mobile_change": "Change the number",
    "mobile_code": "Code from the SMS",
    "mobile_confirm": "Confirm",
    "mobile_remove": "Remove the number",
    "mobile_verified": "confirmed",
    "mobile_waiting": "waiting for the code",
    "mobile_none": "No number given.",
    "mobile_sent": "A code was sent by SMS: enter it below (it works for 10 minutes).",
    "mobile_confirmed": "The number is confirmed: it can recover your password.",
    "mobile_removed": "The number was removed.",
    "recover_title": "Recover the password by SMS",
    "recover_ask": "Give the e-mail you sign in with. If the account has a confirmed personal mobile,"
    " an SMS with a code comes to it.",
    "recover_send": "Get a code",
    "recover_sent": "If this account has a confirmed personal mobile, an SMS with a code was sent to it."
    " The code works for 10 minutes.",
    "recover_code": "Code from the SMS",
    "recover_save": "Change the password",
    "recover_done": "The password is changed. Sign in with the new one.",
    "recover_again": "Get a new code",
    "recover_sign_in": "Sign in",
    "recover_unavailable": "Recovery by SMS is not available now. Recover the password by e-mail.",
    "recover_by_email": "Recover by e-mail",
}
