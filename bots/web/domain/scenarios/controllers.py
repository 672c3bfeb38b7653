"""Scenarios through the API: build, copy, bind, draw (SVG) and simulate them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody
from vats.bots.web.kit import (
    ADMIN,
    KernelDep,
    Limit,
    MeDep,
    Offset,
    Page,
    Search,
    Sort,
    TenantDep,
    paginate,
    tenant_transaction,
)
from vats.core.directory.validation import normalise_phone
from vats.core.engine import scenarios as repo
from vats.core.engine.context import CallFacts
from vats.core.engine.diagram import render_svg
from vats.core.engine.scenario import compile_body
from vats.core.engine.scenario_removal import delete_scenario
from vats.core.engine.simulator import Simulation, parse_at, parse_script, simulate
from vats.core.errors import NotFoundError


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


class ScenarioController(Controller):
    path = "/api/scenarios"
    tags = ["scenarios"]
    opt = {"roles": ADMIN}

    @get(operation_id="listScenarios", summary="Scenarios")
    async def list_scenarios(
        self,
        tx: TenantDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = None,
    ) -> Page[repo.Scenario]:
        items = await repo.scenarios_of(tx.conn, tx.tenant.id)
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
    async def create(self, tx: TenantDep, data: JSONBody[ScenarioIn]) -> repo.Scenario:
        return await repo.create_scenario(tx.conn, tx.tenant.id, data.name, data.body, tx.kernel.blocks)

    @get("/{scenario_id:uuid}", operation_id="getScenario", summary="One scenario")
    async def get_one(self, tx: TenantDep, scenario_id: FromPath[uuid.UUID]) -> repo.Scenario:
        return await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)

    @put("/{scenario_id:uuid}", operation_id="replaceScenario", summary="Rename or rebuild a scenario")
    async def replace(
        self, tx: TenantDep, scenario_id: FromPath[uuid.UUID], data: JSONBody[ScenarioIn]
    ) -> repo.Scenario:
        return await repo.replace_scenario(tx.conn, tx.tenant.id, scenario_id, data.name, data.body, tx.kernel.blocks)

    @post("/{scenario_id:uuid}/copy", operation_id="copyScenario", summary="Copy a scenario under a new name")
    async def copy(self, tx: TenantDep, scenario_id: FromPath[uuid.UUID], data: JSONBody[CopyIn]) -> repo.Scenario:
        original = await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)
        return await repo.create_scenario(tx.conn, tx.tenant.id, data.name, original.body, tx.kernel.blocks)

    @delete(
        "/{scenario_id:uuid}",
        operation_id="deleteScenario",
        summary="Delete a scenario (not the default, not while a number uses it)",
        status_code=204,
    )
    async def delete_one(self, tx: TenantDep, scenario_id: FromPath[uuid.UUID]) -> None:
        await delete_scenario(tx.conn, tx.tenant.id, scenario_id)

    @get(
        "/{scenario_id:uuid}/diagram.svg",
        operation_id="drawScenario",
        summary="The scenario drawn (SVG)",
        media_type="image/svg+xml",
    )
    async def diagram(self, kernel: KernelDep, me: MeDep, scenario_id: FromPath[uuid.UUID]) -> Response[str]:
        # A short transaction of its own: the snapshot may need a connection of the pool, and a
        # handler holding one while waiting for another could starve the pool under load.
        async with tenant_transaction(kernel, me) as tx:
            scenario = await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)
        snapshot = await kernel.snapshots.get(me.tenant_id)
        svg = render_svg(scenario.name, compile_body(scenario.body, kernel.blocks), snapshot)
        return Response(svg, media_type="image/svg+xml")

    @post(
        "/{scenario_id:uuid}/simulate",
        operation_id="simulateScenario",
        summary="Simulate a call through the scenario: the trace explains every decision",
        status_code=200,
    )
    async def simulate_call(
        self, kernel: KernelDep, me: MeDep, scenario_id: FromPath[uuid.UUID], data: JSONBody[SimulateIn]
    ) -> Simulation:
        async with tenant_transaction(kernel, me) as tx:  # ends before the simulation takes connections of its own
            await repo.get_scenario(tx.conn, tx.tenant.id, scenario_id)
            if data.number:
                number = normalise_phone(data.number, "number")
                found = await tx.conn.fetchval(
                    "SELECT e164 FROM numbers WHERE tenant_id = $1 AND e164 = $2", tx.tenant.id, number
                )
            else:
                found = await tx.conn.fetchval(
                    "SELECT e164 FROM numbers WHERE tenant_id = $1 ORDER BY scenario_id = $2 DESC, e164 LIMIT 1",
                    tx.tenant.id,
                    scenario_id,
                )
        if found is None:
            raise NotFoundError("the PBX has no such number (the operator assigns numbers)", field="number")
        facts = CallFacts(number=found, caller=normalise_phone(data.caller, "caller"), at=parse_at(data.at))
        return await simulate(kernel.engine, facts, parse_script(data.script), scenario_id=scenario_id)
