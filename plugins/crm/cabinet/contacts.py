"""Work → Contacts: the list (search, kind, tag, manager), saving a contact, bulk operations,
CSV import with its per-row report, CSV export, and the contact's card with its calls, deal
and tasks. Every step calls the service the CRM's /api/contacts route calls, under that
route's role set, so the page and the API refuse the same things."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Stream, Template
from vats.bots.web.cabinet.kit import redirect
from vats.bots.web.kit import ADMIN, EVERYONE, WORKERS, kernel_of
from vats.core.errors import ValidationError, VatsError
from vats.plugins.crm import contacts, deals, history, tasks
from vats.plugins.crm.cabinet.common import (
    crm,
    form_of,
    problem,
    render,
    require,
    texts_for,
    uuid_or_none,
    uuids,
)
from vats.plugins.crm.cabinet.periods import ALL_TIME_START
from vats.plugins.crm.history import Filters
from vats.plugins.crm.models import BulkContacts, ContactIn, ContactUpdate, DealIn, ImportReport

PAGE_SIZE = 50
KINDS = ("unsaved", "business", "personal")
BULK_ACTIONS = ("tag", "set_manager", "set_company", "make_personal", "delete")
MAX_CSV_BYTES = 5 * 1024 * 1024  # as POST /api/contacts/import


def _far_future() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


class ImportedRow(msgspec.Struct, kw_only=True):
    """A refused row of an import, as the page shows it: the service's error and the row itself."""

    row: int
    field: str
    detail: str
    text: str


def _rows_of(text: str) -> dict[int, str]:
    """Each CSV record's text by its line number as the service counts them (the header is 1)."""
    records = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return {index: ",".join(cells) for index, cells in enumerate(records, start=1)}


