"""Letters with attachments through a real SMTP server (aiosmtpd): a file given by its path and
small bytes arrive intact under their names (a Cyrillic one too); the server's refusal of the
letter is read as the mail channel reads any; the dev inbox notes what was attached."""

from __future__ import annotations

import os
from pathlib import Path

from vats.core.config import Config
from vats.core.kernel import Kernel
from vats.core.mail import Attachment, DevInbox, Mail, MailChannel, Rejected, Sent, SmtpMailer

from tests.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)


async def test_a_file_and_bytes_arrive_attached_under_their_names(
    smtp_server: SmtpServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    big = tmp_path / "report.xlsx"
    content = os.urandom(300_000) + b"\r\n.\r\n" + os.urandom(1000)  # several pieces; a lone dot inside
    big.write_bytes(content)
    mail = Mail(
        to="buh@romashka.example", subject="Детализация звонков за ноябрь: длинная тема письма с кириллицей",
        text="Здравствуйте!\n.\nВо вложении отчёт.",
        attachments=(
            Attachment(filename="calls.xlsx", mime_type="application/octet-stream", path=str(big)),
            Attachment(filename="справка.txt", mime_type="text/plain", content="строка".encode()),
        ),
    )  # fmt: skip
    outcome = await MailChannel(SmtpMailer(smtp_server.url, "АТС «Ромашка» <pbx@vats.example>")).send_mail(mail)
    assert isinstance(outcome, Sent), outcome
    (letter,) = smtp_server.to("buh@romashka.example")
    assert letter["Subject"] == mail.subject and "АТС «Ромашка»" in letter["From"]
    assert letter.get_body(("plain",)).get_content() == "Здравствуйте!\n.\nВо вложении отчёт."
    attached = list(letter.iter_attachments())
    assert [a.get_filename() for a in attached] == ["calls.xlsx", "справка.txt"]
    assert attached[0].get_content() == content
    assert attached[1].get_payload(decode=True) == "строка".encode()


async def test_a_refused_letter_with_an_attachment_is_given_up_as_any_refused_letter(
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    smtp_server.fail(1, 554)
    mail = Mail(
        to="buh@romashka.example", subject="Отчёт", text="x",
        attachments=(Attachment(filename="a.bin", mime_type="application/octet-stream", content=b"1234"),),
    )  # fmt: skip
    outcome = await MailChannel(SmtpMailer(smtp_server.url, "pbx@vats.example")).send_mail(mail)
    assert isinstance(outcome, Rejected) and outcome.status == 554
    assert smtp_server.messages == []


async def test_the_dev_inbox_notes_the_attachments_names_and_sizes(vats_kernel: Kernel, vats_config: Config) -> None:
    inbox = DevInbox(vats_kernel.db)
    await inbox.send(
        Mail(to="buh@romashka.example", subject="Отчёт", text="Во вложении.",
             attachments=(Attachment(filename="calls.xlsx", mime_type="application/octet-stream", content=b"12345"),))
    )  # fmt: skip
    (kept,) = await inbox.messages("buh@romashka.example")
    assert kept.text == "Во вложении.\n\n[вложение: calls.xlsx, 5 байт]"
