"""Work → История: the call history with the seed's periods and filters, a player where the
role may listen, call back, CSV export, and one call's detail.

The rows come from the CRM's own service with the API's viewer (``history.listing`` and
``viewer_for``), so the page shows exactly what GET /api/history shows the same person. The
player, the CSV link and the chart images point at the API's read routes, which take the
cabinet's cookie for reads; calling back goes through the kernel's click-to-call (the service
behind POST /api/calls), posted with the page's CSRF token."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    EVERYONE,
    WORKERS,
    form_fields,
    is_htmx,
    kernel_of,
    language,
    page,
    problem_text,
    redirect,
    require,
    tenant_transaction,
    texts,
)
from vats.core.asterisk.click_to_call import click_to_call
from vats.core.conferences import recordings as room_recordings
from vats.core.conferences import rooms
from vats.core.db.database import Connection
from vats.core.errors import VatsError
from vats.core.protocols import KernelAPI
from vats.plugins.crm import history
from vats.plugins.crm.cabinet_calls.periods import PERIODS, choose_period, local, query_of
from vats.plugins.crm.history import Filters
from vats.plugins.crm.models import CallDetail
from vats.plugins.crm.viewer import Viewer, viewer_for

PAGE_SIZE = 50
DIRECTIONS = ("inbound", "outbound", "internal")
ROOM_STEP = "conference: "  # a call's path step when it entered a conference room (core.conferences.routing)
ROOM_MARGIN = dt.timedelta(minutes=2)  # the PIN and the wait before the talk, after it the hang-up
RESULTS = ("answered", "missed")


def _uuid(value: str | None, name: str, errors: dict[str, str]) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        errors[name] = "unknown value"
        return None


def _offset(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 1_000_000))
    except ValueError:
        return 0


async def _people(conn: Any, tenant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await conn.fetch("SELECT id, full_name FROM employees WHERE tenant_id = $1 ORDER BY full_name", tenant_id)
    return {r["id"]: r["full_name"] for r in rows}


async def _call_tags(conn: Any, tenant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await conn.fetch("SELECT id, name FROM tags WHERE tenant_id = $1 AND kind = 'call' ORDER BY name", tenant_id)
    return {r["id"]: r["name"] for r in rows}


def addressees(viewer: Viewer, people: dict[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    """Whom the "Addressee" filter offers: everyone to those who see the company's calls, the
    department to a head with that scope, nobody else (an employee's own calls are all theirs)."""
    if viewer.company:
        return people
    if len(viewer.people) > 1:
        return {k: v for k, v in people.items() if k in viewer.people}
    return {}


class HistoryPages(Controller):
    path = "/cabinet/history"
    include_in_schema = False

    @get("/")
    async def history(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, EVERYONE)
        q = request.query_params
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:
            viewer = await viewer_for(tx.conn, tx.kernel, tx.tenant.id, me.employee_id, me.role, tx.tenant.settings)
            tz = tx.tenant.time_zone
            chosen = choose_period(tz, q.get("period"), q.get("from"), q.get("to"))
            errors = dict(chosen.errors)
            direction = q.get("direction") if q.get("direction") in DIRECTIONS else None
            result = q.get("result") if q.get("result") in RESULTS else None
            number = "".join(ch for ch in (q.get("number") or "")[:20] if ch.isdigit()) or None
            who = _uuid(q.get("employee"), "employee", errors)
            missed = q.get("missed") == "1"
            tag_id = _uuid(q.get("tag"), "tag", errors)
            offset = _offset(q.get("offset"))
            people = await _people(tx.conn, tx.tenant.id)
            offered = addressees(viewer, people)
            if who is not None and who not in offered:
                who = None  # not someone this person may pick: the API's rules decide what they see anyway
            filters = Filters(
                since=chosen.since, until=chosen.until, direction=direction, number=number,
                employee_id=who if not missed else None, missed_by=who if missed else None,
                tag_ids=[tag_id] if tag_id else [], result=result,
            )  # fmt: skip
            calls, total = await history.listing(tx.conn, viewer, filters, limit=PAGE_SIZE, offset=offset)
            tags = await _call_tags(tx.conn, tx.tenant.id)
        lang = language(request)
        shown = {
            "period": q.get("period") if q.get("period") in PERIODS else chosen.period,
            "from": chosen.start.isoformat() if chosen.start else "",
            "to": chosen.end.isoformat() if chosen.end else "", "direction": direction or "", "result": result or "",
            "number": number or "", "employee": str(who) if who else "", "missed": missed, "tag": str(tag_id or ""),
        }  # fmt: skip
        api = {
            **chosen.api_params(), "direction": direction, "result": result, "number": number,
            "employee_id": who if who and not missed else None, "missed_by": who if who and missed else None,
            "tag_id": tag_id,
        }  # fmt: skip
        return await page(
            request, "crm_calls/history.html",
            calls=calls, total=total, offset=offset, page_size=PAGE_SIZE, shown=shown, people=people,
            addressees=offered, tags=tags, may_listen=viewer.may_listen, may_download=viewer.may_download,
            export_url="/api/history/export.csv?" + query_of(api), page_query=query_of(shown),
            local=lambda moment: local(moment, tz), errors={k: problem_text(lang, v) for k, v in errors.items()},
            directions=DIRECTIONS, results=RESULTS,
        )  # fmt: skip

    @get("/{call_id:uuid}")
    async def call(self, request: Request[Any, Any, Any], call_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, EVERYONE)
        async with tenant_transaction(kernel_of(request), me) as tx:
            viewer = await viewer_for(tx.conn, tx.kernel, tx.tenant.id, me.employee_id, me.role, tx.tenant.settings)
            detail = await history.detail(tx.conn, viewer, call_id)  # NotFoundError: the no-such-page page
            people = await _people(tx.conn, tx.tenant.id)
            tags = await _call_tags(tx.conn, tx.tenant.id)
            tz = tx.tenant.time_zone
            # a conference room's recording is the admins' only (seed 003), whoever else sees the call
            heard = await _room_recordings(tx.conn, tx.kernel, tx.tenant.id, detail) if me.role in ADMIN else []
        return await page(
            request, "crm_calls/call.html", detail=detail, people=people, may_listen=viewer.may_listen,
            local=lambda moment: local(moment, tz), tags=tags, may_tag=me.role in WORKERS, room_recordings=heard,
        )  # fmt: skip

    @post("/{call_id:uuid}/tags")
    async def tag(self, request: Request[Any, Any, Any], call_id: FromPath[uuid.UUID]) -> Response[Any]:
        """The call's tags (the service behind PUT /api/history/{id}/tags, the same roles)."""
        me = require(request, WORKERS)
        chosen = (await request.form()).getall("tag")
        errors: dict[str, str] = {}
        tag_ids = [t for value in chosen[:50] if (t := _uuid(value, "tag", errors)) is not None]
        async with tenant_transaction(kernel_of(request), me) as tx:
            viewer = await viewer_for(tx.conn, tx.kernel, tx.tenant.id, me.employee_id, me.role, tx.tenant.settings)
            await history.set_tags(tx.conn, viewer, call_id, tag_ids)  # unknown tag or call: 404 page
        return redirect(f"/cabinet/history/{call_id}")

    @post("/call")
    async def call_back(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Ring my SIP line, then the number (the service behind POST /api/calls). htmx shows the
        answer beside the button; without JavaScript the history opens again."""
        me = require(request, EVERYONE)
        form = await form_fields(request)
        lang = language(request)
        t = texts(lang)
        try:
            started = await click_to_call(kernel_of(request), me.tenant_id, me.employee_id, form.get("to", ""))
        except VatsError as exc:
            message, ok = problem_text(lang, exc.message), False
        else:
            message, ok = t["calls_calling"].format(line=started.line, to=started.to), True
        if not is_htmx(request):
            return redirect("/cabinet/history")
        css = "notice" if ok else "error"
        return Response(f'<span class="{css}" role="status">{_escape(message)}</span>', media_type="text/html")


async def _room_recordings(
    conn: Connection, kernel: KernelAPI, tenant_id: uuid.UUID, detail: CallDetail
) -> list[tuple[uuid.UUID, str]]:
    """(room id, recording id) of the recordings of the rooms this call entered, made while it
    was there. The path names the room as it was called then: a room renamed since is not found."""
    names = {step.removeprefix(ROOM_STEP) for step in detail.path if step.startswith(ROOM_STEP)}
    if not names:
        return []
    call = detail.call
    start, end = call.started_at, call.started_at + dt.timedelta(seconds=call.talk_s) + ROOM_MARGIN
    return [
        (room.id, found.id)
        for room in await rooms.list_rooms(conn, tenant_id) if room.name in names
        for found in room_recordings.recordings_during(kernel.config.media_dir, tenant_id, room.id, start, end)
    ]  # fmt: skip


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
