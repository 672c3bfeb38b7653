"""/api/billing/calls: the call detail report of up to 31 days (admins), as a page of JSON with
the period's totals, as an XLSX file streamed from a server-side cursor, or e-mailed as an XLSX
attachment (built in the background: ``detail_mail``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_202_ACCEPTED
from vats.bots.web.kit import ADMIN, Limit, Offset, TenantDep
from vats.plugins.billing import detail, detail_mail
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


class DetailMailIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The period to e-mail (at most 31 days) and where to; no ``email``: the caller's own."""

    since: Annotated[dt.date, msgspec.Meta(examples=[dt.date(2026, 11, 1)])]
    until: Annotated[dt.date, msgspec.Meta(examples=[dt.date(2026, 11, 30)])]
    email: Annotated[str, msgspec.Meta(max_length=254, examples=["buh@romashka.example"])] | None = None


class DetailMailQueued(msgspec.Struct, kw_only=True):
    """The report is queued: it is built and e-mailed within minutes (``id``: the outbox row)."""

    id: int
    email: str
    since: dt.date
    until: dt.date


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

    @post(
        "/mail", operation_id="mailBillingCallDetail", summary="E-mail the call detail report as XLSX",
        status_code=HTTP_202_ACCEPTED,
    )  # fmt: skip
    async def mail(self, tx: TenantDep, data: JSONBody[DetailMailIn]) -> DetailMailQueued:
        """Queued, not built in the request: the report is built in the background and sent as an
        XLSX attachment. A period over 31 days answers 422 naming ``until``, a bad address 422
        naming ``email``; nothing is queued then."""
        outbox_id, asked = await detail_mail.ask(
            tx.conn, tx.tenant.id, since=data.since, until=data.until, zone=tx.tenant.time_zone,
            to=data.email if data.email is not None else tx.me.email,
        )  # fmt: skip
        return DetailMailQueued(id=outbox_id, email=asked.to, since=asked.since, until=asked.until)
