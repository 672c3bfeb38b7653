"""/api/tasks: tasks you may see (today's unless a period is given), by hand, status, deadline,
reassigning, comments, attachments, the voicemail of a voicemail task."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import File
from litestar.status_codes import HTTP_201_CREATED
from vats.bots.web.kit import EVERYONE, Limit, Offset, Page, TenantDep
from vats.core.tasks import TaskKind
from vats.plugins.crm import cards, tasks
from vats.plugins.crm.api.common import VIEWER, ViewerDep, media_file, require_listening
from vats.plugins.crm.api.history import FromParam, PeriodParam, ToParam
from vats.plugins.crm.models import AttachIn, Attachments, Comment, CommentIn, Task, TaskCard, TaskIn, TaskUpdate
from vats.plugins.crm.periods import period_bounds


class TaskController(Controller):
    path = "/api/tasks"
    dependencies = VIEWER
    tags = ["crm: tasks"]
    opt = {"roles": EVERYONE}

    @get(operation_id="listTasks", summary="Tasks you may see, newest first (today's unless a period is given)")
    async def list_tasks(
        self,
        tx: TenantDep,
        viewer: ViewerDep,
        limit: Limit = 50,
        offset: Offset = 0,
        period: PeriodParam = "today",
        start: FromParam = None,
        end: ToParam = None,
        status: FromQuery[Literal["open", "in_progress", "done", "cancelled", "open_any"] | None] = None,
        assignee_id: FromQuery[uuid.UUID | None] = None,
        kind: FromQuery[TaskKind | None] = None,
    ) -> Page[Task]:
        since, until = period_bounds(period, tx.tenant.time_zone, start=start, end=end)
        items, total = await tasks.listing(
            tx.conn, viewer, since=since, until=until, status=status, assignee_id=assignee_id, kind=kind,
            limit=limit, offset=offset,
        )  # fmt: skip
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post(operation_id="createTask", summary="A task by hand (for you, a colleague or a group)")
    async def create(self, tx: TenantDep, viewer: ViewerDep, data: JSONBody[TaskIn]) -> Task:
        return await tasks.create_by_hand(tx.conn, tx.kernel, viewer, data)

    @get("/{task_id:uuid}", operation_id="getTask", summary="A task with its comments and attachments")
    async def show(self, tx: TenantDep, viewer: ViewerDep, task_id: FromPath[uuid.UUID]) -> TaskCard:
        task = await tasks.get(tx.conn, viewer, task_id)
        return TaskCard(
            task=task, comments=await cards.comments(tx.conn, tx.tenant.id, "task", task_id),
            attachments=await cards.attachments(tx.conn, tx.tenant.id, "task", task_id),
        )  # fmt: skip

    @patch("/{task_id:uuid}", operation_id="updateTask", summary="Status, deadline, title, reassign")
    async def update(
        self, tx: TenantDep, viewer: ViewerDep, task_id: FromPath[uuid.UUID], data: JSONBody[TaskUpdate]
    ) -> Task:
        return await tasks.update(tx.conn, tx.kernel, viewer, task_id, data)

    @post("/{task_id:uuid}/comments", operation_id="commentTask", summary="A comment for colleagues",
          status_code=HTTP_201_CREATED)  # fmt: skip
    async def comment(
        self, tx: TenantDep, viewer: ViewerDep, task_id: FromPath[uuid.UUID], data: JSONBody[CommentIn]
    ) -> Comment:
        await tasks.get(tx.conn, viewer, task_id)
        return await cards.add_comment(tx.conn, tx.tenant.id, "task", task_id, viewer.employee_id, data.text)

    @post("/{task_id:uuid}/attachments", operation_id="attachToTask", summary="Attach a call or another task")
    async def attach(
        self, tx: TenantDep, viewer: ViewerDep, task_id: FromPath[uuid.UUID], data: JSONBody[AttachIn]
    ) -> Attachments:
        await tasks.get(tx.conn, viewer, task_id)
        await cards.attach(tx.conn, tx.tenant.id, "task", task_id, data.kind, data.id)
        return await cards.attachments(tx.conn, tx.tenant.id, "task", task_id)

    @get("/{task_id:uuid}/voicemail", operation_id="getTaskVoicemail", summary="The caller's message (WAV)")
    async def voicemail(self, tx: TenantDep, viewer: ViewerDep, task_id: FromPath[uuid.UUID]) -> File:
        require_listening(viewer)
        stored = await tasks.voicemail_file(tx.conn, viewer, task_id)
        return File(path=media_file(tx.kernel, stored), filename=f"voicemail-{task_id}.wav", media_type="audio/wav")
