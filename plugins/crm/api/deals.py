"""/api/deals: deals you may see (today's unless a period is given), one per contact; status,
responsible, privacy, comments, attachments."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from vats.bots.web.pagination import Limit, Offset, Page
from vats.plugins.crm import cards, deals
from vats.plugins.crm.api.common import WORKERS, scope
from vats.plugins.crm.api.history import FromParam, PeriodParam, ToParam
from vats.plugins.crm.models import AttachIn, Attachments, Comment, CommentIn, Deal, DealCard, DealIn, DealUpdate
from vats.plugins.crm.periods import period_bounds


class DealController(Controller):
    path = "/api/deals"
    tags = ["crm: deals"]
    opt = {"roles": WORKERS}

    @get(operation_id="listDeals", summary="Deals you may see, newest first (today's unless a period is given)")
    async def list_deals(
        self,
        request: Request[Any, Any, Any],
        limit: Limit = 50,
        offset: Offset = 0,
        period: PeriodParam = "today",
        start: FromParam = None,
        end: ToParam = None,
        status: FromQuery[Literal["new", "in_progress", "won", "lost"] | None] = None,
    ) -> Page[Deal]:
        async with scope(request) as s:
            since, until = period_bounds(period, s.tenant.time_zone, start=start, end=end)
            items, total = await deals.listing(
                s.conn, s.viewer, since=since, until=until, status=status, limit=limit, offset=offset
            )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post(operation_id="createDeal", summary="A deal for a contact (one per contact)")
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[DealIn]) -> Deal:
        async with scope(request) as s:
            return await deals.create(s.conn, s.viewer, data)

    @get("/{deal_id:uuid}", operation_id="getDeal", summary="A deal with its comments and attachments")
    async def show(self, request: Request[Any, Any, Any], deal_id: FromPath[uuid.UUID]) -> DealCard:
        async with scope(request) as s:
            deal = await deals.get(s.conn, s.viewer, deal_id)
            return DealCard(
                deal=deal, comments=await cards.comments(s.conn, s.tenant.id, "deal", deal_id),
                attachments=await cards.attachments(s.conn, s.tenant.id, "deal", deal_id),
            )  # fmt: skip

    @patch("/{deal_id:uuid}", operation_id="updateDeal", summary="Status, responsible, title, privacy")
    async def update(
        self, request: Request[Any, Any, Any], deal_id: FromPath[uuid.UUID], data: JSONBody[DealUpdate]
    ) -> Deal:
        async with scope(request) as s:
            return await deals.update(s.conn, s.viewer, deal_id, data)

    @post("/{deal_id:uuid}/comments", operation_id="commentDeal", summary="A comment for colleagues",
          status_code=HTTP_201_CREATED)  # fmt: skip
    async def comment(
        self, request: Request[Any, Any, Any], deal_id: FromPath[uuid.UUID], data: JSONBody[CommentIn]
    ) -> Comment:
        async with scope(request) as s:
            await deals.get(s.conn, s.viewer, deal_id)
            return await cards.add_comment(s.conn, s.tenant.id, "deal", deal_id, s.viewer.employee_id, data.text)

    @post("/{deal_id:uuid}/attachments", operation_id="attachToDeal", summary="Attach a call or a task")
    async def attach(
        self, request: Request[Any, Any, Any], deal_id: FromPath[uuid.UUID], data: JSONBody[AttachIn]
    ) -> Attachments:
        async with scope(request) as s:
            await deals.get(s.conn, s.viewer, deal_id)
            await cards.attach(s.conn, s.tenant.id, "deal", deal_id, data.kind, data.id)
            return await cards.attachments(s.conn, s.tenant.id, "deal", deal_id)
