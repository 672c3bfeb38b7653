"""The one delivery outbox (vats.core.outbox), proved on its e-mail channel against a real SMTP
server that refuses, drops connections and comes back: exactly once where the server answers,
at most twice (counted) where the connection drops after the letter was taken, given up when
refused for good or after too many attempts, rows shared by several senders without a letter
going out twice, and a claim whose sender died taken over after its lease.

The Telegram and CRM-webhook channels have their own tests (tests/bots/test_telegram_outbox.py,
tests/plugins/crm/test_webhook*.py); the mechanism is this one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from vats.bots.web.testing import ApiClients
from vats.core.config import Config
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.mail import Mail, enqueue_mail, mail_sender
from vats.core.outbox import Item, Outcome, RetryPolicy, Sender, Sent

from tests.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)

QUICK = RetryPolicy(base_delay_s=0.05, max_delay_s=0.2, max_attempts=6)


@pytest.fixture
def vats_config(vats_config: Config, smtp_server: SmtpServer) -> Config:  # noqa: F811
    return msgspec.structs.replace(
        vats_config, smtp_url=smtp_server.url, mail_from="pbx@vats.example", public_url="https://pbx.example",
        softphone_url="https://soft.example/download",
    )  # fmt: skip


def sender(kernel: Kernel, retry: RetryPolicy = QUICK) -> Sender:
    return mail_sender(kernel.db, kernel.mailer, retry=retry, poll_s=0.1)


async def write(kernel: Kernel, tenant: TenantCreated, to: str, subject: str = "Проверка") -> int:
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        return await enqueue_mail(
            conn, tenant_id=tenant.tenant_id, kind="test", mail=Mail(to=to, subject=subject, text="Текст письма")
        )


async def row(kernel: Kernel, outbox_id: int) -> Any:
    async with kernel.db.system() as conn:
        return await conn.fetchrow("SELECT * FROM outbox WHERE id = $1", outbox_id)


async def settled(kernel: Kernel, outbox_id: int) -> Any:
    for _ in range(500):
        found = await row(kernel, outbox_id)
        if found["sent_at"] or found["failed_at"]:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"outbox row not settled: {dict(found)}")


@contextlib.asynccontextmanager
async def running(outbox_sender: Sender) -> AsyncIterator[None]:
    task = asyncio.create_task(outbox_sender.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait([task], timeout=10)


async def test_letters_refused_for_now_are_delivered_exactly_once(
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    smtp_server.fail(3, 451)
    async with running(sender(vats_kernel)):
        ids = [await write(vats_kernel, vats_tenant, f"n{n}@mail.example") for n in range(2)]
        rows = [await settled(vats_kernel, i) for i in ids]
    assert sorted(m["To"] for m in smtp_server.messages if m["To"].startswith("n")) == [
        "n0@mail.example", "n1@mail.example",
    ]  # fmt: skip
    assert all(r["sent_at"] is not None and r["uncertain"] == 0 for r in rows)
    assert sum(r["attempts"] for r in rows) == 2 + 3  # every refusal was retried
    assert all(r["reference"].startswith("OK") or "OK" in r["reference"] for r in rows)  # the server's answer


async def test_a_connection_dropped_after_the_letter_was_taken_delivers_it_at_most_twice_counted(
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    smtp_server.drop_after_accept(1)
    async with running(sender(vats_kernel)):
        found = await settled(vats_kernel, await write(vats_kernel, vats_tenant, "twice@mail.example"))
    assert len(smtp_server.to("twice@mail.example")) == 2  # the server kept it twice, no more
    assert found["sent_at"] is not None and found["uncertain"] == 1 and found["attempts"] == 2


async def test_a_letter_refused_for_good_is_given_up_at_once(
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    smtp_server.fail(1, 550)
    async with running(sender(vats_kernel)):
        found = await settled(vats_kernel, await write(vats_kernel, vats_tenant, "nobody@mail.example"))
    assert found["failed_at"] is not None and found["attempts"] == 1 and found["last_status"] == 550
    assert smtp_server.to("nobody@mail.example") == []


async def test_a_letter_that_keeps_being_refused_is_given_up_after_the_last_attempt(
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    smtp_server.fail(50, 451)
    async with running(sender(vats_kernel, RetryPolicy(base_delay_s=0.02, max_delay_s=0.05, max_attempts=3))):
        found = await settled(vats_kernel, await write(vats_kernel, vats_tenant, "later@mail.example"))
    assert found["failed_at"] is not None and found["attempts"] == 3 and "451" in found["last_error"]


async def test_several_senders_share_the_rows_and_send_each_letter_once(
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """Three vats processes' senders on one outbox: each letter is claimed by exactly one."""
    ids = [await write(vats_kernel, vats_tenant, f"many{n}@mail.example") for n in range(60)]
    senders = [sender(vats_kernel) for _ in range(3)]

    async def drain(one: Sender) -> None:
        while await one.deliver_due():
            pass

    await asyncio.wait_for(asyncio.gather(*(drain(s) for s in senders)), 60)
    received = sorted(m["To"] for m in smtp_server.messages if m["To"].startswith("many"))
    assert received == sorted(f"many{n}@mail.example" for n in range(60))
    assert [(await row(vats_kernel, i))["attempts"] for i in ids] == [1] * len(ids)


