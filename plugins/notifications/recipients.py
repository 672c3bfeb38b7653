"""Notification recipients of a tenant: e-mail addresses and mobile numbers, each with its
low-balance threshold. A new one gets its verification (a single-use link that expires, or an
SMS code) and receives nothing else until confirmed; removing one stops its delivery at once
(what waits in the outbox for it goes too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from typing import Annotated, Any, Literal

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ConflictError, NotFoundError, ValidationError
from vats.core.mail import Mail, enqueue_mail
from vats.core.protocols import KernelAPI
from vats.plugins.notifications.sms import CODE_LIFETIME, PRINTABLE, SmsPayload, enqueue_sms, parse_mobile, sms_sender
from vats.plugins.notifications.texts import t

LANGUAGES: tuple[Language, ...] = ("ru", "en")
LINK_LIFETIME = dt.timedelta(hours=24)
MAX_CODE_TRIES = 5
MAX_THRESHOLD_KOP = 10**12
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
VERIFY_PATH = "/notifications/verify"

Kind = Literal["email", "sms", "telegram"]
Language = Literal["ru", "en"]


class RecipientIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Kind
    address: Annotated[
        str, msgspec.Meta(min_length=3, max_length=320, pattern=PRINTABLE, examples=["buh@example.ru", "+79031234567"])
    ]
    # Warn when the balance falls below this many kopecks (None: no low-balance warnings).
    threshold_kop: Annotated[int, msgspec.Meta(ge=0, le=MAX_THRESHOLD_KOP, examples=[100000])] | None = None
    language: Language = "ru"


class RecipientChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    threshold_kop: Annotated[int, msgspec.Meta(ge=0, le=MAX_THRESHOLD_KOP)] | None = None
    language: Language = "ru"


class Recipient(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: Kind
    address: str
    threshold_kop: int | None
    language: Language
    verified: bool
    created_at: dt.datetime


class Sent(msgspec.Struct, kw_only=True):
    """What was written for sending after the transaction: e-mail and SMS outbox ids."""

    mail: list[int] = []
    sms: list[int] = []


async def send_now(kernel: KernelAPI, sent: Sent) -> None:
    """Send what a committed transaction wrote at once; a failure is left to the workers."""
    if sent.mail:
        await kernel.mail.deliver(sent.mail)
    if sent.sms:
        await sms_sender(kernel).deliver(sent.sms)


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def parse_email(text: str, field: str = "address") -> str:
    address = text.strip().lower()
    if not EMAIL.match(address):
        raise ValidationError("an e-mail address with a domain, such as buh@example.ru", field=field)
    return address


def parse_address(kind: Kind, text: str) -> str:
    if kind == "telegram":  # an employee's id: the bot reaches them if they linked it
        try:
            return str(uuid.UUID(text.strip()))
        except ValueError:
            raise ValidationError("an employee's id", field="address") from None
    return parse_email(text) if kind == "email" else parse_mobile(text)


def _recipient(r: Any) -> Recipient:
    return Recipient(
        id=r["id"], kind=r["kind"], address=r["address"], threshold_kop=r["threshold_kop"], language=r["language"],
        verified=r["verified_at"] is not None, created_at=r["created_at"],
    )  # fmt: skip


COLUMNS = "id, kind, address, threshold_kop, language, verified_at, created_at"


async def listing(conn: Connection, tenant_id: uuid.UUID) -> list[Recipient]:
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM notification_recipients WHERE tenant_id = $1 ORDER BY kind, address", tenant_id
    )
    return [_recipient(r) for r in rows]


async def add(conn: Connection, kernel: KernelAPI, tenant_id: uuid.UUID, data: RecipientIn) -> tuple[Recipient, Sent]:
    address = parse_address(data.kind, data.address)
    if data.kind == "telegram" and not await conn.fetchval(
        "SELECT true FROM employees WHERE tenant_id = $1 AND id = $2", tenant_id, uuid.UUID(address)
    ):
        raise ValidationError("no such employee", field="address")
    row = await conn.fetchrow(
        "INSERT INTO notification_recipients (tenant_id, kind, address, threshold_kop, language)"
        f" VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING {COLUMNS}",
        tenant_id, data.kind, address, data.threshold_kop, data.language,
    )  # fmt: skip
    if row is None:
        raise ConflictError("this address is already listed", field="address")
    recipient = _recipient(row)
    sent = await send_verification(conn, kernel, tenant_id, recipient)
    if recipient.kind == "telegram":  # the bot reached them: confirmed
        recipient = msgspec.structs.replace(recipient, verified=True)
    return recipient, sent


async def send_verification(conn: Connection, kernel: KernelAPI, tenant_id: uuid.UUID, recipient: Recipient) -> Sent:
    """A new link or code (the previous one stops working), written for sending; a Telegram
    recipient is confirmed by the bot reaching them (or refused when it cannot)."""
    if recipient.verified:
        raise ValidationError("this address is already confirmed", field="id")
    company = await conn.fetchval("SELECT name FROM tenants WHERE id = $1", tenant_id)
    if recipient.kind == "telegram":
        texts = {lang: t(lang, "telegram_welcome", company=company) for lang in LANGUAGES}
        reached = await kernel.plugins.emit(
            "message_employees", tenant_id=tenant_id, conn=conn, employee_ids=[uuid.UUID(recipient.address)],
            kind="notifications.verify", texts=texts,
        )  # fmt: skip
        if not sum(reached):
            raise ValidationError("this employee has not linked the Telegram bot", field="address")
        await conn.execute(
            "UPDATE notification_recipients SET verified_at = now() WHERE tenant_id = $1 AND id = $2",
            tenant_id, recipient.id,
        )  # fmt: skip
        return Sent()
    if recipient.kind == "email":
        token = secrets.token_urlsafe(32)
        lifetime = LINK_LIFETIME
        link = f"{kernel.config.base_url}{VERIFY_PATH}?token={token}"
        mail = Mail(
            to=recipient.address,
            subject=t(recipient.language, "verify_subject", company=company),
            text=t(recipient.language, "verify_body", company=company, link=link),
        )
        secret = token
    else:
        secret = f"{secrets.randbelow(10**6):06d}"
        lifetime = CODE_LIFETIME
    await conn.execute(
        "UPDATE notification_recipients SET secret_hash = $3, secret_expires = now() + $4::interval, secret_tries = 0"
        " WHERE tenant_id = $1 AND id = $2",
        tenant_id, recipient.id, _hash(secret if recipient.kind == "email" else f"{recipient.id}:{secret}"), lifetime,
    )  # fmt: skip
    if recipient.kind == "email":
        return Sent(mail=[await enqueue_mail(conn, tenant_id=tenant_id, kind="notifications.verify", mail=mail)])
    text = t(recipient.language, "sms_code", company=company, code=secret)
    payload = SmsPayload(to=recipient.address, text=text, recipient_id=recipient.id)
    return Sent(sms=[await enqueue_sms(conn, tenant_id=tenant_id, kind="code", payload=payload)])


async def get(conn: Connection, tenant_id: uuid.UUID, recipient_id: uuid.UUID) -> Recipient:
    row = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM notification_recipients WHERE tenant_id = $1 AND id = $2", tenant_id, recipient_id
    )
    if row is None:
        raise NotFoundError("no such recipient", field="id")
    return _recipient(row)


async def change(conn: Connection, tenant_id: uuid.UUID, recipient_id: uuid.UUID, data: RecipientChange) -> Recipient:
    # A new threshold is armed: the next fall below it warns.
    row = await conn.fetchrow(
        "UPDATE notification_recipients SET threshold_kop = $3, language = $4,"
        " armed = armed OR threshold_kop IS DISTINCT FROM $3"
        f" WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}",
        tenant_id, recipient_id, data.threshold_kop, data.language,
    )  # fmt: skip
    if row is None:
        raise NotFoundError("no such recipient", field="id")
    return _recipient(row)


async def remove(conn: Connection, tenant_id: uuid.UUID, recipient_id: uuid.UUID) -> None:
    """Delete the recipient and whatever still waits to be sent to it."""
    row = await conn.fetchrow(
        "DELETE FROM notification_recipients WHERE tenant_id = $1 AND id = $2 RETURNING kind, address",
        tenant_id, recipient_id,
    )  # fmt: skip
    if row is None:
        raise NotFoundError("no such recipient", field="id")
    if row["kind"] == "telegram":
        await conn.execute(
            "DELETE FROM outbox WHERE tenant_id = $1 AND channel = 'telegram' AND kind LIKE 'notifications.%'"
            " AND payload->>'employee_id' = $2 AND sent_at IS NULL",
            tenant_id, row["address"],
        )  # fmt: skip
    elif row["kind"] == "email":
        await conn.execute(
            "DELETE FROM outbox WHERE tenant_id = $1 AND channel = 'mail' AND kind LIKE 'notifications.%'"
            " AND payload->>'to' = $2 AND sent_at IS NULL",
            tenant_id, row["address"],
        )  # fmt: skip
    else:
        await conn.execute(
            "DELETE FROM outbox WHERE tenant_id = $1 AND channel = 'sms' AND payload->>'recipient_id' = $2"
            " AND sent_at IS NULL",
            tenant_id, str(recipient_id),
        )  # fmt: skip


async def confirm_link(conn: Connection, token: str) -> None:
    """The e-mail link: confirms its address once (``conn`` sees every tenant: the link is all
    the visitor has)."""
    done = await conn.fetchval(
        "UPDATE notification_recipients SET verified_at = now(), secret_hash = NULL, secret_expires = NULL"
        " WHERE secret_hash = $1 AND kind = 'email' AND verified_at IS NULL AND secret_expires > now() RETURNING id",
        _hash(token.strip()),
    )
    if done is None:
        raise ValidationError("the link is not valid: it was used, replaced or has expired", field="token")


async def confirm_code(conn: Connection, tenant_id: uuid.UUID, recipient_id: uuid.UUID, code: str) -> Recipient:
    row = await conn.fetchrow(
        "SELECT kind, verified_at, secret_hash, secret_expires > now() AS fresh, secret_tries"
        " FROM notification_recipients WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        tenant_id, recipient_id,
    )  # fmt: skip
    if row is None:
        raise NotFoundError("no such recipient", field="id")
    if row["kind"] != "sms" or row["verified_at"] is not None or row["secret_hash"] is None:
        raise ValidationError("no code is waiting for this recipient", field="code")
    if not row["fresh"] or row["secret_tries"] >= MAX_CODE_TRIES:
        raise ValidationError("the code has expired or was mistyped too often: send a new one", field="code")
    if not secrets.compare_digest(row["secret_hash"], _hash(f"{recipient_id}:{code.strip()}")):
        await conn.execute(
            "UPDATE notification_recipients SET secret_tries = secret_tries + 1 WHERE tenant_id = $1 AND id = $2",
            tenant_id, recipient_id,
        )  # fmt: skip
        raise WrongCode("the code is wrong", field="code")
    await conn.execute(
        "UPDATE notification_recipients SET verified_at = now(), secret_hash = NULL, secret_expires = NULL"
        " WHERE tenant_id = $1 AND id = $2",
        tenant_id, recipient_id,
    )  # fmt: skip
    return await get(conn, tenant_id, recipient_id)


class WrongCode(ValidationError):
    """A mistyped code: its try must be counted, so the caller commits before answering."""
