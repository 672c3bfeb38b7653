"""The call history: filters, per-call detail, tags on calls, CSV export (streamed through a
cursor) and the files of a call, each to whoever may see them (``viewer.py``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec
from vats.core.calls.records import CallRecord
from vats.core.db.database import Connection
from vats.core.errors import NotFoundError
from vats.plugins.crm.contacts import _check_tags, to_csv_line
from vats.plugins.crm.models import CallDetail, HistoryCall, Ring
from vats.plugins.crm.viewer import Viewer

COLUMNS = (
    "h.id, h.started_at, h.direction, h.number, h.peer, h.contact_id, c.name AS contact_name,"
    " c.manager_id, h.answered, h.answered_by, h.made_by, h.talk_s, h.has_recording, h.has_voicemail,"
    " coalesce((SELECT array_agg(t.tag_id ORDER BY t.tag_id) FROM crm_call_tags t"
    "  WHERE t.tenant_id = h.tenant_id AND t.call_id = h.id), '{}') AS tag_ids"
)
FROM = "crm_calls h LEFT JOIN crm_contacts c ON c.tenant_id = h.tenant_id AND c.id = h.contact_id"


@dataclass
class Filters:
    since: dt.datetime
    until: dt.datetime
    direction: Literal["inbound", "outbound", "internal"] | None = None
    number: str | None = None  # digits in either side's number
    employee_id: uuid.UUID | None = None  # took part (made, took, rung)
    missed_by: uuid.UUID | None = None  # rung and did not answer (others may have)
    tag_ids: list[uuid.UUID] = field(default_factory=list)  # any of these call tags
    result: Literal["answered", "missed"] | None = None
    contact_id: uuid.UUID | None = None


def _where(viewer: Viewer, f: Filters, args: list[Any]) -> str:
    args += [viewer.tenant_id, f.since, f.until]
    where = ["h.tenant_id = $1", "h.started_at >= $2", "h.started_at < $3", viewer.calls_condition("h", args)]
    if f.direction:
        args.append(f.direction)
        where.append(f"h.direction = ${len(args)}")
    if f.number:
        args.append("%" + "".join(ch for ch in f.number if ch.isdigit()) + "%")
        where.append(f"(h.number LIKE ${len(args)} OR h.peer LIKE ${len(args)})")
    if f.employee_id:
        args.append(f.employee_id)
        n = len(args)
        where.append(f"(h.made_by = ${n} OR h.answered_by = ${n} OR h.addressed @> ARRAY[${n}::uuid])")
    if f.missed_by:
        args.append(f.missed_by)
        where.append(f"h.missed_by @> ARRAY[${len(args)}::uuid]")
    if f.tag_ids:
        args.append(list(f.tag_ids))
        where.append(
            "EXISTS (SELECT 1 FROM crm_call_tags t WHERE t.tenant_id = h.tenant_id AND t.call_id = h.id"
            f" AND t.tag_id = ANY(${len(args)}::uuid[]))"
        )
    if f.result:
        where.append("h.answered" if f.result == "answered" else "NOT h.answered")
    if f.contact_id:
        args.append(f.contact_id)
        where.append(f"h.contact_id = ${len(args)}")
    return " AND ".join(where)


def _call(r: Any) -> HistoryCall:
    return HistoryCall(
        id=r["id"], started_at=r["started_at"], direction=r["direction"], number=r["number"], peer=r["peer"],
        contact_id=r["contact_id"], contact_name=r["contact_name"] or None, manager_id=r["manager_id"],
        answered=r["answered"], answered_by=r["answered_by"], made_by=r["made_by"], talk_s=r["talk_s"],
        tag_ids=list(r["tag_ids"]), has_recording=r["has_recording"], has_voicemail=r["has_voicemail"],
    )  # fmt: skip


async def listing(
    conn: Connection, viewer: Viewer, f: Filters, *, limit: int, offset: int
) -> tuple[list[HistoryCall], int]:
    args: list[Any] = []
    where = _where(viewer, f, args)
    rows = await conn.fetch(
        f"SELECT {COLUMNS}, count(*) OVER () AS total FROM {FROM} WHERE {where}"
        f" ORDER BY h.started_at DESC, h.id LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    total = rows[0]["total"] if rows else 0
    if not rows and offset:
        total = await conn.fetchval(f"SELECT count(*) FROM {FROM} WHERE {where}", *args)
    return [_call(r) for r in rows], int(total)


async def get(conn: Connection, viewer: Viewer, call_id: uuid.UUID) -> HistoryCall:
    args: list[Any] = [viewer.tenant_id, call_id]
    condition = viewer.calls_condition("h", args)
    r = await conn.fetchrow(f"SELECT {COLUMNS} FROM {FROM} WHERE h.tenant_id = $1 AND h.id = $2 AND {condition}", *args)
    if r is None:
        raise NotFoundError("no such call", field="call_id")
    return _call(r)


async def record_of(conn: Connection, tenant_id: uuid.UUID, call_id: uuid.UUID) -> CallRecord:
    raw = await conn.fetchval("SELECT record FROM call_records WHERE tenant_id = $1 AND id = $2", tenant_id, call_id)
    if raw is None:
        raise NotFoundError("no such call", field="call_id")
    return msgspec.convert(raw, CallRecord)


async def detail(conn: Connection, viewer: Viewer, call_id: uuid.UUID) -> CallDetail:
    call = await get(conn, viewer, call_id)
    record = await record_of(conn, viewer.tenant_id, call_id)
    name = None
    if record.scenario_id:
        name = await conn.fetchval(
            "SELECT name FROM scenarios WHERE tenant_id = $1 AND id = $2", viewer.tenant_id, record.scenario_id
        )
    return CallDetail(
        call=call, scenario_id=record.scenario_id, scenario_name=name, path=record.path, ivr_input=record.ivr_input,
        rang=[Ring(address=p.address, employee_id=p.employee_id, outcome=p.outcome) for p in record.participants],
        groups=record.groups, recordings=len(record.recordings), voicemail=record.voicemail is not None,
        transfers=record.transfers,
    )  # fmt: skip


async def set_tags(conn: Connection, viewer: Viewer, call_id: uuid.UUID, tag_ids: list[uuid.UUID]) -> HistoryCall:
    await get(conn, viewer, call_id)
    await _check_tags(conn, viewer.tenant_id, tag_ids, "call", "tag_ids")
    await conn.execute("DELETE FROM crm_call_tags WHERE tenant_id = $1 AND call_id = $2", viewer.tenant_id, call_id)
    await conn.executemany(
        "INSERT INTO crm_call_tags (tenant_id, call_id, tag_id) VALUES ($1, $2, $3)",
        [(viewer.tenant_id, call_id, t) for t in set(tag_ids)],
    )
    return await get(conn, viewer, call_id)


async def file_of(conn: Connection, viewer: Viewer, call_id: uuid.UUID, kind: str, index: int = 0) -> str:
    """The path (under VATS_MEDIA_DIR) of a call's recording or voicemail."""
    await get(conn, viewer, call_id)
    record = await record_of(conn, viewer.tenant_id, call_id)
    if kind == "voicemail":
        if record.voicemail is None:
            raise NotFoundError("the call has no voicemail", field="call_id")
        return record.voicemail
    if index >= len(record.recordings):
        raise NotFoundError("the call has no such recording", field="index")
    return record.recordings[index]


