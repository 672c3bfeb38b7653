"""Мои финансы → Документы and → Детализация in the cabinet (admins): the PBX's requisites, an
invoice for a bank transfer, the months' closing documents and every document's PDF; the call
detail report of up to 31 days as pages and as an XLSX file. The rules are the services' own
(``documents/``, ``requisites``, ``detail``); this module turns forms into their inputs."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import AsyncIterator, Mapping
from typing import IO, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Stream, Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    form_fields,
    kernel_of,
    language,
    page,
    problem_text,
    redirect,
    require,
    tenant_transaction,
)
from vats.core.errors import NotFoundError, ValidationError, VatsError
from vats.plugins.billing import cabinet as finances
from vats.plugins.billing import detail, detail_mail, requisites
from vats.plugins.billing.cabinet import PAGE, kopecks, money
from vats.plugins.billing.documents import service as documents
from vats.plugins.billing.documents import store
from vats.plugins.billing.requisites import RequisitesIn

DOCUMENTS = f"{PAGE}/documents"
CALLS = f"{PAGE}/calls"
ROWS = 100  # calls a page of the report shows
CHUNK = 64 * 1024
_REQUISITES_FIELDS = ("kind", "name", "inn", "kpp", "address")


def message(lang: str, exc: VatsError) -> str:
    """A refusal in people's words: our text keys, the services' messages we know, or by field."""
    ru = {**finances.TEXTS_RU, **TEXTS_RU}
    texts = {**finances.TEXTS_EN, **TEXTS_EN} if lang == "en" else ru
    key = exc.message if exc.message in ru else _SERVICE_MESSAGES.get(exc.message, "")
    if not key and exc.field in _REQUISITES_FIELDS:
        key = f"billing_requisites_bad_{exc.field}"
    if not key and exc.field == "email":
        key = _EMAIL_REFUSED
    return texts.get(key) or ru.get(key) or problem_text(lang, exc.message)  # type: ignore[arg-type]


def _pdf(doc: store.Document, content: bytes) -> Response[bytes]:
    return Response(
        content, media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{store.filename(doc)}"', "Cache-Control": "private"},
    )  # fmt: skip


class DocumentsPage(Controller):
    path = DOCUMENTS
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._show(request)

    async def _show(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            docs, total = await store.listed(tx.conn, tx.tenant.id, limit=200)
            try:
                mine: requisites.Requisites | None = await requisites.load(tx.conn, tx.tenant.id)
            except NotFoundError:
                mine = None
            zone = zoneinfo.ZoneInfo(tx.tenant.time_zone)
        made = request.query_params.get("made", "")
        values = {f: getattr(mine, f) or "" for f in _REQUISITES_FIELDS} if mine else {"kind": "legal"}
        values.update(context.pop("values", {}))
        last_month = documents.previous_month(dt.datetime.now(dt.UTC), zone)
        context.setdefault("errors", {})
        context.setdefault("notice", "")
        return await page(
            request, "billing/documents.html", status, tab="documents", requisites=mine, values=values,
            documents=[_row(d, lang) for d in docs], total=total, made=made, last_month=last_month.strftime("%Y-%m"),
            **context,
        )  # fmt: skip

    @post("/invoice")
    async def invoice(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        try:
            amount_kop = kopecks(form.get("amount", ""), "amount")
            if not 100 <= amount_kop <= documents.MAX_INVOICE_KOP:
                raise ValidationError("billing_invoice_range", field="amount")
            doc = await documents.make_invoice(kernel_of(request), me.tenant_id, amount_kop)
        except VatsError as exc:
            field = exc.field if exc.field in ("amount", "requisites") else "invoice"
            if exc.field == "amount_kop":
                field = "amount"
            return await self._show(request, 422, errors={field: message(lang, exc)}, invoice_values=form)
        return redirect(f"{DOCUMENTS}?made={doc.id}")

    @post("/requisites")
    async def save_requisites(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        data = {f: form.get(f, "").strip() for f in _REQUISITES_FIELDS}
        try:
            try:
                given = msgspec.convert({**data, "kpp": data["kpp"] or None}, RequisitesIn)
            except msgspec.ValidationError as exc:
                field = next((f for f in _REQUISITES_FIELDS if f"$.{f}" in str(exc)), "name")
                raise ValidationError("billing_requisites_bad", field=field) from None
            async with tenant_transaction(kernel_of(request), me) as tx:
                await requisites.save(tx.conn, tx.tenant.id, given)
        except VatsError as exc:
            field = exc.field if exc.field in _REQUISITES_FIELDS else "name"
            return await self._show(request, 422, errors={field: message(lang, exc)}, values=data)
        return await self._show(request, notice=message(lang, VatsError("billing_requisites_saved")))

    @post("/closing")
    async def closing(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        try:
            month = documents.parse_month(form.get("month", ""))
            made = await documents.close_month(kernel_of(request), me.tenant_id, month)
        except VatsError as exc:
            field = "month" if exc.field in ("month", None) else "requisites"
            return await self._show(request, 422, errors={field: message(lang, exc)}, month=form.get("month", ""))
        key = "billing_closing_made" if made else "billing_closing_nothing"
        return await self._show(request, notice=message(lang, VatsError(key)), month=form.get("month", ""))

    @get("/{document_id:uuid}/pdf")
    async def pdf(self, request: Request[Any, Any, Any], document_id: FromPath[uuid.UUID]) -> Response[bytes]:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            doc, content = await store.pdf_of(tx.conn, tx.tenant.id, document_id)
        return _pdf(doc, content)


def _row(doc: store.Document, lang: str) -> dict[str, Any]:
    span = ""
    if doc.period_start and doc.period_end:
        span = f"{doc.period_start:%d.%m.%Y} – {doc.period_end - dt.timedelta(days=1):%d.%m.%Y}"
    return {
        "id": str(doc.id), "title": doc.title, "kind": doc.kind, "period": span,
        "amount": money(doc.amount_kop, lang),  # type: ignore[arg-type]
        "vat": "" if doc.vat_pct is None else f"{doc.vat_pct}%: {money(doc.vat_kop, lang)}",  # type: ignore[arg-type]
    }  # fmt: skip


class _Query(msgspec.Struct):
    within: detail.Period
    offset: int
    since_text: str
    until_text: str


def _texts(given: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(given.get(k, "")).strip() for k in ("since", "until", "offset")}


def _query(request: Request[Any, Any, Any], zone: str, given: Mapping[str, Any] | None = None) -> _Query:
    """The period the person picked (default: this month so far) and the page's offset, from the
    address's query or from a posted form (``given``)."""
    today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    texts = _texts(request.query_params if given is None else given)
    days: dict[str, dt.date] = {}
    for field, default in (("since", today.replace(day=1)), ("until", today)):
        try:
            days[field] = dt.date.fromisoformat(texts[field]) if texts[field] else default
        except ValueError:
            raise ValidationError("billing_bad_date", field=field) from None
    given_offset = texts["offset"]  # ASCII digits only: "²" is a digit to isdigit() and not to int()
    offset = int(given_offset) if given_offset.isascii() and given_offset.isdigit() and len(given_offset) < 9 else 0
    within = detail.period(days["since"], days["until"], zone)
    return _Query(within=within, offset=offset, since_text=str(days["since"]), until_text=str(days["until"]))


