"""Work → Deals (workers, as /api/deals): the deals the viewer may see, as a list or a board by
stage, today's unless another period is chosen; the card with status, responsible, privacy,
comments for colleagues and attached calls and tasks of the same client."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from msgspec import UNSET
from vats.bots.web.cabinet.kit import REFUSED
from vats.bots.web.kit import WORKERS
from vats.core.errors import ValidationError, VatsError
from vats.plugins.crm import cards, deals
from vats.plugins.crm.cabinet.common import (
    crm,
    form_of,
    problem,
    refused,
    render,
    require,
    texts_for,
    uuid_or_none,
)
from vats.plugins.crm.cabinet.periods import PERIODS, bounds
from vats.plugins.crm.cabinet.threads import attachable, attachment_rows
from vats.plugins.crm.models import AttachIn, DealUpdate

NO_ID = uuid.UUID(int=0)  # an empty choice: the service answers "no such call"
PAGE_SIZE = 100
STATUSES = ("new", "in_progress", "won", "lost")


class DealPages(Controller):
    path = "/cabinet/deals"
    include_in_schema = False

    @get("/")
    async def listing(
        self,
        request: Request[Any, Any, Any],
        period: FromQuery[str] = "today",
        status: FromQuery[str | None] = None,
        view: FromQuery[str] = "list",
        offset: FromQuery[int] = 0,
    ) -> Template:
        require(request, WORKERS)
        period = period if period in PERIODS else "today"
        status = status if status in STATUSES else None
        view = "board" if view == "board" else "list"
        offset = max(0, min(offset, 1_000_000))
        async with crm(request) as c:
            since, until = bounds(period, c.tx.tenant.time_zone)
            items, total = await deals.listing(
                c.conn, c.viewer, since=since, until=until, status=status, limit=PAGE_SIZE, offset=offset
            )
            names = await _contact_names(c.conn, c.tenant_id, [d.contact_id for d in items])
            employees = await c.employees()
            when = c.when
        board = {s: [d for d in items if d.status == s] for s in STATUSES}
        return await render(
            request, "crm/deals.html",
            items=items, total=total, offset=offset, page_size=PAGE_SIZE, board=board, statuses=STATUSES,
            periods=PERIODS, period=period, status=status or "", view=view, contact_names=names,
            employees=employees, when=when,
        )  # fmt: skip

    @get("/{deal_id:uuid}")
    async def card(self, request: Request[Any, Any, Any], deal_id: FromPath[uuid.UUID]) -> Template:
        return await self._card(request, deal_id)

    async def _card(
        self, request: Request[Any, Any, Any], deal_id: uuid.UUID, status: int = 200, **context: Any
    ) -> Template:
        require(request, WORKERS)
        async with crm(request) as c:
            deal = await deals.get(c.conn, c.viewer, deal_id)
            comments = await cards.comments(c.conn, c.tenant_id, "deal", deal_id)
            attached = await cards.attachments(c.conn, c.tenant_id, "deal", deal_id)
            t = texts_for(request)
            rows = await attachment_rows(c, attached, t)
            choices = await attachable(c, deal.contact_id, attached, None, t)
            names = await _contact_names(c.conn, c.tenant_id, [deal.contact_id])
            employees = await c.employees()
            when = c.when
        return await render(
            request, "crm/deal.html", status,
            deal=deal, comments=comments, attachments=rows, choices=choices, contact_name=names.get(deal.contact_id),
            employees=employees, statuses=STATUSES, when=when, **context,
        )  # fmt: skip

    @post("/{deal_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], deal_id: FromPath[uuid.UUID]) -> Template:
        """PATCH /api/deals/{id}: title, status, responsible, privacy."""
        require(request, WORKERS)
        form, _ = await form_of(request)
        try:
            async with crm(request) as c:
                status = form.get("status")
                responsible = uuid_or_none(form.get("responsible_id"), "responsible_id")
                title = form.get("title", "").strip()
                if not title:  # a title is cleared by mistake, not on purpose: said beside the field
                    raise ValidationError("required", field="title")
                update = DealUpdate(
                    title=title[:300] if title else UNSET,
                    status=status if status in STATUSES else UNSET,  # type: ignore[arg-type]
                    responsible_id=responsible if responsible else UNSET,
                    private=form.get("private") == "on",
                )
                await deals.update(c.conn, c.viewer, deal_id, update)
        except VatsError as exc:
            return await self._card(request, deal_id, REFUSED, **refused(request, exc, "title", form))
        return await self._card(request, deal_id, notice=texts_for(request)["crm_deal_saved"])

    @post("/{deal_id:uuid}/comments")
    async def comment(self, request: Request[Any, Any, Any], deal_id: FromPath[uuid.UUID]) -> Template:
        """POST /api/deals/{id}/comments."""
        require(request, WORKERS)
        form, _ = await form_of(request)
        text = form.get("text", "").strip()
        if not text:  # said beside the field (the form leaves the check to the server: novalidate)
            errors = {"text": problem(request, ValidationError("required", field="text"))}
            return await self._card(request, deal_id, REFUSED, errors=errors)
        async with crm(request) as c:
            await deals.get(c.conn, c.viewer, deal_id)
            await cards.add_comment(c.conn, c.tenant_id, "deal", deal_id, c.viewer.employee_id, text)
        return await self._card(request, deal_id)

    @post("/{deal_id:uuid}/attachments")
    async def attach(self, request: Request[Any, Any, Any], deal_id: FromPath[uuid.UUID]) -> Template:
        """POST /api/deals/{id}/attachments: a call or a task of the same client."""
        require(request, WORKERS)
        form, _ = await form_of(request)
        try:
            kind, _, raw_id = form.get("item", "").partition(":")
            item = AttachIn(kind="task" if kind == "task" else "call", id=uuid_or_none(raw_id, "id") or NO_ID)
            async with crm(request) as c:
                await deals.get(c.conn, c.viewer, deal_id)
                await cards.attach(c.conn, c.tenant_id, "deal", deal_id, item.kind, item.id)
        except VatsError as exc:
            return await self._card(request, deal_id, REFUSED, errors={"item": problem(request, exc)})
        return await self._card(request, deal_id)


async def _contact_names(conn: Any, tenant_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await conn.fetch(
        "SELECT id, coalesce(nullif(name, ''), number) AS label FROM crm_contacts WHERE tenant_id = $1"
        " AND id = ANY($2::uuid[])",
        tenant_id, list(set(ids)),
    )  # fmt: skip
    return {r["id"]: r["label"] for r in rows}
