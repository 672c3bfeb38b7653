"""/api/deals: deals you may see (today's unless a period is given), one per contact; status,
responsible, privacy, comments, attachments."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from vats.bots.web.kit import WORKERS, Limit, Offset, Page, TenantDep
from vats.plugins.crm import cards, deals
from vats.plugins.crm.api.common import VIEWER, ViewerDep
from vats.plugins.crm.api.history import FromParam, PeriodParam, ToParam
from vats.plugins.crm.models import AttachIn, Attachments, Comment, CommentIn, Deal, DealCard, DealIn, DealUpdate
from vats.plugins.crm.periods import period_bounds


class DealController(Controller):
    path = "/api/deals"
    dependencies = VIEWER
    tags = ["crm: deals"]
    opt = {"roles": WORKERS}

    @get(operation_id="listDeals", summary="Deals you may see, newest first (today's unless a period is given)")
    async def list_deals(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        limit: Limit = 50,
        offset: Offset = 0,
        period: PeriodParam = "today",
        start: FromParam = None,
        end: ToParam = None,
        status: FromQuery[Literal["new", "in_progress", "won", "lost"] | None] = None,
    ) -> Page[Deal]:
        since, until = period_bounds(period, tx.tenant.time_zone, start=start, end=end)
        items, total = await deals.listing(
            tx.conn, viewer, since=since, until=until, status=status, limit=limit, offset=offset
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post(operation_id="createDeal", summary="A deal for a contact (one per contact)")
    async def create(self, tx: TenantDep, viewer: ViewerDep, data: JSONBody[DealIn]) -> Deal:
        return await deals.create(tx.conn, viewer, data)

    @get("/{deal_id:uuid}", operation_id="getDeal", summary="A deal with its comments and attachments")
    async def show(self, tx: TenantDep, viewer: ViewerDep, deal_id: FromPath[uuid.UUID]) -> DealCard:
        deal = await deals.get(tx.conn, viewer, deal_id)
        return DealCard(
            deal=deal, comments=await cards.comments(tx.conn, tx.tenant.id, "deal", deal_id),
            attachments=await cards.attachments(tx.conn, tx.tenant.id, "deal", deal_id),
        )  # fmt: skip

    @patch("/{deal_id:uuid}", operation_id="updateDeal", summary="Status, responsible, title, privacy")
    async def update(
        self, tx: TenantDep, viewer: ViewerDep, deal_id: FromPath[uuid.UUID], data: JSONBody[DealUpdate]
    ) -> Deal:
        return await deals.update(tx.conn, viewer, deal_id, data)

    @post("/{deal_id:uuid}/comments", operation_id="commentDeal", summary="A comment for colleagues",
          status_code=HTTP_201_CREATED)  # fmt: skip
    async def comment(
        self, tx: TenantDep, viewer: ViewerDep, deal_id: FromPath[uuid.UUID], data: JSONBody[CommentIn]
    ) -> Comment:
        await deals.get(tx.conn, viewer, deal_id)
        return await cards.add_comment(tx.conn, tx.tenant.id, "deal", deal_id, viewer.employee_id, data.text)

    @post("/{deal_id:uuid}/attachments", operation_id="attachToDeal", summary="Attach a call or a task")
    async def attach(
        self, tx: TenantDep, viewer: ViewerDep, deal_id: FromPath[uuid.UUID], data: JSONBody[AttachIn]
    ) -> Attachments:
        await deals.get(tx.conn, viewer, deal_id)
        await cards.attach(tx.conn, tx.tenant.id, "deal", deal_id, data.kind, data.id)
        return await cards.attachments(tx.conn, tx.tenant.id, "deal", deal_id)
