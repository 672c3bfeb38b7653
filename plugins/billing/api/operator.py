"""/api/operator/billing: the operator's tariffs, rate plans (CSV import), each tenant's
tariff, balance and manual adjustments. Authorised by ``Bearer <VATS_OPERATOR_TOKEN>``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from vats.bots.web.kit import OperatorDep
from vats.core.directory.service import load_tenant
from vats.core.errors import ValidationError
from vats.plugins.billing import catalogue, ledger, settings
from vats.plugins.billing.catalogue import ImportReport
from vats.plugins.billing.models import (
    MAX_KOP,
    Balance,
    BillingSettings,
    Posted,
    Rate,
    RatePlan,
    Tariff,
    TariffOption,
)

OPERATOR: dict[str, Any] = {"exclude_from_auth": True, "operator": True}
OPERATOR_ACTOR = "operator"
MAX_CSV_BYTES = 20 * 1024 * 1024  # the operator API has one account: its token

Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_-]{1,40}$", examples=["start"])]
Price = Annotated[int, msgspec.Meta(ge=0, le=MAX_KOP, examples=[99000])]


class TariffIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Старт"])]
    monthly_fee_kop: Price
    seats_included: Annotated[int, msgspec.Meta(ge=0, le=100_000, examples=[3])]
    extra_seat_kop: Price
    options: list[TariffOption] = []
    rate_plan_id: uuid.UUID | None = None

    def tariff(self, code: str) -> Tariff:
        return Tariff(code=code, **msgspec.structs.asdict(self))


class NewTariff(TariffIn, kw_only=True, forbid_unknown_fields=True):
    code: Code


class RatesForm(msgspec.Struct, kw_only=True):
    """multipart/form-data: the CSV file (UTF-8), a header naming the columns: prefix and
    price_per_min_kop required; name, connect_fee_kop (0), first_s and next_s (60) optional."""

    file: UploadFile


class RatePlanIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Базовый"])]


class Assignment(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    tariff: Code


class CreditLimitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """How far below zero the tenant's paid calls may take its balance (0: not at all)."""

    credit_limit_kop: Annotated[int, msgspec.Meta(ge=0, le=MAX_KOP, examples=[50000])]


class AdjustmentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A manual credit or debit with its reason; the key makes a retried request harmless."""

    direction: Literal["credit", "debit"]
    amount_kop: Annotated[int, msgspec.Meta(ge=1, le=MAX_KOP, examples=[50000])]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, examples=["Компенсация за простой"])]
    idempotency_key: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["adj-2026-11-29-1"])]


class BillingOperatorController(Controller):
    path = "/api/operator/billing"
    tags = ["operator: billing"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @get("/tariffs", operation_id="operatorListTariffs", summary="Tariffs, cheapest first")
    async def list_tariffs(self, operator: OperatorDep) -> list[Tariff]:
        async with operator.system() as conn:
            return await catalogue.tariffs(conn)

    @post("/tariffs", operation_id="operatorCreateTariff", summary="Create a tariff")
    async def create_tariff(self, operator: OperatorDep, data: JSONBody[NewTariff]) -> Tariff:
        fields = msgspec.structs.asdict(data)
        code = fields.pop("code")
        async with operator.system() as conn:
            return await catalogue.save_tariff(conn, Tariff(code=code, **fields), create=True)

    @put("/tariffs/{code:str}", operation_id="operatorUpdateTariff", summary="Change a tariff")
    async def update_tariff(self, operator: OperatorDep, code: FromPath[str], data: JSONBody[TariffIn]) -> Tariff:
        async with operator.system() as conn:
            return await catalogue.save_tariff(conn, data.tariff(code), create=False)

    @get("/rate-plans", operation_id="operatorListRatePlans", summary="Rate plans")
    async def list_plans(self, operator: OperatorDep) -> list[RatePlan]:
        async with operator.system() as conn:
            return await catalogue.rate_plans(conn)

    @post("/rate-plans", operation_id="operatorCreateRatePlan", summary="Create an empty rate plan")
    async def create_plan(self, operator: OperatorDep, data: JSONBody[RatePlanIn]) -> RatePlan:
        async with operator.system() as conn:
            return await catalogue.create_rate_plan(conn, data.name)

    @get("/rate-plans/{plan_id:uuid}/rates", operation_id="operatorListRates", summary="A rate plan's prices")
    async def list_rates(self, operator: OperatorDep, plan_id: FromPath[uuid.UUID]) -> list[Rate]:
        async with operator.system() as conn:
            return await catalogue.rates(conn, plan_id)

    @post(
        "/rate-plans/{plan_id:uuid}/import",
        operation_id="operatorImportRates",
        summary="Replace a rate plan's prices from CSV (all or nothing; dry_run only checks)",
        status_code=200,
        request_max_body_size=MAX_CSV_BYTES + 64 * 1024,
    )
    async def import_rates(
        self,
        operator: OperatorDep,
        plan_id: FromPath[uuid.UUID],
        data: Annotated[RatesForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        dry_run: Annotated[bool, QueryParameter(description="check and report, write nothing")] = False,
    ) -> Response[ImportReport]:
        """Every bad row is reported with its line and field; any bad row writes nothing (422)."""
        raw = await data.file.read()
        if len(raw) > MAX_CSV_BYTES:
            raise ValidationError("the file is larger than 20 MB", field="file")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("the file is not UTF-8 text", field="file") from exc
        if "\x00" in text:
            raise ValidationError("the file holds a NUL character", field="file")
        async with operator.system() as conn:
            report = await catalogue.import_rates(conn, plan_id, text, dry_run=dry_run)
        return Response(report, status_code=422 if report.errors else 200)

    @put("/tenants/{tenant_id:uuid}/tariff", operation_id="operatorAssignTariff", summary="Put a tenant on a tariff")
    async def assign(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[Assignment]
    ) -> Balance:
        async with operator.system() as conn:
            await catalogue.assign_tariff(conn, tenant_id, data.tariff)
            return await ledger.account(conn, tenant_id)

    @get("/tenants/{tenant_id:uuid}/balance", operation_id="operatorTenantBalance", summary="A tenant's balance")
    async def balance(self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID]) -> Balance:
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
            return await ledger.account(conn, tenant_id)

    @post(
        "/tenants/{tenant_id:uuid}/adjustments",
        operation_id="operatorAdjustBalance",
        summary="Credit or debit a tenant by hand, with a reason",
        status_code=200,
    )
    async def adjust(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[AdjustmentIn]
    ) -> Posted:
        """Posting the same idempotency key again changes nothing and answers the first movement."""
        if not data.reason.strip():
            raise ValidationError("an adjustment needs a reason", field="reason")
        kernel = operator.kernel
        assert kernel.db is not None
        async with kernel.db.tenant(tenant_id) as conn:
            await load_tenant(conn, tenant_id)
            return await ledger.post(
                conn, tenant_id, kind="adjustment",
                amount_kop=data.amount_kop if data.direction == "credit" else -data.amount_kop,
                idempotency_key=data.idempotency_key, reason=data.reason.strip(), actor=OPERATOR_ACTOR, kernel=kernel,
            )  # fmt: skip

    @put(
        "/tenants/{tenant_id:uuid}/credit-limit",
        operation_id="operatorSetCreditLimit",
        summary="How far below zero a tenant's paid calls may go (kopecks)",
    )
    async def set_credit_limit(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[CreditLimitIn]
    ) -> Balance:
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
            await ledger.set_credit_limit(conn, tenant_id, data.credit_limit_kop)
            return await ledger.account(conn, tenant_id)

    @get("/settings", operation_id="operatorBillingSettings", summary="The operator's billing settings")
    async def get_settings(self, operator: OperatorDep) -> BillingSettings:
        async with operator.system() as conn:
            return await settings.load(conn)

    @put("/settings", operation_id="operatorSaveBillingSettings", summary="Change the billing settings")
    async def put_settings(self, operator: OperatorDep, data: JSONBody[BillingSettings]) -> BillingSettings:
        async with operator.system() as conn:
            return await settings.save(conn, data)
