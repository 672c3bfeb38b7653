"""Settings → Employees → one employee's card: profile, phones (extension, caller ID, SIP lines
with their credentials and a provisioning QR, outside numbers, each terminal's settings),
reception (availability, ring mode, forwarding, recording, schedule), absences and extra
availability periods.

Every form calls the service the API route calls (bots/web/domain/employees) under the same
role rule (admins change; heads read their scope); a refusal comes back as the page again, with
the problem beside its input and nothing saved (the service's transaction rolled back)."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet import forms
from vats.bots.web.cabinet.cabinet import ROLES
from vats.bots.web.cabinet.kit import REFUSED, form_context, refusal, require
from vats.bots.web.cabinet.pages import my_language, page
from vats.bots.web.cabinet.people_texts import say
from vats.bots.web.cabinet.provisioning import provisioning_offer
from vats.bots.web.cabinet.texts import Lang, texts
from vats.bots.web.domain.employees.controllers import load_visible
from vats.bots.web.kit import ADMIN, MANAGERS, TenantScope, kernel_of, tenant_transaction
from vats.core.directory import employees as repo
from vats.core.directory import numbers as numbers_repo
from vats.core.directory.groups import list_groups
from vats.core.directory.models import (
    AbsenceCreate,
    EmployeeUpdate,
    ExtraPeriodCreate,
    ForwardTarget,
    SipLineCreate,
    TerminalUpdate,
)
from vats.core.directory.schedules import list_calendars, list_schedules
from vats.core.errors import NotFoundError, VatsError

AVAILABILITIES = ("unavailable", "by_schedule", "available")
RECORDING = ("default", "on", "off")
RING_MODES = ("parallel", "sequential")
ABSENCE_KINDS = ("vacation", "sick_leave", "other")
LINE_KINDS = ("softphone", "mobile_app", "webphone")
CARD = "/cabinet/settings/employees/{employee_id}"

# A service's field name and the input that shows it, where the two differ.
_FIELD_OF = {"external_numbers": "external_number", "number": "external_number"}


async def _colleagues(tx: TenantScope) -> list[Any]:
    return list(
        await tx.conn.fetch(
            "SELECT id, full_name, extension FROM employees WHERE tenant_id = $1 ORDER BY full_name", tx.tenant.id
        )
    )


def _choices(lang: Lang, extra: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The (value, text) options of the card's selects, in the page's language."""
    if not extra:
        return {}
    none = [("", "—")]
    return {
        "roles": [(r, texts(lang)[f"role_{r}"]) for r in ROLES],
        "availabilities": [(a, texts(lang)[f"availability_{a}"]) for a in AVAILABILITIES],
        "ring_modes": [(m, say(lang, f"card_ring_mode_{m}")) for m in RING_MODES],
        "recording": [(m, say(lang, f"card_recording_{m}")) for m in RECORDING],
        "numbers": [("", say(lang, "card_caller_id_default"))] + [(str(n.id), n.e164) for n in extra["numbers"]],
        "schedules": [(str(s.id), s.name) for s in extra["schedules"]],
        "calendars": [(str(c.id), c.name) for c in extra["calendars"]],
        "actions": [(a, say(lang, f"card_action_{a}")) for a in forms.FORWARD_ACTIONS],
        "colleagues": none + [(str(c["id"]), f"{c['full_name']} ({c['extension']})") for c in extra["colleagues"]],
        "groups": none + [(str(g.id), g.name) for g in extra["groups"]],
        "absence_kinds": [(k, say(lang, f"card_absence_{k}")) for k in ABSENCE_KINDS],
        "period_kinds": [("yes", say(lang, "card_period_available")), ("no", say(lang, "card_period_unavailable"))],
        "line_kinds": [(k, say(lang, f"card_kind_{k}")) for k in LINE_KINDS],
        "owners": [(str(c["id"]), f"{c['full_name']} ({c['extension']})") for c in extra["everyone"]],
    }


