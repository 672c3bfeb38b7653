"""/api/contacts: the contact list, saving, tags, bulk operations, CSV import and export."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT
from vats.bots.web.kit import (
    ADMIN,
    EVERYONE,
    WORKERS,
    KernelDep,
    Limit,
    MeDep,
    Offset,
    Page,
    TenantDep,
)
from vats.core.errors import ValidationError
from vats.plugins.crm import contacts
from vats.plugins.crm.api.common import VIEWER, ViewerDep
from vats.plugins.crm.models import (
    BulkContacts,
    BulkResult,
    Contact,
    ContactIn,
    ContactKind,
    ContactUpdate,
    ImportReport,
)

MAX_CSV_BYTES = 5 * 1024 * 1024


class ImportForm(msgspec.Struct, kw_only=True):
    """multipart/form-data: the CSV file (UTF-8; header number,name,company,manager_email,tags)."""

    file: UploadFile


class ContactController(Controller):
    path = "/api/contacts"
    dependencies = VIEWER
    tags = ["crm: contacts"]

    @get(
        operation_id="listContacts",
        summary="Contacts, newest first (personal ones: admins only)",
        opt={"roles": EVERYONE},
    )
    async def list_contacts(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Annotated[str | None, QueryParameter(max_length=100, description="name, number or company")] = None,
        kind: FromQuery[ContactKind | None] = None,
        tag_id: FromQuery[uuid.UUID | None] = None,
        manager_id: FromQuery[uuid.UUID | None] = None,
    ) -> Page[Contact]:
        items, total = await contacts.listing(
            tx.conn, tx.tenant.id, admin=viewer.is_admin, q=q, kind=kind, tag_id=tag_id, manager_id=manager_id,
            limit=limit, offset=offset,
        )  # fmt: skip
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post(operation_id="saveContact", summary="Save a contact (a caller's 'not saved' contact is saved instead)",
          opt={"roles": WORKERS})  # fmt: skip
    async def create(self, tx: TenantDep, viewer: ViewerDep, data: JSONBody[ContactIn]) -> Response[Contact]:
        contact, created = await contacts.create(
            tx.conn, tx.tenant.id, data, admin=viewer.is_admin, settings=tx.tenant.settings
        )
        return Response(contact, status_code=201 if created else HTTP_200_OK)

    @get("/{contact_id:uuid}", operation_id="getContact", summary="One contact", opt={"roles": EVERYONE})
    async def show(self, tx: TenantDep, viewer: ViewerDep, contact_id: FromPath[uuid.UUID]) -> Contact:
        return await contacts.get(tx.conn, tx.tenant.id, contact_id, admin=viewer.is_admin)

    @patch("/{contact_id:uuid}", operation_id="updateContact", summary="Edit, save as business or personal, tag",
           opt={"roles": WORKERS})  # fmt: skip
    async def update(
        self, tx: TenantDep, viewer: ViewerDep, contact_id: FromPath[uuid.UUID], data: JSONBody[ContactUpdate]
    ) -> Contact:
        return await contacts.update(
            tx.conn, tx.tenant.id, contact_id, data, admin=viewer.is_admin, settings=tx.tenant.settings
        )

    @delete("/{contact_id:uuid}", operation_id="deleteContact", summary="Delete a contact (its calls stay)",
            status_code=HTTP_204_NO_CONTENT, opt={"roles": ADMIN})  # fmt: skip
    async def remove(self, tx: TenantDep, contact_id: FromPath[uuid.UUID]) -> None:
        await contacts.delete(tx.conn, tx.tenant.id, contact_id)

    @post("/bulk", operation_id="bulkContacts", summary="Make personal, set company, set manager, or delete many",
          status_code=HTTP_200_OK, opt={"roles": ADMIN})  # fmt: skip
    async def bulk(self, tx: TenantDep, data: JSONBody[BulkContacts]) -> BulkResult:
        return BulkResult(changed=await contacts.bulk(tx.conn, tx.tenant.id, data))

    @post("/import", operation_id="importContacts", summary="Import business contacts from CSV; bad rows are reported",
          status_code=HTTP_200_OK, request_max_body_size=MAX_CSV_BYTES + 64 * 1024, opt={"roles": ADMIN})  # fmt: skip
    async def import_csv(
        self,
        tx: TenantDep,
        data: Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportReport:
        raw = await data.file.read()
        if len(raw) > MAX_CSV_BYTES:
            raise ValidationError("the file is larger than 5 MB", field="file")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError("the file is not UTF-8 text", field="file") from exc
        return await contacts.import_csv(tx.conn, tx.tenant.id, text, tx.tenant.settings)

    @get("/export.csv", operation_id="exportContacts", summary="All contacts as CSV", media_type="text/csv",
         opt={"roles": ADMIN})  # fmt: skip
    async def export_csv(self, kernel: KernelDep, me: MeDep) -> Stream:
        tenant_id = me.tenant_id
        db = kernel.db
        assert db is not None

        async def lines() -> AsyncIterator[bytes]:  # runs while the answer is sent, in a transaction of its own
            async with db.tenant(tenant_id) as conn:
                async for line in contacts.export_rows(conn, tenant_id):
                    yield line.encode()

        return Stream(
            lines(), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="contacts.csv"'},
        )  # fmt: skip
