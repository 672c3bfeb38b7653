"""Making documents: an invoice for a top-up by bank transfer, and a month's closing documents.

Both need the tenant's requisites (the buyer) and the operator's (the seller); a missing one is
refused naming it. Dates are the PBX's (its time zone). A month's documents:

* УПД: the services of the month: each monthly charge and other charge posted in the month (its
  reason is its name), refunds as negative lines (перерасчёт), and one line for the calls; VAT
  at the rate in force on the document's date (the month's last day), inside the prices.
* Акт сверки: the balance before the month (a positive balance is the buyer's prepayment), the
  УПД as the month's debit, payments and manual adjustments one by one, the balance after.

Manual debits by the operator are not services: they appear in the act, not in the УПД.
Documents of a month are made once it is over (plus ``GRACE``, so a call rated a moment after
midnight has its own month), by the worker for every tenant with requisites, or on request
for an earlier month; a month's documents are made once, whoever asks."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
import zoneinfo
from collections.abc import Awaitable, Callable

from vats.core.db.database import Connection
from vats.core.directory.service import load_tenant
from vats.core.errors import ConflictError, NotFoundError, ValidationError
from vats.core.protocols import KernelAPI
from vats.core.stopping import idle
from vats.plugins.billing import requisites, seller, vat
from vats.plugins.billing.documents import pdf
from vats.plugins.billing.documents.store import Document, Draft, existing, lock_number, store
from vats.plugins.billing.models import MAX_KOP

log = logging.getLogger(__name__)

GRACE = dt.timedelta(hours=1)
RUN_EVERY_S = 600.0
MAX_INVOICE_KOP = 100_000_000  # one million roubles, as a top-up by card
TOP_UP_LINE = "Пополнение лицевого счёта ВАТС (аванс за услуги связи)"
DOCUMENTS_PAGE = "/cabinet/settings/finances/documents"  # where an admin downloads them


async def _parties(conn: Connection, tenant_id: uuid.UUID) -> tuple[pdf.Party, pdf.Party, pdf.Bank]:
    """(seller, buyer, the seller's bank) or a refusal naming what is missing."""
    own = await seller.load(conn)
    if own is None:
        raise ConflictError("the operator has not given its requisites yet", field="operator_requisites")
    try:
        buyer = await requisites.load(conn, tenant_id)
    except NotFoundError:
        raise NotFoundError("the PBX has no requisites yet: give them first", field="requisites") from None
    return (
        pdf.Party(name=own.name, inn=own.inn, kpp=own.kpp, address=own.address),
        pdf.Party(name=buyer.name, inn=buyer.inn, kpp=buyer.kpp, address=buyer.address),
        pdf.Bank(bank_name=own.bank_name, bik=own.bik, account=own.account, corr_account=own.corr_account,
                 director=own.director, accountant=own.accountant),
    )  # fmt: skip


After = Callable[[Connection, list[Document]], Awaitable[None]]  # e.g. the operator audit, in the same transaction


async def make_invoice(
    kernel: KernelAPI, tenant_id: uuid.UUID, amount_kop: int, *, after: After | None = None
) -> Document:
    """An invoice to top the balance up by ``amount_kop`` by bank transfer."""
    if isinstance(amount_kop, bool) or not isinstance(amount_kop, int) or not 100 <= amount_kop <= MAX_INVOICE_KOP:
        raise ValidationError(
            f"an invoice is for 100 to {MAX_INVOICE_KOP} kopecks (1 to {MAX_INVOICE_KOP // 100} roubles)",
            field="amount_kop",
        )
    async with kernel.db.tenant(tenant_id) as conn:
        tenant = await load_tenant(conn, tenant_id)
        own, buyer, bank = await _parties(conn, tenant_id)
        now = dt.datetime.now(dt.UTC)
        today = now.astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()
        rate = await vat.rate_on(conn, today)
        line = pdf.Line(name=TOP_UP_LINE, amount_kop=amount_kop, vat_kop=vat.included(amount_kop, rate))
        number = await lock_number(conn, "invoice", today.year)
        content = await asyncio.to_thread(
            pdf.invoice, number=number, issued_on=today, created=now, seller=own, bank=bank, buyer=buyer,
            lines=[line], vat_pct=rate,
        )  # fmt: skip
        draft = Draft(kind="invoice", issued_on=today, amount_kop=amount_kop, vat_pct=rate, vat_kop=line.vat_kop)
        made = await store(conn, tenant_id, draft, number, content)
        await _announce(kernel, conn, tenant_id, [made])
        if after is not None:
            await after(conn, [made])
        return made


async def _announce(kernel: KernelAPI, conn: Connection, tenant_id: uuid.UUID, made: list[Document]) -> None:
    """``billing_event("documents_made")`` in the transaction that stored them: e.g. a plugin
    e-mails the admins through the outbox that the month's documents are ready."""
    if kernel.plugins.implemented("billing_event"):
        documents = [{"id": str(d.id), "kind": d.kind, "number": d.number, "year": d.year, "title": d.title,
                      "amount_kop": d.amount_kop, "period_start": d.period_start and str(d.period_start),
                      "period_end": d.period_end and str(d.period_end), "path": f"{DOCUMENTS_PAGE}/{d.id}/pdf"}
                     for d in made]  # fmt: skip
        await kernel.plugins.emit("billing_event", tenant_id=tenant_id, conn=conn, kind="documents_made",
                                  payload={"documents": documents})  # fmt: skip


def month_bounds(first: dt.date, zone: zoneinfo.ZoneInfo) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """The month starting ``first``: its first day, the next month's first day, and both as
    instants in ``zone``."""
    end = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, end, dt.datetime.combine(first, dt.time(), zone), dt.datetime.combine(end, dt.time(), zone)


def parse_month(text: str, field: str = "month") -> dt.date:
    """"2026-11" → 2026-11-01, or a refusal naming the field."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise ValidationError("a month is written as YYYY-MM, e.g. 2026-11", field=field) from None


_SERVICES = """
SELECT kind, amount_kop, reason, created_at FROM billing_ledger
WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND kind <> 'call' ORDER BY id
"""
_CALLS = """
SELECT count(*) AS calls, coalesce(sum(-amount_kop), 0) AS amount_kop FROM billing_ledger
WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND kind = 'call'
"""
_BALANCE_BEFORE = "SELECT coalesce(sum(amount_kop), 0) FROM billing_ledger WHERE tenant_id = $1 AND created_at < $2"


async def close_month(
    kernel: KernelAPI, tenant_id: uuid.UUID, first: dt.date, *, now: dt.datetime | None = None,
    after: After | None = None,
) -> list[Document]:
    """The month's УПД (when it had services) and reconciliation act (when money moved): made
    now unless made before; the month must be over. Both, as stored."""
    now = now or dt.datetime.now(dt.UTC)
    async with kernel.db.tenant(tenant_id) as conn:
        tenant = await load_tenant(conn, tenant_id)
        zone = zoneinfo.ZoneInfo(tenant.time_zone)
        start, end, since, until = month_bounds(first.replace(day=1), zone)
        if now < until + GRACE:
            raise ValidationError("closing documents are made once the month is over", field="month")
        own, buyer, bank = await _parties(conn, tenant_id)
        last = end - dt.timedelta(days=1)
        # Both counters locked in one order (УПД, then the act): generators never deadlock, and
        # whoever comes second finds the month's documents made.
        upd_number = await lock_number(conn, "upd", last.year)
        act_number = await lock_number(conn, "reconciliation", last.year)
        made = [d for d in [await existing(conn, tenant_id, k, start) for k in ("upd", "reconciliation")] if d]
        if made:
            return made
        rate = await vat.rate_on(conn, last)
        lines: list[pdf.Line] = []
        entries: list[pdf.Entry] = []
        for row in await conn.fetch(_SERVICES, tenant_id, since, until):
            amount, on = row["amount_kop"], row["created_at"].astimezone(zone).date()
            if row["kind"] == "charge":
                lines.append(pdf.Line(name=row["reason"], amount_kop=-amount, vat_kop=vat.included(-amount, rate)))
            elif row["kind"] == "refund":
                name = f"Перерасчёт: {row['reason']}"
                lines.append(pdf.Line(name=name, amount_kop=-amount, vat_kop=vat.included(-amount, rate)))
            elif row["kind"] == "payment":
                entries.append(pdf.Entry(on=on, what=f"Оплата: {row['reason'] or 'платёж'}", credit_kop=amount))
            elif amount > 0:
                entries.append(pdf.Entry(on=on, what=f"Корректировка: {row['reason']}", credit_kop=amount))
            else:
                entries.append(pdf.Entry(on=on, what=f"Корректировка: {row['reason']}", debit_kop=-amount))
        calls = await conn.fetchrow(_CALLS, tenant_id, since, until)
        assert calls is not None  # an aggregate always answers a row
        if calls["amount_kop"]:
            name = f"Услуги связи: исходящие вызовы за {pdf.month_name(start)} ({calls['calls']} шт.)"
            amount = int(calls["amount_kop"])
            lines.append(pdf.Line(name=name, amount_kop=amount, vat_kop=vat.included(amount, rate)))
        opening = int(await conn.fetchval(_BALANCE_BEFORE, tenant_id, since))
        closing = int(await conn.fetchval(_BALANCE_BEFORE, tenant_id, until))
        documents: list[Document] = []
        services = sum(line.amount_kop for line in lines)
        if lines:
            content = await asyncio.to_thread(
                pdf.upd, number=upd_number, issued_on=last, created=until, period=(start, end), seller=own,
                bank=bank, buyer=buyer, lines=lines, vat_pct=rate,
            )  # fmt: skip
            draft = Draft(kind="upd", issued_on=last, amount_kop=services, vat_pct=rate,
                          vat_kop=sum(line.vat_kop for line in lines), period=(start, end))  # fmt: skip
            upd = await store(conn, tenant_id, draft, upd_number, content)
            documents.append(upd)
            entries.append(pdf.Entry(on=last, what=upd.title, debit_kop=services) if services >= 0 else
                           pdf.Entry(on=last, what=upd.title, credit_kop=-services))  # fmt: skip
        if entries:
            entries.sort(key=lambda e: e.on)
            content = await asyncio.to_thread(
                pdf.reconciliation, number=act_number, issued_on=last, created=until, period=(start, end),
                seller=own, bank=bank, buyer=buyer, opening_kop=opening, entries=entries, closing_kop=closing,
            )  # fmt: skip
            draft = Draft(kind="reconciliation", issued_on=last, amount_kop=max(-MAX_KOP, min(MAX_KOP, closing)),
                          vat_pct=None, vat_kop=0, period=(start, end))  # fmt: skip
            documents.append(await store(conn, tenant_id, draft, act_number, content))
        if documents:
            await _announce(kernel, conn, tenant_id, documents)
        if documents and after is not None:
            await after(conn, documents)
        return documents


def previous_month(now: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date:
    today = now.astimezone(zone).date()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


_DUE = """
SELECT r.tenant_id, t.time_zone,
       (SELECT max(d.period_start) FROM billing_documents d WHERE d.tenant_id = r.tenant_id
          AND d.kind IN ('upd', 'reconciliation')) AS closed_to
FROM billing_requisites r JOIN tenants t ON t.id = r.tenant_id
"""


async def close_due(kernel: KernelAPI, now: dt.datetime | None = None) -> int:
    """The previous month's documents of every tenant with requisites, where not made yet (and
    the operator has given its own); how many tenants got documents."""
    now = now or dt.datetime.now(dt.UTC)
    async with kernel.db.system() as conn:
        if await seller.load(conn) is None:
            return 0
        rows = await conn.fetch(_DUE)
    done = 0
    for row in rows:
        zone = zoneinfo.ZoneInfo(row["time_zone"])
        month = previous_month(now, zone)
        if (row["closed_to"] or dt.date.min) >= month or now < month_bounds(month, zone)[3] + GRACE:
            continue
        try:
            if await close_month(kernel, row["tenant_id"], month, now=now):
                done += 1
        except Exception:  # one tenant's failure must not stop the others' documents
            log.exception("billing: the closing documents of tenant %s for %s failed", row["tenant_id"], month)
    return done


async def worker(kernel: KernelAPI) -> None:
    """``vats serve``'s closing documents: a pass every ten minutes (cheap when nothing is due)."""
    while True:
        await close_due(kernel)
        await idle(RUN_EVERY_S)