class EmployeeCardController(Controller):
    path = "/cabinet/settings/employees/{employee_id:uuid}"
    include_in_schema = False

    @get("/")
    async def card(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        return await self._card(request, employee_id)

    async def _card(
        self, request: Request[Any, Any, Any], employee_id: uuid.UUID, status: int = 200, **context: Any
    ) -> Template:
        me = require(request, MANAGERS)
        lines = []
        admin = me.role == "admin"
        async with tenant_transaction(kernel_of(request), me) as tx:
            employee = await load_visible(tx, employee_id)
            extra: dict[str, Any] = {}
            if admin:  # SIP passwords and what the forms choose from: admins only (the API's rule)
                lines = await repo.sip_secrets(tx.conn, tx.tenant.id, employee_id)
                extra = {
                    "numbers": await numbers_repo.list_numbers(tx.conn, tx.tenant.id),
                    "groups": await list_groups(tx.conn, tx.tenant.id),
                    "schedules": await list_schedules(tx.conn, tx.tenant.id),
                    "calendars": await list_calendars(tx.conn, tx.tenant.id),
                    "colleagues": [c for c in await _colleagues(tx) if c["id"] != employee_id],
                    "everyone": await _colleagues(tx),
                }
            time_zone = employee.time_zone or tx.tenant.time_zone
        context.setdefault("offer", None)
        context.setdefault("new_password", "")
        lang = await my_language(request)
        card = CARD.format(employee_id=employee_id)
        return await page(
            request, "employee.html", status,
            employee=employee, lines=lines, can_edit=admin, card=card, lines_base=f"{card}/terminals" if admin else "",
            time_zone=time_zone, zone=zoneinfo.ZoneInfo(time_zone), choices=_choices(lang, extra), **extra,
            **form_context(context),
        )  # fmt: skip

    async def _change(
        self,
        request: Request[Any, Any, Any],
        employee_id: uuid.UUID,
        name: str,
        default_field: str,
        work: Callable[[TenantScope, dict[str, str]], Awaitable[object]],
    ) -> Template:
        """Run one form's change in one transaction under the admin rule; on a refusal, the
        card again with the problem beside its input (``failed`` names the form)."""
        me = require(request, ADMIN)
        form = await forms.read_form(request)
        lang = await my_language(request)
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                await repo.get_employee(tx.conn, tx.tenant.id, employee_id)  # a 404 page, not a form error
                await work(tx, form)
        except NotFoundError as exc:
            if exc.field == "employee_id":
                raise
            return await self._refused(request, employee_id, name, exc, default_field, form)
        except VatsError as exc:
            return await self._refused(request, employee_id, name, exc, default_field, form)
        return await self._card(request, employee_id, notice=say(lang, "card_saved"), saved=name)

    async def _refused(
        self,
        request: Request[Any, Any, Any],
        employee_id: uuid.UUID,
        name: str,
        exc: VatsError,
        default_field: str,
        form: dict[str, str],
    ) -> Template:
        refused = refusal(await my_language(request), exc, default_field, form, name, _FIELD_OF, say=say)
        return await self._card(request, employee_id, REFUSED, **refused)

    # --- profile, phones, reception ---------------------------------------------------------

    async def _update_form(
        self,
        request: Request[Any, Any, Any],
        employee_id: uuid.UUID,
        name: str,
        default_field: str,
        build: Callable[[dict[str, str]], EmployeeUpdate],
    ) -> Template:
        """An employee update through the API's service (kernel.directory.update_employee, its
        own transaction: it announces the change to plugins)."""
        me = require(request, ADMIN)
        form = await forms.read_form(request)
        try:
            data = build(form)
            await kernel_of(request).directory.update_employee(me.tenant_id, employee_id, data)
        except NotFoundError as exc:
            if exc.field == "employee_id":
                raise
            return await self._refused(request, employee_id, name, exc, default_field, form)
        except VatsError as exc:
            return await self._refused(request, employee_id, name, exc, default_field, form)
        return await self._card(request, employee_id, notice=say(await my_language(request), "card_saved"), saved=name)

    @post("/profile")
    async def save_profile(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        def build(form: dict[str, str]) -> EmployeeUpdate:
            return EmployeeUpdate(
                full_name=form.get("full_name", ""),
                email=form.get("email", ""),
                position=form.get("position", ""),
                role=forms.choice(form, "role", ROLES),  # type: ignore[arg-type]
                time_zone=form.get("time_zone", "").strip() or None,
            )

        return await self._update_form(request, employee_id, "profile", "full_name", build)

    @post("/phones")
    async def save_phones(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        def build(form: dict[str, str]) -> EmployeeUpdate:
            return EmployeeUpdate(
                extension=form.get("extension", "").strip(),
                dial_through=forms.checkbox(form, "dial_through"),
                caller_id_number_id=forms.optional_id(form, "caller_id_number_id"),
            )

        return await self._update_form(request, employee_id, "phones", "extension", build)

    @post("/reception")
    async def save_reception(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        def build(form: dict[str, str]) -> EmployeeUpdate:
            schedule_id = forms.optional_id(form, "schedule_id")
            calendar_id = forms.optional_id(form, "calendar_id")
            return EmployeeUpdate(
                availability=forms.choice(form, "availability", AVAILABILITIES),  # type: ignore[arg-type]
                ring_mode=forms.choice(form, "ring_mode", RING_MODES),  # type: ignore[arg-type]
                no_answer_after_s=forms.integer(form, "no_answer_after_s"),
                recording=forms.choice(form, "recording", RECORDING),  # type: ignore[arg-type]
                on_no_answer=forms.forward_target(form, "on_no_answer"),
                off_hours=forms.forward_target(form, "off_hours"),
                schedule_id=schedule_id or msgspec.UNSET,  # every employee has one: empty keeps it
                calendar_id=calendar_id or msgspec.UNSET,
            )

        return await self._update_form(request, employee_id, "reception", "availability", build)

    @post("/invitation")
    async def send_invitation(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        await kernel_of(request).accounts.invite(me.tenant_id, employee_id)
        return await self._card(request, employee_id, notice=say(await my_language(request), "card_invited"))

    # --- terminals: SIP lines and outside numbers ---------------------------------------------

    @post("/terminals/{terminal_id:uuid}")
    async def save_terminal(
        self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID], terminal_id: FromPath[uuid.UUID]
    ) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            line: dict[str, Any] = {}
            if "kind" in form:  # a SIP line's form: its device kind and its owner
                line["kind"] = forms.choice(form, "kind", LINE_KINDS)
                line["employee_id"] = forms.optional_id(form, "employee_id") or employee_id
            data = TerminalUpdate(
                active=forms.checkbox(form, "active"),
                is_primary=forms.checkbox(form, "is_primary"),
                ring_delay_s=forms.integer(form, "ring_delay_s"),
                ring_time_s=forms.integer(form, "ring_time_s"),
                channels=forms.integer(form, "channels"),
                **line,
            )
            return await repo.update_terminal(tx.conn, tx.tenant.id, employee_id, terminal_id, data)

        return await self._change(request, employee_id, f"terminal-{terminal_id}", "ring_delay_s", work)

    @post("/sip-lines")
    async def add_sip_line(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        """One more SIP line of the kind chosen, with the log-in typed (or a generated one)."""

        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            kind = forms.choice(form, "kind", LINE_KINDS)
            login = form.get("sip_login", "").strip() or None
            line = SipLineCreate(kind=kind, sip_login=login)  # type: ignore[arg-type]
            return await repo.add_sip_line(tx.conn, tx.tenant.id, employee_id, line)

        return await self._change(request, employee_id, "sip-line", "sip_login", work)

    @post("/password")
    async def new_cabinet_password(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        """A new cabinet password, shown on this page once (only its hash is kept)."""
        me = require(request, ADMIN)
        password = await kernel_of(request).accounts.generate_password(me.tenant_id, employee_id)
        lang = await my_language(request)
        return await self._card(request, employee_id, notice=say(lang, "card_password_made"), new_password=password)

    @post("/terminals/{terminal_id:uuid}/password")
    async def new_sip_password(
        self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID], terminal_id: FromPath[uuid.UUID]
    ) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            return await repo.reset_sip_password(tx.conn, tx.tenant.id, employee_id, terminal_id)

        return await self._change(request, employee_id, f"line-{terminal_id}", "terminal_id", work)

    @post("/terminals/{terminal_id:uuid}/provisioning")
    async def provisioning_qr(
        self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID], terminal_id: FromPath[uuid.UUID]
    ) -> Template:
        """A fresh single-use link for a softphone, shown as a QR code beside its line."""
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            await repo.get_employee(tx.conn, tx.tenant.id, employee_id)
            offer = await provisioning_offer(request, tx, employee_id, terminal_id)
        return await self._card(request, employee_id, offer=offer)

    @post("/external-numbers")
    async def add_external_number(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            return await repo.add_external_number(tx.conn, tx.tenant.id, employee_id, form.get("external_number", ""))

        return await self._change(request, employee_id, "external", "external_number", work)

    @post("/external-numbers/{terminal_id:uuid}/delete")
    async def remove_external_number(
        self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID], terminal_id: FromPath[uuid.UUID]
    ) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            await repo.remove_external_number(tx.conn, tx.tenant.id, employee_id, terminal_id)
            return None

        return await self._change(request, employee_id, "external", "external_number", work)

    # --- absences and extra periods ---------------------------------------------------------

    @post("/absences")
    async def add_absence(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            data = AbsenceCreate(
                kind=forms.choice(form, "kind", ABSENCE_KINDS),  # type: ignore[arg-type]
                starts_on=forms.date(form, "starts_on"),
                ends_on=forms.date(form, "ends_on"),
                forward=forms.forward_target(form, "forward") or ForwardTarget(action="drop"),
            )
            return await repo.add_absence(tx.conn, tx.tenant.id, employee_id, data)

        return await self._change(request, employee_id, "absence", "starts_on", work)

    @post("/absences/{absence_id:uuid}/delete")
    async def delete_absence(
        self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID], absence_id: FromPath[uuid.UUID]
    ) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            await repo.delete_absence(tx.conn, tx.tenant.id, employee_id, absence_id)
            return None

        return await self._change(request, employee_id, "absence", "starts_on", work)

    @post("/extra-periods")
    async def add_extra_period(self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID]) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            employee = await repo.get_employee(tx.conn, tx.tenant.id, employee_id)
            time_zone = employee.time_zone or tx.tenant.time_zone
            data = ExtraPeriodCreate(
                available=forms.choice(form, "available", ("yes", "no")) == "yes",
                starts_at=forms.local_time(form, "starts_at", time_zone),
                ends_at=forms.local_time(form, "ends_at", time_zone),
                note=form.get("note", "").strip()[:200],
            )
            return await repo.add_extra_period(tx.conn, tx.tenant.id, employee_id, data)

        return await self._change(request, employee_id, "period", "starts_at", work)

    @post("/extra-periods/{period_id:uuid}/delete")
    async def delete_extra_period(
        self, request: Request[Any, Any, Any], employee_id: FromPath[uuid.UUID], period_id: FromPath[uuid.UUID]
    ) -> Template:
        async def work(tx: TenantScope, form: dict[str, str]) -> object:
            await repo.delete_extra_period(tx.conn, tx.tenant.id, employee_id, period_id)
            return None

        return await self._change(request, employee_id, "period", "starts_at", work)
