"""The migration wizard's API for the operator (seed 000's steps as data): drafts from an old
cabinet's export, the employee step proposed from the forwarding addressees and saved at any
step, the problems that stop the creation, and «Создать ЛК ВАТС». Authorised by the operator's
bearer token, like every /api/operator route: before creation the customer has no cabinet."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody
from vats.bots.web.kit import OperatorDep
from vats.core.migration_export import OldCabinetExport
from vats.plugins.migration.drafts import (
    Created,
    DraftSummary,
    DraftView,
    EmployeesIn,
    add_drafts,
    create,
    list_drafts,
    save_employees,
    view,
)

OPERATOR: dict[str, Any] = {"exclude_from_auth": True, "operator": True}


class MigrationDraftsController(Controller):
    path = "/api/operator/migrations"
    tags = ["operator: migration"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @post(operation_id="operatorAddMigrationDrafts", summary="Drafts from an old cabinet's export (JSON, version 1)")
    async def add(self, operator: OperatorDep, data: JSONBody[OldCabinetExport]) -> list[DraftSummary]:
        async with operator.system() as conn:
            return await add_drafts(conn, "json", data.customers)

    @get(operation_id="operatorListMigrationDrafts", summary="Migration drafts")
    async def index(self, operator: OperatorDep) -> list[DraftSummary]:
        async with operator.system() as conn:
            return await list_drafts(conn)

    @get("/{draft_id:uuid}", operation_id="operatorGetMigrationDraft", summary="A draft: employees, choices, problems")
    async def show(self, operator: OperatorDep, draft_id: FromPath[uuid.UUID]) -> DraftView:
        async with operator.system() as conn:
            return await view(conn, draft_id)

    @put(
        "/{draft_id:uuid}/employees",
        operation_id="operatorSaveMigrationEmployees",
        summary="Save the employee step as it is (even incomplete)",
    )
    async def save(
        self, operator: OperatorDep, draft_id: FromPath[uuid.UUID], data: JSONBody[EmployeesIn]
    ) -> DraftView:
        async with operator.system() as conn:
            return await save_employees(conn, draft_id, data.employees)

    @post(
        "/{draft_id:uuid}/create",
        operation_id="operatorCreateMigratedPbx",
        summary="Create the PBX (refused, naming the first problem, while there is any)",
    )
    async def create_pbx(self, operator: OperatorDep, draft_id: FromPath[uuid.UUID]) -> Created:
        return await create(operator.kernel, draft_id)
