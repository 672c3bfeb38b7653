"""Work → Tasks (everyone, as /api/tasks): task cards the viewer may see with the filters
"mine" and "overdue", setting a task, taking it and marking it done, and the card with its
deadline, assignee, comments, attachments and the caller's voicemail."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Template
from msgspec import UNSET
from vats.bots.web.cabinet.kit import REFUSED, redirect
from vats.bots.web.kit import EVERYONE, WORKERS
from vats.core.errors import NotFoundError, ValidationError, VatsError
from vats.plugins.crm import cards, tasks
from vats.plugins.crm.api.common import media_file
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
from vats.plugins.crm.models import AttachIn, TaskIn, TaskUpdate

NO_ID = uuid.UUID(int=0)  # an empty choice: the service answers "no such call"
PAGE_SIZE = 50
SHOWS = ("all", "mine", "overdue")
STATUSES = ("open_any", "open", "in_progress", "done", "cancelled")
EDITABLE = ("open", "in_progress", "done", "cancelled")


def _assignee(value: str, me: uuid.UUID) -> tuple[str, uuid.UUID]:
    """The assignee select's value: "employee:<id>" or "group:<id>" (empty: me)."""
    kind, _, raw = value.partition(":")
    found = uuid_or_none(raw, "assignee_id")
    if found is None:
        return "employee", me
    return ("group" if kind == "group" else "employee"), found


