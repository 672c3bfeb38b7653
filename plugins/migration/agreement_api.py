"""The migration agreement through the API: the operator publishes versions and reads who
accepted which (bearer token); a tenant's admin reads the version in force and accepts it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from vats.bots.web.kit import ADMIN, OperatorDep, TenantDep
from vats.plugins.migration import agreement
from vats.plugins.migration.agreement import (
    Acceptance,
    AcceptIn,
    Agreement,
    AgreementIn,
    AgreementState,
    AgreementVersion,
)

OPERATOR: dict[str, Any] = {"exclude_from_auth": True, "operator": True}


class TenantAgreement(msgspec.Struct, kw_only=True):
    """The version in force (None before the operator published one) and the tenant's record."""

    agreement: Agreement | None
    state: AgreementState


class OperatorAgreementController(Controller):
    path = "/api/operator/migration-agreement"
    tags = ["operator: migration"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @get("/versions", operation_id="operatorListMigrationAgreementVersions", summary="Every version, newest first")
    async def index(self, operator: OperatorDep) -> list[AgreementVersion]:
        async with operator.system() as conn:
            return await agreement.versions(conn)

    @post(
        "/versions",
        operation_id="operatorPublishMigrationAgreement",
        summary="Save the text as a new version (the old ones stay as they were)",
    )
    async def publish(self, operator: OperatorDep, data: JSONBody[AgreementIn]) -> Agreement:
        async with operator.system() as conn:
            return await agreement.publish(conn, data, operator.actor.label)

    @get("/versions/{version:int}", operation_id="operatorGetMigrationAgreement", summary="One version's text")
    async def show(self, operator: OperatorDep, version: FromPath[int]) -> Agreement:
        async with operator.system() as conn:
            return await agreement.version(conn, version)

    @get(
        "/acceptances",
        operation_id="operatorListMigrationAgreementAcceptances",
        summary="Who accepted which version and when (every tenant, or one)",
    )
    async def accepted(
        self, operator: OperatorDep, tenant_id: Annotated[uuid.UUID | None, QueryParameter()] = None
    ) -> list[Acceptance]:
        async with operator.system() as conn:
            return await agreement.acceptances(conn, tenant_id)


class MigrationAgreementController(Controller):
    path = "/api/migration/agreement"
    tags = ["migration"]
    opt = {"roles": ADMIN}

    @get(operation_id="getMigrationAgreement", summary="The version in force and what this PBX accepted")
    async def show(self, tx: TenantDep) -> TenantAgreement:
        return TenantAgreement(
            agreement=await agreement.latest(tx.conn), state=await agreement.state(tx.conn, tx.tenant.id)
        )

    @get("/versions/{version:int}", operation_id="getMigrationAgreementVersion", summary="One version's text")
    async def version(self, tx: TenantDep, version: FromPath[int]) -> Agreement:
        return await agreement.version(tx.conn, version)

    @post(
        "/accept",
        operation_id="acceptMigrationAgreement",
        summary="Accept the version in force (409 naming `version` if a newer one was published)",
    )
    async def accept(self, tx: TenantDep, data: JSONBody[AcceptIn]) -> Acceptance:
        return await agreement.accept(tx.conn, tx.tenant.id, tx.me.employee_id, data.version)
