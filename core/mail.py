"""Outgoing e-mail: through SMTP when VATS_SMTP_URL is set, otherwise into the dev inbox (a
table the operator reads with ``vats mail list``), so the demo works offline. Neither path
writes a message body (which may carry a link or a token) to the log.

Every letter goes through the kernel's outbox (channel ``mail``): :func:`enqueue_mail` writes
it in the transaction that causes it (the invitation's token, say), the caller then sends it at
once with ``Sender.deliver([id])``, and the background sender (:func:`mail_worker`, run by
``vats serve``) retries what failed, with backoff."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
from vats.core.db.database import Connection, Database
from vats.core.outbox import Item, Outcome, Refused, Rejected, RetryPolicy, Sender, Sent, Unknown, enqueue

if TYPE_CHECKING:
    from vats.core.config import Config
    from vats.core.protocols import KernelAPI

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
    async def send(self, mail: Mail) -> str | None:
        """Hand the letter over; returns the server's answer (a reference), raises on failure."""
        ...


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

    async def send(self, mail: Mail) -> str | None:
        import aiosmtplib

        # compat32's Header, not EmailMessage's folding: the latter drops the space where it folds
        # a long non-ASCII subject between two encoded words ("подключён к" became "подключёнк").
        message = MIMEText(mail.text, "plain", "utf-8")
        message["From"] = formataddr(parseaddr(self.sender), "utf-8")  # a display name in Russian, encoded
        message["To"] = mail.to
        message["Subject"] = Header(mail.subject, "utf-8")  # type: ignore[assignment]  # compat32 takes a Header
        _errors, answer = await aiosmtplib.send(
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
        return answer[:200]


class DevInbox:
    """Keeps outgoing mail in the database instead of sending it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def send(self, mail: Mail) -> str | None:
        async with self.db.system() as conn:
            kept = await conn.fetchval(
                "INSERT INTO dev_mail (to_address, subject, body) VALUES ($1, $2, $3) RETURNING id",
                mail.to, mail.subject, mail.text,
            )  # fmt: skip
        log.info("mail to %s kept in the dev inbox: %s", mail.to, mail.subject)
        return f"dev_mail {kept}"

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


# --- through the outbox -------------------------------------------------------------------

CHANNEL = "mail"
RETRY = RetryPolicy(base_delay_s=30.0, max_delay_s=3600.0, max_attempts=12, give_up_after=dt.timedelta(days=2))


def mailer_for(config: Config, db: Database) -> Mailer:
    if config.smtp_url:
        return SmtpMailer(config.smtp_url, config.mail_from)
    return DevInbox(db)


async def enqueue_mail(conn: Connection, *, tenant_id: uuid.UUID, kind: str, mail: Mail) -> int:
    """Write a letter to send once the caller's transaction commits; returns its outbox id."""
    return await enqueue(conn, tenant_id=tenant_id, channel=CHANNEL, kind=kind, payload=mail)


class MailChannel:
    """Hands one letter to the mailer and says how it went (SMTP's answer codes: 4xx is "not
    now", 5xx is "never"; a connection lost after the letter went out may have delivered it)."""

    name = CHANNEL

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    async def send(self, item: Item) -> Outcome:
        import aiosmtplib

        mail = msgspec.convert(item.payload, Mail)
        try:
            answer = await self.mailer.send(mail)
        except aiosmtplib.SMTPConnectError as exc:  # never connected (refused, timed out): not sent
            return Refused(f"{type(exc).__name__}: {exc}")
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(code >= 500 for code in codes):
                return Rejected(f"recipient refused ({', '.join(map(str, codes))})", status=codes[0])
            return Refused(f"recipient refused for now ({', '.join(map(str, codes))})", status=codes[0])
        except aiosmtplib.SMTPAuthenticationError as exc:  # the operator's setting: fixable, retry
            return Refused(f"SMTP authentication failed ({exc.code})", status=exc.code)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                return Rejected(f"SMTP {exc.code}: {exc.message}", status=exc.code)
            return Refused(f"SMTP {exc.code}: {exc.message}", status=exc.code)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            return Unknown(f"{type(exc).__name__}: {exc}")  # the server may have taken it
        return Sent(answer)


def mail_sender(db: Database, mailer: Mailer, *, retry: RetryPolicy = RETRY, poll_s: float = 5.0) -> Sender:
    return Sender(db, MailChannel(mailer), retry=retry, poll_s=poll_s)


async def mail_worker(kernel: KernelAPI) -> None:
    """Retries the letters that could not be sent at once (``vats serve`` runs it)."""
    await mail_sender(kernel.db, mailer_for(kernel.config, kernel.db)).run()
