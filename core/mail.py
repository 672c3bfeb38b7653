"""Outgoing e-mail: through SMTP when VATS_SMTP_URL is set, otherwise into the dev inbox (a
table the operator reads with ``vats mail list``), so the demo works offline. Neither path
writes a message body (which may carry a link or a token) to the log."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
from vats.core.db.database import Database

log = logging.getLogger(__name__)


class Mail(msgspec.Struct, frozen=True, kw_only=True):
    to: str
    subject: str
    text: str


class StoredMail(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    to: str
    subject: str
    text: str
    created_at: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


class SmtpMailer:
    """``smtp://user:password@host:port`` (``smtps://`` for TLS; ``?starttls=1`` to upgrade)."""

    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("VATS_SMTP_URL must look like smtp://user:password@host:port")
        self.host = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.use_tls = parts.scheme == "smtps"
        self.start_tls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true")
        self.sender = sender

    async def send(self, mail: Mail) -> None:
        import aiosmtplib

        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        await aiosmtplib.send(
            message,
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            timeout=15,
        )
        log.info("mail sent to %s: %s", mail.to, mail.subject)


class DevInbox:
    """Keeps outgoing mail in the database instead of sending it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def send(self, mail: Mail) -> None:
        async with self.db.system() as conn:
            await conn.execute(
                "INSERT INTO dev_mail (to_address, subject, body) VALUES ($1, $2, $3)", mail.to, mail.subject, mail.text
            )
        log.info("mail to %s kept in the dev inbox: %s", mail.to, mail.subject)

    async def messages(self, to: str | None = None, limit: int = 50) -> list[StoredMail]:
        async with self.db.system() as conn:
            rows = await conn.fetch(
                "SELECT id, to_address, subject, body, created_at FROM dev_mail"
                " WHERE $1::text IS NULL OR lower(to_address) = lower($1) ORDER BY id DESC LIMIT $2",
                to,
                limit,
            )
        return [
            StoredMail(
                id=r["id"],
                to=r["to_address"],
                subject=r["subject"],
                text=r["body"],
                created_at=r["created_at"].isoformat(),
            )
            for r in rows
        ]
