"""What task and deal cards share: their attachments as rows a person reads (a call by its
time and number, a task by its title; what the viewer may not see is named but not opened)
and the calls and tasks of the same client that may still be attached."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

import msgspec
from vats.core.errors import NotFoundError
from vats.plugins.crm import history, tasks
from vats.plugins.crm.cabinet.common import Crm
from vats.plugins.crm.cabinet.periods import ALL_TIME_START
from vats.plugins.crm.history import Filters
from vats.plugins.crm.models import Attachments, HistoryCall

CHOICES = 30


class Item(msgspec.Struct, kw_only=True):
    key: str  # "call:<id>" or "task:<id>", the value of the attach form's select
    label: str
    href: str  # empty: the viewer may not open it


async def attachment_rows(c: Crm, attached: Attachments, t: Mapping[str, str]) -> list[Item]:
    rows: list[Item] = []
    for call_id in attached.calls:
        try:
            call = await history.get(c.conn, c.viewer, call_id)
        except NotFoundError:
            rows.append(Item(key=f"call:{call_id}", label=t["crm_call_at"].format(when="…"), href=""))
            continue
        rows.append(Item(key=f"call:{call_id}", label=_call_label(c, call, t), href=f"/cabinet/history/{call_id}"))
    for task_id in attached.tasks:
        try:
            task = await tasks.get(c.conn, c.viewer, task_id)
        except NotFoundError:
            rows.append(Item(key=f"task:{task_id}", label=t["crm_task_ref"].format(title="…"), href=""))
            continue
        rows.append(Item(key=f"task:{task_id}", label=t["crm_task_ref"].format(title=task.title),
                         href=f"/cabinet/tasks/{task_id}"))  # fmt: skip
    return rows


def _call_label(c: Crm, call: HistoryCall, t: Mapping[str, str]) -> str:
    direction = t[f"crm_direction_{call.direction}"]
    result = t["crm_answered"] if call.answered else t["crm_missed"]
    return f"{t['crm_call_at'].format(when=c.when(call.started_at))} · {direction} · {call.peer} · {result}"


async def attachable(
    c: Crm, contact_id: uuid.UUID | None, attached: Attachments, itself: uuid.UUID | None, t: Mapping[str, str]
) -> list[Item]:
    """The client's calls and tasks the viewer sees and that are not attached yet (a card about
    no client: the viewer's recent ones)."""
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    since = ALL_TIME_START if contact_id else until - dt.timedelta(days=8)
    calls, _ = await history.listing(
        c.conn, c.viewer, Filters(since=since, until=until, contact_id=contact_id), limit=CHOICES, offset=0
    )
    found, _ = await tasks.listing(
        c.conn, c.viewer, since=since, until=until, status=None, assignee_id=None, kind=None, limit=CHOICES,
        offset=0, contact_id=contact_id,
    )  # fmt: skip
    items = [Item(key=f"call:{x.id}", label=_call_label(c, x, t), href="") for x in calls if x.id not in attached.calls]
    items += [
        Item(key=f"task:{x.id}", label=t["crm_task_ref"].format(title=x.title), href="")
        for x in found
        if x.id not in attached.tasks and x.id != itself
    ]
    return items
