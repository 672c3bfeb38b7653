"""The call detail report by e-mail, through a real SMTP server (aiosmtpd): asked from the cabinet
(Мои финансы → Детализация) or the API, queued in the request and built by the billing worker;
the letter arrives with the XLSX attached, and the workbook's rows are the ledger's calls of the
period. A period over 31 days or a bad address is refused naming its field with nothing queued;
another PBX's admin gets their own calls only."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import uuid
import zoneinfo
from collections.abc import AsyncIterator, Sequence
from email.message import EmailMessage
from typing import Any

import pytest
import pytest_asyncio
from openpyxl import load_workbook
from vats.bots.web.testing import ApiClients
from vats.core.calls.records import CallRecord, store_and_announce
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.mail import SmtpMailer
from vats.core.outbox import Sender
from vats.plugins.billing import detail, detail_mail

from tests.plugins.billing.test_cabinet_pages import field_error
from tests.plugins.billing.test_cabinet_reports import admin, record  # noqa: F401 (the fixture)
from tests.smtp_server import SmtpServer, smtp_server  # noqa: F401 (the fixture)
from tests.web.cabinet.client import CabinetClient

CALLS = "/cabinet/settings/finances/calls"


@pytest_asyncio.fixture
async def worker(vats_kernel: Kernel, smtp_server: SmtpServer) -> AsyncIterator[None]:  # noqa: F811
    """The billing worker that builds and sends the asked reports, as ``vats serve`` runs it."""
    sender = detail_mail.sender(vats_kernel.db, SmtpMailer(smtp_server.url, "АТС <pbx@vats.example>"), poll_s=0.2)
    task = asyncio.create_task(sender.run())
    try:
        yield
    finally:
        task.cancel()
        # Not what this file proves (tests/core/test_outbox.py does: a stop that aiosmtplib's
        # wait_for swallowed on Python 3.11 once kept this task running past 20 s in CI).
        await asyncio.wait([task], timeout=20)


async def _day_with_calls(kernel: Kernel, tenant_id: uuid.UUID, other: uuid.UUID) -> tuple[dt.date, list[CallRecord]]:
    """A day 40 days ago with our paid, free and internal calls, the day before's, and another PBX's."""
    async with kernel.db.tenant(tenant_id) as conn:
        zone = zoneinfo.ZoneInfo(await conn.fetchval("SELECT time_zone FROM tenants WHERE id = $1", tenant_id))
    day = dt.datetime.now(zone).date() - dt.timedelta(days=40)
    noon = dt.datetime.combine(day, dt.time(12), zone)
    records = [
        record(tenant_id, noon, "outbound", "+74951234567", 61),
        record(tenant_id, noon + dt.timedelta(minutes=1), "outbound", "+79161234567", 30),
        record(tenant_id, noon + dt.timedelta(minutes=2), "inbound", "+74950000001", 120),
        record(tenant_id, noon + dt.timedelta(minutes=3), "internal", "202", 50, caller="201"),
        record(tenant_id, noon - dt.timedelta(days=1), "outbound", "+74951234567", 600),
        record(other, noon, "outbound", "+74957654321", 300),
    ]
    for r in records:
        await store_and_announce(kernel.db, kernel.plugins, r)
    return day, records


async def _ledger_prices(kernel: Kernel, tenant_id: uuid.UUID, day: dt.date) -> list[int]:
    """What the ledger charged for each of the day's trunk calls, in the order they started."""
    async with kernel.db.tenant(tenant_id) as conn:
        zone = zoneinfo.ZoneInfo(await conn.fetchval("SELECT time_zone FROM tenants WHERE id = $1", tenant_id))
        start = dt.datetime.combine(day, dt.time(), zone)
        rows = await conn.fetch(
            "SELECT coalesce(-l.amount_kop, 0) AS price FROM call_records c LEFT JOIN billing_ledger l"
            " ON l.tenant_id = c.tenant_id AND l.idempotency_key = 'call:' || c.id::text"
            " WHERE c.started_at >= $1 AND c.started_at < $2 AND c.direction <> 'internal' AND NOT c.simulated"
            " ORDER BY c.started_at, c.id",
            start, start + dt.timedelta(days=1),
        )  # fmt: skip
    return [r["price"] for r in rows]


