"""Settings → Уведомления in the cabinet (admins), contributed through ``register_cabinet_pages``:
the PBX's notification recipients with their thresholds and state, a form to add an e-mail
address or a mobile number, "notify me in Telegram", a code box for numbers, resend and remove.
The same rules as the API (``recipients.py``); a problem is shown beside its field."""

from __future__ import annotations

import decimal
import uuid
from pathlib import Path
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    CabinetPages,
    NavEntry,
    form_fields,
    kernel_of,
    language,
    page,
    problem_text,
    require,
    tenant_transaction,
)
from vats.core.errors import ValidationError, VatsError
from vats.plugins.notifications import recipients
from vats.plugins.notifications.recipients import MAX_THRESHOLD_KOP, Kind, RecipientIn, WrongCode
from vats.plugins.notifications.texts import rubles

PAGE = "/cabinet/settings/notifications"
KINDS: dict[str, Kind] = {"email": "email", "sms": "sms", "telegram": "telegram"}


def threshold_kop(text: str) -> int | None:
    """ "500" or "500,50" roubles as kopecks; empty: no threshold."""
    text = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        value = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValidationError("a sum in roubles, such as 500 or 500,50", field="threshold") from None
    kop = value * 100
    if not value.is_finite() or kop != kop.to_integral_value() or kop < 0 or kop > MAX_THRESHOLD_KOP:
        raise ValidationError("a sum in roubles, at least 0, with at most two digits of kopecks", field="threshold")
    return int(kop)


class NotificationsPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            listed = await recipients.listing(tx.conn, tx.tenant.id)
            names = {
                str(r["id"]): r["full_name"]
                for r in await tx.conn.fetch("SELECT id, full_name FROM employees WHERE tenant_id = $1", tx.tenant.id)
            }
        rows = [
            {
                "id": str(r.id),
                "kind": r.kind,
                "verified": r.verified,
                "address": names.get(r.address, "?") if r.kind == "telegram" else r.address,
                "threshold": "" if r.threshold_kop is None else rubles(r.threshold_kop, lang),
            }
            for r in listed
        ]
        context.setdefault("errors", {})
        context.setdefault("notice", "")
        context.setdefault("form", {})
        me_listed = any(r.kind == "telegram" and r.address == str(me.employee_id) for r in listed)
        return await page(
            request, "notifications/recipients.html", status, rows=rows, me_listed=me_listed, base=PAGE, **context
        )

    async def _failed(self, request: Request[Any, Any, Any], exc: VatsError, default: str, **context: Any) -> Template:
        errors = {
            exc.field if exc.field in ("kind", "address", "threshold", "code") else default: problem_text(
                language(request), exc.message
            )
        }
        return await self._page(request, exc.status if 400 <= exc.status < 500 else 422, errors=errors, **context)

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        kernel = kernel_of(request)
        try:
            kind = form.get("kind", "")
            if kind not in KINDS:
                raise ValidationError("choose e-mail or SMS", field="kind")
            address = str(me.employee_id) if kind == "telegram" else form.get("address", "")
            data = RecipientIn(
                kind=KINDS[kind],
                address=address,
                threshold_kop=threshold_kop(form.get("threshold", "")),
                language=language(request),
            )
            async with tenant_transaction(kernel, me) as tx:
                _, sent = await recipients.add(tx.conn, kernel, tx.tenant.id, data)
        except VatsError as exc:
            return await self._failed(request, exc, "address", form=form)
        await recipients.send_now(kernel, sent)
        return await self._page(request, notice=kind)

    @post("/{recipient_id:uuid}/confirm")
    async def confirm(self, request: Request[Any, Any, Any], recipient_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        wrong: WrongCode | None = None
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                try:
                    await recipients.confirm_code(tx.conn, tx.tenant.id, recipient_id, form.get("code", ""))
                except WrongCode as exc:
                    wrong = exc  # the try is counted: commit, then answer
            if wrong is not None:
                raise wrong
        except VatsError as exc:
            return await self._failed(request, exc, "code", code_for=str(recipient_id))
        return await self._page(request, notice="confirmed")

    @post("/{recipient_id:uuid}/resend")
    async def resend(self, request: Request[Any, Any, Any], recipient_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        kernel = kernel_of(request)
        try:
            async with tenant_transaction(kernel, me) as tx:
                recipient = await recipients.get(tx.conn, tx.tenant.id, recipient_id)
                sent = await recipients.send_verification(tx.conn, kernel, tx.tenant.id, recipient)
        except VatsError as exc:
            return await self._failed(request, exc, "code", code_for=str(recipient_id))
        await recipients.send_now(kernel, sent)
        return await self._page(request, notice="resent")

    @post("/{recipient_id:uuid}/delete")
    async def remove(self, request: Request[Any, Any, Any], recipient_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                await recipients.remove(tx.conn, tx.tenant.id, recipient_id)
        except VatsError as exc:
            return await self._failed(request, exc, "address")
        return await self._page(request, notice="removed")


TEXTS_RU = {
    "notify_title": "Уведомления",
    "notify_hint": "Кого предупредить, когда баланс опустится ниже порога. Новый адрес получает письмо со ссылкой,"
    " номер — SMS с кодом; до подтверждения туда ничего не отправляется.",
    "notify_kind": "Куда",
    "notify_kind_email": "E\u2011mail",
    "notify_kind_sms": "SMS",
    "notify_kind_telegram": "Telegram",
    "notify_address": "Адрес или номер",
    "notify_threshold": "Порог баланса, ₽",
    "notify_threshold_hint": "Пусто — без предупреждений о балансе",
    "notify_add": "Добавить",
    "notify_me_telegram": "Уведомлять меня в Telegram",
    "notify_empty": "Получателей пока нет.",
    "notify_state": "Состояние",
    "notify_verified": "подтверждён",
    "notify_waiting": "ждёт подтверждения",
    "notify_code": "Код из SMS",
    "notify_confirm": "Подтвердить",
    "notify_resend": "Отправить снова",
    "notify_remove": "Удалить",
    "notify_sent_email": "Письмо со ссылкой отправлено: адрес заработает после подтверждения.",
    "notify_sent_sms": "Код отправлен в SMS: введите его рядом с номером.",
    "notify_sent_telegram": "Готово: уведомления будут приходить вам в Telegram.",
    "notify_confirmed": "Номер подтверждён.",
    "notify_resent": "Отправлено снова.",
    "notify_removed": "Получатель удалён.",
    "err:an e-mail address with a domain, such as buh@example.ru": "Адрес с доменом, например buh@example.ru",
    "err:a phone number such as +7 903 123-45-67": "Номер телефона, например +7 903 123-45-67",
    "err:not a valid phone number": "Такого номера не бывает",
    "err:not a mobile number: SMS cannot reach it": "Это не мобильный номер: SMS на него не придёт",
    "err:this address is already listed": "Этот адрес уже есть в списке",
    "err:the code is wrong": "Неверный код",
    "err:a sum in roubles, such as 500 or 500,50": "Сумма в рублях, например 500 или 500,50",
    "err:a sum in roubles, at least 0, with at most two digits of kopecks": (
        "Сумма в рублях, не меньше 0, копейки — две цифры"
    ),
    "err:this employee has not linked the Telegram bot": "Сначала подключите Telegram-бота на странице «Профиль»",
    "err:too many codes to this number; try again in an hour": (
        "Слишком много кодов на этот номер; попробуйте через час"
    ),
    "err:the daily SMS limit of this PBX is reached; try tomorrow": "Дневной лимит SMS исчерпан; попробуйте завтра",
    "err:the code has expired or was mistyped too often: send a new one": (
        "Код истёк или введён неверно слишком много раз: отправьте новый"
    ),
}
TEXTS_EN = {
    "notify_title": "Notifications",
    "notify_hint": "Who to warn when the balance falls below a threshold. A new address gets a letter with a link,"
    " a number an SMS with a code; nothing else is sent there until it is confirmed.",
    "notify_kind": "Where",
    "notify_kind_email": "E\u2011mail",
    "notify_kind_sms": "SMS",
    "notify_kind_telegram": "Telegram",
    "notify_address": "Address or number",
    "notify_threshold": "Balance threshold, ₽",
    "notify_threshold_hint": "Empty: no balance warnings",
    "notify_add": "Add",
    "notify_me_telegram": "Notify me in Telegram",
    "notify_empty": "No recipients yet.",
    "notify_state": "State",
    "notify_verified": "confirmed",
    "notify_waiting": "waiting for confirmation",
    "notify_code": "Code from the SMS",
    "notify_confirm": "Confirm",
    "notify_resend": "Send again",
    "notify_remove": "Remove",
    "notify_sent_email": "A letter with a link was sent: the address works once confirmed.",
    "notify_sent_sms": "A code was sent by SMS: enter it next to the number.",
    "notify_sent_telegram": "Done: notifications will come to you in Telegram.",
    "notify_confirmed": "The number is confirmed.",
    "notify_resent": "Sent again.",
    "notify_removed": "Recipient removed.",
}


def cabinet_pages() -> CabinetPages:
    return CabinetPages(
        handlers=[NotificationsPage],
        nav=[
            NavEntry(
                href=PAGE, label_ru="Уведомления", label_en="Notifications", roles=ADMIN, section="settings", order=800
            )
        ],
        templates=Path(__file__).parent / "templates",
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