EXPORT_HEADER = [
    "started_at", "direction", "our_number", "client_number", "contact", "result", "answered_by", "made_by",
    "talk_s", "tags",
]  # fmt: skip


async def export(conn: Connection, viewer: Viewer, f: Filters, names: dict[uuid.UUID, str]) -> AsyncIterator[str]:
    """CSV lines for the filtered history, oldest first, read through a server-side cursor so the
    memory used does not grow with the number of rows."""
    args: list[Any] = []
    where = _where(viewer, f, args)
    tags = {
        r["id"]: r["name"] for r in await conn.fetch("SELECT id, name FROM tags WHERE tenant_id = $1", viewer.tenant_id)
    }
    yield to_csv_line(EXPORT_HEADER)
    async for r in conn.cursor(
        f"SELECT {COLUMNS} FROM {FROM} WHERE {where} ORDER BY h.started_at, h.id", *args, prefetch=1000
    ):
        yield to_csv_line([
            r["started_at"].isoformat(), r["direction"], r["number"], r["peer"], r["contact_name"] or "",
            "answered" if r["answered"] else "missed", names.get(r["answered_by"], ""), names.get(r["made_by"], ""),
            r["talk_s"], ";".join(sorted(tags.get(t, "") for t in r["tag_ids"])),
        ])  # fmt: skip
