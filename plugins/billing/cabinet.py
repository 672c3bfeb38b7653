"""Billing's cabinet pages (Settings → Мои финансы and its autopay page, admins), contributed
through ``register_cabinet_pages`` like any third party's pages: the balance and the period's
spending, the payment history and the ledger, a top-up by card (the gateway's page) or SBP (a QR
code), and autopay. The rules are the services' own (``ledger``, ``payments/service``,
``payments/autopay``); this module only turns forms in roubles into their kopecks and back."""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
import zoneinfo
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
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
    redirect,
    require,
    tenant_transaction,
)
from vats.bots.web.cabinet.texts import Lang
from vats.core.errors import ValidationError, VatsError
from vats.core.payments import GatewayError
from vats.plugins.billing import ledger, legacy_pages
from vats.plugins.billing.models import Movement
from vats.plugins.billing.payments import autopay, service
from vats.plugins.billing.payments.autopay import AutopayIn
from vats.plugins.billing.payments.qr import qr_svg
from vats.plugins.billing.payments.service import AUTOPAY_PAGE, FINANCES_PAGE, MAX_TOPUP_KOP, MIN_TOPUP_KOP

PAGE = FINANCES_PAGE  # where the gateway sends the payer back too (payments/service.py)
AUTOPAY = AUTOPAY_PAGE
LIMIT = 100  # rows a tab shows

# Roubles as people type them: digits (spaces between thousands allowed), at most two decimals.
_ROUBLES = re.compile(r"^(\d{1,9})(?:[.,](\d{1,2}))?$", re.ASCII)  # ASCII: not "١٢" nor "²"
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_SPENT = (
    "SELECT coalesce(sum(-amount_kop), 0) FROM billing_ledger"
    " WHERE tenant_id = $1 AND amount_kop < 0 AND created_at >= $2 AND created_at < $3"
)


def kopecks(text: str, field: str) -> int:
    """``"1 234,5"`` → 123450, exactly (no floating point); anything else names the field."""
    match = _ROUBLES.match(_SPACES.sub("", text))
    if match is None:
        raise ValidationError("billing_bad_roubles", field=field)
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def money(kop: int, lang: Lang) -> str:
    """Kopecks as roubles, exactly: "1 234,50 ₽" (en: "1,234.50 ₽"); non-breaking spaces."""
    whole, part = divmod(abs(kop), 100)
    thousands = f"{whole:,}".replace(",", "," if lang == "en" else "\u00a0")
    sign = "\u2212" if kop < 0 else ""
    return f"{sign}{thousands}{'.' if lang == 'en' else ','}{part:02d}\u00a0₽"


def roubles_input(kop: int | None) -> str:
    """Kopecks as a form's value: "1500" or "1500,50"; empty for none."""
    if kop is None:
        return ""
    whole, part = divmod(kop, 100)
    return f"{whole}" if part == 0 else f"{whole},{part:02d}"


def _message(lang: Lang, exc: VatsError) -> str:
    """Our own messages are text keys; the services' are translated where the cabinet knows them."""
    own = _TEXTS[lang].get(exc.message) or _TEXTS["ru"].get(exc.message)
    return own or _TEXTS[lang].get(_SERVICE_MESSAGES.get(exc.message, ""), "") or problem_text(lang, exc.message)


class _Period(msgspec.Struct):
    since: dt.datetime | None
    until: dt.datetime | None
    since_text: str  # the form's values (ISO dates)
    until_text: str
    since_shown: str = ""  # the same days as people read them
    until_shown: str = ""


def _period(query: dict[str, str], zone: zoneinfo.ZoneInfo, now: dt.datetime) -> _Period:
    """The days a person picked (both included, in the PBX's zone); none: the service's last 4 days."""
    since_text, until_text = query.get("since", "").strip(), query.get("until", "").strip()
    bounds: dict[str, dt.datetime | None] = {"since": None, "until": None}
    for field, text in (("since", since_text), ("until", until_text)):
        if not text:
            continue
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError("billing_bad_date", field=field) from None
        if field == "until":
            if day == dt.date.max:
                raise ValidationError("billing_bad_date", field=field)
            day += dt.timedelta(days=1)  # the last day is included
        bounds[field] = dt.datetime.combine(day, dt.time(), zone)
    if bounds["since"] is not None and bounds["until"] is None:
        bounds["until"] = now
    local = now.astimezone(zone).date()
    first = dt.date.fromisoformat(since_text) if since_text else local - dt.timedelta(days=service.HISTORY_DAYS)
    last = dt.date.fromisoformat(until_text) if until_text else local
    return _Period(
        since=bounds["since"], until=bounds["until"], since_text=first.isoformat(), until_text=last.isoformat(),
        since_shown=first.strftime("%d.%m.%Y"), until_shown=last.strftime("%d.%m.%Y"),
    )  # fmt: skip


class FinancesPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def finances(self, request: Request[Any, Any, Any]) -> Template:
        return await self._show(request)

    async def _show(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        query = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
        tab = "ledger" if query.get("tab") == "ledger" else "payments"
        errors: dict[str, str] = context.pop("errors", {})
        now = dt.datetime.now(dt.UTC)
        async with tenant_transaction(kernel_of(request), me) as tx:
            zone = zoneinfo.ZoneInfo(tx.tenant.time_zone)
            account = await ledger.account(tx.conn, tx.tenant.id)
            try:
                period = _period(query, zone, now)
                payments, total, since, until = await service.history(
                    tx.conn, tx.tenant.id, since=period.since, until=period.until, limit=LIMIT, offset=0
                )
            except ValidationError as exc:
                errors[exc.field or "since"] = _message(lang, exc)
                status = 422
                period = _period({}, zone, now)
                payments, total, since, until = await service.history(
                    tx.conn, tx.tenant.id, since=None, until=None, limit=LIMIT, offset=0
                )
            spent = int(await tx.conn.fetchval(_SPENT, tx.tenant.id, since, until))
            movements: list[Movement] = []
            if tab == "ledger":
                movements, _ = await ledger.movements(tx.conn, tx.tenant.id, limit=LIMIT, offset=0)
            shown = await self._shown_payment(tx.conn, tx.tenant.id, query.get("payment", ""), lang)
            legacy = await legacy_pages.context(tx.conn, tx.tenant.id, lang)  # a migrated PBX's old terms
        context.setdefault("values", {})
        context.setdefault("notice", "")
        return await page(
            request, "billing/finances.html", status,
            balance=money(account.balance_kop, lang), available=money(account.available_kop, lang),
            credit_limit=money(account.credit_limit_kop, lang) if account.credit_limit_kop else "",
            negative=account.balance_kop < 0, spent=money(spent, lang), tab=tab, period=period, errors=errors,
            payments=[_payment_row(p, zone, lang) for p in payments], total=total,
            movements=[
                {"at": _local(m.created_at, zone), "amount": money(m.amount_kop, lang), "reason": m.reason,
                 "incoming": m.amount_kop > 0}
                for m in movements
            ],
            shown=shown, legacy=legacy, key=str(uuid.uuid4()), min_topup=money(MIN_TOPUP_KOP, lang),
            max_topup=money(MAX_TOPUP_KOP, lang), **context,
        )  # fmt: skip

    async def _shown_payment(self, conn: Any, tenant_id: uuid.UUID, text: str, lang: Lang) -> dict[str, Any] | None:
        """The payment named in the address (back from the gateway, or an SBP QR to scan)."""
        try:
            payment_id = uuid.UUID(text)
        except ValueError:
            return None
        try:
            payment = await service.get(conn, tenant_id, payment_id)
        except VatsError:
            return None
        open_ = payment.status not in ("succeeded", "canceled")
        qr = ""
        if payment.qr_payload and open_:
            qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(payment.qr_payload).encode()).decode()
        return {"id": str(payment.id), "status": payment.status, "qr": qr, "link": payment.qr_payload or "",
                "amount": money(payment.amount_kop, lang), "test": payment.test}  # fmt: skip

    @post("/top-up")
    async def top_up(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        method = form.get("method", "card")
        try:
            if method not in ("card", "sbp"):
                raise ValidationError("billing_bad_method", field="method")
            amount_kop = kopecks(form.get("amount", ""), "amount")
            if not MIN_TOPUP_KOP <= amount_kop <= MAX_TOPUP_KOP:
                raise ValidationError("billing_amount_range", field="amount")
            key = form.get("key", "").strip() or str(uuid.uuid4())
            payment = await service.top_up(
                kernel_of(request), me.tenant_id, amount_kop=amount_kop, method=method,  # type: ignore[arg-type]
                idempotency_key=f"cabinet:{key}"[:100], email=me.email,
            )  # fmt: skip
        except VatsError as exc:
            errors = {exc.field if exc.field in ("amount", "method") else "top_up": _message(lang, exc)}
            return await self._show(request, 422, errors=errors, values=form, top_up_open=True)
        except GatewayError:
            errors = {"top_up": _TEXTS[lang]["billing_gateway_failed"]}
            return await self._show(request, 502, errors=errors, values=form, top_up_open=True)
        if payment.method == "card" and payment.confirmation_url:
            return redirect(payment.confirmation_url)
        return redirect(f"{PAGE}?payment={payment.id}")


def _local(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def _payment_row(p: service.Payment, zone: zoneinfo.ZoneInfo, lang: Lang) -> dict[str, Any]:
    what = f"billing_purpose_{p.purpose}" if p.purpose != "card_charge" else f"billing_trigger_{p.trigger}"
    return {
        "id": str(p.id), "at": _local(p.created_at, zone), "amount": money(p.amount_kop, lang), "what": what,
        "method": f"billing_method_{p.method}", "status": p.status, "test": p.test, "failure": p.failure or "",
    }  # fmt: skip


_AUTOPAY_FIELDS = {  # form field → AutopayIn field; amounts in roubles on the form
    "threshold": "threshold_kop",
    "threshold_amount": "threshold_amount_kop",
    "monthly_amount": "monthly_amount_kop",
    "monthly_limit": "monthly_limit_kop",
}
_FORM_FIELD = {v: k for k, v in _AUTOPAY_FIELDS.items()}


def autopay_in(form: dict[str, str]) -> AutopayIn:
    """The form as the service's input, checked by the same constraints the API applies."""
    data: dict[str, Any] = {"terms_accepted": form.get("terms_accepted") == "on"}
    for name, field in _AUTOPAY_FIELDS.items():
        text = form.get(name, "").strip()
        data[field] = kopecks(text, name) if text else None
    day = form.get("monthly_day", "").strip()
    if day and not (day.isascii() and day.isdigit() and len(day) <= 2):  # "²" is a digit int() refuses
        raise ValidationError("billing_bad_day", field="monthly_day")
    data["monthly_day"] = int(day) if day else None
    try:
        return msgspec.convert(data, AutopayIn)
    except msgspec.ValidationError as exc:
        where = re.search(r"\$\.(\w+)", str(exc))
        field = where.group(1) if where else "threshold_kop"
        if field == "monthly_day":
            raise ValidationError("billing_bad_day", field="monthly_day") from None
        rule = "billing_amount_range" if field in ("threshold_amount_kop", "monthly_amount_kop") else "billing_too_much"
        raise ValidationError(rule, field=_FORM_FIELD.get(field, field)) from None


class AutopayPage(Controller):
    path = AUTOPAY
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._show(request)

    async def _show(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            zone = zoneinfo.ZoneInfo(tx.tenant.time_zone)
            settings = await autopay.settings(tx.conn, tx.tenant.id)
        values = {name: roubles_input(getattr(settings, field)) for name, field in _AUTOPAY_FIELDS.items()}
        values["monthly_day"] = str(settings.monthly_day or "")
        values["terms_accepted"] = "on" if settings.terms_accepted_at else ""
        values.update(context.pop("values", {}))
        card = settings.card
        shown_card = None
        if card is not None:
            expiry = f"{card.expiry_month:02d}/{card.expiry_year % 100:02d}"
            shown_card = {"last4": card.last4, "brand": card.brand, "expiry": expiry, "test": card.test}
        context.setdefault("errors", {})
        context.setdefault("notice", "")
        return await page(
            request, "billing/autopay.html", status, settings=settings, values=values,
            accepted=_local(settings.terms_accepted_at, zone) if settings.terms_accepted_at else "",
            card=shown_card,
            charged=money(settings.charged_this_month_kop, lang),
            limit=money(settings.monthly_limit_kop, lang) if settings.monthly_limit_kop else "", key=str(uuid.uuid4()),
            **context,
        )  # fmt: skip

    @post("/")
    async def save(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        form.setdefault("terms_accepted", "")
        try:
            data = autopay_in(form)
            async with tenant_transaction(kernel_of(request), me) as tx:
                await autopay.save(tx.conn, tx.tenant.id, data)
        except VatsError as exc:
            field = _FORM_FIELD.get(exc.field or "", exc.field or "terms_accepted")
            return await self._show(request, 422, errors={field: _message(lang, exc)}, values=form)
        return await self._show(request, notice=_TEXTS[lang]["billing_autopay_saved"])

    @post("/card")
    async def bind(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        """The 1-rouble binding at the gateway: the payer confirms it there and comes back."""
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        key = form.get("key", "").strip() or str(uuid.uuid4())
        try:
            payment = await service.bind_card(kernel_of(request), me.tenant_id, idempotency_key=f"cabinet:{key}"[:100])
        except VatsError as exc:
            field = "terms_accepted" if exc.field == "terms_accepted" else "card"
            return await self._show(request, 422, errors={field: _message(lang, exc)})
        except GatewayError:
            return await self._show(request, 502, errors={"card": _TEXTS[lang]["billing_gateway_failed"]})
        return redirect(payment.confirmation_url or f"{PAGE}?payment={payment.id}")

    @post("/card/unbind")
    async def unbind(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            await autopay.unbind(tx.conn, tx.tenant.id)
        return await self._show(request, notice=_TEXTS[language(request)]["billing_card_unbound"])


# The services' messages the pages say in people's words (English ones by text key too).
_SERVICE_MESSAGES = {
    "accept the autopay terms first": "billing_accept_terms",
    "accept the autopay terms before binding a card": "billing_accept_terms",
    "bind a card first: autopay charges the bound card": "billing_bind_first",
    "threshold_kop and threshold_amount_kop go together": "billing_threshold_pair",
    "monthly_day and monthly_amount_kop go together": "billing_monthly_pair",
    "the period's start must come before its end": "billing_period_order",
    "the period's end is too early": "billing_bad_date",
    "payments are not set up on this PBX (the operator sets VATS_YOOKASSA_SHOP_ID and its secret key)": (
        "billing_not_set_up"
    ),
}

TEXTS_RU = {
    "billing_title": "Мои финансы",
    "billing_balance": "Баланс",
    "billing_available": "Доступно для звонков",
    "billing_credit_limit": "Кредитный лимит",
    "billing_spent": "Расходы за период",
    "billing_top_up": "Пополнить баланс",
    "billing_amount": "Сумма, ₽",
    "billing_amount_hint": "От {min} до {max}, копейки через запятую",
    "billing_method": "Способ оплаты",
    "billing_method_card": "Банковская карта",
    "billing_method_sbp": "СБП (QR-код)",
    "billing_method_saved_card": "Привязанная карта",
    "billing_pay": "Перейти к оплате",
    "billing_tab_payments": "Платежи",
    "billing_tab_ledger": "Движения по счёту",
    "billing_tabs": "Разделы финансов",
    "billing_since": "С",
    "billing_until": "По",
    "billing_show": "Показать",
    "billing_when": "Когда",
    "billing_what": "Что",
    "billing_sum": "Сумма",
    "billing_status": "Статус",
    "billing_no_payments": "За этот период платежей не было.",
    "billing_no_movements": "Движений по счёту пока не было.",
    "billing_payments_total": "Платежей за период: {n}",
    "billing_purpose_top_up": "Пополнение",
    "billing_purpose_card_binding": "Привязка карты (1\u00a0₽ вернётся)",
    "billing_trigger_threshold": "Автоплатёж: баланс ниже порога",
    "billing_trigger_monthly": "Автоплатёж ежемесячный",
    "billing_trigger_one_off": "Оплата привязанной картой",
    "billing_trigger_None": "Оплата привязанной картой",
    "billing_status_new": "создан",
    "billing_status_sending": "отправляется",
    "billing_status_pending": "ожидает оплаты",
    "billing_status_waiting_for_capture": "подтверждается",
    "billing_status_succeeded": "зачислен",
    "billing_status_canceled": "отменён",
    "billing_test": "тест",
    "billing_test_note": "Демо: платежи тестовые, деньги не списываются.",
    "billing_sbp_scan": "Отсканируйте QR-код приложением банка, чтобы оплатить {amount} через СБП.",
    "billing_sbp_qr_alt": "QR-код для оплаты через СБП",
    "billing_sbp_link": "Открыть оплату в приложении банка",
    "billing_payment_done": "Платёж на {amount} зачислен.",
    "billing_payment_waiting": "Платёж на {amount} ждёт подтверждения. Обновите страницу через минуту.",
    "billing_payment_canceled": "Платёж на {amount} не прошёл.",
    "billing_refresh": "Обновить",
    "billing_autopay": "Автоплатёж",
    "billing_autopay_link": "Настроить автоплатёж",
    "billing_back": "← Мои финансы",
    "billing_terms": "Условия",
    "billing_terms_accept": "Принимаю условия автоплатежа",
    "billing_terms_accepted": "Условия приняты {at}",
    "billing_card": "Карта",
    "billing_card_none": "Карта не привязана.",
    "billing_card_bound": "{brand} •••• {last4}, до {expiry}",
    "billing_bind": "Привязать карту",
    "billing_bind_hint": "Банк заблокирует 1\u00a0₽ и сразу вернёт его.",
    "billing_unbind": "Отвязать карту",
    "billing_rules": "Правила",
    "billing_threshold": "Порог баланса, ₽",
    "billing_threshold_amount": "Пополнять на, ₽",
    "billing_threshold_legend": "Когда баланс ниже порога",
    "billing_monthly_legend": "Каждый месяц",
    "billing_monthly_day": "День месяца (1–31)",
    "billing_monthly_amount": "Сумма, ₽",
    "billing_monthly_limit": "Не больше в месяц, ₽",
    "billing_rule_off": "Оставьте поля пустыми, чтобы правило не действовало.",
    "billing_charged": "Списано с карты в этом месяце: {charged}",
    "billing_charged_limit": "Списано с карты в этом месяце: {charged} из {limit}",
    "billing_save": "Сохранить",
    "billing_autopay_saved": "Автоплатёж сохранён.",
    "billing_card_unbound": "Карта отвязана, автоплатёж выключен.",
    "billing_bad_roubles": "Укажите сумму в рублях, не больше двух знаков после запятой, например 1500 или 1500,50",
    "billing_amount_range": f"Сумма — от {MIN_TOPUP_KOP // 100} до {MAX_TOPUP_KOP // 100:,} ₽".replace(",", "\u00a0"),
    "billing_too_much": "Слишком большая сумма",
    "billing_bad_method": "Выберите способ оплаты из списка",
    "billing_bad_day": "Укажите день от 1 до 31 (31 — последний день месяца)",
    "billing_bad_date": "Укажите дату",
    "billing_period_order": "Начало периода должно быть раньше его конца",
    "billing_accept_terms": "Сначала примите условия автоплатежа",
    "billing_bind_first": "Сначала привяжите карту: автоплатёж списывает с неё",
    "billing_threshold_pair": "Укажите и порог, и сумму пополнения (или оставьте оба пустыми)",
    "billing_monthly_pair": "Укажите и день, и сумму (или оставьте оба пустыми)",
    "billing_gateway_failed": "Платёжная система не ответила. Попробуйте ещё раз через минуту.",
    "billing_not_set_up": "Оплата на этой АТС ещё не подключена: обратитесь к оператору.",
}
TEXTS_EN = {
    "billing_title": "My finances",
    "billing_balance": "Balance",
    "billing_available": "Available for calls",
    "billing_credit_limit": "Credit limit",
    "billing_spent": "Spent in the period",
    "billing_top_up": "Top up",
    "billing_amount": "Amount, ₽",
    "billing_amount_hint": "From {min} to {max}, kopecks after a point",
    "billing_method": "Pay by",
    "billing_method_card": "Bank card",
    "billing_method_sbp": "SBP (QR code)",
    "billing_method_saved_card": "Bound card",
    "billing_pay": "Go to payment",
    "billing_tab_payments": "Payments",
    "billing_tab_ledger": "Account movements",
    "billing_tabs": "Finance sections",
    "billing_since": "From",
    "billing_until": "To",
    "billing_show": "Show",
    "billing_when": "When",
    "billing_what": "What",
    "billing_sum": "Amount",
    "billing_status": "Status",
    "billing_no_payments": "No payments in this period.",
    "billing_no_movements": "No account movements yet.",
    "billing_payments_total": "Payments in the period: {n}",
    "billing_purpose_top_up": "Top-up",
    "billing_purpose_card_binding": "Card binding (1\u00a0₽ returned)",
    "billing_trigger_threshold": "Autopay: balance below the threshold",
    "billing_trigger_monthly": "Autopay: monthly",
    "billing_trigger_one_off": "Paid with the bound card",
    "billing_trigger_None": "Paid with the bound card",
    "billing_status_new": "created",
    "billing_status_sending": "sending",
    "billing_status_pending": "awaiting payment",
    "billing_status_waiting_for_capture": "being confirmed",
    "billing_status_succeeded": "credited",
    "billing_status_canceled": "canceled",
    "billing_test": "test",
    "billing_test_note": "Demo: payments are test ones, no money is taken.",
    "billing_sbp_scan": "Scan the QR code with your bank's app to pay {amount} by SBP.",
    "billing_sbp_qr_alt": "QR code to pay by SBP",
    "billing_sbp_link": "Open the payment in the bank's app",
    "billing_payment_done": "The payment of {amount} is credited.",
    "billing_payment_waiting": "The payment of {amount} awaits confirmation. Refresh the page in a minute.",
    "billing_payment_canceled": "The payment of {amount} failed.",
    "billing_refresh": "Refresh",
    "billing_autopay": "Autopay",
    "billing_autopay_link": "Set up autopay",
    "billing_back": "← My finances",
    "billing_terms": "Terms",
    "billing_terms_accept": "I accept the autopay terms",
    "billing_terms_accepted": "Terms accepted {at}",
    "billing_card": "Card",
    "billing_card_none": "No card is bound.",
    "billing_card_bound": "{brand} •••• {last4}, expires {expiry}",
    "billing_bind": "Bind a card",
    "billing_bind_hint": "The bank holds 1\u00a0₽ and returns it at once.",
    "billing_unbind": "Unbind the card",
    "billing_rules": "Rules",
    "billing_threshold": "Balance threshold, ₽",
    "billing_threshold_amount": "Top up by, ₽",
    "billing_threshold_legend": "When the balance falls below the threshold",
    "billing_monthly_legend": "Every month",
    "billing_monthly_day": "Day of the month (1–31)",
    "billing_monthly_amount": "Amount, ₽",
    "billing_monthly_limit": "At most per month, ₽",
    "billing_rule_off": "Leave the fields empty to switch the rule off.",
    "billing_charged": "Charged to the card this month: {charged}",
    "billing_charged_limit": "Charged to the card this month: {charged} of {limit}",
    "billing_save": "Save",
    "billing_autopay_saved": "Autopay saved.",
    "billing_card_unbound": "The card is unbound, autopay is off.",
    "billing_bad_roubles": "Give the amount in roubles, at most two decimals, e.g. 1500 or 1500.50",
    "billing_amount_range": f"The amount must be from {MIN_TOPUP_KOP // 100} to {MAX_TOPUP_KOP // 100:,} ₽",
    "billing_too_much": "The amount is too large",
    "billing_bad_method": "Choose a way to pay from the list",
    "billing_bad_day": "Give a day from 1 to 31 (31: the month's last day)",
    "billing_bad_date": "Give a date",
    "billing_period_order": "The period must start before it ends",
    "billing_accept_terms": "Accept the autopay terms first",
    "billing_bind_first": "Bind a card first: autopay charges it",
    "billing_threshold_pair": "Give both the threshold and the amount (or leave both empty)",
    "billing_monthly_pair": "Give both the day and the amount (or leave both empty)",
    "billing_gateway_failed": "The payment system did not answer. Try again in a minute.",
    "billing_not_set_up": "Payments are not set up on this PBX yet: ask the operator.",
}
_TEXTS: dict[str, dict[str, str]] = {"ru": TEXTS_RU, "en": TEXTS_EN}


def cabinet_pages() -> CabinetPages:
    from vats.plugins.billing import cabinet_reports as reports

    return CabinetPages(
        handlers=[FinancesPage, AutopayPage, reports.DocumentsPage, reports.CallsPage],
        nav=[
            NavEntry(
                href=PAGE, label_ru="Мои финансы", label_en="My finances", roles=ADMIN, section="settings", order=150
            )
        ],
        templates=Path(__file__).parent / "templates",
        texts_ru={**TEXTS_RU, **reports.TEXTS_RU},
        texts_en={**TEXTS_EN, **reports.TEXTS_EN},
    )