class CallsPage(Controller):
    path = CALLS
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        """The period's calls; after "send by e-mail", how that letter stands (``mailed``)."""
        mailed = str(request.query_params.get("mailed", ""))
        if not (mailed.isascii() and mailed.isdigit() and len(mailed) < 19):  # "²": isdigit(), not int()
            return await self._show(request)
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            row = await tx.conn.fetchrow(  # the outbox has no row-level security: this tenant's rows only
                "SELECT payload->>'to' AS to, sent_at IS NOT NULL AS sent, failed_at IS NOT NULL AS failed"
                " FROM outbox WHERE id = $1 AND tenant_id = $2 AND channel = $3",
                int(mailed), tx.tenant.id, detail_mail.CHANNEL,
            )  # fmt: skip
        if row is None:
            return await self._show(request)
        texts = TEXTS_EN if language(request) == "en" else TEXTS_RU
        state = "failed" if row["failed"] else "sent" if row["sent"] else "queued"
        return await self._show(request, notice=texts[f"billing_mail_{state}"].format(to=row["to"]))

    @post("/mail")
    async def mail(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        """Queue the period's report for the address given (the admin's own by default): it is
        built and sent in the background (``detail_mail``); a refusal is shown beside its field."""
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        email = form.get("email", "").strip()
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                query = _query(request, tx.tenant.time_zone, form)
                outbox_id, asked = await detail_mail.ask(
                    tx.conn, tx.tenant.id, since=query.within.since, until=query.within.until,
                    zone=tx.tenant.time_zone, to=email or me.email,
                )  # fmt: skip
        except ValidationError as exc:
            field = exc.field if exc.field in ("since", "until", "email") else "email"
            return await self._show(request, 422, {field: message(lang, exc)}, given=form, email=email)
        span = {"since": str(asked.since), "until": str(asked.until), "mailed": outbox_id}
        return redirect(f"{CALLS}?{urlencode(span)}")  # a reload shows the letter's state, not a second one

    async def _show(
        self, request: Request[Any, Any, Any], status: int = 200, errors: dict[str, str] | None = None, *,
        given: Mapping[str, Any] | None = None, email: str | None = None, notice: str = "",
    ) -> Template:  # fmt: skip
        me = require(request, ADMIN)
        lang = language(request)
        errors = dict(errors or {})
        async with tenant_transaction(kernel_of(request), me) as tx:
            zone = tx.tenant.time_zone
            try:
                query = _query(request, zone, given)
            except ValidationError as exc:
                errors[exc.field or "since"] = message(lang, exc)
                status = 422
                today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
                texts = _texts(request.query_params if given is None else given)
                query = _Query(within=detail.period(today.replace(day=1), today, zone), offset=0,
                               since_text=texts["since"], until_text=texts["until"])  # fmt: skip
            totals = await detail.totals(tx.conn, tx.tenant.id, query.within)
            calls = await detail.page(tx.conn, tx.tenant.id, query.within, limit=ROWS, offset=query.offset)
        local = zoneinfo.ZoneInfo(zone)
        rows = [{
            "at": c.started_at.astimezone(local).strftime("%d.%m.%Y %H:%M:%S"), "direction": c.direction,
            "caller": c.caller, "called": c.called, "forwarded_to": c.forwarded_to or "",
            "talk": detail.minutes(c.talk_s), "billed": detail.minutes(c.billed_s),
            "price": money(c.price_kop, lang),
        } for c in calls]  # fmt: skip
        span = f"since={query.since_text}&until={query.until_text}"
        return await page(
            request, "billing/calls.html", status, tab="calls", errors=errors, query=query, rows=rows, span=span,
            notice=notice, email=me.email if email is None else email, my_email=me.email,
            totals={"calls": totals.calls, "talk": detail.minutes(totals.talk_s),
                    "billed": detail.minutes(totals.billed_s), "price": money(totals.price_kop, lang)},
            previous=max(0, query.offset - ROWS) if query.offset else None,
            next=query.offset + ROWS if query.offset + ROWS < totals.calls else None,
            shown_from=query.offset + 1 if rows else 0, shown_to=query.offset + len(rows),
        )  # fmt: skip

    @get("/xlsx")
    async def xlsx(self, request: Request[Any, Any, Any]) -> Stream | Response[Any]:
        """The whole period as a file; a refused period goes back to the page, which says why."""
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            try:
                query = _query(request, tx.tenant.time_zone)
            except ValidationError:
                return redirect(f"{CALLS}?{request.url.query}")
            out = await report_xlsx(tx.conn, tx.tenant.id, query.within)
        name = f"calls-{query.within.since}-{query.within.until}.xlsx"
        return xlsx_stream(out, name)


async def report_xlsx(conn: Any, tenant_id: uuid.UUID, within: detail.Period) -> IO[bytes]:
    """The period's report as an XLSX file (memory up to 4 MB, then disk), read from the start."""
    out = detail.spooled()
    try:
        totals = await detail.totals(conn, tenant_id, within)
        await detail.write_xlsx(detail.lines(conn, tenant_id, within), totals, within, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_stream(out: IO[bytes], name: str) -> Stream:
    async def chunks() -> AsyncIterator[bytes]:
        try:
            while chunk := out.read(CHUNK):
                yield chunk
        finally:
            out.close()

    return Stream(chunks(), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


_SERVICE_MESSAGES = {
    "the PBX has no requisites yet: give them first": "billing_requisites_missing",
    "the operator has not given its requisites yet": "billing_operator_requisites_missing",
    "closing documents are made once the month is over": "billing_closing_not_over",
    "a month is written as YYYY-MM, e.g. 2026-11": "billing_bad_month",
    f"a call detail report covers at most {detail.MAX_DAYS} days": "billing_period_too_long",
    "the period must start before it ends": "billing_period_order",
}
_EMAIL_REFUSED = "billing_mail_bad_email"

TEXTS_RU = {
    "billing_tab_calls": "Детализация",
    "billing_tab_documents": "Документы",
    "billing_invoice": "Счёт на оплату",
    "billing_invoice_hint": "Для оплаты с расчётного счёта организации: сумма зачислится на баланс после поступления.",
    "billing_invoice_make": "Выставить счёт",
    "billing_invoice_made": "Счёт выставлен.",
    "billing_invoice_range": "Сумма счёта — от 1 до 1\u00a0000\u00a0000 ₽",
    "billing_download": "Скачать PDF",
    "billing_requisites": "Реквизиты",
    "billing_requisites_hint": "Нужны для счетов и закрывающих документов.",
    "billing_kind": "Вид",
    "billing_kind_legal": "Организация",
    "billing_kind_individual": "Индивидуальный предприниматель",
    "billing_req_name": "Название",
    "billing_req_inn": "ИНН",
    "billing_req_kpp": "КПП (у организации)",
    "billing_req_address": "Адрес",
    "billing_requisites_save": "Сохранить реквизиты",
    "billing_requisites_saved": "Реквизиты сохранены.",
    "billing_requisites_bad": "Проверьте это поле",
    "billing_requisites_bad_kind": "Выберите: организация или ИП",
    "billing_requisites_bad_name": "Укажите название",
    "billing_requisites_bad_inn": "ИНН: 10 цифр у организации, 12 у ИП; проверьте контрольные цифры",
    "billing_requisites_bad_kpp": "КПП — 9 символов (например, 773601001); у ИП его нет",
    "billing_requisites_bad_address": "Укажите адрес",
    "billing_requisites_missing": "Сначала укажите реквизиты ниже.",
    "billing_operator_requisites_missing": "Оператор ещё не указал свои реквизиты: счета пока недоступны.",
    "billing_closing": "Закрывающие документы",
    "billing_closing_hint": "УПД и акт сверки за прошедший месяц; формируются и сами в начале месяца.",
    "billing_month": "Месяц",
    "billing_closing_make": "Сформировать",
    "billing_closing_made": "Документы за месяц готовы.",
    "billing_closing_nothing": "За этот месяц не было ни услуг, ни платежей: документов нет.",
    "billing_closing_not_over": "Месяц ещё не закончился.",
    "billing_bad_month": "Укажите месяц, например 2026-10",
    "billing_documents": "Документы",
    "billing_document": "Документ",
    "billing_period": "Период",
    "billing_vat": "НДС",
    "billing_no_documents": "Документов пока нет.",
    "billing_calls_period": "Звонки за период",
    "billing_period_too_long": f"Период — не больше {detail.MAX_DAYS} дней",
    "billing_calls_total": "Звонков: {calls}, длительность {talk}, тарифицировано {billed}, стоимость {price}",
    "billing_calls_shown": "Показаны {first}–{last} из {total}",
    "billing_calls_none": "За этот период звонков не было.",
    "billing_xlsx": "Скачать XLSX",
    "billing_col_direction": "Направление",
    "billing_col_caller": "Кто звонил",
    "billing_col_called": "Куда",
    "billing_col_talk": "Длительность",
    "billing_col_billed": "Тарифицировано",
    "billing_col_price": "Стоимость",
    "billing_dir_outbound": "Исходящий",
    "billing_dir_inbound": "Входящий",
    "billing_dir_forwarded": "Переадресация",
    "billing_earlier": "← Раньше",
    "billing_later": "Дальше →",
    "billing_calls_pages": "Страницы детализации",
    "billing_mail": "Отправить на e-mail",
    "billing_mail_to": "Адрес для отчёта",
    "billing_mail_hint": "Отчёт за показанный период в XLSX придёт письмом через несколько минут.",
    "billing_mail_queued": "Детализация за период формируется и будет отправлена на {to}.",
    "billing_mail_sent": "Детализация за период отправлена на {to}.",
    "billing_mail_failed": "Не удалось отправить детализацию на {to}: почтовый сервер её не принял.",
    "billing_mail_bad_email": "Укажите адрес электронной почты, например buh@romashka.ru",
}
TEXTS_EN = {
    "billing_tab_calls": "Call detail",
    "billing_tab_documents": "Documents",
    "billing_invoice": "Invoice",
    "billing_invoice_hint": "To pay from a company's bank account: the balance grows once the money arrives.",
    "billing_invoice_make": "Issue the invoice",
    "billing_invoice_made": "The invoice is issued.",
    "billing_invoice_range": "An invoice is for 1 to 1,000,000 ₽",
    "billing_download": "Download PDF",
    "billing_requisites": "Requisites",
    "billing_requisites_hint": "Needed for invoices and closing documents.",
    "billing_kind": "Kind",
    "billing_kind_legal": "Company",
    "billing_kind_individual": "Individual entrepreneur",
    "billing_req_name": "Name",
    "billing_req_inn": "INN",
    "billing_req_kpp": "KPP (companies)",
    "billing_req_address": "Address",
    "billing_requisites_save": "Save the requisites",
    "billing_requisites_saved": "The requisites are saved.",
    "billing_requisites_bad": "Check this field",
    "billing_requisites_bad_kind": "Choose: a company or an entrepreneur",
    "billing_requisites_bad_name": "Give the name",
    "billing_requisites_bad_inn": "INN: 10 digits for a company, 12 for an entrepreneur; check the digits",
    "billing_requisites_bad_kpp": "KPP has 9 characters (e.g. 773601001); entrepreneurs have none",
    "billing_requisites_bad_address": "Give the address",
    "billing_requisites_missing": "Give the requisites below first.",
    "billing_operator_requisites_missing": "The operator has not given its requisites yet: no invoices for now.",
    "billing_closing": "Closing documents",
    "billing_closing_hint": "A past month's UPD and reconciliation act; also made by themselves early each month.",
    "billing_month": "Month",
    "billing_closing_make": "Make them",
    "billing_closing_made": "The month's documents are ready.",
    "billing_closing_nothing": "The month had no services and no payments: no documents.",
    "billing_closing_not_over": "The month is not over yet.",
    "billing_bad_month": "Give a month, e.g. 2026-10",
    "billing_documents": "Documents",
    "billing_document": "Document",
    "billing_period": "Period",
    "billing_vat": "VAT",
    "billing_no_documents": "No documents yet.",
    "billing_calls_period": "Calls in the period",
    "billing_period_too_long": f"A period is at most {detail.MAX_DAYS} days",
    "billing_calls_total": "Calls: {calls}, talk time {talk}, billed {billed}, cost {price}",
    "billing_calls_shown": "Showing {first}–{last} of {total}",
    "billing_calls_none": "No calls in this period.",
    "billing_xlsx": "Download XLSX",
    "billing_col_direction": "Direction",
    "billing_col_caller": "From",
    "billing_col_called": "To",
    "billing_col_talk": "Talk time",
    "billing_col_billed": "Billed",
    "billing_col_price": "Cost",
    "billing_dir_outbound": "Outbound",
    "billing_dir_inbound": "Inbound",
    "billing_dir_forwarded": "Forwarded",
    "billing_earlier": "← Earlier",
    "billing_later": "Later →",
    "billing_calls_pages": "Call detail pages",
    "billing_mail": "Send by e-mail",
    "billing_mail_to": "Send the report to",
    "billing_mail_hint": "The shown period's report in XLSX arrives by e-mail within a few minutes.",
    "billing_mail_queued": "The period's call detail is being built and will be sent to {to}.",
    "billing_mail_sent": "The period's call detail is sent to {to}.",
    "billing_mail_failed": "The call detail could not be sent to {to}: the mail server refused it.",
    "billing_mail_bad_email": "Give an e-mail address, e.g. buh@romashka.ru",
}
