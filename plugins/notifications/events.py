"""What is sent when: the low-balance warning (from billing's ``billing_event``) and the news
that a migration finished (``migration_completed``). Everything is written to the outbox in the
transaction of the event, so it goes out exactly when the event happened.

Low balance: each recipient with a threshold is *armed* while the balance is at or above it.
The change that takes the balance below the threshold disarms it and writes one warning, in
one UPDATE on the recipient's row: however many charges land at once (each changes the balance
under the account's row lock, so each sees its own before and after), only the one that
crosses finds the recipient armed. A balance back at or above the threshold arms it again.
A new recipient starts armed: the first change that finds the balance below its threshold
warns (the customer asked to know the balance is low).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from vats.core.db.database import Connection
from vats.core.mail import Mail, enqueue_mail
from vats.core.protocols import KernelAPI
from vats.plugins.notifications.sms import SmsLimitError, SmsPayload, enqueue_sms
from vats.plugins.notifications.texts import TEXTS, Language, rubles, t

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


async def balance_changed(conn: Connection, kernel: KernelAPI, tenant_id: uuid.UUID, after_kop: int) -> list[int]:
    """Write the warnings this change causes; returns their outbox ids."""
    fired = await conn.fetch(_CROSSED, tenant_id, after_kop)
    if not fired:
        return []
    company = await conn.fetchval("SELECT name FROM tenants WHERE id = $1", tenant_id)
    written = []
    for r in fired:
        fields = {
            "company": company, "balance": rubles(after_kop, r["language"]),
            "threshold": rubles(r["threshold_kop"], r["language"]),
        }  # fmt: skip
        if r["kind"] == "telegram":
            texts = {lang: t(lang, "low_balance_sms", **_fields(company, after_kop, r["threshold_kop"], lang))
                     for lang in ("ru", "en")}  # fmt: skip
            await kernel.plugins.emit(
                "message_employees", tenant_id=tenant_id, conn=conn, employee_ids=[uuid.UUID(r["address"])],
                kind="notifications.low_balance", texts=texts,
            )  # fmt: skip
        elif r["kind"] == "email":
            mail = Mail(
                to=r["address"], subject=t(r["language"], "low_balance_subject", **fields),
                text=t(r["language"], "low_balance_body", **fields),
            )  # fmt: skip
            written.append(await enqueue_mail(conn, tenant_id=tenant_id, kind="notifications.low_balance", mail=mail))
        else:
            text = t(r["language"], "low_balance_sms", **fields)
            payload = SmsPayload(to=r["address"], text=text, recipient_id=r["id"])
            try:
                async with conn.transaction():  # a refused SMS must not undo the charge
                    written.append(await enqueue_sms(conn, tenant_id=tenant_id, kind="low_balance", payload=payload))
            except SmsLimitError:
                pass  # the day's SMS are spent; the e-mail recipients are still warned
    return written


def _fields(company: str, after_kop: int, threshold_kop: int, language: Language) -> dict[str, object]:
    return {"company": company, "balance": rubles(after_kop, language), "threshold": rubles(threshold_kop, language)}


async def _to_email_recipients(
    conn: Connection, tenant_id: uuid.UUID, kind: str, texts: Callable[[Language, str], tuple[str, str]]
) -> list[int]:
    """One letter to every confirmed e-mail recipient; ``texts(language, company)`` gives its
    subject and body in the recipient's language."""
    rows = await conn.fetch(
        "SELECT address, language FROM notification_recipients"
        " WHERE tenant_id = $1 AND kind = 'email' AND verified_at IS NOT NULL ORDER BY address",
        tenant_id,
    )
    if not rows:
        return []
    company = await conn.fetchval("SELECT name FROM tenants WHERE id = $1", tenant_id)
    written = []
    for r in rows:
        subject, body = texts(r["language"], company)
        mail = Mail(to=r["address"], subject=subject, text=body)
        written.append(await enqueue_mail(conn, tenant_id=tenant_id, kind=kind, mail=mail))
    return written


async def payment_received(conn: Connection, tenant_id: uuid.UUID, amount_kop: int, balance_kop: int) -> list[int]:
    """A receipt to every confirmed e-mail recipient (not by SMS: a receipt is not worth one)."""

    def texts(language: Language, company: str) -> tuple[str, str]:
        fields = {"company": company, "amount": rubles(amount_kop, language), "balance": rubles(balance_kop, language)}
        return t(language, "payment_subject", **fields), t(language, "payment_body", **fields)

    return await _to_email_recipients(conn, tenant_id, "notifications.payment", texts)


async def autopay_failed(conn: Connection, tenant_id: uuid.UUID, reason: str, amount_kop: int) -> list[int]:
    """The card was not charged (declined, card expired, the month's limit reached): the e-mail
    recipients hear why, so they can pay by hand before calls stop."""

    def texts(language: Language, company: str) -> tuple[str, str]:
        why = t(language, f"autopay_{reason}") if f"autopay_{reason}" in TEXTS else t(language, "autopay_declined")
        fields = {"company": company, "amount": rubles(amount_kop, language), "reason": why}
        return t(language, "autopay_failed_subject", **fields), t(language, "autopay_failed_body", **fields)

    return await _to_email_recipients(conn, tenant_id, "notifications.autopay_failed", texts)


async def migration_completed(conn: Connection, tenant_id: uuid.UUID, summary: dict[str, Any]) -> list[int]:
    """Tell the tenant's admins by e-mail that their migration finished (in Russian: employees
    have no language of their own yet)."""
    company = await conn.fetchval("SELECT name FROM tenants WHERE id = $1", tenant_id)
    admins = await conn.fetch(
        "SELECT email FROM employees WHERE tenant_id = $1 AND role = 'admin' ORDER BY email",
        tenant_id,
    )
    counts = summary.get("counts") or {}
    lines = [f"{name}: {count}" for name, count in sorted(counts.items())] if isinstance(counts, dict) else []
    lines += [f"! {w}" for w in summary.get("warnings") or [] if isinstance(w, str)]
    written = []
    for admin in admins:
        language: Language = "ru"
        mail = Mail(
            to=admin["email"], subject=t(language, "migration_subject", company=company),
            text=t(language, "migration_body", company=company, summary="\n".join(lines)),
        )  # fmt: skip
        written.append(await enqueue_mail(conn, tenant_id=tenant_id, kind="notifications.migration", mail=mail))
    return written
