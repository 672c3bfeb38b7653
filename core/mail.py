"""Outgoing e-mail: through SMTP when VATS_SMTP_URL is set, otherwise into the dev inbox (a
table the operator reads with ``vats mail list``), so the demo works offline. Neither path
writes a message body (which may carry a link or a token) to the log.

A letter may carry attachments (:class:`Attachment`: a file name, a MIME type, and the bytes or
the path of a file). One with attachments is written out piece by piece as it goes over the SMTP
connection (the file read 57 KB at a time, base64-encoded on the way), so a large report is held
in memory neither whole nor twice; the dev inbox keeps only the attachments' names and sizes.
Put only small ``content`` in the outbox (its payload is JSON): a large file is better made by
the channel that sends it (as billing's e-mailed call detail report does) and given as ``path``.

Every letter goes through the kernel's outbox (channel ``mail``): :func:`enqueue_mail` writes
it in the transaction that causes it (the invitation's token, say), the caller then sends it at
once with ``Sender.deliver([id])``, and the background sender (:func:`mail_worker`, run by
``vats serve``) retries what failed, with backoff."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import os
import uuid
from collections.abc import AsyncIterator
from email.header import Header
from email.mime.text import MIMEText
from email.utils import encode_rfc2231, formataddr, formatdate, make_msgid, parseaddr
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
from vats.core.db.database import Connection, Database
from vats.core.outbox import Item, Outcome, Refused, Rejected, RetryPolicy, Sender, Sent, Unknown, enqueue

if TYPE_CHECKING:
    from vats.core.config import Config
    from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)


PIECE = 57 * 1024  # bytes of a file read at a time: whole base64 lines of 76 characters (57 bytes each)


class Attachment(msgspec.Struct, frozen=True, kw_only=True):
    """A file sent with a letter: its ``content`` (small ones) or the ``path`` of a file read
    piece by piece as the letter goes out (large ones); exactly one of the two."""

    filename: str
    mime_type: str
    content: bytes | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        if (self.content is None) == (self.path is None):
            raise ValueError("an attachment has either content or a path")

    def size(self) -> int:
        return len(self.content) if self.content is not None else os.path.getsize(self.path or "")

    async def pieces(self) -> AsyncIterator[bytes]:
        """The file in pieces of :data:`PIECE` bytes (read off the event loop)."""
        if self.content is not None:
            for start in range(0, len(self.content), PIECE):
                yield self.content[start : start + PIECE]
            return
        with open(self.path or "", "rb") as file:  # noqa: ASYNC230  # each read below goes to a thread
            while piece := await asyncio.to_thread(file.read, PIECE):
                yield piece


class Mail(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    to: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()


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

        if mail.attachments:
            return await self._send_streamed(mail)
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

    async def _send_streamed(self, mail: Mail) -> str:
        """A letter with attachments, its DATA written piece by piece: aiosmtplib's ``data()``
        takes the whole message as one bytes object (and copies it twice to normalise it), so
        after its MAIL and RCPT the message goes over its protocol's ``write`` with the
        transport's flow control between pieces. Our MIME has only base64 bodies and encoded
        headers: no line starts with a dot, so nothing needs dot-stuffing."""
        import aiosmtplib

        smtp = aiosmtplib.SMTP(
            hostname=self.host, port=self.port, use_tls=self.use_tls, start_tls=self.start_tls, timeout=15
        )
        await smtp.connect()
        try:
            if self.username and self.password:
                await smtp.login(self.username, self.password)
            await smtp.mail(parseaddr(self.sender)[1])
            try:
                await smtp.rcpt(mail.to)
            except aiosmtplib.SMTPRecipientRefused as exc:  # as ``aiosmtplib.send`` reports it
                raise aiosmtplib.SMTPRecipientsRefused([exc]) from None
            start = await smtp.execute_command(b"DATA")
            if start.code != 354:
                raise aiosmtplib.SMTPDataError(start.code, start.message)
            protocol = smtp.protocol
            assert protocol is not None  # connected above
            async for piece in mime_pieces(mail, self.sender):
                protocol.write(piece)
                await protocol._drain_helper()  # waits while the transport's buffer is full
            protocol.write(b".\r\n")
            done = await protocol.read_response(timeout=60)
            if done.code != 250:
                raise aiosmtplib.SMTPDataError(done.code, done.message)
        except BaseException:
            smtp.close()
            raise
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            smtp.close()  # the letter is taken: a lost goodbye changes nothing
        log.info("mail with %d attachment(s) sent to %s: %s", len(mail.attachments), mail.to, mail.subject)
        return done.message[:200]


def _header(name: str, value: str) -> bytes:
    return f"{name}: {value}\r\n".encode("ascii")


def _base64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _file_name(filename: str) -> str:
    if filename.isascii() and '"' not in filename and "\\" not in filename:
        return f'filename="{filename}"'
    return f"filename*={encode_rfc2231(filename, 'utf-8')}"


async def mime_pieces(mail: Mail, sender: str) -> AsyncIterator[bytes]:
    """The letter as multipart/mixed MIME with CRLF lines, in pieces: the headers and the text,
    then each attachment base64-encoded as its file is read."""
    boundary = f"==vats-{uuid.uuid4().hex}"
    head = b"".join((
        _header("From", formataddr(parseaddr(sender), "utf-8")),
        _header("To", mail.to),
        _header("Subject", Header(mail.subject, "utf-8").encode().replace("\n", "\r\n")),
        _header("Date", formatdate(usegmt=True)),
        _header("Message-ID", make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)),
        _header("MIME-Version", "1.0"),
        _header("Content-Type", f'multipart/mixed; boundary="{boundary}"'),
        b"\r\n",
        f"--{boundary}\r\n".encode(),
        _header("Content-Type", 'text/plain; charset="utf-8"'),
        _header("Content-Transfer-Encoding", "base64"),
        b"\r\n",
        _base64_lines(mail.text.encode()),
    ))  # fmt: skip
    yield head
    for attachment in mail.attachments:
        yield b"".join((
            f"--{boundary}\r\n".encode(),
            _header("Content-Type", attachment.mime_type),
            _header("Content-Disposition", f"attachment; {_file_name(attachment.filename)}"),
            _header("Content-Transfer-Encoding", "base64"),
            b"\r\n",
        ))  # fmt: skip
        async for piece in attachment.pieces():
            yield _base64_lines(piece)
    yield f"--{boundary}--\r\n".encode()


class DevInbox:
    """Keeps outgoing mail in the database instead of sending it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def send(self, mail: Mail) -> str | None:
        # The attachments themselves are not kept (the table holds text): their names and sizes are.
        listed = "".join(f"\n\n[вложение: {a.filename}, {a.size()} байт]" for a in mail.attachments)
        async with self.db.system() as conn:
            kept = await conn.fetchval(
                "INSERT INTO dev_mail (to_address, subject, body) VALUES ($1, $2, $3) RETURNING id",
                mail.to, mail.subject, mail.text + listed,
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
        return await self.send_mail(msgspec.convert(item.payload, Mail))

    async def send_mail(self, mail: Mail) -> Outcome:
        """One letter's outcome: for a channel that makes its letter when it is due (with a file
        made then, say) and sends it the same way."""
        import aiosmtplib

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
