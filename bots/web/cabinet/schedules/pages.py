"""Settings → Schedules (admins, as the API's schedule changes): the schedules with their weekly
grids, and a schedule's editor (a line of hours per weekday; the gaps inside a day are breaks,
e.g. lunch). Saving goes through core/directory/schedules.py, the same checks as
``PATCH /api/schedules/{id}``; a problem is shown beside the weekday it names."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    form_fields,
    kernel_of,
    language,
    page,
    problem_text,
    redirect,
    require,
    tenant_transaction,
    texts,
)  # fmt: skip
from vats.bots.web.cabinet.schedules import week
from vats.bots.web.cabinet.texts import Lang
from vats.core.directory import schedules as repo
from vats.core.directory.models import Interval, Schedule, ScheduleCreate, ScheduleUpdate
from vats.core.errors import VatsError

BASE = "/cabinet/settings/schedules"
# A new schedule: Monday to Friday, 09:00-18:00 with lunch 13:00-14:00.
LUNCH_WEEK = [Interval(day=d, start=s, end=e) for d in range(5) for s, e in (("09:00", "13:00"), ("14:00", "18:00"))]
ERRORS_RU = {
    "start must be before end": "Начало должно быть раньше конца.",
    "overlaps another interval of the same day": "Промежутки одного дня пересекаются.",
    "time is HH:MM, 00:00 to 24:00": "Время — ЧЧ:ММ, от 00:00 до 24:00.",
}


def problem(lang: Lang, message: str) -> str:
    return (ERRORS_RU.get(message) if lang == "ru" else None) or problem_text(lang, message)


class SchedulePages(Controller):
    path = BASE
    include_in_schema = False

    @get("/")
    async def listing(self, request: Request[Any, Any, Any]) -> Template:
        return await self._listing(request)

    async def _listing(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            found = await repo.list_schedules(tx.conn, tx.tenant.id)
        lang = language(request)
        items = [(s, week.days(s.intervals, lang)) for s in found]
        context.setdefault("errors", {})
        context.setdefault("values", {})
        return await page(request, "schedules.html", status, items=items, **context)

    @post("/")
    async def create(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """A new schedule by its name (Monday to Friday, 09:00-18:00 with lunch 13:00-14:00), then edit it."""
        me = require(request, ADMIN)
        name = (await form_fields(request)).get("name", "").strip()
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                data = ScheduleCreate(name=name, intervals=LUNCH_WEEK)
                created = await repo.create_schedule(tx.conn, tx.tenant.id, data)
        except VatsError as exc:
            errors = {"name": problem(language(request), exc.message)}
            return await self._listing(request, 422, errors=errors, values={"name": name}, adding=True)
        return redirect(f"{BASE}/{created.id}")

    @get("/{schedule_id:uuid}")
    async def edit(self, request: Request[Any, Any, Any], schedule_id: FromPath[uuid.UUID],
                   saved: FromQuery[bool] = False) -> Template:  # fmt: skip
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            schedule = await repo.get_schedule(tx.conn, tx.tenant.id, schedule_id)
        lang = language(request)
        notice = texts(lang)["schedules_saved"] if saved else ""
        return await self._editor(request, schedule, schedule.name, week.days(schedule.intervals, lang), notice=notice)

    async def _editor(
        self, request: Request[Any, Any, Any], schedule: Schedule, name: str, days: list[week.Day], status: int = 200,
        *, notice: str = "", name_error: str = "",
    ) -> Template:  # fmt: skip
        return await page(request, "schedule.html", status, schedule=schedule, name=name, days=days, notice=notice,
                          name_error=name_error, failed=status >= 400)  # fmt: skip

    @post("/{schedule_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], schedule_id: FromPath[uuid.UUID]) -> Response[Any]:
        me = require(request, ADMIN)
        kernel = kernel_of(request)
        lang = language(request)
        form = await form_fields(request)
        async with tenant_transaction(kernel, me) as tx:
            schedule = await repo.get_schedule(tx.conn, tx.tenant.id, schedule_id)
        name = form.get("name", "").strip()
        lines = [form.get(f"day{d}", "")[:500] for d in range(7)]
        shown = week.days([], lang)
        for day, line in zip(shown, lines, strict=True):
            day.text = line
        t = texts(lang)
        try:
            intervals, owners = week.read(lines)
        except week.ReadError as exc:
            shown[exc.day].error = t["schedules_bad_span"].format(span=str(exc))
            return await self._editor(request, schedule, name, shown, 422, notice=t["schedules_not_saved"])
        try:
            async with tenant_transaction(kernel, me) as tx:
                changed = ScheduleUpdate(name=name, intervals=intervals)
                await repo.update_schedule(tx.conn, tx.tenant.id, schedule_id, changed)
        except VatsError as exc:
            message = problem(lang, exc.message)
            found = re.match(r"intervals\[(\d+)\]", exc.field or "")
            if found and int(found.group(1)) < len(owners):
                shown[owners[int(found.group(1))]].error = message
                return await self._editor(request, schedule, name, shown, 422, notice=t["schedules_not_saved"])
            return await self._editor(request, schedule, name, shown, 422, notice=t["schedules_not_saved"],
                                      name_error=message)  # fmt: skip
        kernel.snapshots.invalidate(me.tenant_id)
        return redirect(f"{BASE}/{schedule_id}?saved=true")
