"""The call detail report by e-mail: an admin asks for a period (at most 31 days, as the report
itself) and an address (their own by default); the request is one outbox row (channel
``billing_detail_mail``) written in the admin's transaction, so nothing is built in the request.
The channel's sender (a billing worker under ``vats serve``) builds the XLSX when the row is due,
into a temporary file, in flat memory (``detail.write_xlsx``), and sends it as the letter's
attachment through the kernel's mail (``core/mail.py``: the file goes out in pieces). A retry
(the SMTP server said "later") builds the report again from the ledger as it is then.

Building and sending a month of a busy PBX's calls can outlast the outbox's claim of the row
(``Sender.LEASE``, 2 minutes: at the measured 4,400 rows/s that is about 500,000 calls, and the
upload of the attachment comes on top), after which another process would claim the row again
and send a second letter. So while a letter is built and sent its claim is renewed every
``RENEW_S`` (``_keep_claimed``); a process that dies stops renewing, and the row is taken over
within one lease as before.

Another PBX's calls can never be asked for: the row carries the asker's tenant and the report is
read in that tenant's transaction."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import tempfile
import uuid

import msgspec
from vats.core.db.database import Connection, Database
from vats.core.directory.validation import check_email
from vats.core.mail import RETRY, Attachment, Mail, MailChannel, Mailer, mailer_for
from vats.core.outbox import Item, Outcome, Sender, enqueue
from vats.core.protocols import KernelAPI
from vats.plugins.billing import detail

log = logging.getLogger(__name__)

CHANNEL = "billing_detail_mail"
KIND = "call_detail"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RENEW_S = Sender.LEASE.total_seconds() / 4  # the claim is renewed this often while a letter is made


class DetailAsked(msgspec.Struct, frozen=True, kw_only=True):
    """What an outbox row of this channel carries: whom to send which period to."""

    to: str
    since: dt.date
    until: dt.date
    zone: str  # the PBX's time zone when asked: the days are its days

    def period(self) -> detail.Period:
        return detail.Period(since=self.since, until=self.until, zone=self.zone)


async def ask(
    conn: Connection, tenant_id: uuid.UUID, *, since: dt.date, until: dt.date, zone: str, to: str
) -> tuple[int, DetailAsked]:
    """Queue the period's report for ``to`` (in the caller's tenant transaction); a period over
    31 days (field ``until``) or a bad address (field ``email``) is refused with nothing queued."""
    within = detail.period(since, until, zone)
    asked = DetailAsked(to=check_email(to, field="email"), since=within.since, until=within.until, zone=zone)
    outbox_id = await enqueue(conn, tenant_id=tenant_id, channel=CHANNEL, kind=KIND, payload=asked)
    log.info("call detail report %s queued for %s – %s", outbox_id, within.since, within.until)
    return outbox_id, asked


def file_name(asked: DetailAsked) -> str:
    return f"calls-{asked.since}-{asked.until}.xlsx"


def _letter(asked: DetailAsked, totals: detail.Totals, path: str) -> Mail:
    span = f"{asked.since:%d.%m.%Y} – {asked.until:%d.%m.%Y}"
    price = f"{totals.price_kop // 100:,}".replace(",", "\u00a0") + f",{totals.price_kop % 100:02d}\u00a0₽"
    text = (
        f"Здравствуйте!\n\nВо вложении детализация звонков вашей АТС за {span}.\n"
        f"Звонков: {totals.calls}, стоимость {price}.\n\n"
        "Письмо отправлено по запросу из личного кабинета (Мои финансы → Детализация)."
    )
    return Mail(
        to=asked.to, subject=f"Детализация звонков за {span}", text=text,
        attachments=(Attachment(filename=file_name(asked), mime_type=XLSX, path=path),),
    )  # fmt: skip


class DetailMailChannel:
    """Builds the asked report when its row is due and sends it; how the letter went is the
    mail channel's reading of the SMTP answer."""

    name = CHANNEL

    def __init__(self, db: Database, mailer: Mailer) -> None:
        self.db = db
        self.mail = MailChannel(mailer)

    async def send(self, item: Item) -> Outcome:
        asked = msgspec.convert(item.payload, DetailAsked)
        within = asked.period()
        renewing = asyncio.create_task(self._keep_claimed(item.id), name=f"vats-detail-mail-claim-{item.id}")
        try:
            with tempfile.NamedTemporaryFile(prefix="vats-calls-", suffix=".xlsx") as out:
                async with self.db.tenant(item.tenant_id) as conn:  # a transaction: the report's cursor needs one
                    totals = await detail.totals(conn, item.tenant_id, within)
                    await detail.write_xlsx(detail.lines(conn, item.tenant_id, within), totals, within, out)
                out.flush()
                return await self.mail.send_mail(_letter(asked, totals, out.name))
        finally:  # stopped before the sender marks the row: a late renewal must not move its next attempt
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _keep_claimed(self, outbox_id: int) -> None:
        """Push the claimed row's lease on every ``RENEW_S`` while it is being built and sent, so
        no other process claims it and sends the letter a second time."""
        while True:
            await asyncio.sleep(RENEW_S)
            try:
                async with self.db.system() as conn:
                    await conn.execute(
                        "UPDATE outbox SET next_attempt_at = now() + $2::interval WHERE id = $1"
                        " AND sending_since IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL",
                        outbox_id, Sender.LEASE,
                    )  # fmt: skip
            except Exception:  # the database is away a moment: the next renewal may still come in time
                log.warning("call detail report %s: could not renew its claim", outbox_id, exc_info=True)


def sender(db: Database, mailer: Mailer, *, poll_s: float = 5.0) -> Sender:
    return Sender(db, DetailMailChannel(db, mailer), retry=RETRY, poll_s=poll_s)


async def worker(kernel: KernelAPI) -> None:
    """Sends the asked reports (``vats serve`` runs it through ``register_workers``)."""
    await sender(kernel.db, mailer_for(kernel.config, kernel.db)).run()