def _attached_rows(letter: EmailMessage) -> list[tuple[object, ...]]:
    (attached,) = list(letter.iter_attachments())
    assert attached.get_content_type() == detail_mail.XLSX
    sheet = load_workbook(io.BytesIO(attached.get_content()), read_only=True).active
    return [r for r in sheet.iter_rows(values_only=True) if r and r[0] is not None]


async def _queued(kernel: Kernel) -> int:
    async with kernel.db.system() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE channel = $1", detail_mail.CHANNEL))


async def test_the_report_asked_in_the_cabinet_arrives_as_xlsx_whose_rows_are_the_ledgers_calls(
    admin: CabinetClient,  # noqa: F811
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
    worker: None,
) -> None:
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="a@other.example")
    day, records = await _day_with_calls(vats_kernel, vats_tenant.tenant_id, other.tenant_id)
    shown = await admin.http.get(CALLS, params={"since": str(day), "until": str(day)})
    assert 'id="mail-email"' in shown.text
    r = await admin.post_form(
        f"{CALLS}/mail", {"since": str(day), "until": str(day), "email": "buh@romashka.example"}, form_page=CALLS
    )
    assert r.status_code == 303, r.text[:2000]
    shown = await admin.http.get(r.headers["location"])
    assert "отправлена на buh@romashka.example" in shown.text  # queued, or already sent
    letter = await smtp_server.wait_for(lambda: smtp_server.to("buh@romashka.example"))
    for _ in range(100):  # the sender marks the row once the server has answered
        shown = await admin.http.get(r.headers["location"])
        if "Детализация за период отправлена на buh@romashka.example." in shown.text:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the page never said the report was sent")
    assert letter[0]["Subject"] == f"Детализация звонков за {day:%d.%m.%Y} – {day:%d.%m.%Y}"
    assert "Звонков: 3" in letter[0].get_body(("plain",)).get_content()
    rows = _attached_rows(letter[0])
    calls = [row for row in rows if isinstance(row[0], dt.datetime)]
    prices = await _ledger_prices(vats_kernel, vats_tenant.tenant_id, day)
    assert len(prices) == 3 and sum(prices) > 0
    assert [round(row[7] * 100) for row in calls] == prices
    assert [row[2] for row in calls] == [records[0].caller, records[1].caller, records[2].caller]
    assert rows[-1][0] == "Итого" and round(rows[-1][7] * 100) == sum(prices)
    assert "+74957654321" not in {row[3] for row in calls}  # the other PBX's call
    # Another PBX's letter is not ours to follow: its address never shows on our page.
    async with vats_kernel.db.tenant(other.tenant_id) as conn:
        theirs, _ = await detail_mail.ask(
            conn, other.tenant_id, since=day, until=day, zone="Europe/Moscow", to="secret@other.example"
        )
    page = await admin.http.get(CALLS, params={"since": str(day), "until": str(day), "mailed": theirs})
    assert page.status_code == 200 and "secret@other.example" not in page.text and 'id="calls-notice"' not in page.text


async def test_a_long_period_or_a_bad_address_is_refused_beside_its_field_and_nothing_is_queued(
    admin: CabinetClient,  # noqa: F811
    vats_kernel: Kernel,
) -> None:
    r = await admin.post_form(
        f"{CALLS}/mail",
        {"since": "2026-01-01", "until": "2026-02-01", "email": "buh@romashka.example"},
        form_page=CALLS,
    )
    assert r.status_code == 422 and field_error(r.text, "until") == "Период — не больше 31 дней"
    r = await admin.post_form(
        f"{CALLS}/mail", {"since": "2026-01-01", "until": "2026-01-31", "email": "бухгалтерия"}, form_page=CALLS
    )
    assert r.status_code == 422 and "адрес электронной почты" in field_error(r.text, "email")
    assert 'value="бухгалтерия"' in r.text  # what was typed stays to be corrected
    assert await _queued(vats_kernel) == 0


