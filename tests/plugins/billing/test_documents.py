"""Documents over real HTTP: an invoice for a top-up as PDF (the text read back from the PDF:
number, parties, amount in words, VAT of the day), the month's УПД and reconciliation act from
the ledger, numbers without gaps under concurrent requests, the same bytes on every download,
refusals naming the field, and tenants who never see each other's documents."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import uuid
import zoneinfo
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from pypdf import PdfReader
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger
from vats.plugins.billing.documents import service
from vats.plugins.billing.documents.pdf import rub

from tests.plugins.billing.conftest import announce, call
from tests.plugins.billing.test_payments import serve_app
from tests.serve import free_port

SELLER = {
    "name": "ООО «Телеком»", "inn": "7736207543", "kpp": "773601001", "address": "г. Москва, ул. Льва Толстого, д. 16",
    "bank_name": "ПАО Сбербанк", "bik": "044525225", "account": "40702810938000000001",
    "corr_account": "30101810400000000225", "director": "Петров П. П.", "accountant": "Сидорова С. С.",
}  # fmt: skip
BUYER = {"kind": "legal", "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
         "address": "г. Москва, ул. Вавилова, д. 19"}  # fmt: skip
OTHER_BUYER = {"kind": "individual", "name": "ИП Иванов Иван Иванович", "inn": "500100732259",
               "address": "Московская обл., г. Химки"}  # fmt: skip


def text_of(pdf: bytes) -> str:
    """The PDF's text as a reader's viewer extracts it, spaces collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def embedded_fonts(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    found = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            if "/FontFile2" in descendant["/FontDescriptor"].get_object():
                found.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return found


@pytest_asyncio.fixture
async def world(vats_api: ApiClients, vats_tenant: TenantCreated) -> AsyncIterator[dict[str, Any]]:
    operator = vats_api.operator()
    assert (await operator.put("/api/operator/billing/requisites", json=SELLER)).status_code == 200
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    assert (await admin.put("/api/billing/requisites", json=BUYER)).status_code == 200
    yield {"operator": operator, "admin": admin}


async def test_an_invoice_pdf_shows_both_parties_the_amount_in_words_and_the_days_vat(
    world: dict[str, Any], vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin = world["admin"]
    r = await admin.post("/api/billing/invoices", json={"amount_kop": 150000})
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["kind"], doc["number"], doc["amount_kop"], doc["vat_pct"]) == ("invoice", 1, 150000, 22)
    assert doc["vat_kop"] == 27049  # 1500 × 22 / 122, rounded to the kopeck
    pdf = await admin.get(f"/api/billing/documents/{doc['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="invoice-{doc["year"]}-1.pdf"'
    text = text_of(pdf.content)
    day = dt.date.fromisoformat(doc["issued_on"])
    assert f"Счёт на оплату № 1 от {day:%d.%m.%Y}" in text
    assert "Одна тысяча пятьсот рублей 00 копеек" in text
    assert "Всего к оплате: 1 500,00" in text and "В том числе НДС (22%): 270,49" in text
    for shown in ("ООО «Телеком», ИНН 7736207543, КПП 773601001", "ООО «Ромашка», ИНН 7707083893",
                  "044525225", "40702810938000000001", "30101810400000000225", "Петров П. П."):  # fmt: skip
        assert shown in text, shown
    assert embedded_fonts(pdf.content) == {"DejaVuSansBook", "DejaVuSansBold"}  # Cyrillic prints anywhere
    again = await admin.get(f"/api/billing/documents/{doc['id']}/pdf")
    assert again.content == pdf.content  # stored once: every download is the same file
    listed = (await admin.get("/api/billing/documents")).json()
    assert [d["title"] for d in listed["items"]] == [f"Счёт на оплату № 1 от {day:%d.%m.%Y}"]


async def test_the_vat_in_force_on_the_documents_day_is_the_one_printed(
    world: dict[str, Any], vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    operator = world["operator"]
    r = await operator.put("/api/operator/billing/vat-rates", json={"effective_from": "2000-01-01", "rate_pct": None})
    assert r.status_code == 200
    today = dt.date.today()
    later = today + dt.timedelta(days=400)
    await operator.put("/api/operator/billing/vat-rates", json={"effective_from": str(later), "rate_pct": 5})
    r = await operator.put("/api/operator/billing/vat-rates", json={"effective_from": str(today - dt.timedelta(days=2)),
                                                                      "rate_pct": 10})  # fmt: skip
    assert [v["rate_pct"] for v in r.json()][-2:] == [10, 5]
    doc = (await world["admin"].post("/api/billing/invoices", json={"amount_kop": 11000})).json()
    assert (doc["vat_pct"], doc["vat_kop"]) == (10, 1000)
    assert "В том числе НДС (10%): 10,00" in text_of((await world["admin"].get(
        f"/api/billing/documents/{doc['id']}/pdf")).content)  # fmt: skip
    bad = await operator.put("/api/operator/billing/vat-rates", json={"effective_from": "2026-01-01", "rate_pct": 101})
    assert bad.status_code in (400, 422) and bad.json()["field"] == "rate_pct"


async def test_invoices_are_refused_naming_the_field_and_nothing_is_numbered(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    r = await admin.post("/api/billing/invoices", json={"amount_kop": 150000})
    assert r.status_code == 409 and r.json()["field"] == "operator_requisites"
    operator = vats_api.operator()
    bad_seller = {**SELLER, "bik": "04452522"}
    r = await operator.put("/api/operator/billing/requisites", json=bad_seller)
    assert r.status_code == 422 and r.json()["field"] == "bik"
    r = await operator.put("/api/operator/billing/requisites", json={**SELLER, "inn": "7736207544"})
    assert r.status_code == 422 and r.json()["field"] == "inn"
    assert (await operator.get("/api/operator/billing/requisites")).status_code == 404
    assert (await operator.put("/api/operator/billing/requisites", json=SELLER)).status_code == 200
    r = await admin.post("/api/billing/invoices", json={"amount_kop": 150000})
    assert r.status_code == 404 and r.json()["field"] == "requisites"
    assert (await admin.put("/api/billing/requisites", json=BUYER)).status_code == 200
    for amount in (0, -100, 99, 100_000_001, 10**30, 1.5, "roubles", True, None):
        r = await admin.post("/api/billing/invoices", json={"amount_kop": amount})
        assert r.status_code in (400, 422) and r.json()["field"] == "amount_kop", (amount, r.text)
    assert (await admin.get("/api/billing/documents")).json()["total"] == 0
    doc = (await admin.post("/api/billing/invoices", json={"amount_kop": 100})).json()
    assert doc["number"] == 1  # the refusals took no number


async def test_concurrent_invoices_of_two_tenants_over_real_http_are_numbered_without_gaps(
    world: dict[str, Any], vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="a@other.example")
    assert (await world["operator"].put(f"/api/operator/billing/tenants/{other.tenant_id}/requisites",
                                        json=OTHER_BUYER)).status_code == 200  # fmt: skip
    tokens = []
    for tenant, admin_id in ((vats_tenant.tenant_id, vats_tenant.admin_id), (other.tenant_id, other.admin_id)):
        client = await vats_api.as_employee(tenant, admin_id)
        tokens.append(client.headers["Authorization"])
    port = free_port()
    server, task = await serve_app(vats_kernel, port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            answers = await asyncio.gather(*(
                http.post("/api/billing/invoices", json={"amount_kop": 10000 + i},
                          headers={"Authorization": tokens[i % 2]})
                for i in range(24)
            ))  # fmt: skip
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
    assert [r.status_code for r in answers] == [201] * 24, [r.text for r in answers if r.status_code != 201]
    numbers = sorted(r.json()["number"] for r in answers)
    assert numbers == list(range(1, 25))  # one series for the operator: no gap, no number twice
    mine = (await world["admin"].get("/api/billing/documents")).json()
    assert mine["total"] == 12 and all(d["amount_kop"] % 2 == 0 for d in mine["items"])


async def test_tenants_never_see_each_others_documents_and_the_operator_sees_them_all(
    world: dict[str, Any], vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    doc = (await world["admin"].post("/api/billing/invoices", json={"amount_kop": 50000})).json()
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="a@other.example")
    stranger = await vats_api.as_employee(other.tenant_id, other.admin_id)
    assert (await stranger.get(f"/api/billing/documents/{doc['id']}/pdf")).status_code == 404
    assert (await stranger.get("/api/billing/documents")).json()["total"] == 0
    mine = await world["admin"].get(f"/api/billing/documents/{doc['id']}/pdf")
    base = f"/api/operator/billing/tenants/{vats_tenant.tenant_id}/documents"
    operator = world["operator"]
    assert [d["id"] for d in (await operator.get(base)).json()["items"]] == [doc["id"]]
    assert (await operator.get(f"{base}/{doc['id']}/pdf")).content == mine.content
    wrong = f"/api/operator/billing/tenants/{other.tenant_id}/documents/{doc['id']}/pdf"
    assert (await operator.get(wrong)).status_code == 404


async def test_a_months_upd_and_reconciliation_act_add_up_to_the_ledger(
    world: dict[str, Any], vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    async with vats_kernel.db.tenant(tid) as conn:
        zone = zoneinfo.ZoneInfo(await conn.fetchval("SELECT time_zone FROM tenants WHERE id = $1", tid))
        await ledger.post(conn, tid, kind="payment", amount_kop=500000, idempotency_key="pay-1", reason="Карта")
        await ledger.post(conn, tid, kind="charge", amount_kop=-99000, idempotency_key="fee",
                          reason="Тариф «Старт» за месяц")  # fmt: skip
        await ledger.post(conn, tid, kind="refund", amount_kop=3300, idempotency_key="back",
                          reason="Запись разговоров: 2 из 30 дней")  # fmt: skip
        await ledger.post(conn, tid, kind="adjustment", amount_kop=-1000, idempotency_key="fix", reason="Штраф")
    for seconds in (30, 61, 125):  # 1, 2 and 3 billed minutes at 1 ₽ a minute (Moscow)
        await announce(vats_kernel, call(tid, "outbound", "+74951234567", talk_s=seconds))
    first = dt.datetime.now(zone).date().replace(day=1)
    _, _, _, month_end = service.month_bounds(first, zone)
    later = month_end + dt.timedelta(hours=2)
    made = await service.close_month(vats_kernel, tid, first, now=later)
    assert [d.kind for d in made] == ["upd", "reconciliation"]
    upd, act = made
    services = 99000 - 3300 + 600
    assert (upd.amount_kop, upd.number, upd.vat_pct) == (services, 1, 22)
    async with vats_kernel.db.tenant(tid) as conn:
        balance = await ledger.balance_of(conn, tid)
    assert act.amount_kop == balance == 500000 - services - 1000
    admin = world["admin"]
    upd_text = text_of((await admin.get(f"/api/billing/documents/{upd.id}/pdf")).content)
    last = month_end.date() - dt.timedelta(days=1)
    assert f"Счёт-фактура № 1 от {last:%d.%m.%Y} Статус: 1" in upd_text
    assert "Тариф «Старт» за месяц" in upd_text and "Перерасчёт: Запись разговоров" in upd_text
    assert "исходящие вызовы" in upd_text and "(3 шт.)" in upd_text and "6,00" in upd_text
    assert f"Всего к оплате: {rub(services)} руб." in upd_text
    assert "Штраф" not in upd_text  # a manual debit is no service
    act_text = text_of((await admin.get(f"/api/billing/documents/{act.id}/pdf")).content)
    assert "Сальдо начальное" in act_text and "Оплата: Карта 5 000,00" in act_text
    assert f"УПД № 1 от {last:%d.%m.%Y} {rub(services)}" in act_text
    assert "Корректировка: Штраф 10,00" in act_text
    assert "Сальдо конечное" in act_text and "(аванс) составляет 4 027,00 руб." in act_text
    again = await asyncio.gather(*(service.close_month(vats_kernel, tid, first, now=later) for _ in range(4)))
    assert all([d.id for d in docs] == [upd.id, act.id] for docs in again)  # made once, whoever asks


class Listener:
    def __init__(self) -> None:
        self.made: list[list[dict[str, Any]]] = []

    @hookimpl
    def billing_event(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "documents_made":
            self.made.append(payload["documents"])


async def test_the_worker_closes_last_month_for_tenants_with_requisites_only(
    world: dict[str, Any], vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    listener = Listener()
    vats_register_plugin(listener, name="listener")
    other = await vats_kernel.directory.create_tenant(name="Без реквизитов", admin_email="a@other.example")
    for tid in (vats_tenant.tenant_id, other.tenant_id):
        async with vats_kernel.db.tenant(tid) as conn:
            await ledger.post(conn, tid, kind="charge", amount_kop=-99000, idempotency_key="fee", reason="Тариф")
    this_first = dt.datetime.now(dt.UTC).replace(day=1, hour=6, minute=0)
    next_month = (this_first + dt.timedelta(days=32)).replace(day=1)
    assert await service.close_due(vats_kernel, now=next_month) == 1
    assert await service.close_due(vats_kernel, now=next_month) == 0  # nothing left to make
    async with vats_kernel.db.system() as conn:
        rows = await conn.fetch("SELECT tenant_id, kind, number FROM billing_documents ORDER BY kind")
    assert [(r["tenant_id"], r["kind"], r["number"]) for r in rows] == [
        (vats_tenant.tenant_id, "reconciliation", 1), (vats_tenant.tenant_id, "upd", 1)]  # fmt: skip
    assert [[(d["kind"], d["number"]) for d in made] for made in listener.made] == [[("upd", 1), ("reconciliation", 1)]]
    assert listener.made[0][0]["path"].startswith("/cabinet/settings/finances/documents/")
    r = await world["admin"].post("/api/billing/documents/closing", json={"month": "2026-13"})
    assert r.status_code == 422 and r.json()["field"] == "month"
    this_month = dt.date.today().strftime("%Y-%m")
    r = await world["admin"].post("/api/billing/documents/closing", json={"month": this_month})
    assert r.status_code == 422 and r.json()["field"] == "month"  # not over yet



async def test_the_operators_requisites_vat_rates_and_documents_are_in_the_operator_audit(
    world: dict[str, Any], vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    operator = world["operator"]
    assert (await operator.put("/api/operator/billing/vat-rates",
                               json={"effective_from": "2027-01-01", "rate_pct": 20})).status_code == 200  # fmt: skip
    base = f"/api/operator/billing/tenants/{vats_tenant.tenant_id}"
    made = await operator.post(f"{base}/invoices", json={"amount_kop": 70000})
    assert made.status_code == 201, made.text
    refused = await operator.post(f"{base}/invoices", json={"amount_kop": 0})
    assert refused.status_code == 422 and refused.json()["field"] == "amount_kop"
    async with vats_kernel.db.system() as conn:
        rows = await conn.fetch("SELECT actor, action, tenant_id, detail FROM operator_audit ORDER BY id")
    assert [(r["action"], r["tenant_id"]) for r in rows] == [
        ("billing_own_requisites_changed", None), ("billing_vat_rate_set", None),
        ("billing_documents_made", vats_tenant.tenant_id),
    ]  # fmt: skip
    assert rows[0]["detail"]["inn"] == "7736207543" and rows[1]["detail"]["rate_pct"] == 20
    assert rows[2]["detail"]["documents"] == [{"kind": "invoice", "number": 1, "year": made.json()["year"],
                                               "amount_kop": 70000}]  # fmt: skip


async def test_the_operator_portal_lists_every_tenants_documents_and_gives_the_same_pdf(
    world: dict[str, Any], vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    from vats.core.operators.accounts import OperatorAccounts

    from tests.web.cabinet.client import CabinetClient
    from tests.web.cabinet.test_operator_pages import OP_PASSWORD, OPERATOR

    doc = (await world["admin"].post("/api/billing/invoices", json={"amount_kop": 123456})).json()
    mine = (await world["admin"].get(f"/api/billing/documents/{doc['id']}/pdf")).content
    await OperatorAccounts(vats_kernel.db, vats_kernel.accounts).create(OPERATOR, OP_PASSWORD)
    portal = CabinetClient(vats_api.app)
    try:
        token = await portal.csrf("/operator/signin")
        signed = await portal.http.post("/operator/signin", data={"email": OPERATOR, "password": OP_PASSWORD,
                                                                  "_csrf_token": token})  # fmt: skip
        assert signed.status_code == 303
        listed = await portal.http.get("/operator/billing/documents")
        assert listed.status_code == 200, listed.text[:2000]
        assert "Документы клиентов" in listed.text and "Счёт на оплату № 1 от" in listed.text
        assert "1\u00a0234,56\u00a0₽" in listed.text and 'href="/operator/billing/documents"' in listed.text
        pdf = await portal.http.get(f"/operator/billing/documents/{doc['id']}/pdf")
        assert pdf.status_code == 200 and pdf.content == mine
        theirs = await portal.http.get("/operator/billing/documents", params={"tenant": str(uuid.uuid4())})
        assert 'id="no-documents"' in theirs.text
        # a tenant's session does not open the operator's page
        assert (await world["admin"].get("/operator/billing/documents")).status_code in (302, 303, 401, 404)
    finally:
        await portal.close()
