"""What is sent when: billing's events (``billing_event``: low balance, a payment, a failed
autopay, the monthly charge, a number bought, non-payment warnings and suspension) and the
news that a migration finished (``migration_completed``). Everything is written in the
transaction of the event (outbox rows for e-mail and SMS, rows of the in-cabinet list), so it
goes out exactly when the event happened. Texts are the operator's where they overrode ours
(``texts.catalogue``). docs/notifications.md has the table of event x channel x recipients.

Low balance: each recipient with a threshold is *armed* while the balance is at or above it.
The change that takes the balance below the threshold disarms it and writes one warning, in
one UPDATE on the recipient's row: however many charges land at once (each changes the balance
under the account's row lock, so each sees its own before and after), only the one that
crosses finds the recipient armed. A balance back at or above the threshold arms it again.
A new recipient starts armed: the first change that finds the balance below its threshold
warns (the customer asked to know the balance is low).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from vats.core.db.database import Connection
from vats.core.mail import Mail, enqueue_mail
from vats.core.protocols import KernelAPI
from vats.plugins.notifications import inbox
from vats.plugins.notifications.sms import SmsLimitError, SmsPayload, enqueue_sms
from vats.plugins.notifications.texts import TEXTS, Catalogue, Language, catalogue, rubles, t

FINANCE = "/cabinet/settings/finance"  # billing's page (Мои финансы): where money news lead
NUMBERS = "/cabinet/settings/numbers"

# Disarm (and return) the verified recipients whose threshold the balance is now below; arm
# again those whose threshold it is back at or above. The two sets of rows are disjoint.
_CROSSED = """
WITH fired AS (
    UPDATE notification_recipients SET armed = false
    WHERE tenant_id = $1 AND armed AND verified_at IS NOT NULL AND threshold_kop > $2
    RETURNING id, kind, address, language, threshold_kop
), rearmed AS (
    UPDATE notification_recipients SET armed = true
    WHERE tenant_id = $1 AND NOT armed AND threshold_kop <= $2
)
SELECT * FROM fired
"""

# Fields of a message in a language: what its texts fill in.
Fields = Callable[[Language], dict[str, object]]


async def _company(conn: Connection, tenant_id: uuid.UUID) -> str:
    name: str = await conn.fetchval("SELECT name FROM tenants WHERE id = $1", tenant_id)
    return name


async def _sms(conn: Connection, tenant_id: uuid.UUID, kind: str, payload: SmsPayload) -> int | None:
    try:
        async with conn.transaction():  # a refused SMS must not undo the event
            return await enqueue_sms(conn, tenant_id=tenant_id, kind=kind, payload=payload)
    except SmsLimitError:
        return None  # the day's SMS are spent; the other channels still carry the news


async def balance_changed(conn: Connection, kernel: KernelAPI, tenant_id: uuid.UUID, after_kop: int) -> list[int]:
    """Write the warnings this change causes; returns their outbox ids."""
    fired = await conn.fetch(_CROSSED, tenant_id, after_kop)
    if not fired:
        return []
    company = await _company(conn, tenant_id)
    texts = await catalogue(conn)
    written = []
    for r in fired:
        fields = _fields(company, after_kop, r["threshold_kop"], r["language"])
        if r["kind"] == "telegram":
            threshold = r["threshold_kop"]
            by_language = {lang: texts.t(lang, "low_balance_sms", **_fields(company, after_kop, threshold, lang))
                           for lang in ("ru", "en")}  # fmt: skip
            await kernel.plugins.emit(
                "message_employees", tenant_id=tenant_id, conn=conn, employee_ids=[uuid.UUID(r["address"])],
                kind="notifications.low_balance", texts=by_language,
            )  # fmt: skip
        elif r["kind"] == "email":
            mail = Mail(
                to=r["address"], subject=texts.t(r["language"], "low_balance_subject", **fields),
                text=texts.t(r["language"], "low_balance_body", **fields),
            )  # fmt: skip
            written.append(await enqueue_mail(conn, tenant_id=tenant_id, kind="notifications.low_balance", mail=mail))
        else:
            text = texts.t(r["language"], "low_balance_sms", **fields)
            payload = SmsPayload(to=r["address"], text=text, recipient_id=r["id"])
            sms = await _sms(conn, tenant_id, "low_balance", payload)
            if sms is not None:
                written.append(sms)
    # The admins' bell: once per crossing (of the highest threshold crossed), never a flood.
    highest = max(r["threshold_kop"] for r in fired)
    await _to_cabinet(conn, tenant_id, texts, "low_balance", lambda lang: _fields(company, after_kop, highest, lang),
                      FINANCE)  # fmt: skip
    return written


def _fields(company: str, after_kop: int, threshold_kop: int, language: Language) -> dict[str, object]:
    return {"company": company, "balance": rubles(after_kop, language), "threshold": rubles(threshold_kop, language)}


async def _to_cabinet(
    conn: Connection, tenant_id: uuid.UUID, texts: Catalogue, event: str, fields: Fields, link: str | None
) -> list[int]:
    """The admins' in-cabinet notification: the message's subject and body."""
    subject, body = _keys(event)

    def render(language: Language) -> tuple[str, str]:
        values = fields(language)
        return texts.t(language, subject, **values), texts.t(language, body, **values)

    return await inbox.notify_admins(conn, tenant_id, f"notifications.{event}", render, link)


def _keys(event: str) -> tuple[str, str]:
    prefix = {"payment": "payment", "monthly_charge": "monthly", "number_bought": "number"}.get(event, event)
    return f"{prefix}_subject", f"{prefix}_body"


async def _announce(
    conn: Connection, tenant_id: uuid.UUID, event: str, fields: Callable[[Language, str], dict[str, object]],
    *, link: str | None, sms: bool = False,
) -> list[int]:  # fmt: skip
    """An event's message to every confirmed e-mail recipient (and SMS recipient, when ``sms``),
    in each one's language, and to the admins' bell; returns the outbox ids."""
    texts = await catalogue(conn)
    company = await _company(conn, tenant_id)
    subject, body = _keys(event)
    kinds = ["email", "sms"] if sms else ["email"]
    rows = await conn.fetch(
        "SELECT id, kind, address, language FROM notification_recipients"
        " WHERE tenant_id = $1 AND kind = ANY($2::text[]) AND verified_at IS NOT NULL ORDER BY kind, address",
        tenant_id, kinds,
    )  # fmt: skip
    written = []
    for r in rows:
        values = fields(r["language"], company)
        if r["kind"] == "email":
            mail = Mail(to=r["address"], subject=texts.t(r["language"], subject, **values),
                        text=texts.t(r["language"], body, **values))  # fmt: skip
            written.append(await enqueue_mail(conn, tenant_id=tenant_id, kind=f"notifications.{event}", mail=mail))
        else:
            text = texts.t(r["language"], f"{event}_sms", **values)
            sent = await _sms(conn, tenant_id, event, SmsPayload(to=r["address"], text=text, recipient_id=r["id"]))
            if sent is not None:
                written.append(sent)
    await _to_cabinet(conn, tenant_id, texts, event, lambda lang: fields(lang, company), link)
    return written


async def payment_received(conn: Connection, tenant_id: uuid.UUID, amount_kop: int, balance_kop: int) -> list[int]:
    """A receipt to every confirmed e-mail recipient (not by SMS: a receipt is not worth one)."""

    def fields(language: Language, company: str) -> dict[str, object]:
        return {"company": company, "amount": rubles(amount_kop, language), "balance": rubles(balance_kop, language)}

    return await _announce(conn, tenant_id, "payment", fields, link=FINANCE)


async def autopay_failed(conn: Connection, tenant_id: uuid.UUID, reason: str, amount_kop: int) -> list[int]:
    """The card was not charged (declined, card expired, the month's limit reached): the e-mail
    recipients hear why, so they can pay by hand before calls stop."""

    def fields(language: Language, company: str) -> dict[str, object]:
        why = t(language, f"autopay_{reason}") if f"autopay_{reason}" in TEXTS else t(language, "autopay_declined")
        return {"company": company, "amount": rubles(amount_kop, language), "reason": why}

    return await _announce(conn, tenant_id, "autopay_failed", fields, link=FINANCE)


def _date(value: object, language: Language) -> str:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day:%d.%m.%Y}" if language == "ru" else f"{day:%Y-%m-%d}"


async def monthly_charge(conn: Connection, tenant_id: uuid.UUID, payload: dict[str, Any]) -> list[int]:
    """A month charged in advance (``period_start`` .. ``period_end``, exclusive; ``total_kop``,
    ``items``): what it cost, item by item, to the e-mail recipients and the admins' bell."""
    total = int(payload["total_kop"])
    items = [i for i in payload.get("items") or [] if isinstance(i, dict)]
    last = dt.date.fromisoformat(str(payload["period_end"])) - dt.timedelta(days=1)

    def fields(language: Language, company: str) -> dict[str, object]:
        lines = []
        for i in items:
            quantity = int(i.get("quantity") or 1)
            times = f" × {quantity}" if quantity > 1 else ""
            lines.append(f"{i.get('name', '')}{times}: {rubles(int(i.get('amount_kop') or 0), language)}")
        period = f"{_date(payload['period_start'], language)}–{_date(last, language)}"
        return {"company": company, "amount": rubles(total, language), "period": period, "items": "\n".join(lines)}

    return await _announce(conn, tenant_id, "monthly_charge", fields, link=FINANCE)


async def number_bought(conn: Connection, tenant_id: uuid.UUID, payload: dict[str, Any]) -> list[int]:
    """A number bought from the operator's catalogue (billing's payload: ``number`` in E.164,
    ``charged_kop`` taken at once, ``monthly_kop`` its monthly fee, ``city``, ...)."""
    number = str(payload.get("number") or "")
    charged = int(payload.get("charged_kop") or payload.get("price_kop") or 0)
    fee = int(payload.get("monthly_kop") or 0)

    def fields(language: Language, company: str) -> dict[str, object]:
        return {
            "company": company, "number": number, "amount": rubles(charged, language), "monthly": rubles(fee, language),
            "city": str(payload.get("city") or ""),
        }  # fmt: skip

    return await _announce(conn, tenant_id, "number_bought", fields, link=NUMBERS)


async def non_payment(conn: Connection, tenant_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> list[int]:
    """``suspension_warning`` (each of the last days before) and ``tenant_suspended``: by e-mail,
    SMS and the bell (calls are about to stop, or stopped: worth an SMS)."""
    event = "suspended" if kind == "tenant_suspended" else "suspension_warning"
    balance, limit = int(payload["balance_kop"]), int(payload.get("credit_limit_kop") or 0)

    def fields(language: Language, company: str) -> dict[str, object]:
        return {
            "company": company, "balance": rubles(balance, language), "limit": rubles(-limit, language),
            "date": _date(payload.get("suspend_on", ""), language), "days": int(payload.get("days_left") or 0),
        }  # fmt: skip

    return await _announce(conn, tenant_id, event, fields, link=FINANCE, sms=True)


async def documents_made(conn: Connection, tenant_id: uuid.UUID, payload: dict[str, Any], base_url: str) -> list[int]:
    """An invoice or a month's closing documents (billing's ``documents``: ``title``,
    ``amount_kop``, ``path`` of the PDF in the cabinet): each with its link, by e-mail and bell."""
    documents = [d for d in payload.get("documents") or [] if isinstance(d, dict)]
    if not documents:
        return []

    def fields(language: Language, company: str) -> dict[str, object]:
        lines = [
            f"{d.get('title', '')}: {rubles(int(d.get('amount_kop') or 0), language)} — {base_url}{d.get('path', '')}"
            for d in documents
        ]
        return {"company": company, "documents": "\n".join(lines)}

    return await _announce(conn, tenant_id, "documents", fields, link=FINANCE)


async def legacy_tariff(conn: Connection, tenant_id: uuid.UUID, event: str, payload: dict[str, Any]) -> list[int]:
    """A migrated PBX's legacy tariff ends (billing's ``tariff_change_soon``: ``from_name``,
    ``to_name``, ``switch_on``, ``monthly_then_kop``) or ended (``tariff_changed`` with ``reason``
    ``legacy_ended``: ``monthly_kop``, ``charged_kop``): ``event`` ``tariff_change_soon`` or
    ``legacy_ended``, by e-mail and the admins' bell."""
    monthly = int(payload.get("monthly_then_kop") or payload.get("monthly_kop") or 0)
    charged = int(payload.get("charged_kop") or 0)

    def fields(language: Language, company: str) -> dict[str, object]:
        return {
            "company": company, "tariff": str(payload.get("from_name") or payload.get("from") or ""),
            "target": str(payload.get("to_name") or payload.get("to") or ""), "monthly": rubles(monthly, language),
            "date": _date(payload.get("switch_on", ""), language), "amount": rubles(charged, language),
        }  # fmt: skip

    return await _announce(conn, tenant_id, event, fields, link=FINANCE)


async def migration_completed(conn: Connection, tenant_id: uuid.UUID, summary: dict[str, Any]) -> list[int]:
    """Tell the tenant's admins that their migration finished: by e-mail to their log-in address
    and on their bell, each in their language (else the PBX's)."""
    company = await _company(conn, tenant_id)
    texts = await catalogue(conn)
    admins = await conn.fetch(
        "SELECT e.email, coalesce(e.language, t.language) AS language FROM employees e"
        " JOIN tenants t ON t.id = e.tenant_id WHERE e.tenant_id = $1 AND e.role = 'admin' ORDER BY e.email",
        tenant_id,
    )
    counts = summary.get("counts") or {}
    lines = [f"{name}: {count}" for name, count in sorted(counts.items())] if isinstance(counts, dict) else []
    lines += [f"! {w}" for w in summary.get("warnings") or [] if isinstance(w, str)]

    def fields(_language: Language) -> dict[str, object]:
        return {"company": company, "summary": "\n".join(lines)}

    written = []
    for admin in admins:
        language: Language = "en" if admin["language"] == "en" else "ru"
        mail = Mail(
            to=admin["email"], subject=texts.t(language, "migration_subject", **fields(language)),
            text=texts.t(language, "migration_body", **fields(language)),
        )  # fmt: skip
        written.append(await enqueue_mail(conn, tenant_id=tenant_id, kind="notifications.migration", mail=mail))
    await _to_cabinet(conn, tenant_id, texts, "migration", fields, None)
    return written