async def test_a_claim_whose_sender_died_is_taken_over_after_its_lease_and_counted(
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    outbox_id = await write(vats_kernel, vats_tenant, "orphan@mail.example")
    async with vats_kernel.db.system() as conn:  # a sender claimed it, then its process died
        await conn.execute(
            "UPDATE outbox SET attempts = 1, sending_since = now() - interval '3 minutes',"
            " next_attempt_at = now() - interval '1 minute' WHERE id = $1",
            outbox_id,
        )
    assert await sender(vats_kernel).deliver_due() == 1
    found = await row(vats_kernel, outbox_id)
    assert found["sent_at"] is not None and found["attempts"] == 2 and found["uncertain"] == 1
    assert len(smtp_server.to("orphan@mail.example")) == 1


async def test_an_invitation_written_while_smtp_is_down_goes_out_when_it_is_back(
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    vats_api: ApiClients,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    smtp_server.stop()  # the mail server is down: the invitation is kept, the API still answers
    try:
        created = await admin.post("/api/employees", json={"full_name": "Позже", "email": "later@test.example"})
        assert created.status_code == 201, created.text
    finally:
        smtp_server.start()
    async with vats_kernel.db.system() as conn:
        waiting = await conn.fetchrow(
            "SELECT id, attempts, sent_at, last_error FROM outbox WHERE channel = 'mail' AND kind = 'invitation'"
            " AND payload->>'to' = 'later@test.example'"
        )
    assert waiting["sent_at"] is None and waiting["attempts"] == 1 and waiting["last_error"]
    async with running(sender(vats_kernel, RetryPolicy(base_delay_s=0.05, max_delay_s=0.1))):
        async with vats_kernel.db.system() as conn:  # the retry's time has come
            await conn.execute("UPDATE outbox SET next_attempt_at = now() WHERE id = $1", waiting["id"])
        found = await settled(vats_kernel, waiting["id"])
    (letter,) = smtp_server.to("later@test.example")
    body = letter.get_content()
    assert found["sent_at"] is not None and "https://pbx.example/invite?token=" in body
    # The welcome letter: the log-in, the extension, the cabinet, where the SIP settings are, a softphone.
    async with vats_kernel.db.system() as conn:
        extension = await conn.fetchval("SELECT extension FROM employees WHERE email = 'later@test.example'")
    assert "Ваш логин: later@test.example" in body and f"ваш внутренний номер: {extension}" in body
    assert "https://pbx.example/cabinet/me" in body and "https://soft.example/download" in body


class _AnswerAsTheStopComes:
    """A channel whose far side answers at the very moment the sender is asked to stop, awaited
    the way aiosmtplib awaits an SMTP answer (``asyncio.wait_for``): on Python 3.11 that call
    returns the answer and drops the stop request."""

    name = "mail"

    def __init__(self) -> None:
        self.waiting = asyncio.Event()
        self.answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def send(self, item: Item) -> Outcome:
        self.waiting.set()
        return Sent(reference=await asyncio.wait_for(self.answer, 10))


async def test_a_sender_asked_to_stop_as_the_far_side_answers_stops_and_keeps_the_answer(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    outbox_id = await write(vats_kernel, vats_tenant, "late@mail.example")
    channel = _AnswerAsTheStopComes()
    task = asyncio.create_task(Sender(vats_kernel.db, channel, retry=QUICK, poll_s=0.1).run())
    await asyncio.wait_for(channel.waiting.wait(), 10)
    channel.answer.set_result("250 taken")
    task.cancel()  # vats serve stopping, in the same instant
    done, _ = await asyncio.wait([task], timeout=5)
    assert done, "the sender went on running after it was asked to stop"
    assert task.cancelled()
    found = await row(vats_kernel, outbox_id)
    assert found["sent_at"] is not None and found["reference"] == "250 taken"  # the answer is not lost either
