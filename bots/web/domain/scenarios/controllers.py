"""Scenarios through the API: build, copy, bind, draw (SVG) and simulate them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody
from vats.bots.web.auth import ADMIN, kernel_of
from vats.bots.web.deps import tenant_tx
from vats.bots.web.pagination import Limit, Offset, Page, Search, Sort, paginate
from vats.core.blocks import BlockRegistry
from vats.core.db.database import Connection
from vats.core.directory._sql import lock_row, lock_tenant, translated_errors
from vats.core.directory.models import Tenant
from vats.core.directory.validation import check_name, normalise_phone
from vats.core.engine import scenarios as repo
from vats.core.engine.context import CallFacts
from vats.core.engine.diagram import render_svg
from vats.core.engine.scenario import compile_body
from vats.core.engine.simulator import Simulation, parse_at, parse_script, simulate
from vats.core.errors import NotFoundError, ReferencedError, ValidationError
from vats.core.media.library import media_exists


class ScenarioIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)]
    body: dict[str, Any]


class CopyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200, examples=["Праздники"])]


class SimulateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    caller: Annotated[str, msgspec.Meta(examples=["+79161234567"], max_length=40)]
    at: Annotated[str | None, msgspec.Meta(examples=["2026-11-24T12:00:00+03:00"])] = None
    script: Annotated[str, msgspec.Meta(examples=["201 busy, 202 answers, press 2"], max_length=1000)] = ""
    number: Annotated[str | None, msgspec.Meta(examples=["+74951234567"])] = None


async def _checked(conn: Connection, tenant: Tenant, blocks: BlockRegistry, body: dict[str, Any]) -> dict[str, Any]:
    """Decode every block (unknown types and bad fields are refused) and check references, in
    the write's transaction under the tenant's lock: a deletion of what the scenario names
    (which holds the lock too) cannot slip in between the check and the write."""
    await lock_tenant(conn, tenant.id)
    compiled = repo.check_body(body, blocks)
    for i, f in enumerate(compiled.filters):
        for field, table in (("schedule_id", "schedules"), ("calendar_id", "calendars")):
            value = getattr(f, field)
            if value is not None and not await conn.fetchval(
                f"SELECT true FROM {table} WHERE tenant_id = $1 AND id = $2", tenant.id, value
            ):
                raise NotFoundError(f"no such {field.removesuffix('_id')}", field=f"body.filters[{i}].{field}")
    branches = [("default", compiled.default)] + [
        (f"filters[{i}].working", f.working) for i, f in enumerate(compiled.filters)
    ]
    branches += [(f"filters[{i}].off_hours", f.off_hours) for i, f in enumerate(compiled.filters) if f.off_hours]
    branches += [("off_hours", compiled.off_hours)] if compiled.off_hours else []
    for where, branch in branches:
        for field in ("greeting", "recording_warning"):
            for ref in getattr(branch.options, field):
                if not await media_exists(conn, tenant.id, ref):
                    raise NotFoundError(f"no media {ref!r}", field=f"body.{where}.options.{field}")
        for stage in ("menu", "handling", "insurance"):
            block = getattr(branch, stage)
            if block is not None:
                await block.validate(conn, tenant.id, f"body.{where}.{stage}")
    return body


class ScenarioController(Controller):
    path = "/api/scenarios"
    tags = ["scenarios"]
    opt = {"roles": ADMIN}

    @get(operation_id="listScenarios", summary="Scenarios")
    async def list_scenarios(
        self,
        request: Request[Any, Any, Any],
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = None,
    ) -> Page[repo.Scenario]:
        async with tenant_tx(request) as (conn, tenant, _):
            items = await repo.scenarios_of(conn, tenant.id)
        return paginate(
            items,
            limit=limit,
            offset=offset,
            q=q,
            sort=sort,
            searchable=lambda s: (s.name,),
            sorts={"name": lambda s: s.name.casefold()},
        )

    @post(operation_id="createScenario", summary="Create a scenario: filters, branches, blocks (checked)")
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[ScenarioIn]) -> repo.Scenario:
        async with tenant_tx(request) as (conn, tenant, _):
            body = await _checked(conn, tenant, kernel_of(request).blocks, data.body)
            return await repo.create_scenario(conn, tenant.id, data.name, body, kernel_of(request).blocks)

    @get("/{scenario_id:uuid}", operation_id="getScenario", summary="One scenario")
    async def get_one(self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID]) -> repo.Scenario:
        async with tenant_tx(request) as (conn, tenant, _):
            return await repo.get_scenario(conn, tenant.id, scenario_id)

    @put("/{scenario_id:uuid}", operation_id="replaceScenario", summary="Rename or rebuild a scenario")
    async def replace(
        self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID], data: JSONBody[ScenarioIn]
    ) -> repo.Scenario:
        async with tenant_tx(request) as (conn, tenant, _):
            body = await _checked(conn, tenant, kernel_of(request).blocks, data.body)
            await repo.get_scenario(conn, tenant.id, scenario_id)
            with translated_errors():
                await conn.execute(
                    "UPDATE scenarios SET name = $3, body = $4 WHERE tenant_id = $1 AND id = $2",
                    tenant.id, scenario_id, check_name(data.name, "name"), body,
                )  # fmt: skip
            return await repo.get_scenario(conn, tenant.id, scenario_id)

    @post("/{scenario_id:uuid}/copy", operation_id="copyScenario", summary="Copy a scenario under a new name")
    async def copy(
        self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID], data: JSONBody[CopyIn]
    ) -> repo.Scenario:
        async with tenant_tx(request) as (conn, tenant, _):
            original = await repo.get_scenario(conn, tenant.id, scenario_id)
            return await repo.create_scenario(conn, tenant.id, data.name, original.body, kernel_of(request).blocks)

    @delete(
        "/{scenario_id:uuid}",
        operation_id="deleteScenario",
        summary="Delete a scenario (not the default, not while a number uses it)",
        status_code=204,
    )
    async def delete_one(self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID]) -> None:
        async with tenant_tx(request) as (conn, tenant, _):
            await lock_row(conn, "scenarios", tenant.id, scenario_id, "scenario_id")  # numbers bound meanwhile are seen
            scenario = await repo.get_scenario(conn, tenant.id, scenario_id)
            if scenario.is_default:
                raise ValidationError("the default scenario cannot be deleted", field="scenario_id")
            users = await conn.fetch(
                "SELECT id, e164 FROM numbers WHERE tenant_id = $1 AND scenario_id = $2", tenant.id, scenario_id
            )
            if users:
                from vats.core.directory.models import Reference

                raise ReferencedError(
                    "numbers use this scenario", field="scenario_id",
                    references=[Reference(kind="number", id=str(r["id"]), description=r["e164"]) for r in users],
                )  # fmt: skip
            await conn.execute("DELETE FROM scenarios WHERE tenant_id = $1 AND id = $2", tenant.id, scenario_id)

    @get(
        "/{scenario_id:uuid}/diagram.svg",
        operation_id="drawScenario",
        summary="The scenario drawn (SVG)",
        media_type="image/svg+xml",
    )
    async def diagram(self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID]) -> Response[str]:
        kernel = kernel_of(request)
        async with tenant_tx(request) as (conn, tenant, _):
            scenario = await repo.get_scenario(conn, tenant.id, scenario_id)
        snapshot = await kernel.snapshots.get(tenant.id)
        svg = render_svg(scenario.name, compile_body(scenario.body, kernel.blocks), snapshot)
        return Response(svg, media_type="image/svg+xml")

    @post(
        "/{scenario_id:uuid}/simulate",
        operation_id="simulateScenario",
        summary="Simulate a call through the scenario: the trace explains every decision",
        status_code=200,
    )
    async def simulate_call(
        self, request: Request[Any, Any, Any], scenario_id: FromPath[uuid.UUID], data: JSONBody[SimulateIn]
    ) -> Simulation:
        kernel = kernel_of(request)
        async with tenant_tx(request) as (conn, tenant, _):
            await repo.get_scenario(conn, tenant.id, scenario_id)
            if data.number:
                number = normalise_phone(data.number, "number")
                found = await conn.fetchval(
                    "SELECT e164 FROM numbers WHERE tenant_id = $1 AND e164 = $2", tenant.id, number
                )
            else:
                found = await conn.fetchval(
                    "SELECT e164 FROM numbers WHERE tenant_id = $1 ORDER BY scenario_id = $2 DESC, e164 LIMIT 1",
                    tenant.id,
                    scenario_id,
                )
        if found is None:
            raise NotFoundError("the PBX has no such number (the operator assigns numbers)", field="number")
        facts = CallFacts(number=found, caller=normalise_phone(data.caller, "caller"), at=parse_at(data.at))
        return await simulate(kernel.engine, facts, parse_script(data.script), scenario_id=scenario_id)
