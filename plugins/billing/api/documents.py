"""Documents over the API: a tenant's invoices and closing documents (admins), and the
operator's side (its own requisites, VAT rates, any tenant's documents)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, JSONBody
from vats.bots.web.kit import ADMIN, KernelDep, Limit, MeDep, Offset, OperatorDep, OperatorScope, Page, TenantDep
from vats.core.db.database import Connection
from vats.core.directory.service import load_tenant
from vats.core.errors import NotFoundError
from vats.plugins.billing import seller, vat
from vats.plugins.billing.api.operator import OPERATOR, _audit
from vats.plugins.billing.documents import service, store
from vats.plugins.billing.documents.store import Document
from vats.plugins.billing.seller import SellerIn
from vats.plugins.billing.vat import VatRate


class InvoiceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The top-up to pay by bank transfer, in kopecks (1 to 1 000 000 roubles)."""

    amount_kop: Annotated[int, msgspec.Meta(examples=[150000])]


class MonthIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A month that is over, as YYYY-MM."""

    month: Annotated[str, msgspec.Meta(max_length=20, examples=["2026-10"])]


def _audited(operator: OperatorScope, tenant_id: uuid.UUID) -> service.After:
    """The operator audit's row for documents the operator made, in their own transaction."""

    async def record(conn: Connection, made: list[Document]) -> None:
        documents = [{"kind": d.kind, "number": d.number, "year": d.year, "amount_kop": d.amount_kop} for d in made]
        await _audit(conn, operator, "documents_made", tenant_id, documents=documents)

    return record


def pdf_response(doc: Document, content: bytes) -> Response[bytes]:
    return Response(
        content, media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{store.filename(doc)}"', "Cache-Control": "private"},
    )  # fmt: skip


class DocumentsController(Controller):
    path = "/api/billing"
    tags = ["billing"]
    opt = {"roles": ADMIN}

    @get("/documents", operation_id="listBillingDocuments", summary="Invoices and closing documents, newest first")
    async def documents(self, tx: TenantDep, limit: Limit = 50, offset: Offset = 0) -> Page[Document]:
        items, total = await store.listed(tx.conn, tx.tenant.id, limit=limit, offset=offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get(
        "/documents/{document_id:uuid}/pdf", operation_id="getBillingDocumentPdf", summary="A document's PDF",
        media_type="application/pdf",
    )  # fmt: skip
    async def pdf(self, tx: TenantDep, document_id: FromPath[uuid.UUID]) -> Response[bytes]:
        """The bytes stored when the document was made: every download is the same file."""
        doc, content = await store.pdf_of(tx.conn, tx.tenant.id, document_id)
        return pdf_response(doc, content)

    @post("/invoices", operation_id="createBillingInvoice", summary="An invoice to top up by bank transfer",
          status_code=201)  # fmt: skip
    async def invoice(self, me: MeDep, kernel: KernelDep, data: JSONBody[InvoiceIn]) -> Document:
        """Needs the PBX's requisites (else 404 naming ``requisites``) and the operator's (else
        409 naming ``operator_requisites``). Numbered in the operator's invoice series of the year."""
        return await service.make_invoice(kernel, me.tenant_id, data.amount_kop)

    @post("/documents/closing", operation_id="closeBillingMonth", summary="A past month's УПД and reconciliation act",
          status_code=200)  # fmt: skip
    async def closing(self, me: MeDep, kernel: KernelDep, data: JSONBody[MonthIn]) -> list[Document]:
        """Made once per month (asking again answers the same documents); the month must be over."""
        return await service.close_month(kernel, me.tenant_id, service.parse_month(data.month))


class DocumentsOperatorController(Controller):
    path = "/api/operator/billing"
    tags = ["operator: billing"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @get("/requisites", operation_id="operatorGetOwnRequisites", summary="The operator's requisites (404 until given)")
    async def get_requisites(self, operator: OperatorDep) -> SellerIn:
        async with operator.system() as conn:
            own = await seller.load(conn)
        if own is None:
            raise NotFoundError("the operator has not given its requisites yet", field="operator_requisites")
        return own

    @put("/requisites", operation_id="operatorPutOwnRequisites", summary="The seller on invoices and documents")
    async def put_requisites(self, operator: OperatorDep, data: JSONBody[SellerIn]) -> SellerIn:
        async with operator.system() as conn:
            saved = await seller.save(conn, data)
            await _audit(conn, operator, "own_requisites_changed", name=saved.name, inn=saved.inn, bik=saved.bik,
                         account=saved.account)  # fmt: skip
            return saved

    @get("/vat-rates", operation_id="operatorListVatRates", summary="VAT rates and the days they apply from")
    async def vat_rates(self, operator: OperatorDep) -> list[VatRate]:
        async with operator.system() as conn:
            return await vat.rates(conn)

    @put("/vat-rates", operation_id="operatorPutVatRate", summary="Add a VAT rate from a day on (null: без НДС)")
    async def put_vat_rate(self, operator: OperatorDep, data: JSONBody[VatRate]) -> list[VatRate]:
        async with operator.system() as conn:
            rates = await vat.save(conn, data)
            await _audit(conn, operator, "vat_rate_set", effective_from=data.effective_from, rate_pct=data.rate_pct)
            return rates

    @get("/tenants/{tenant_id:uuid}/documents", operation_id="operatorTenantDocuments", summary="A tenant's documents")
    async def documents(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], limit: Limit = 50, offset: Offset = 0
    ) -> Page[Document]:
        async with operator.kernel.db.tenant(tenant_id) as conn:
            await load_tenant(conn, tenant_id)
            items, total = await store.listed(conn, tenant_id, limit=limit, offset=offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get(
        "/tenants/{tenant_id:uuid}/documents/{document_id:uuid}/pdf", operation_id="operatorTenantDocumentPdf",
        summary="A tenant's document as PDF", media_type="application/pdf",
    )  # fmt: skip
    async def pdf(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], document_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        async with operator.kernel.db.tenant(tenant_id) as conn:
            doc, content = await store.pdf_of(conn, tenant_id, document_id)
        return pdf_response(doc, content)

    @post("/tenants/{tenant_id:uuid}/invoices", operation_id="operatorCreateInvoice",
          summary="An invoice for a tenant's top-up by bank transfer", status_code=201)  # fmt: skip
    async def invoice(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[InvoiceIn]
    ) -> Document:
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
        return await service.make_invoice(
            operator.kernel, tenant_id, data.amount_kop, after=_audited(operator, tenant_id)
        )

    @post("/tenants/{tenant_id:uuid}/documents/closing", operation_id="operatorCloseMonth",
          summary="A tenant's УПД and reconciliation act for a past month", status_code=200)  # fmt: skip
    async def closing(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[MonthIn]
    ) -> list[Document]:
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
        return await service.close_month(
            operator.kernel, tenant_id, service.parse_month(data.month), after=_audited(operator, tenant_id)
        )

