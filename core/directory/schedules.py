"""Schedules (weekly working hours) and calendars (days off, working weekends) of a tenant."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from vats.core.availability import CalendarFacts
from vats.core.db.database import Connection
from vats.core.directory._sql import changes, lock_tenant, translated_errors, update_row
from vats.core.directory.models import (
    Calendar,
    CalendarDay,
    CalendarOverride,
    CalendarUpdate,
    Interval,
    Reference,
    ReferenceFinder,
    Schedule,
    ScheduleCreate,
    ScheduleUpdate,
)
from vats.core.directory.official_calendar import default_years, official_days
from vats.core.directory.validation import check_intervals, check_name
from vats.core.errors import NotFoundError, ReferencedError, ValidationError

DEFAULT_SCHEDULE_NAME = "Пн-Пт 09:00-18:00"
DEFAULT_CALENDAR_NAME = "По умолчанию"
WORKWEEK = [Interval(day=d, start="09:00", end="18:00") for d in range(5)]
MAX_OVERRIDE_DAYS = 366


def _schedule(row: Any) -> Schedule:
    return Schedule(
        id=row["id"],
        name=row["name"],
        is_default=row["is_default"],
        intervals=msgspec.convert(row["intervals"], list[Interval]),
    )


# --- schedules ----------------------------------------------------------------------------


async def create_schedule(conn: Connection, tenant_id: uuid.UUID, data: ScheduleCreate) -> Schedule:
    name = check_name(data.name, "name")
    intervals = check_intervals(data.intervals)
    with translated_errors():
        if data.is_default:
            await conn.execute("UPDATE schedules SET is_default = false WHERE tenant_id = $1 AND is_default", tenant_id)
        row = await conn.fetchrow(
            "INSERT INTO schedules (tenant_id, name, is_default, intervals) VALUES ($1, $2, $3, $4) RETURNING *",
            tenant_id,
            name,
            data.is_default,
            msgspec.to_builtins(intervals),
        )
    return _schedule(row)


async def get_schedule(conn: Connection, tenant_id: uuid.UUID, schedule_id: uuid.UUID) -> Schedule:
    row = await conn.fetchrow("SELECT * FROM schedules WHERE tenant_id = $1 AND id = $2", tenant_id, schedule_id)
    if row is None:
        raise NotFoundError("no such schedule", field="schedule_id")
    return _schedule(row)


async def list_schedules(conn: Connection, tenant_id: uuid.UUID) -> list[Schedule]:
    rows = await conn.fetch("SELECT * FROM schedules WHERE tenant_id = $1 ORDER BY name", tenant_id)
    return [_schedule(r) for r in rows]


async def default_schedule_id(conn: Connection, tenant_id: uuid.UUID) -> uuid.UUID:
    value: uuid.UUID = await conn.fetchval("SELECT id FROM schedules WHERE tenant_id = $1 AND is_default", tenant_id)
    return value


async def update_schedule(
    conn: Connection, tenant_id: uuid.UUID, schedule_id: uuid.UUID, data: ScheduleUpdate
) -> Schedule:
    current = await get_schedule(conn, tenant_id, schedule_id)
    values = changes(data, {"name", "intervals"})
    if "name" in values:
        values["name"] = check_name(values["name"], "name")
    if "intervals" in values:
        values["intervals"] = msgspec.to_builtins(check_intervals(values["intervals"]))
    if data.is_default is False and current.is_default:
        raise ValidationError("make another schedule the default instead", field="is_default")
    if data.is_default is True and not current.is_default:
        await conn.execute("UPDATE schedules SET is_default = false WHERE tenant_id = $1 AND is_default", tenant_id)
        values["is_default"] = True
    await update_row(conn, "schedules", tenant_id, schedule_id, values)
    return await get_schedule(conn, tenant_id, schedule_id)


async def schedule_references(conn: Connection, tenant_id: uuid.UUID, schedule_id: uuid.UUID) -> list[Reference]:
    refs = [
        Reference(kind="employee", id=str(r["id"]), description=f"schedule of {r['full_name']}")
        for r in await conn.fetch(
            "SELECT id, full_name FROM employees WHERE tenant_id = $1 AND schedule_id = $2",
            tenant_id,
            schedule_id,
        )
    ]
    refs += [
        Reference(kind="terminal", id=str(r["id"]), description=f"terminal schedule of {r['full_name']}")
        for r in await conn.fetch(
            "SELECT t.id, e.full_name FROM terminals t JOIN employees e ON e.id = t.employee_id"
            " WHERE t.tenant_id = $1 AND t.schedule_id = $2",
            tenant_id,
            schedule_id,
        )
    ]
    refs += [
        Reference(kind="calendar", id=str(r["id"]), description=f"working-weekend schedule of {r['name']}")
        for r in await conn.fetch(
            "SELECT id, name FROM calendars WHERE tenant_id = $1 AND weekend_schedule_id = $2",
            tenant_id,
            schedule_id,
        )
    ]
    return refs


async def delete_schedule(
    conn: Connection,
    tenant_id: uuid.UUID,
    schedule_id: uuid.UUID,
    *,
    references: ReferenceFinder,
    force: bool = False,
) -> None:
    """Delete a schedule; the default one never. Refused while anything uses it (employees,
    terminals, calendars, scenarios, plugins' objects: ``references``) unless forced: users
    move to the default schedule, terminals ring around the clock, calendars lose their
    working-weekend schedule, a scenario's filter with it runs around the clock."""
    await lock_tenant(conn, tenant_id)
    schedule = await get_schedule(conn, tenant_id, schedule_id)
    if schedule.is_default:
        raise ValidationError("the default schedule cannot be deleted", field="schedule_id")
    refs = await schedule_references(conn, tenant_id, schedule_id)
    refs += await references.collect(conn, tenant_id, "schedule", schedule_id)
    if refs and not force:
        raise ReferencedError("the schedule is in use", field="schedule_id", references=refs)
    await references.drop(conn, tenant_id, "schedule", schedule_id)
    default_id = await default_schedule_id(conn, tenant_id)
    await conn.execute(
        "UPDATE employees SET schedule_id = $3 WHERE tenant_id = $1 AND schedule_id = $2",
        tenant_id,
        schedule_id,
        default_id,
    )
    await conn.execute(
        "UPDATE terminals SET schedule_id = NULL WHERE tenant_id = $1 AND schedule_id = $2",
        tenant_id,
        schedule_id,
    )
    await conn.execute(
        "UPDATE calendars SET weekend_schedule_id = NULL WHERE tenant_id = $1 AND weekend_schedule_id = $2",
        tenant_id,
        schedule_id,
    )
    await conn.execute("DELETE FROM schedules WHERE tenant_id = $1 AND id = $2", tenant_id, schedule_id)


# --- calendars ----------------------------------------------------------------------------


def _calendar(row: Any) -> Calendar:
    return Calendar(
        id=row["id"],
        name=row["name"],
        is_default=row["is_default"],
        official_country=row["official_country"],
        weekend_schedule_id=row["weekend_schedule_id"],
    )


async def create_calendar(
    conn: Connection,
    tenant_id: uuid.UUID,
    name: str,
    *,
    official_country: str | None = "RU",
    is_default: bool = False,
    weekend_schedule_id: uuid.UUID | None = None,
    today: dt.date | None = None,
) -> Calendar:
    """A calendar, filled with the official days of the previous, current and next year."""
    name = check_name(name, "name")
    days = []
    if official_country is not None:
        try:
            days = official_days(official_country, default_years(today or dt.date.today()))
        except ValueError as exc:
            raise ValidationError(str(exc), field="official_country") from exc
    with translated_errors():
        row = await conn.fetchrow(
            "INSERT INTO calendars (tenant_id, name, is_default, official_country, weekend_schedule_id)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING *",
            tenant_id,
            name,
            is_default,
            official_country,
            weekend_schedule_id,
        )
    assert row is not None  # INSERT ... RETURNING always returns the row
    await conn.executemany(
        "INSERT INTO calendar_days (tenant_id, calendar_id, day, kind, origin, note)"
        " VALUES ($1, $2, $3, $4, 'official', $5)",
        [(tenant_id, row["id"], d.day, d.kind, d.note) for d in days],
    )
    return _calendar(row)


async def get_calendar(conn: Connection, tenant_id: uuid.UUID, calendar_id: uuid.UUID) -> Calendar:
    row = await conn.fetchrow("SELECT * FROM calendars WHERE tenant_id = $1 AND id = $2", tenant_id, calendar_id)
    if row is None:
        raise NotFoundError("no such calendar", field="calendar_id")
    return _calendar(row)


async def list_calendars(conn: Connection, tenant_id: uuid.UUID) -> list[Calendar]:
    rows = await conn.fetch("SELECT * FROM calendars WHERE tenant_id = $1 ORDER BY name", tenant_id)
    return [_calendar(r) for r in rows]


async def default_calendar_id(conn: Connection, tenant_id: uuid.UUID) -> uuid.UUID:
    value: uuid.UUID = await conn.fetchval("SELECT id FROM calendars WHERE tenant_id = $1 AND is_default", tenant_id)
    return value


async def update_calendar(
    conn: Connection, tenant_id: uuid.UUID, calendar_id: uuid.UUID, data: CalendarUpdate
) -> Calendar:
    """Rename, set the schedule for working weekend days, or make it the default calendar."""
    current = await get_calendar(conn, tenant_id, calendar_id)
    values = changes(data, {"name", "weekend_schedule_id"})
    if "name" in values:
        values["name"] = check_name(values["name"], "name")
    if values.get("weekend_schedule_id") is not None:
        await get_schedule(conn, tenant_id, values["weekend_schedule_id"])
    if data.is_default is False and current.is_default:
        raise ValidationError("make another calendar the default instead", field="is_default")
    if data.is_default is True and not current.is_default:
        await conn.execute("UPDATE calendars SET is_default = false WHERE tenant_id = $1 AND is_default", tenant_id)
        values["is_default"] = True
    await update_row(conn, "calendars", tenant_id, calendar_id, values)
    return await get_calendar(conn, tenant_id, calendar_id)


async def calendar_days(
    conn: Connection,
    tenant_id: uuid.UUID,
    calendar_id: uuid.UUID,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[CalendarDay]:
    rows = await conn.fetch(
        "SELECT day, kind, origin, note FROM calendar_days WHERE tenant_id = $1 AND calendar_id = $2"
        " AND ($3::date IS NULL OR day >= $3) AND ($4::date IS NULL OR day <= $4) ORDER BY day, origin",
        tenant_id,
        calendar_id,
        start,
        end,
    )
    return [CalendarDay(day=r["day"], kind=r["kind"], origin=r["origin"], note=r["note"]) for r in rows]


async def set_calendar_days(
    conn: Connection, tenant_id: uuid.UUID, calendar_id: uuid.UUID, override: CalendarOverride
) -> list[CalendarDay]:
    """Custom override of one day or a range (at most a year); replaces earlier custom days."""
    await get_calendar(conn, tenant_id, calendar_id)
    end = override.ends_on or override.starts_on
    if end < override.starts_on:
        raise ValidationError("the range ends before it starts", field="ends_on")
    count = (end - override.starts_on).days + 1
    if count > MAX_OVERRIDE_DAYS:
        raise ValidationError(f"a range covers at most {MAX_OVERRIDE_DAYS} days", field="ends_on")
    days = [override.starts_on + dt.timedelta(days=i) for i in range(count)]
    await conn.executemany(
        "INSERT INTO calendar_days (tenant_id, calendar_id, day, kind, origin, note)"
        " VALUES ($1, $2, $3, $4, 'custom', $5)"
        " ON CONFLICT (calendar_id, day, origin) DO UPDATE SET kind = EXCLUDED.kind, note = EXCLUDED.note",
        [(tenant_id, calendar_id, d, override.kind, override.note) for d in days],
    )
    return await calendar_days(conn, tenant_id, calendar_id, override.starts_on, end)


async def clear_calendar_days(
    conn: Connection, tenant_id: uuid.UUID, calendar_id: uuid.UUID, start: dt.date, end: dt.date
) -> None:
    """Remove custom overrides in a range (official days come back)."""
    await conn.execute(
        "DELETE FROM calendar_days WHERE tenant_id = $1 AND calendar_id = $2 AND origin = 'custom'"
        " AND day BETWEEN $3 AND $4",
        tenant_id,
        calendar_id,
        start,
        end,
    )


async def calendar_facts(conn: Connection, tenant_id: uuid.UUID, calendar_id: uuid.UUID) -> CalendarFacts:
    calendar = await get_calendar(conn, tenant_id, calendar_id)
    weekend = None
    if calendar.weekend_schedule_id is not None:
        weekend = (await get_schedule(conn, tenant_id, calendar.weekend_schedule_id)).intervals
    return CalendarFacts.from_days(await calendar_days(conn, tenant_id, calendar_id), weekend)


async def delete_calendar(
    conn: Connection,
    tenant_id: uuid.UUID,
    calendar_id: uuid.UUID,
    *,
    references: ReferenceFinder,
    force: bool = False,
) -> None:
    """Delete a calendar; the default one never. Refused while employees, scenarios or plugins'
    objects use it unless forced: employees move to the default calendar, a scenario's filter
    with it keeps its schedule and no holidays."""
    await lock_tenant(conn, tenant_id)
    calendar = await get_calendar(conn, tenant_id, calendar_id)
    if calendar.is_default:
        raise ValidationError("the default calendar cannot be deleted", field="calendar_id")
    users = await conn.fetch(
        "SELECT id, full_name FROM employees WHERE tenant_id = $1 AND calendar_id = $2",
        tenant_id,
        calendar_id,
    )
    refs = [Reference(kind="employee", id=str(r["id"]), description=f"calendar of {r['full_name']}") for r in users]
    refs += await references.collect(conn, tenant_id, "calendar", calendar_id)
    if refs and not force:
        raise ReferencedError("the calendar is in use", field="calendar_id", references=refs)
    await references.drop(conn, tenant_id, "calendar", calendar_id)
    await conn.execute(
        "UPDATE employees SET calendar_id = $3 WHERE tenant_id = $1 AND calendar_id = $2",
        tenant_id,
        calendar_id,
        await default_calendar_id(conn, tenant_id),
    )
    await conn.execute("DELETE FROM calendars WHERE tenant_id = $1 AND id = $2", tenant_id, calendar_id)
