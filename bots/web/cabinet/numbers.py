"""Settings → Numbers (admins): the PBX's numbers, each with its scenario, call recording (as the
PBX says, on or off) and "number as caller ID", changed through the service PATCH /api/numbers/{id} calls."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet import forms
from vats.bots.web.cabinet.kit import REFUSED, form_context, refusal, require
from vats.bots.web.cabinet.pages import my_language, page
from vats.bots.web.cabinet.people_texts import say
from vats.bots.web.kit import ADMIN, kernel_of, tenant_transaction
from vats.core.directory import numbers as repo
from vats.core.directory.models import NumberUpdate
from vats.core.engine.scenarios import scenarios_of
from vats.core.errors import NotFoundError, VatsError

RECORDING = ("default", "on", "off")  # as the PBX says, always, never (a number's override)


class NumbersController(Controller):
    path = "/cabinet/settings/numbers"
    include_in_schema = False

    @get("/")
    async def numbers(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            numbers = await repo.list_numbers(tx.conn, tx.tenant.id)
            scenarios = await scenarios_of(tx.conn, tx.tenant.id)
        lang = await my_language(request)
        choices = {
            "scenarios": [("", say(lang, "numbers_no_scenario"))] + [(str(s.id), s.name) for s in scenarios],
            "recording": [(m, say(lang, f"numbers_recording_{m}")) for m in RECORDING],
        }
        return await page(request, "numbers.html", status, numbers=numbers, choices=choices, **form_context(context))

    @post("/{number_id:uuid}")
    async def save_number(self, request: Request[Any, Any, Any], number_id: FromPath[uuid.UUID]) -> Template:
        me = require(request, ADMIN)
        form = await forms.read_form(request)
        name = f"number-{number_id}"
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                await repo.get_number(tx.conn, tx.tenant.id, number_id)  # someone else's or none: the 404 page
                data = NumberUpdate(
                    name=form.get("name", ""),
                    scenario_id=forms.optional_id(form, "scenario_id"),
                    recording=forms.choice(form, "recording", RECORDING),  # type: ignore[arg-type]
                    recording_warning=forms.checkbox(form, "recording_warning"),
                    number_as_caller_id=forms.checkbox(form, "number_as_caller_id"),
                )
                number = await repo.update_number(tx.conn, tx.tenant.id, number_id, data)
        except NotFoundError as exc:
            if exc.field == "number_id":
                raise
            return await self._refused(request, name, exc, form)
        except VatsError as exc:
            return await self._refused(request, name, exc, form)
        notice = say(await my_language(request), "numbers_saved").format(number=number.e164)
        return await self._page(request, notice=notice)

    async def _refused(
        self, request: Request[Any, Any, Any], name: str, exc: VatsError, form: dict[str, str]
    ) -> Template:
        refused = refusal(await my_language(request), exc, "name", form, name, say=say)
        return await self._page(request, REFUSED, **refused)
