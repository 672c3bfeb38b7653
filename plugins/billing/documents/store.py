"""Stored documents and their numbers.

A document's number is the next of its kind and year across the whole operator, given inside the
transaction that stores the document: the counter's row stays locked until that transaction
ends, so two documents never share a number, and a transaction that fails (a PDF that could not
be rendered, a crash) gives its number back: no gaps. The PDF is rendered once and stored, so
every download gives the same bytes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Literal

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import NotFoundError

DocumentKind = Literal["invoice", "upd", "reconciliation"]
TITLES: dict[str, str] = {"invoice": "Счёт на оплату", "upd": "УПД", "reconciliation": "Акт сверки"}
_COLUMNS = "id, kind, year, number, issued_on, period_start, period_end, amount_kop, vat_pct, vat_kop, created_at"


class Document(msgspec.Struct, kw_only=True):
    """A stored document (its PDF at ``/api/billing/documents/{id}/pdf``); amounts include VAT."""

    id: uuid.UUID
    kind: DocumentKind
    year: int
    number: int
    issued_on: dt.date
    period_start: dt.date | None  # closing documents: the month [period_start, period_end)
    period_end: dt.date | None
    amount_kop: int
    vat_pct: int | None  # None: без НДС
    vat_kop: int
    created_at: dt.datetime
    title: str = ""  # "Счёт на оплату № 17 от 29.11.2026"


def _document(row: object) -> Document:
    doc = Document(**{k: row[k] for k in _COLUMNS.split(", ")})  # type: ignore[index]
    doc.title = f"{TITLES[doc.kind]} № {doc.number} от {doc.issued_on:%d.%m.%Y}"
    return doc


class Draft(msgspec.Struct, kw_only=True):
    """What a new document holds besides its number and bytes."""

    kind: DocumentKind
    issued_on: dt.date
    amount_kop: int
    vat_pct: int | None
    vat_kop: int
    period: tuple[dt.date, dt.date] | None = None


Render = Callable[[int], Awaitable[bytes]]  # the number -> the PDF


async def lock_number(conn: Connection, kind: DocumentKind, year: int) -> int:
    """The next number of ``kind`` in ``year``, holding the counter's row until the transaction
    ends (other documents of the kind and year wait)."""
    await conn.execute(
        "INSERT INTO billing_document_counters (kind, year) VALUES ($1, $2) ON CONFLICT DO NOTHING", kind, year
    )
    last = await conn.fetchval(
        "SELECT last_number FROM billing_document_counters WHERE kind = $1 AND year = $2 FOR UPDATE", kind, year
    )
    return int(last) + 1


async def existing(
    conn: Connection, tenant_id: uuid.UUID, kind: DocumentKind, period_start: dt.date
) -> Document | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM billing_documents WHERE tenant_id = $1 AND kind = $2 AND period_start = $3",
        tenant_id, kind, period_start,
    )  # fmt: skip
    return None if row is None else _document(row)


async def store(conn: Connection, tenant_id: uuid.UUID, draft: Draft, number: int, pdf: bytes) -> Document:
    """Store a document under the number ``lock_number`` gave (in the same transaction)."""
    year = draft.issued_on.year
    await conn.execute(
        "UPDATE billing_document_counters SET last_number = $3 WHERE kind = $1 AND year = $2",
        draft.kind, year, number,
    )  # fmt: skip
    start, end = draft.period or (None, None)
    row = await conn.fetchrow(
        "INSERT INTO billing_documents (tenant_id, kind, year, number, issued_on, period_start, period_end,"
        " amount_kop, vat_pct, vat_kop, pdf) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        f" RETURNING {_COLUMNS}",
        tenant_id, draft.kind, year, number, draft.issued_on, start, end, draft.amount_kop, draft.vat_pct,
        draft.vat_kop, pdf,
    )  # fmt: skip
    return _document(row)


async def listed(
    conn: Connection, tenant_id: uuid.UUID, *, limit: int = 100, offset: int = 0
) -> tuple[list[Document], int]:
    """The tenant's documents, newest first, and how many there are."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM billing_documents WHERE tenant_id = $1"
        " ORDER BY issued_on DESC, created_at DESC LIMIT $2 OFFSET $3",
        tenant_id, limit, offset,
    )  # fmt: skip
    total = await conn.fetchval("SELECT count(*) FROM billing_documents WHERE tenant_id = $1", tenant_id)
    return [_document(r) for r in rows], int(total)


async def pdf_of(conn: Connection, tenant_id: uuid.UUID, document_id: uuid.UUID) -> tuple[Document, bytes]:
    """A document of the tenant and its stored PDF (another tenant's: not found)."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS}, pdf FROM billing_documents WHERE tenant_id = $1 AND id = $2", tenant_id, document_id
    )
    if row is None:
        raise NotFoundError("no such document", field="document_id")
    return _document(row), bytes(row["pdf"])


def filename(doc: Document) -> str:
    """An ASCII file name: invoice-2026-17.pdf."""
    return f"{doc.kind}-{doc.year}-{doc.number}.pdf"
