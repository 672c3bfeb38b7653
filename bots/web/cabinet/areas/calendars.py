"""Settings → Календари (admins): the PBX's production calendars. A month at a glance, with the
official holidays and transferred working days and the PBX's own changes; a day made a day off
or a working day, or given back to the official calendar. The same services and rules as
/api/calendars (core/directory/schedules.py); days not in the calendar follow the schedules."""

from __future__ import annotations

import calendar as weeks
import datetime as dt
import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    CabinetPages,
    NavEntry,
    form_fields,
    language,
    page,
    problem_text,
    redirect,
    require,
)
from vats.bots.web.kit import kernel_of, tenant_transaction
from vats.core.directory import schedules as repo
from vats.core.directory.models import CalendarDay, CalendarOverride
from vats.core.errors import ValidationError, VatsError

PAGE = "/cabinet/settings/calendars"
KINDS = ("day_off", "working", "official")  # "official": the PBX's change goes, the official day comes back
MAX_NOTE = 200
MONTHS = {
    "ru": ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
           "декабрь"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip
OF_MONTHS = {
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
           "декабря"),
    "en": MONTHS["en"],
}  # fmt: skip


def _month(text: str | None, today: dt.date) -> dt.date:
    """The first day of ``YYYY-MM`` (this month if absent or unreadable)."""
    try:
        return dt.date.fromisoformat(f"{text}-01") if text else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def _shift(month: dt.date, by: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + by
    return dt.date(index // 12, index % 12 + 1, 1)


def day_name(day: dt.date, lang: str) -> str:
    return f"{day.day} {OF_MONTHS[lang][day.month - 1]}" if lang == "ru" else f"{MONTHS['en'][day.month - 1]} {day.day}"


def _day(form: dict[str, str]) -> dt.date:
    try:
        return dt.date.fromisoformat(form.get("day", "").strip())
    except ValueError:
        raise ValidationError("choose a date", field="day") from None


class CalendarPages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def calendars(self, request: Request[Any, Any, Any]) -> Template:
        return await self._list(request)

    async def _list(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            found = await repo.list_calendars(tx.conn, tx.tenant.id)
        for key in ("errors", "values"):
            context.setdefault(key, {})
        return await page(request, "calendars.html", status, calendars=found, **context)

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = require(request, ADMIN)
        form = await form_fields(request)
        country = "RU" if form.get("official") == "1" else None
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                made = await repo.create_calendar(tx.conn, tx.tenant.id, form.get("name", ""), official_country=country)
        except VatsError as exc:
            errors = {exc.field or "name": problem_text(language(request), exc.message)}
            return await self._list(request, 422, errors=errors, values=form, adding=True)
        return redirect(f"{PAGE}/{made.id}")

    @get("/{calendar_id:uuid}")
    async def month(self, request: Request[Any, Any, Any], calendar_id: FromPath[uuid.UUID]) -> Template:
        return await self._month(request, calendar_id, notice=request.query_params.get("saved") == "1")

    async def _month(
        self, request: Request[Any, Any, Any], calendar_id: uuid.UUID, status: int = 200, **context: Any
    ) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        query = request.query_params
        async with tenant_transaction(kernel_of(request), me) as tx:
            cal = await repo.get_calendar(tx.conn, tx.tenant.id, calendar_id)
            today = dt.datetime.now(dt.UTC).date()
            chosen = context.get("values", {}).get("day") or query.get("day") or ""
            try:
                picked: dt.date | None = dt.date.fromisoformat(chosen)
            except ValueError:
                picked = None
            first = _month(query.get("month"), today) if picked is None else picked.replace(day=1)
            last = _shift(first, 1) - dt.timedelta(days=1)
            rows = await repo.calendar_days(tx.conn, tx.tenant.id, calendar_id, first, last)
        marks = _marks(rows)
        grid = [
            [{"day": d, "mark": marks.get(d), "outside": d.month != first.month} for d in week]
            for week in weeks.Calendar().monthdatescalendar(first.year, first.month)
        ]
        context.setdefault("errors", {})
        context.setdefault("values", {})
        return await page(
            request, "calendar.html", status, cal=cal, grid=grid, first=first, picked=picked,
            month_title=f"{MONTHS[lang][first.month - 1].capitalize()} {first.year}",
            prev=_shift(first, -1).strftime("%Y-%m"), next=_shift(first, 1).strftime("%Y-%m"),
            marked=[(d, marks[d]) for d in sorted(marks)], day_name=lambda d: day_name(d, lang),
            of_month=lambda d: OF_MONTHS[lang][d.month - 1], kinds=KINDS,
            picked_mark=marks.get(picked) if picked else None, **context,
        )  # fmt: skip

    @post("/{calendar_id:uuid}/days")
    async def set_day(self, request: Request[Any, Any, Any], calendar_id: FromPath[uuid.UUID]) -> Response[Any]:
        me = require(request, ADMIN)
        form = await form_fields(request)
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:
            await repo.get_calendar(tx.conn, tx.tenant.id, calendar_id)  # another PBX's: not found
        try:
            day = _day(form)
            kind = form.get("kind", "")
            if kind not in KINDS:
                raise ValidationError("choose a kind of day from the list", field="kind")
            note = form.get("note", "").strip()
            if len(note) > MAX_NOTE:
                raise ValidationError(f"must be at most {MAX_NOTE} characters", field="note")
            async with tenant_transaction(kernel, me) as tx:
                if kind == "official":
                    await repo.clear_calendar_days(tx.conn, tx.tenant.id, calendar_id, day, day)
                else:
                    override = msgspec.convert(
                        {"starts_on": day.isoformat(), "kind": kind, "note": note}, CalendarOverride
                    )
                    await repo.set_calendar_days(tx.conn, tx.tenant.id, calendar_id, override)
        except VatsError as exc:
            errors = {exc.field or "day": problem_text(language(request), exc.message)}
            return await self._month(request, calendar_id, 422, errors=errors, values=form)
        return redirect(f"{PAGE}/{calendar_id}?day={day.isoformat()}&saved=1")


class Mark(msgspec.Struct, frozen=True, kw_only=True):
    """What the calendar says of a day: its kind, note, whether the PBX changed it, and the
    official kind it changed (if any)."""

    kind: str
    note: str
    custom: bool
    official: str | None


def _marks(rows: list[CalendarDay]) -> dict[dt.date, Mark]:
    official = {r.day: r for r in rows if r.origin == "official"}
    custom = {r.day: r for r in rows if r.origin == "custom"}
    marks = {}
    for day in official.keys() | custom.keys():
        mine, theirs = custom.get(day), official.get(day)
        shown = mine or theirs
        assert shown is not None
        marks[day] = Mark(
            kind=shown.kind, note=shown.note or (theirs.note if theirs else ""), custom=mine is not None,
            official=theirs.kind if theirs else None,
        )  # fmt: skip
    return marks


TEXTS_RU = {
    "calendars_title": "Календари",
    "calendars_add": "Добавить календарь",
    "calendars_none": "Календарей пока нет.",
    "calendars_official": "Заполнить официальными праздниками и переносами (Россия)",
    "calendars_official_short": "Официальные праздники",
    "calendars_country_RU": "Россия",
    "calendars_default": "Основной",
    "calendars_prev": "Предыдущий месяц",
    "calendars_next": "Следующий месяц",
    "calendars_day_off": "Выходной",
    "calendars_working": "Рабочий",
    "calendars_changed": "изменено",
    "calendars_was": "по официальному календарю: {kind}",
    "calendars_legend": "Отмеченные дни месяца",
    "calendars_no_marks": "В этом месяце нет праздников и переносов: дни идут по графикам.",
    "calendars_plain": "Остальные дни идут по графикам работы.",
    "calendars_edit": "Изменить день",
    "calendars_day": "День",
    "calendars_kind": "Это",
    "calendars_kind_day_off": "Выходной",
    "calendars_kind_working": "Рабочий день",
    "calendars_kind_official": "Как в официальном календаре",
    "calendars_note": "Примечание",
    "calendars_saved": "День сохранён.",
    "calendars_weekdays": "Пн Вт Ср Чт Пт Сб Вс",
    "calendars_weekdays_full": "понедельник вторник среда четверг пятница суббота воскресенье",
    "err:choose a date": "Укажите дату.",
    "err:choose a kind of day from the list": "Выберите вид дня из списка.",
    "err:no such calendar": "Такого календаря нет.",
}
TEXTS_EN = {
    "calendars_title": "Calendars",
    "calendars_add": "Add a calendar",
    "calendars_none": "No calendars yet.",
    "calendars_official": "Fill with the official holidays and transfers (Russia)",
    "calendars_official_short": "Official holidays",
    "calendars_country_RU": "Russia",
    "calendars_default": "Default",
    "calendars_prev": "Previous month",
    "calendars_next": "Next month",
    "calendars_day_off": "Day off",
    "calendars_working": "Working",
    "calendars_changed": "changed",
    "calendars_was": "official calendar: {kind}",
    "calendars_legend": "Marked days of the month",
    "calendars_no_marks": "No holidays or transfers this month: days follow the schedules.",
    "calendars_plain": "Other days follow the work schedules.",
    "calendars_edit": "Change a day",
    "calendars_day": "Day",
    "calendars_kind": "It is",
    "calendars_kind_day_off": "A day off",
    "calendars_kind_working": "A working day",
    "calendars_kind_official": "As in the official calendar",
    "calendars_note": "Note",
    "calendars_saved": "Day saved.",
    "calendars_weekdays": "Mo Tu We Th Fr Sa Su",
    "calendars_weekdays_full": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
}


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[CalendarPages],
        nav=[
            NavEntry(href=PAGE, label_ru="Календари", label_en="Calendars", roles=ADMIN, section="settings", order=255)
        ],
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
