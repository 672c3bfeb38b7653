"""/api/billing/calls: the call detail report of up to 31 days (admins), as a page of JSON with
the period's totals, or as an XLSX file streamed from a server-side cursor."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Stream
from vats.bots.web.kit import ADMIN, Limit, Offset, TenantDep
from vats.plugins.billing import detail
from vats.plugins.billing.cabinet_reports import XLSX, report_xlsx, xlsx_stream

Since = Annotated[dt.date, QueryParameter(description="the first day (the PBX's), e.g. 2026-11-01")]
Until = Annotated[dt.date, QueryParameter(description="the last day, included; at most 31 days after since")]


class CallDetail(msgspec.Struct, kw_only=True):
    """A page of the period's calls (oldest first) and the whole period's totals."""

    since: dt.date
    until: dt.date
    totals: detail.Totals
    items: list[detail.CallLine]
    limit: int
    offset: int


class CallDetailController(Controller):
    path = "/api/billing/calls"
    tags = ["billing"]
    opt = {"roles": ADMIN}

    @get("/", operation_id="getBillingCallDetail", summary="Call detail report (детализация): calls and totals")
    async def calls(
        self, tx: TenantDep, since: Since, until: Until, limit: Limit = 100, offset: Offset = 0
    ) -> CallDetail:
        """Each call's price is its charge in the ledger: the totals are what the ledger charged
        for the period's calls. A period over 31 days answers 422 naming ``until``."""
        within = detail.period(since, until, tx.tenant.time_zone)
        totals = await detail.totals(tx.conn, tx.tenant.id, within)
        items = await detail.page(tx.conn, tx.tenant.id, within, limit=limit, offset=offset)
        return CallDetail(since=since, until=until, totals=totals, items=items, limit=limit, offset=offset)

    @get("/xlsx", operation_id="getBillingCallDetailXlsx", summary="Call detail report as XLSX", media_type=XLSX)
    async def xlsx(self, tx: TenantDep, since: Since, until: Until) -> Stream:
        within = detail.period(since, until, tx.tenant.time_zone)
        out = await report_xlsx(tx.conn, tx.tenant.id, within)
        return xlsx_stream(out, f"calls-{since}-{until}.xlsx")