async def test_the_api_queues_the_report_for_the_callers_own_address_and_refuses_naming_the_field(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin_api = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    refused: Sequence[tuple[dict[str, str], str]] = (
        ({"since": "2026-01-01", "until": "2026-02-01"}, "until"),
        ({"since": "2026-01-02", "until": "2026-01-01"}, "since"),
        ({"since": "2026-01-01", "until": "2026-01-02", "email": "not an address"}, "email"),
    )
    for body, field in refused:
        r = await admin_api.post("/api/billing/calls/mail", json=body)
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert await _queued(vats_kernel) == 0
    r = await admin_api.post("/api/billing/calls/mail", json={"since": "2026-01-01", "until": "2026-01-31"})
    assert r.status_code == 202, r.text
    async with vats_kernel.db.system() as conn:
        email = await conn.fetchval("SELECT email FROM employees WHERE id = $1", vats_tenant.admin_id)
        row = await conn.fetchrow("SELECT tenant_id, payload FROM outbox WHERE id = $1", r.json()["id"])
    assert r.json()["email"] == email.lower()
    assert row["tenant_id"] == vats_tenant.tenant_id and row["payload"]["until"] == "2026-01-31"


async def test_another_pbxs_admin_asking_for_the_same_days_gets_only_their_own_calls(
    vats_api: ApiClients,
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
    worker: None,
) -> None:
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="a@other.example")
    day, _ = await _day_with_calls(vats_kernel, vats_tenant.tenant_id, other.tenant_id)
    stranger = await vats_api.as_employee(other.tenant_id, other.admin_id)
    r = await stranger.post(
        "/api/billing/calls/mail", json={"since": str(day), "until": str(day), "email": "spy@other.example"}
    )
    assert r.status_code == 202, r.text
    letter = await smtp_server.wait_for(lambda: smtp_server.to("spy@other.example"))
    calls = [row for row in _attached_rows(letter[0]) if isinstance(row[0], dt.datetime)]
    assert [row[3] for row in calls] == ["+74957654321"]


async def test_a_report_that_takes_longer_than_the_outbox_lease_is_sent_once_by_two_workers(
    vats_kernel: Kernel,
    vats_tenant: TenantCreated,
    smtp_server: SmtpServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two processes' workers; the lease shortened to 1 s and the building made to take 3 s (a
    month of a very busy PBX): the claim is renewed while the letter is made, so the second
    worker never takes the row over and one letter arrives (before the fix: two)."""
    monkeypatch.setattr(Sender, "LEASE", dt.timedelta(seconds=1))
    monkeypatch.setattr(detail_mail, "RENEW_S", 0.2)
    build = detail.write_xlsx

    async def slow_build(*args: Any) -> int:
        await asyncio.sleep(3)
        return await build(*args)

    monkeypatch.setattr(detail, "write_xlsx", slow_build)
    mailer = SmtpMailer(smtp_server.url, "АТС <pbx@vats.example>")
    workers = [asyncio.create_task(detail_mail.sender(vats_kernel.db, mailer, poll_s=0.1).run()) for _ in range(2)]
    try:
        today = dt.date.today()
        async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
            outbox_id, _ = await detail_mail.ask(
                conn, vats_tenant.tenant_id, since=today, until=today, zone="Europe/Moscow", to="buh@slow.example"
            )
        await smtp_server.wait_for(lambda: smtp_server.to("buh@slow.example"), within_s=20)
        await asyncio.sleep(2)  # a second letter would have been sent by now
    finally:
        for task in workers:
            task.cancel()
        await asyncio.wait(workers, timeout=20)
    async with vats_kernel.db.system() as conn:
        row = await conn.fetchrow("SELECT attempts, uncertain, sent_at FROM outbox WHERE id = $1", outbox_id)
    assert len(smtp_server.to("buh@slow.example")) == 1
    assert (row["attempts"], row["uncertain"], row["sent_at"] is not None) == (1, 0, True)
