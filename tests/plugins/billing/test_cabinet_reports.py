"""Мои финансы → Документы and → Детализация through the real sign-in form (no browser): the
requisites and an invoice in roubles from the page, its PDF downloaded from the cabinet; the call
detail report whose total is the ledger's charge for the calls of the period, the same in its
XLSX; a period over 31 days refused beside its field; another tenant's calls and documents never
shown."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
import zoneinfo
from collections.abc import AsyncIterator

import pytest_asyncio
from openpyxl import load_workbook
from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.calls.records import CallRecord, Participant, store_and_announce
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import seller
from vats.plugins.billing.seller import SellerIn

from tests.plugins.billing.test_cabinet_pages import field_error
from tests.plugins.billing.test_documents import SELLER, text_of
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

DOCS = "/cabinet/settings/finances/documents"
CALLS = "/cabinet/settings/finances/calls"


@pytest_asyncio.fixture
async def admin(vats_kernel: Kernel, vats_tenant: TenantCreated) -> AsyncIterator[CabinetClient]:
    async with vats_kernel.db.system() as conn:
        await seller.save(conn, SellerIn(**SELLER))
    client = CabinetClient(create_app(vats_kernel))
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    assert (await client.sign_in(email, TEST_PASSWORD)).status_code in (302, 303)
    try:
        yield client
    finally:
        await client.close()


async def test_requisites_then_an_invoice_in_roubles_from_the_page_and_its_pdf(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    r = await admin.post_form(f"{DOCS}/invoice", {"amount": "1 500,50"}, form_page=DOCS)
    assert r.status_code == 422 and "Сначала укажите реквизиты" in r.text
    legal = {"kind": "legal", "name": "ООО «Ромашка»", "inn": "7707083894", "kpp": "773601001", "address": "Москва"}
    r = await admin.post_form(f"{DOCS}/requisites", legal, form_page=DOCS)
    assert r.status_code == 422 and "контрольные цифры" in field_error(r.text, "inn")
    r = await admin.post_form(f"{DOCS}/requisites", {**legal, "inn": "7707083893", "kpp": ""}, form_page=DOCS)
    assert r.status_code == 422 and "9 символов" in field_error(r.text, "kpp")
    r = await admin.post_form(f"{DOCS}/requisites", {**legal, "inn": "7707083893"}, form_page=DOCS)
    assert r.status_code == 200 and "Реквизиты сохранены." in r.text and 'value="7707083893"' in r.text
    for typed in ("0,5", "1500,555", "пять", "2 000 000"):
        r = await admin.post_form(f"{DOCS}/invoice", {"amount": typed}, form_page=DOCS)
        assert r.status_code == 422 and field_error(r.text, "amount"), typed
    assert 'id="no-documents"' in (await admin.http.get(DOCS)).text
    r = await admin.post_form(f"{DOCS}/invoice", {"amount": "1 500,50"}, form_page=DOCS)
    assert r.status_code == 303
    shown = await admin.http.get(r.headers["location"])
    link = re.search(r'id="invoice-made">[^<]*<a href="([^"]+)"', shown.text)
    assert link and "Счёт на оплату № 1 от" in shown.text and "1\u00a0500,50\u00a0₽" in shown.text
    pdf = await admin.http.get(link.group(1))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "Одна тысяча пятьсот рублей 50 копеек" in text_of(pdf.content)


async def test_another_tenants_document_is_not_found_from_the_cabinet(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.plugins.billing.documents import service

    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="a@other.example")
    async with vats_kernel.db.tenant(other.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO billing_requisites (tenant_id, kind, name, inn, address)"
            " VALUES ($1, 'individual', 'ИП Иванов', '500100732259', 'Химки')",
            other.tenant_id,
        )
    theirs = await service.make_invoice(vats_kernel, other.tenant_id, 10000)
    assert (await admin.http.get(f"{DOCS}/{theirs.id}/pdf")).status_code == 404
    assert str(theirs.id) not in (await admin.http.get(DOCS)).text


def record(
    tenant_id: uuid.UUID, at: dt.datetime, direction: str, number: str, talk_s: int, **extra: object
) -> CallRecord:
    answered = at + dt.timedelta(seconds=5) if talk_s else None
    ended = (answered or at) + dt.timedelta(seconds=talk_s or 15)
    address = str(extra.pop("answered_by", f"tel/{number}" if direction == "outbound" else "sip/x201"))
    return CallRecord(
        id=uuid.uuid4(), tenant_id=tenant_id, direction=direction, number=number,  # type: ignore[arg-type]
        caller=str(extra.pop("caller", "201" if direction == "outbound" else "+79031234567")),
        started_at=at, answered_at=answered, ended_at=ended, answered_by=address if talk_s else None,
        participants=[Participant(address=address, outcome="answered" if talk_s else "missed")],
        linkedid=f"{uuid.uuid4()}", simulated=bool(extra.pop("simulated", False)),
    )  # fmt: skip


async def test_the_call_detail_total_is_the_ledgers_charge_for_the_periods_calls_on_the_page_and_in_xlsx(
    admin: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tid) as conn:
        zone = zoneinfo.ZoneInfo(await conn.fetchval("SELECT time_zone FROM tenants WHERE id = $1", tid))
    day = dt.datetime.now(zone).date() - dt.timedelta(days=40)
    noon = dt.datetime.combine(day, dt.time(12), zone)
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="a@other.example")
    records = [
        record(tid, noon, "outbound", "+74951234567", 61),  # 2 billed minutes × 1 ₽
        record(tid, noon + dt.timedelta(minutes=1), "outbound", "+79161234567", 30),  # 1 minute × 2 ₽
        record(tid, noon + dt.timedelta(minutes=2), "outbound", "+79161234567", 0),  # not answered: free
        record(tid, noon + dt.timedelta(minutes=3), "inbound", "+74950000001", 120),  # inbound: free
        record(tid, noon + dt.timedelta(minutes=4), "inbound", "+74950000001", 10, answered_by="tel/+79169999999"),
        record(tid, noon + dt.timedelta(minutes=5), "internal", "202", 50, caller="201"),  # not in the report
        record(tid, noon - dt.timedelta(days=1), "outbound", "+74951234567", 600),  # the day before: outside
        record(other.tenant_id, noon, "outbound", "+74957654321", 600),  # another PBX's
    ]
    for r in records:
        await store_and_announce(vats_kernel.db, vats_kernel.plugins, r)
    async with vats_kernel.db.tenant(tid) as conn:
        charged = await conn.fetchval(
            "SELECT sum(-amount_kop) FROM billing_ledger WHERE kind = 'call' AND idempotency_key = ANY($1)",
            [f"call:{r.id}" for r in records[:6]],
        )
    assert charged == 200 + 200 + 200  # the forwarded leg: 1 minute to a mobile at 2 ₽
    page = await admin.http.get(CALLS, params={"since": str(day), "until": str(day)})
    assert page.status_code == 200, page.text[:2000]
    total = re.search(r'id="calls-total">([^<]+)<', page.text)
    assert total and total.group(1) == "Звонков: 5, длительность 3:41, тарифицировано 4:00, стоимость 6,00\u00a0₽"
    assert page.text.count('data-label="Направление"') == 5 and "+74957654321" not in page.text and "Переадресация" in page.text
    assert "+74950000001 → +79169999999" in page.text
    xlsx = await admin.http.get(f"{CALLS}/xlsx", params={"since": str(day), "until": str(day)})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] is not None]
    calls = [r for r in rows if isinstance(r[0], dt.datetime)]
    assert len(calls) == 5 and round(sum(r[7] for r in calls) * 100) == charged
    assert rows[-1][0] == "Итого" and round(rows[-1][7] * 100) == charged
    assert [r[6] for r in calls] == [120, 60, 0, 0, 60]  # billed seconds, as the rate's steps made them


async def test_a_period_over_31_days_is_refused_beside_its_field(admin: CabinetClient) -> None:
    r = await admin.http.get(CALLS, params={"since": "2026-01-01", "until": "2026-02-01"})
    assert r.status_code == 422 and field_error(r.text, "until") == "Период — не больше 31 дней"
    ok = await admin.http.get(CALLS, params={"since": "2026-01-01", "until": "2026-01-31"})
    assert ok.status_code == 200
    r = await admin.http.get(CALLS, params={"since": "2026-01-31", "until": "2026-01-01"})
    assert r.status_code == 422 and field_error(r.text, "since")
    r = await admin.http.get(CALLS, params={"since": "вчера"})
    assert r.status_code == 422 and field_error(r.text, "since")
    r = await admin.http.get(f"{CALLS}/xlsx", params={"since": "2026-01-01", "until": "2026-03-01"})
    assert r.status_code == 303 and r.headers["location"].startswith(CALLS + "?")


async def test_the_api_gives_the_same_report_to_its_own_tenant_only_and_refuses_a_long_period(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="a@other.example")
    async with vats_kernel.db.tenant(tid) as conn:
        zone = zoneinfo.ZoneInfo(await conn.fetchval("SELECT time_zone FROM tenants WHERE id = $1", tid))
    noon = dt.datetime.combine(dt.datetime.now(zone).date() - dt.timedelta(days=3), dt.time(12), zone)
    mine = [record(tid, noon + dt.timedelta(minutes=i), "outbound", "+74951234567", 30 + 60 * i) for i in range(3)]
    for r in [*mine, record(other.tenant_id, noon, "outbound", "+74951234567", 300)]:
        await store_and_announce(vats_kernel.db, vats_kernel.plugins, r)
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    day = str(noon.date())
    r = await admin.get("/api/billing/calls", params={"since": day, "until": day, "limit": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totals"] == {"calls": 3, "talk_s": 30 + 90 + 150, "billed_s": 60 + 120 + 180, "price_kop": 600}
    assert [c["id"] for c in body["items"]] == [str(c.id) for c in mine[:2]]
    assert [c["price_kop"] for c in body["items"]] == [100, 200]
    stranger = await vats_api.as_employee(other.tenant_id, other.admin_id)
    theirs = (await stranger.get("/api/billing/calls", params={"since": day, "until": day})).json()
    assert theirs["totals"]["calls"] == 1 and theirs["items"][0]["id"] not in {str(c.id) for c in mine}
    for path in ("/api/billing/calls", "/api/billing/calls/xlsx"):
        r = await admin.get(path, params={"since": "2026-01-01", "until": "2026-02-01"})
        assert r.status_code == 422 and r.json()["field"] == "until", r.text
    xlsx = await admin.get("/api/billing/calls/xlsx", params={"since": day, "until": day})
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert [r[7] for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], dt.datetime)] == [1, 2, 3]


async def test_unicode_digits_in_the_address_or_the_form_show_the_page_not_a_server_error(
    admin: CabinetClient,
) -> None:
    """"²" is a digit to str.isdigit() and not to int(): the page as if it were not given."""
    for params in ({"mailed": "²"}, {"mailed": "١٢"}, {"offset": "²"}, {"offset": "٣"}):
        r = await admin.http.get(CALLS, params=params)
        assert r.status_code == 200, (params, r.status_code)
        assert "Детализация" in r.text
    mailed = await admin.post_form(f"{CALLS}/mail", {"offset": "²", "email": "boss@example.com"}, form_page=CALLS)
    assert mailed.status_code == 303 and "mailed=" in mailed.headers["location"]
