"""/api/history: the call history with its filters, one call's detail, tags on calls, the
call's recording and voicemail, and the CSV export."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import File, Stream
from vats.bots.web.kit import EVERYONE, WORKERS, Limit, Offset, TenantDep
from vats.plugins.crm import history
from vats.plugins.crm.api.common import VIEWER, ViewerDep, media_file, require_listening
from vats.plugins.crm.contacts import Forbidden
from vats.plugins.crm.history import Filters
from vats.plugins.crm.models import CallDetail, CallTagsIn, HistoryCall
from vats.plugins.crm.periods import Period, period_bounds


class HistoryPage(msgspec.Struct, kw_only=True):
    items: list[HistoryCall]
    total: int
    limit: int
    offset: int
    since: dt.datetime
    until: dt.datetime


PeriodParam = Annotated[Period, QueryParameter(description="today (default), last7, week, last30, month, range")]
FromParam = Annotated[dt.date | None, QueryParameter(name="from", description="first day of a range")]
ToParam = Annotated[dt.date | None, QueryParameter(name="to", description="last day of a range")]
NumberParam = Annotated[str | None, QueryParameter(max_length=20, description="digits of either number")]
TagsParam = Annotated[list[uuid.UUID] | None, QueryParameter(name="tag_id", description="call tags (any of)")]


def filters(
    viewer_tz: str,
    period: str,
    start: dt.date | None,
    end: dt.date | None,
    **rest: Any,
) -> Filters:
    since, until = period_bounds(period, viewer_tz, start=start, end=end)
    return Filters(since=since, until=until, **{k: v for k, v in rest.items() if v is not None})


class HistoryController(Controller):
    path = "/api/history"
    dependencies = VIEWER
    tags = ["crm: history"]

    @get(operation_id="listCalls", summary="Calls you may see, newest first (today unless a period is given)",
         opt={"roles": EVERYONE})  # fmt: skip
    async def list_calls(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        limit: Limit = 50,
        offset: Offset = 0,
        period: PeriodParam = "today",
        start: FromParam = None,
        end: ToParam = None,
        direction: FromQuery[Literal["inbound", "outbound", "internal"] | None] = None,
        number: NumberParam = None,
        employee_id: FromQuery[uuid.UUID | None] = None,
        missed_by: FromQuery[uuid.UUID | None] = None,
        tag_ids: TagsParam = None,
        result: FromQuery[Literal["answered", "missed"] | None] = None,
        contact_id: FromQuery[uuid.UUID | None] = None,
    ) -> HistoryPage:
        f = filters(
            tx.tenant.time_zone, period, start, end, direction=direction, number=number, employee_id=employee_id,
            missed_by=missed_by, tag_ids=tag_ids, result=result, contact_id=contact_id,
        )  # fmt: skip
        items, total = await history.listing(tx.conn, viewer, f, limit=limit, offset=offset)
        return HistoryPage(items=items, total=total, limit=limit, offset=offset, since=f.since, until=f.until)

    @get("/export.csv", operation_id="exportCalls", summary="The filtered history as CSV (streamed)",
         media_type="text/csv", opt={"roles": EVERYONE})  # fmt: skip
    async def export_csv(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        period: PeriodParam = "today",
        start: FromParam = None,
        end: ToParam = None,
        direction: FromQuery[Literal["inbound", "outbound", "internal"] | None] = None,
        number: NumberParam = None,
        employee_id: FromQuery[uuid.UUID | None] = None,
        missed_by: FromQuery[uuid.UUID | None] = None,
        tag_ids: TagsParam = None,
        result: FromQuery[Literal["answered", "missed"] | None] = None,
    ) -> Stream:
        db = tx.kernel.db
        assert db is not None
        if not viewer.may_download:
            raise Forbidden("your role may not download the history", field="role")
        f = filters(
            tx.tenant.time_zone, period, start, end, direction=direction, number=number, employee_id=employee_id,
            missed_by=missed_by, tag_ids=tag_ids, result=result,
        )  # fmt: skip
        names = {r["id"]: r["full_name"] for r in await tx.conn.fetch(
            "SELECT id, full_name FROM employees WHERE tenant_id = $1", tx.tenant.id)}  # fmt: skip

        async def lines() -> AsyncIterator[bytes]:
            async with db.tenant(viewer.tenant_id) as conn:  # its own: the answer is sent after tx ends
                async for line in history.export(conn, viewer, f, names):
                    yield line.encode()

        return Stream(
            lines(), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="calls.csv"'},
        )  # fmt: skip

    @get("/{call_id:uuid}", operation_id="getCall", summary="A call's detail: scenario, branch, IVR input, who rang",
         opt={"roles": EVERYONE})  # fmt: skip
    async def show(self, tx: TenantDep, viewer: ViewerDep, call_id: FromPath[uuid.UUID]) -> CallDetail:
        return await history.detail(tx.conn, viewer, call_id)

    @put("/{call_id:uuid}/tags", operation_id="tagCall", summary="Set a call's tags", opt={"roles": WORKERS})
    async def tag(
        self, tx: TenantDep, viewer: ViewerDep, call_id: FromPath[uuid.UUID], data: JSONBody[CallTagsIn]
    ) -> HistoryCall:
        return await history.set_tags(tx.conn, viewer, call_id, data.tag_ids)

    @get("/{call_id:uuid}/recording", operation_id="getCallRecording", summary="The call's recording (WAV)",
         opt={"roles": EVERYONE})  # fmt: skip
    async def recording(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        call_id: FromPath[uuid.UUID],
        index: Annotated[int, QueryParameter(ge=0, le=20)] = 0,
    ) -> File:
        return await _file(tx, viewer, call_id, "recording", index)

    @get("/{call_id:uuid}/voicemail", operation_id="getCallVoicemail", summary="The message the caller left (WAV)",
         opt={"roles": EVERYONE})  # fmt: skip
    async def voicemail(self, tx: TenantDep, viewer: ViewerDep, call_id: FromPath[uuid.UUID]) -> File:
        return await _file(tx, viewer, call_id, "voicemail", 0)


async def _file(tx: TenantDep, viewer: ViewerDep, call_id: uuid.UUID, kind: str, index: int) -> File:
    require_listening(viewer)
    stored = await history.file_of(tx.conn, viewer, call_id, kind, index)
    path = media_file(tx.kernel, stored)
    return File(path=path, filename=f"{kind}-{call_id}.wav", media_type="audio/wav")