class TaskPages(Controller):
    path = "/cabinet/tasks"
    include_in_schema = False

    @get("/")
    async def listing(
        self,
        request: Request[Any, Any, Any],
        show: FromQuery[str] = "all",
        status: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
        offset: FromQuery[int] = 0,
    ) -> Template:
        return await self._list(request, show=show, status=status, period=period, offset=offset)

    async def _list(
        self,
        request: Request[Any, Any, Any],
        status_code: int = 200,
        *,
        show: str = "all",
        status: str | None = None,
        period: str | None = None,
        offset: int = 0,
        **context: Any,
    ) -> Template:
        me = require(request, EVERYONE)
        show = show if show in SHOWS else "all"
        status = status if status in STATUSES else None
        # "Mine" and "overdue" look back over all time (an overdue task was set before today);
        # the plain list opens on today's tasks, as the seeds' page does.
        period = period if period in PERIODS else ("today" if show == "all" else "all")
        offset = max(0, min(offset, 1_000_000))
        async with crm(request) as c:
            since, until = bounds(period, c.tx.tenant.time_zone)
            items, total = await tasks.listing(
                c.conn, c.viewer, since=since, until=until, status=status,
                assignee_id=me.employee_id if show == "mine" else None, kind=None, limit=PAGE_SIZE, offset=offset,
                overdue=show == "overdue",
            )  # fmt: skip
            overdue = {
                r["id"]
                for r in await c.conn.fetch(
                    "SELECT id FROM crm_tasks WHERE tenant_id = $1 AND id = ANY($2::uuid[])"
                    " AND status IN ('open', 'in_progress') AND deadline < now()",
                    c.tenant_id,
                    [x.id for x in items],
                )
            }
            employees = await c.employees()
            groups = await c.groups()
            when = c.when
        query = urlencode({"show": show, "status": status or "", "period": period, "offset": offset})
        return await render(
            request, "crm/tasks.html", status_code,
            items=items, total=total, offset=offset, page_size=PAGE_SIZE, show=show, shows=SHOWS, status=status or "",
            statuses=STATUSES, period=period, periods=PERIODS, employees=employees, groups=groups, when=when,
            overdue=overdue, back=f"/cabinet/tasks?{query}", me_id=me.employee_id,
            may_change=me.role in WORKERS, **context,
        )  # fmt: skip

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        """POST /api/tasks: a task by hand, for me, a colleague or a group."""
        me = require(request, EVERYONE)
        form, _ = await form_of(request)
        try:
            async with crm(request) as c:
                title = form.get("title", "").strip()
                if not title:
                    raise ValidationError("required", field="title")
                kind, assignee = _assignee(form.get("assignee", ""), me.employee_id)
                task = await tasks.create_by_hand(
                    c.conn, c.tx.kernel, c.viewer,
                    TaskIn(title=title[:300], assignee_kind=kind, assignee_id=assignee,  # type: ignore[arg-type]
                           number=form.get("number", "").strip() or None,
                           deadline=c.parse_local(form.get("deadline", ""), "deadline")),
                )  # fmt: skip
        except VatsError as exc:
            return await self._list(request, REFUSED, **refused(request, exc, "title", form), adding=True)
        return redirect(f"/cabinet/tasks/{task.id}?created=1")

    # --- one task -----------------------------------------------------------------------

    @get("/{task_id:uuid}")
    async def card(
        self, request: Request[Any, Any, Any], task_id: FromPath[uuid.UUID], created: FromQuery[bool] = False
    ) -> Template:
        return await self._card(request, task_id, notice=texts_for(request)["crm_task_created"] if created else "")

    async def _card(
        self, request: Request[Any, Any, Any], task_id: uuid.UUID, status: int = 200, **context: Any
    ) -> Template:
        me = require(request, EVERYONE)
        t = texts_for(request)
        async with crm(request) as c:
            task = await tasks.get(c.conn, c.viewer, task_id)
            comments = await cards.comments(c.conn, c.tenant_id, "task", task_id)
            attached = await cards.attachments(c.conn, c.tenant_id, "task", task_id)
            rows = await attachment_rows(c, attached, t)
            choices = await attachable(c, task.contact_id, attached, task_id, t)
            is_overdue = bool(
                await c.conn.fetchval(
                    "SELECT status IN ('open', 'in_progress') AND deadline < now() FROM crm_tasks"
                    " WHERE tenant_id = $1 AND id = $2",
                    c.tenant_id,
                    task_id,
                )
            )
            employees = await c.employees()
            groups = await c.groups()
            when, local_input = c.when, c.local_input
            may_listen = c.viewer.may_listen
        # Restricted users change only their own tasks (the service refuses the rest; the page
        # does not offer it).
        mine = task.assignee_kind == "employee" and task.assignee_id == me.employee_id
        may_change = me.role != "restricted" or mine
        return await render(
            request, "crm/task.html", status,
            task=task, comments=comments, attachments=rows, choices=choices, employees=employees, groups=groups,
            when=when, local_input=local_input, statuses=EDITABLE, is_overdue=is_overdue, may_listen=may_listen,
            may_change=may_change, me_id=me.employee_id, **context,
        )  # fmt: skip

    async def _update(self, request: Request[Any, Any, Any], task_id: uuid.UUID, update: TaskUpdate | None) -> None:
        """PATCH /api/tasks/{id} with ``update``; None: take the task (``tasks.take``)."""
        async with crm(request) as c:
            if update is None:
                await tasks.take(c.conn, c.tx.kernel, c.viewer, task_id)
            else:
                await tasks.update(c.conn, c.tx.kernel, c.viewer, task_id, update)

    @post("/{task_id:uuid}/take")
    async def take(self, request: Request[Any, Any, Any], task_id: FromPath[uuid.UUID]) -> Response[Any] | Template:
        """The task goes to me, in progress (refused if a colleague has taken it meanwhile)."""
        require(request, EVERYONE)
        return await self._act(request, task_id, None, "crm_task_taken")

    @post("/{task_id:uuid}/done")
    async def done(self, request: Request[Any, Any, Any], task_id: FromPath[uuid.UUID]) -> Response[Any] | Template:
        """PATCH /api/tasks/{id} {status: done}."""
        require(request, EVERYONE)
        return await self._act(request, task_id, TaskUpdate(status="done"), "crm_task_marked_done")

    @post("/{task_id:uuid}/reopen")
    async def reopen(self, request: Request[Any, Any, Any], task_id: FromPath[uuid.UUID]) -> Response[Any] | Template:
        require(request, EVERYONE)
        return await self._act(request, task_id, TaskUpdate(status="in_progress"), "crm_task_saved")

    async def _act(
        self, request: Request[Any, Any, Any], task_id: uuid.UUID, update: TaskUpdate | None, notice: str
    ) -> Response[Any] | Template:
        form, _ = await form_of(request)
        try:
            await self._update(request, task_id, update)
        except VatsError as exc:
            if isinstance(exc, NotFoundError):
                raise
            return await self._card(request, task_id, exc.status, errors={"status": problem(request, exc)})
        back = form.get("back", "")
        if back.startswith("/cabinet/tasks?") and "\\" not in back:  # a button on the list: the list again
            return redirect(back)
        return await self._card(request, task_id, notice=texts_for(request)[notice])

    @post("/{task_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], task_id: FromPath[uuid.UUID]) -> Template:
        """PATCH /api/tasks/{id}: title, status, deadline, assignee."""
        me = require(request, EVERYONE)
        form, _ = await form_of(request)
        try:
            async with crm(request) as c:
                kind, assignee = _assignee(form.get("assignee", ""), me.employee_id)
                status = form.get("status")
                title = form.get("title", "").strip()
                if not title:  # a title is cleared by mistake, not on purpose: said beside the field
                    raise ValidationError("required", field="title")
                update = TaskUpdate(
                    title=title[:300] if title else UNSET,
                    status=status if status in EDITABLE else UNSET,  # type: ignore[arg-type]
                    deadline=c.parse_local(form.get("deadline", ""), "deadline"),
                    assignee_kind=kind,  # type: ignore[arg-type]
                    assignee_id=assignee,
                )
                await tasks.update(c.conn, c.tx.kernel, c.viewer, task_id, update)
        except VatsError as exc:
            if isinstance(exc, NotFoundError) and exc.field == "task_id":
                raise
            return await self._card(request, task_id, REFUSED, **refused(request, exc, "title", form), editing=True)
        return await self._card(request, task_id, notice=texts_for(request)["crm_task_saved"])

    @post("/{task_id:uuid}/comments")
    async def comment(self, request: Request[Any, Any, Any], task_id: FromPath[uuid.UUID]) -> Template:
        """POST /api/tasks/{id}/comments."""
        require(request, EVERYONE)
        form, _ = await form_of(request)
        text = form.get("text", "").strip()
        if not text:  # said beside the field (the form leaves the check to the server: novalidate)
            errors = {"text": problem(request, ValidationError("required", field="text"))}
            return await self._card(request, task_id, REFUSED, errors=errors)
        async with crm(request) as c:
            await tasks.get(c.conn, c.viewer, task_id)
            await cards.add_comment(c.conn, c.tenant_id, "task", task_id, c.viewer.employee_id, text)
        return await self._card(request, task_id)

    @post("/{task_id:uuid}/attachments")
    async def attach(self, request: Request[Any, Any, Any], task_id: FromPath[uuid.UUID]) -> Template:
        """POST /api/tasks/{id}/attachments: a call or another task of the same client."""
        require(request, EVERYONE)
        form, _ = await form_of(request)
        try:
            kind, _, raw_id = form.get("item", "").partition(":")
            item = AttachIn(kind="task" if kind == "task" else "call", id=uuid_or_none(raw_id, "id") or NO_ID)
            async with crm(request) as c:
                await tasks.get(c.conn, c.viewer, task_id)
                await cards.attach(c.conn, c.tenant_id, "task", task_id, item.kind, item.id)
        except VatsError as exc:
            return await self._card(request, task_id, REFUSED, errors={"item": problem(request, exc)})
        return await self._card(request, task_id)

    @get("/{task_id:uuid}/voicemail")
    async def voicemail(self, request: Request[Any, Any, Any], task_id: FromPath[uuid.UUID]) -> File:
        """GET /api/tasks/{id}/voicemail for the page's player (roles that may listen)."""
        require(request, EVERYONE)
        async with crm(request) as c:
            if not c.viewer.may_listen:
                raise PermissionDeniedException("your role may not listen to recordings")
            stored = await tasks.voicemail_file(c.conn, c.viewer, task_id)
            path = media_file(c.tx.kernel, stored)
        return File(path=path, filename=f"voicemail-{task_id}.wav", media_type="audio/wav")
