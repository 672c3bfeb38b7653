"""Schedules and calendars: admins manage them, heads may read them."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.kit import ADMIN, MANAGERS, Limit, Offset, Page, Search, Sort, TenantDep, paginate
from vats.core.directory import schedules as repo
from vats.core.directory.models import (
    Calendar,
    CalendarCreate,
    CalendarDay,
    CalendarOverride,
    CalendarUpdate,
    Schedule,
    ScheduleCreate,
    ScheduleUpdate,
)
from vats.core.errors import ValidationError


class ScheduleController(Controller):
    path = "/api/schedules"
    tags = ["schedules"]

    @get(operation_id="listSchedules", summary="List schedules", opt={"roles": MANAGERS})
    async def list_schedules(
        self,
        tx: TenantDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = "name",
    ) -> Page[Schedule]:
        schedules = await repo.list_schedules(tx.conn, tx.tenant.id)
        return paginate(
            schedules, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda s: (s.name,), sorts={"name": lambda s: s.name.casefold()},
        )  # fmt: skip

    @post(
        operation_id="createSchedule",
        summary="Create a weekly schedule (several intervals a day for breaks)",
        opt={"roles": ADMIN},
    )
    async def create_schedule(self, tx: TenantDep, data: JSONBody[ScheduleCreate]) -> Schedule:
        return await repo.create_schedule(tx.conn, tx.tenant.id, data)

    @get("/{schedule_id:uuid}", operation_id="getSchedule", summary="One schedule", opt={"roles": MANAGERS})
    async def get_schedule(self, tx: TenantDep, schedule_id: FromPath[uuid.UUID]) -> Schedule:
        return await repo.get_schedule(tx.conn, tx.tenant.id, schedule_id)

    @patch(
        "/{schedule_id:uuid}",
        operation_id="updateSchedule",
        summary="Rename, change hours, make default",
        opt={"roles": ADMIN},
    )
    async def update_schedule(
        self, tx: TenantDep, schedule_id: FromPath[uuid.UUID], data: JSONBody[ScheduleUpdate]
    ) -> Schedule:
        return await repo.update_schedule(tx.conn, tx.tenant.id, schedule_id, data)

    @delete(
        "/{schedule_id:uuid}",
        operation_id="deleteSchedule",
        summary="Delete a schedule (never the default; refused while used unless force=true)",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_schedule(
        self, tx: TenantDep, schedule_id: FromPath[uuid.UUID], force: FromQuery[bool] = False
    ) -> None:
        await repo.delete_schedule(tx.conn, tx.tenant.id, schedule_id, force=force, references=tx.kernel.references)


class CalendarDaysPage(msgspec.Struct, kw_only=True):
    days: list[CalendarDay]


class CalendarController(Controller):
    path = "/api/calendars"
    tags = ["calendars"]

    @get(operation_id="listCalendars", summary="List calendars", opt={"roles": MANAGERS})
    async def list_calendars(
        self,
        tx: TenantDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = "name",
    ) -> Page[Calendar]:
        calendars = await repo.list_calendars(tx.conn, tx.tenant.id)
        return paginate(
            calendars, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda c: (c.name,), sorts={"name": lambda c: c.name.casefold()},
        )  # fmt: skip

    @post(
        operation_id="createCalendar",
        summary="Create a calendar (with official days off unless official_country is null)",
        opt={"roles": ADMIN},
    )
    async def create_calendar(self, tx: TenantDep, data: JSONBody[CalendarCreate]) -> Calendar:
        return await repo.create_calendar(
            tx.conn,
            tx.tenant.id,
            data.name,
            official_country=data.official_country,
            weekend_schedule_id=data.weekend_schedule_id,
        )

    @get("/{calendar_id:uuid}", operation_id="getCalendar", summary="One calendar", opt={"roles": MANAGERS})
    async def get_calendar(self, tx: TenantDep, calendar_id: FromPath[uuid.UUID]) -> Calendar:
        return await repo.get_calendar(tx.conn, tx.tenant.id, calendar_id)

    @patch(
        "/{calendar_id:uuid}",
        operation_id="updateCalendar",
        summary="Rename, set the working-weekend schedule, make default",
        opt={"roles": ADMIN},
    )
    async def update_calendar(
        self, tx: TenantDep, calendar_id: FromPath[uuid.UUID], data: JSONBody[CalendarUpdate]
    ) -> Calendar:
        return await repo.update_calendar(tx.conn, tx.tenant.id, calendar_id, data)

    @delete(
        "/{calendar_id:uuid}",
        operation_id="deleteCalendar",
        summary="Delete a calendar (never the default)",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_calendar(
        self, tx: TenantDep, calendar_id: FromPath[uuid.UUID], force: FromQuery[bool] = False
    ) -> None:
        await repo.delete_calendar(tx.conn, tx.tenant.id, calendar_id, force=force, references=tx.kernel.references)

    @get(
        "/{calendar_id:uuid}/days",
        operation_id="listCalendarDays",
        summary="Days off and working days in a range (official and custom)",
        opt={"roles": MANAGERS},
    )
    async def days(
        self,
        tx: TenantDep,
        calendar_id: FromPath[uuid.UUID],
        start: FromQuery[dt.date | None] = None,
        end: FromQuery[dt.date | None] = None,
    ) -> CalendarDaysPage:
        await repo.get_calendar(tx.conn, tx.tenant.id, calendar_id)
        return CalendarDaysPage(days=await repo.calendar_days(tx.conn, tx.tenant.id, calendar_id, start, end))

    @put(
        "/{calendar_id:uuid}/days",
        operation_id="overrideCalendarDays",
        summary="Mark a day or a range as days off or working days",
        opt={"roles": ADMIN},
    )
    async def override(
        self, tx: TenantDep, calendar_id: FromPath[uuid.UUID], data: JSONBody[CalendarOverride]
    ) -> CalendarDaysPage:
        return CalendarDaysPage(days=await repo.set_calendar_days(tx.conn, tx.tenant.id, calendar_id, data))

    @delete(
        "/{calendar_id:uuid}/days",
        operation_id="clearCalendarOverrides",
        summary="Remove custom days in a range (official days come back)",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def clear(
        self,
        tx: TenantDep,
        calendar_id: FromPath[uuid.UUID],
        start: FromQuery[dt.date],
        end: FromQuery[dt.date],
    ) -> None:
        if end < start:
            raise ValidationError("the range ends before it starts", field="end")
        await repo.get_calendar(tx.conn, tx.tenant.id, calendar_id)
        await repo.clear_calendar_days(tx.conn, tx.tenant.id, calendar_id, start, end)
