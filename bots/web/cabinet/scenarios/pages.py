"""Settings → Scenarios (admins, as the API's scenario routes): the list, the editor with the
diagram beside it, and "check a call". Saving goes through ``core/engine/scenarios.py``, the
same checks as ``PUT /api/scenarios/{id}``; the simulator is the engine's, as the API's
``simulate`` route runs it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    MAX_FIELD,
    kernel_of,
    language,
    page,
    problem_text,
    redirect,
    require,
    tenant_transaction,
    texts,
)  # fmt: skip
from vats.bots.web.cabinet.scenarios import checks, editor
from vats.bots.web.cabinet.scenarios.texts import ERRORS_RU
from vats.bots.web.cabinet.texts import Lang
from vats.core.accounts.service import Principal
from vats.core.directory.validation import normalise_phone
from vats.core.engine import scenarios as repo
from vats.core.engine.context import CallFacts
from vats.core.engine.diagram import render_svg
from vats.core.engine.forms import BlockFormPart
from vats.core.engine.scenario import compile_body
from vats.core.engine.scenario_removal import delete_scenario
from vats.core.engine.simulator import parse_at, parse_script, simulate
from vats.core.errors import ReferencedError, ValidationError, VatsError
from vats.core.media.library import list_files, list_media, standard_files
from vats.core.protocols import KernelAPI
from vats.core.snapshot import TenantSnapshot

BASE = "/cabinet/settings/scenarios"


def problem(lang: Lang, message: str) -> str:
    """A service's message in the page's language (the scenario checks' own first)."""
    return (ERRORS_RU.get(message) if lang == "ru" else None) or problem_text(lang, message)


def admin(request: Request[Any, Any, Any]) -> Principal:
    """The API's rule for scenarios: admins only."""
    return require(request, ADMIN)


def draw(scenario: repo.Scenario, kernel: KernelAPI, snapshot: TenantSnapshot) -> str:
    """The scenario's diagram; a stored body that no longer decodes (e.g. a block of a plugin
    since removed) is drawn as a one-line note, so its editor still opens to fix it."""
    try:
        body = compile_body(scenario.body, kernel.blocks)
    except msgspec.ValidationError as exc:
        note = escape(f"Схему не нарисовать: {exc}")
        text = f'<text x="10" y="24" font-family="sans-serif" font-size="13" fill="#b3261e">{note}</text>'
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="40" role="img">{text}</svg>'
    return render_svg(scenario.name, body, snapshot)


def form_parts(kernel: KernelAPI) -> list[BlockFormPart]:
    return list(kernel.plugins.collect("register_block_forms"))


async def _form(request: Request[Any, Any, Any]) -> editor.Form:
    form = await request.form()
    return editor.Form((k, v[:MAX_FIELD]) for k, v in form.multi_items() if isinstance(v, str))


async def _choices(kernel: KernelAPI, me: Principal, snapshot: TenantSnapshot) -> editor.Choices:
    async with tenant_transaction(kernel, me) as tx:
        files = await list_files(tx.conn, tx.tenant.id)
        chains = await list_media(tx.conn, tx.tenant.id)
        named = "SELECT id, name FROM {} WHERE tenant_id = $1 ORDER BY name"
        schedules = await tx.conn.fetch(named.format("schedules"), tx.tenant.id)
        calendars = await tx.conn.fetch(named.format("calendars"), tx.tenant.id)
    media = [(f.id, f.name) for f in standard_files()] + [(f.id, f.name) for f in files]
    media += [(str(m.id), m.name) for m in chains]
    names: dict[str, str] = snapshot.extras.get("region_names", {})
    return editor.Choices(
        media=media, schedules=[(str(r["id"]), r["name"]) for r in schedules],
        calendars=[(str(r["id"]), r["name"]) for r in calendars],
        regions=sorted(names.items(), key=lambda item: item[1]), parts=form_parts(kernel),
    )  # fmt: skip


class ScenarioPages(Controller):
    path = BASE
    include_in_schema = False

    @get("/")
    async def listing(self, request: Request[Any, Any, Any], deleted: FromQuery[str] = "") -> Template:
        notice = texts(language(request))["scenarios_deleted"].format(name=deleted[:200]) if deleted else ""
        return await self._listing(request, notice=notice)

    async def _listing(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = admin(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            items = await repo.scenarios_of(tx.conn, tx.tenant.id)
            rows = await tx.conn.fetch(
                "SELECT scenario_id, array_agg(e164 ORDER BY e164) AS numbers FROM numbers WHERE tenant_id = $1"
                " GROUP BY scenario_id", tx.tenant.id,
            )  # fmt: skip
        numbers = {r["scenario_id"]: r["numbers"] for r in rows}
        context.setdefault("errors", {})
        context.setdefault("values", {})
        context.setdefault("notice", "")
        return await page(request, "scenarios.html", status, scenarios=items,
                          numbers=numbers, **context)  # fmt: skip

    @post("/")
    async def create(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Add a scenario by its name (no filters, nothing set up yet), then edit it."""
        me = admin(request)
        kernel = kernel_of(request)
        name = (await _form(request)).one("name").strip()
        lang = language(request)
        try:
            async with tenant_transaction(kernel, me) as tx:
                created = await repo.create_scenario(tx.conn, tx.tenant.id, name, {"default": {}}, kernel.blocks)
        except VatsError as exc:
            errors = {"name": problem(lang, exc.message)}
            return await self._listing(request, 422, errors=errors, values={"name": name}, adding=True)
        kernel.snapshots.invalidate(me.tenant_id)
        return redirect(f"{BASE}/{created.id}")

    @get("/{scenario_id:uuid}")
    async def edit(self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID],
                   saved: FromQuery[bool] = False) -> Template:  # fmt: skip
        me = admin(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            scenario = await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)
        notice = texts(language(request))["scenarios_saved"] if saved else ""
        return await self._editor(request, scenario, scenario.name, scenario.body, notice=notice)

    async def _editor(
        self, request: Request[Any, Any, Any], scenario: repo.Scenario, name: str, body: dict[str, Any],
        status: int = 200, *, errors: dict[str, str] | None = None, notice: str = "",
        check: checks.CheckForm | None = None, trace: checks.Trace | None = None, unsaved: bool = False,
        refusal: str = "",
    ) -> Template:  # fmt: skip
        me = admin(request)
        kernel = kernel_of(request)
        lang = language(request)
        t = texts(lang)
        snapshot = await kernel.snapshots.get(me.tenant_id)
        view = editor.build(body, snapshot, await _choices(kernel, me, snapshot), lang, t)
        name_error = ""
        for path, message in (errors or {}).items():
            if path == "name":
                name_error = message
            elif path in ("body", ""):
                view.general.append(message)
            else:
                view.place(path.removeprefix("body."), message)
        async with tenant_transaction(kernel, me) as tx:
            numbers = await tx.conn.fetch(
                "SELECT e164, scenario_id = $2 AS bound FROM numbers WHERE tenant_id = $1 ORDER BY 2 DESC, e164",
                tx.tenant.id, scenario.id,
            )  # fmt: skip
        return await page(
            request, "scenario.html", status, scenario=scenario, name=name, name_error=name_error, view=view,
            notice=notice, unsaved=unsaved, check=check or checks.blank(snapshot, dt.datetime.now(dt.UTC)),
            trace=trace, numbers=[r["e164"] for r in numbers], answers=checks.ANSWERS, check_t=checks.T[lang],
            diagram=f"{BASE}/{scenario.id}/diagram.svg", failed=status >= 400, refusal=refusal,
            svg=draw(scenario, kernel, snapshot),
        )  # fmt: skip

    @post("/{scenario_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID]) -> Response[Any]:
        """Save (op "save"), or add or delete a filter in the form without saving yet."""
        me = admin(request)
        kernel = kernel_of(request)
        lang = language(request)
        form = await _form(request)
        snapshot = await kernel.snapshots.get(me.tenant_id)
        async with tenant_transaction(kernel, me) as tx:
            scenario = await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)
        reader = editor.Reader(form, form_parts(kernel), snapshot, lang)
        op = form.one("op", "save")
        name = form.one("name").strip()
        if op == "add_filter" or op.startswith("delete:"):
            drop = int(op.removeprefix("delete:")) if op.startswith("delete:") and op[7:].isdigit() else None
            body = reader.body(drop=drop, add=op == "add_filter")
            return await self._editor(request, scenario, name, body, unsaved=True)
        body = reader.body()
        errors = dict(reader.errors)
        if not errors:
            try:
                async with tenant_transaction(kernel, me) as tx:
                    await repo.replace_scenario(tx.conn, tx.tenant.id, scenario_id, name, body, kernel.blocks)
            except VatsError as exc:
                errors[exc.field or "body"] = problem(lang, exc.message)
        if errors:
            notice = texts(lang)["scenarios_not_saved"]
            return await self._editor(request, scenario, name, body, 422, errors=errors, notice=notice)
        kernel.snapshots.invalidate(me.tenant_id)
        return redirect(f"{BASE}/{scenario_id}?saved=true")

    @post("/{scenario_id:uuid}/delete")
    async def delete(self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID]) -> Response[Any]:
        """Delete through the API's service: refused for the default scenario and while numbers
        use it (the page says which, and where to give them another)."""
        me = admin(request)
        kernel = kernel_of(request)
        try:
            async with tenant_transaction(kernel, me) as tx:
                scenario = await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)
                await delete_scenario(tx.conn, tx.tenant.id, scenario_id)
        except ReferencedError as exc:
            t = texts(language(request))
            refusal = t["scenarios_in_use"].format(numbers=", ".join(r.description for r in exc.references))
        except ValidationError as exc:  # the default scenario
            refusal = problem(language(request), exc.message)
        else:
            kernel.snapshots.invalidate(me.tenant_id)
            return redirect(f"{BASE}/?deleted={quote(scenario.name)}")
        shown = await self._editor(request, scenario, scenario.name, scenario.body, 409, refusal=refusal)
        shown.headers["HX-Push-Url"] = f"{BASE}/{scenario_id}"  # the address bar shows the scenario, not /delete
        return shown

    @get("/{scenario_id:uuid}/diagram.svg", media_type="image/svg+xml")
    async def diagram(self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID]) -> Response[str]:
        """The API's drawing, opened with the cabinet's cookie session (an <img> or a browser tab
        sends no Bearer header)."""
        me = admin(request)
        kernel = kernel_of(request)
        async with tenant_transaction(kernel, me) as tx:
            scenario = await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)
        snapshot = await kernel.snapshots.get(me.tenant_id)
        svg = draw(scenario, kernel, snapshot)
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    @post("/{scenario_id:uuid}/check")
    async def check(self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID]) -> Template:
        """Run the simulator through the saved scenario and show its trace."""
        me = admin(request)
        kernel = kernel_of(request)
        lang = language(request)
        form = await _form(request)
        snapshot = await kernel.snapshots.get(me.tenant_id)
        async with tenant_transaction(kernel, me) as tx:
            scenario = await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)
        flat = {k: v[-1] for k, v in form.values.items()}
        try:
            check, script, at = checks.read(flat, snapshot, lang)
        except checks.CheckError as exc:
            return await self._editor(request, scenario, scenario.name, scenario.body, 422, check=exc.check)
        try:
            number = normalise_phone(form.one("number"), "number") if form.one("number") else ""
            if number not in snapshot.numbers:
                from vats.core.errors import NotFoundError

                raise NotFoundError("the PBX has no such number (the operator assigns numbers)", field="number")
            facts = CallFacts(number=number, caller=normalise_phone(check.caller, "caller"), at=parse_at(at))
            sim = await simulate(kernel.engine, facts, parse_script(script), scenario_id=scenario_id)
        except VatsError as exc:
            check.errors[exc.field or "caller"] = problem(lang, exc.message)
            return await self._editor(request, scenario, scenario.name, scenario.body, 422, check=check)
        blocks = {p.tag: (p.label_en or p.label) if lang == "en" else p.label for p in form_parts(kernel)}
        shown = checks.trace(sim, snapshot, lang, blocks)
        return await self._editor(request, scenario, scenario.name, scenario.body, check=check, trace=shown)
