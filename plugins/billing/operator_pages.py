"""The operator portal's page Документы (/operator/billing/documents): every tenant's invoices
and closing documents, newest first (or one tenant's), each PDF downloadable: the same stored
bytes the tenant downloads."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import CabinetPages, NavEntry, kernel_of
from vats.bots.web.cabinet.operator.kit import language, page
from vats.core.errors import NotFoundError
from vats.plugins.billing.cabinet import money
from vats.plugins.billing.documents.store import TITLES

PAGE = "/operator/billing/documents"
SHOWN = 200

_LIST = """
SELECT d.id, d.tenant_id, t.name AS tenant, d.kind, d.number, d.issued_on, d.period_start, d.period_end,
       d.amount_kop, d.vat_pct, d.vat_kop
FROM billing_documents d JOIN tenants t ON t.id = d.tenant_id
WHERE $1::uuid IS NULL OR d.tenant_id = $1
ORDER BY d.created_at DESC LIMIT $2
"""


class OperatorDocumentsPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        lang = language(request)
        text = str(request.query_params.get("tenant", "")).strip()
        try:
            tenant = uuid.UUID(text) if text else None
        except ValueError:
            tenant = None
        async with kernel_of(request).db.system() as conn:
            rows = await conn.fetch(_LIST, tenant, SHOWN)
        documents = [{
            "id": str(r["id"]), "tenant": r["tenant"], "tenant_id": str(r["tenant_id"]),
            "title": f"{TITLES[r['kind']]} № {r['number']} от {r['issued_on']:%d.%m.%Y}",
            "period": (f"{r['period_start']:%d.%m.%Y} – {r['period_end'] - dt.timedelta(days=1):%d.%m.%Y}"
                       if r["period_start"] else ""),
            "amount": money(r["amount_kop"], lang),
            "vat": "" if r["vat_pct"] is None else f"{r['vat_pct']}%: {money(r['vat_kop'], lang)}",
        } for r in rows]  # fmt: skip
        return page(request, "billing/operator_documents.html", documents=documents, tenant=text)

    @get("/{document_id:uuid}/pdf")
    async def pdf(self, request: Request[Any, Any, Any], document_id: FromPath[uuid.UUID]) -> Response[bytes]:
        async with kernel_of(request).db.system() as conn:
            row = await conn.fetchrow(
                "SELECT kind, year, number, pdf FROM billing_documents WHERE id = $1", document_id
            )
        if row is None:
            raise NotFoundError("no such document", field="document_id")
        name = f"{row['kind']}-{row['year']}-{row['number']}.pdf"
        return Response(bytes(row["pdf"]), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


TEXTS_RU = {
    "billing_op_documents": "Документы клиентов",
    "billing_op_hint": "Счета, УПД и акты сверки всех клиентов, новые сверху (последние 200).",
    "billing_op_tenant": "Клиент",
    "billing_op_none": "Документов пока нет.",
    "billing_op_all": "Все клиенты",
    "billing_op_money": "Деньги клиентов",
    "billing_op_in_debt": "Клиентов в минусе",
    "billing_op_of": "из",
    "billing_op_debt": "Их долг",
    "billing_op_held": "На счетах остальных",
}
TEXTS_EN = {
    "billing_op_documents": "Tenants' documents",
    "billing_op_hint": "Invoices, UPDs and reconciliation acts of every tenant, newest first (the last 200).",
    "billing_op_tenant": "Tenant",
    "billing_op_none": "No documents yet.",
    "billing_op_all": "All tenants",
    "billing_op_money": "Tenants' money",
    "billing_op_in_debt": "Tenants in debt",
    "billing_op_of": "of",
    "billing_op_debt": "What they owe",
    "billing_op_held": "Held by the others",
}


def operator_pages() -> CabinetPages:
    return CabinetPages(
        handlers=[OperatorDocumentsPage],
        nav=[NavEntry(href=PAGE, label_ru="Документы", label_en="Documents", section="operator", order=450)],
        texts_ru=TEXTS_RU, texts_en=TEXTS_EN, area="operator",
    )  # fmt: skip