class ContactPages(Controller):
    path = "/cabinet/contacts"
    include_in_schema = False

    # --- the list -----------------------------------------------------------------------

    @get("/")
    async def listing(
        self,
        request: Request[Any, Any, Any],
        q: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        tag_id: FromQuery[str | None] = None,
        manager_id: FromQuery[str | None] = None,
        offset: FromQuery[int] = 0,
    ) -> Template:
        filters = {"q": q or "", "kind": kind or "", "tag_id": tag_id or "", "manager_id": manager_id or ""}
        return await self._list(request, filters=filters, offset=offset)

    async def _list(
        self,
        request: Request[Any, Any, Any],
        status: int = 200,
        *,
        filters: dict[str, str] | None = None,
        offset: int = 0,
        **context: Any,
    ) -> Template:
        me = require(request, EVERYONE)
        f = filters or {}
        q = (f.get("q") or "").strip()[:100] or None
        kind = f.get("kind") if f.get("kind") in KINDS else None
        try:
            tag_id = uuid_or_none(f.get("tag_id"), "tag_id")
            manager_id = uuid_or_none(f.get("manager_id"), "manager_id")
        except ValidationError:
            tag_id = manager_id = None
        offset = max(0, min(offset, 1_000_000))
        async with crm(request) as c:
            items, total = await contacts.listing(
                c.conn, c.tenant_id, admin=c.viewer.is_admin, q=q, kind=kind, tag_id=tag_id, manager_id=manager_id,
                limit=PAGE_SIZE, offset=offset,
            )  # fmt: skip
            employees = await c.employees()
            tags = await c.contact_tags()
        return await render(
            request, "crm/contacts.html", status,
            items=items, total=total, offset=offset, page_size=PAGE_SIZE,
            filters={
                "q": q or "", "kind": kind or "", "tag_id": str(tag_id or ""), "manager_id": str(manager_id or "")
            },
            kinds=[k for k in KINDS if k != "personal" or me.role == "admin"], employees=employees, tags=tags,
            can_edit=me.role in WORKERS, is_admin=me.role == "admin",
            bulk_actions=[a for a in BULK_ACTIONS if a == "tag" or me.role == "admin"],
            **context,
        )  # fmt: skip

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        """POST /api/contacts: a new contact (a caller's "not saved" one of the number is saved instead)."""
        require(request, WORKERS)
        form, many = await form_of(request)
        try:
            async with crm(request) as c:
                data = ContactIn(
                    number=form.get("number", ""),
                    name=form.get("name", "")[:200],
                    company=form.get("company", "")[:200],
                    kind="personal" if form.get("kind") == "personal" else "business",
                    manager_id=uuid_or_none(form.get("manager_id"), "manager_id"),
                    tag_ids=uuids(many.get("tag_ids", []), "tag_ids"),
                )
                contact, _ = await contacts.create(
                    c.conn, c.tenant_id, data, admin=c.viewer.is_admin, settings=c.tx.tenant.settings
                )
        except VatsError as exc:
            errors = {exc.field or "number": problem(request, exc)}
            return await self._list(request, 422, errors=errors, values=form, adding=True)
        return redirect(f"/cabinet/contacts/{contact.id}?saved=1")

    # --- bulk operations ----------------------------------------------------------------

    @post("/bulk")
    async def bulk(self, request: Request[Any, Any, Any]) -> Template:
        """Add a tag (workers, who may tag a contact through PATCH /api/contacts/{id}), or
        POST /api/contacts/bulk (admins)."""
        me = require(request, WORKERS)
        form, many = await form_of(request)
        t = texts_for(request)
        action = form.get("action", "")
        if action not in BULK_ACTIONS or (action != "tag" and me.role not in ADMIN):
            require(request, ADMIN)  # an action of the admins' bulk route: the no-access page
        ids = list(dict.fromkeys(uuids(many.get("contact_ids", []), "contact_ids")))
        if not ids:
            return await self._list(request, 422, errors={"contact_ids": t["crm_bulk_none"]})
        if action == "delete" and form.get("confirmed") != "yes":
            return await self._list(request, confirm_delete=[str(i) for i in ids])
        try:
            async with crm(request) as c:
                if action == "tag":
                    tag_id = uuid_or_none(form.get("tag_id"), "tag_id")
                    if tag_id is None:
                        raise ValidationError("no such contact tag", field="tag_id")
                    changed = await contacts.add_tag(c.conn, c.tenant_id, ids, tag_id, admin=c.viewer.is_admin)
                else:
                    op = msgspec.convert(
                        {
                            "contact_ids": [str(i) for i in ids],
                            "action": action,
                            "company": form.get("company", "")[:200] or None,
                            "manager_id": form.get("manager_id") or None,
                        },
                        BulkContacts,
                    )
                    changed = await contacts.bulk(c.conn, c.tenant_id, op)
        except msgspec.ValidationError as exc:
            return await self._list(request, 422, errors={"action": str(exc)}, values=form)
        except VatsError as exc:
            return await self._list(request, 422, errors={exc.field or "action": problem(request, exc)}, values=form)
        key = "crm_bulk_deleted" if action == "delete" else "crm_bulk_done"
        return await self._list(request, notice=t[key].format(count=changed))

    # --- CSV ----------------------------------------------------------------------------

    @post("/import", request_max_body_size=MAX_CSV_BYTES + 64 * 1024)
    async def import_csv(self, request: Request[Any, Any, Any]) -> Template:
        """POST /api/contacts/import: the same checks and the same per-row report."""
        require(request, ADMIN)
        data = await request.form()
        upload = data.get("file")
        report: ImportReport | None = None
        bad: list[ImportedRow] = []
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationError("choose a file", field="file")
            raw = await upload.read()
            if len(raw) > MAX_CSV_BYTES:
                raise ValidationError("the file is larger than 5 MB", field="file")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError("the file is not UTF-8 text", field="file") from exc
            async with crm(request) as c:
                report = await contacts.import_csv(c.conn, c.tenant_id, text, c.tx.tenant.settings)
            rows = _rows_of(text)
            bad = [
                ImportedRow(row=e.row, field=e.field, detail=problem(request, ValidationError(e.detail)),
                            text=rows.get(e.row, ""))
                for e in report.errors
            ]  # fmt: skip
        except VatsError as exc:
            return await self._list(request, 422, errors={"file": problem(request, exc)}, importing=True)
        return await self._list(request, report=report, bad_rows=bad, importing=True)

    @get("/export.csv")
    async def export_csv(self, request: Request[Any, Any, Any]) -> Stream:
        """GET /api/contacts/export.csv for the browser (the API's needs a bearer token)."""
        me = require(request, ADMIN)
        db = kernel_of(request).db
        assert db is not None

        async def lines() -> AsyncIterator[bytes]:  # runs while the answer is sent, in a transaction of its own
            async with db.tenant(me.tenant_id) as conn:
                async for line in contacts.export_rows(conn, me.tenant_id):
                    yield line.encode()

        return Stream(
            lines(), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="contacts.csv"'},
        )  # fmt: skip

    # --- the card -----------------------------------------------------------------------

    @get("/{contact_id:uuid}")
    async def card(
        self, request: Request[Any, Any, Any], contact_id: FromPath[uuid.UUID], saved: FromQuery[bool] = False
    ) -> Template:
        notice = texts_for(request)["crm_contact_saved"] if saved else ""
        return await self._card(request, contact_id, notice=notice)

    async def _card(
        self, request: Request[Any, Any, Any], contact_id: uuid.UUID, status: int = 200, **context: Any
    ) -> Template:
        me = require(request, EVERYONE)
        async with crm(request) as c:
            contact = await contacts.get(c.conn, c.tenant_id, contact_id, admin=c.viewer.is_admin)
            until = _far_future()
            calls, calls_total = await history.listing(
                c.conn, c.viewer, Filters(since=ALL_TIME_START, until=until, contact_id=contact_id), limit=20, offset=0
            )
            contact_deals: list[Any] = []
            if me.role in WORKERS:  # /api/deals is for workers
                contact_deals, _ = await deals.listing(
                    c.conn, c.viewer, since=ALL_TIME_START, until=until, status=None, limit=1, offset=0,
                    contact_id=contact_id,
                )  # fmt: skip
            contact_tasks, tasks_total = await tasks.listing(
                c.conn, c.viewer, since=ALL_TIME_START, until=until, status=None, assignee_id=None, kind=None,
                limit=20, offset=0, contact_id=contact_id,
            )  # fmt: skip
            has_deal = bool(
                await c.conn.fetchval(
                    "SELECT true FROM crm_deals WHERE tenant_id = $1 AND contact_id = $2", c.tenant_id, contact_id
                )
            )
            employees = await c.employees()
            groups = await c.groups()
            tags = await c.contact_tags()
            when = c.when
        return await render(
            request, "crm/contact.html", status,
            contact=contact, calls=calls, calls_total=calls_total, deal=contact_deals[0] if contact_deals else None,
            has_deal=has_deal, tasks=contact_tasks, tasks_total=tasks_total, employees=employees, groups=groups,
            tags=tags, when=when, can_edit=me.role in WORKERS, is_admin=me.role == "admin", **context,
        )  # fmt: skip

    @post("/{contact_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], contact_id: FromPath[uuid.UUID]) -> Template:
        """PATCH /api/contacts/{id}: name, company, kind, personal manager, tags."""
        require(request, WORKERS)
        form, many = await form_of(request)
        try:
            async with crm(request) as c:
                kind = form.get("kind")
                update = ContactUpdate(
                    name=form.get("name", "")[:200],
                    company=form.get("company", "")[:200],
                    manager_id=uuid_or_none(form.get("manager_id"), "manager_id"),
                    tag_ids=uuids(many.get("tag_ids", []), "tag_ids"),
                )
                if kind in ("business", "personal"):
                    update = msgspec.structs.replace(update, kind=kind)
                await contacts.update(
                    c.conn, c.tenant_id, contact_id, update, admin=c.viewer.is_admin, settings=c.tx.tenant.settings
                )
        except VatsError as exc:
            errors = {exc.field or "name": problem(request, exc)}
            return await self._card(request, contact_id, 422, errors=errors, values=form, editing=True)
        return await self._card(request, contact_id, notice=texts_for(request)["crm_contact_saved"])

    @post("/{contact_id:uuid}/delete")
    async def remove(self, request: Request[Any, Any, Any], contact_id: FromPath[uuid.UUID]) -> Template:
        """DELETE /api/contacts/{id} (admins)."""
        require(request, ADMIN)
        async with crm(request) as c:
            await contacts.delete(c.conn, c.tenant_id, contact_id)
        return await self._list(request, notice=texts_for(request)["crm_contact_deleted"])

    @post("/{contact_id:uuid}/deal")
    async def create_deal(
        self, request: Request[Any, Any, Any], contact_id: FromPath[uuid.UUID]
    ) -> Response[Any] | Template:
        """POST /api/deals: the contact's deal (one per contact)."""
        require(request, WORKERS)
        form, _ = await form_of(request)
        try:
            title = form.get("title", "").strip()
            if not title:  # said beside the field (the form leaves the check to the server: novalidate)
                raise ValidationError("required", field="title")
            async with crm(request) as c:
                deal = await deals.create(
                    c.conn, c.viewer,
                    DealIn(contact_id=contact_id, title=title[:300], private=form.get("private") == "on"),
                )  # fmt: skip
        except VatsError as exc:
            errors = {exc.field or "title": problem(request, exc)}
            return await self._card(request, contact_id, 422, errors=errors, values=form)
        return redirect(f"/cabinet/deals/{deal.id}")
