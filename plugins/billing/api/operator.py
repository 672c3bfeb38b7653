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
from vats.plugins.billing import catalogue, ledger, monthly, requisites, settings
from vats.plugins.billing.catalogue import ImportReport
from vats.plugins.billing.models import (
    MAX_KOP,
    Balance,
    BillingSettings,
    Period,
    Posted,
    Rate,
    RatePlan,
    Tariff,
    TariffOption,
)
from vats.plugins.billing.requisites import Requisites, RequisitesIn

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


class BillingDayIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The day of the month the tenant's periods start (31: the last day of shorter months)."""

    billing_day: Annotated[int, msgspec.Meta(ge=1, le=31, examples=[1])]


class OptionsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The "+" options of its tariff the tenant takes (codes)."""

    options: Annotated[list[Code], msgspec.Meta(max_length=100, examples=[["recording"]])]


class RunResult(msgspec.Struct, kw_only=True):
    """What one pass of the monthly job did: periods charged, notices given by kind."""

    done: dict[str, int]


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
        """From now on; the difference for the rest of a charged period is charged or refunded."""
        async with operator.system() as conn:
            await catalogue.assign_tariff(conn, tenant_id, data.tariff, kernel=operator.kernel)
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

    @put(
        "/tenants/{tenant_id:uuid}/billing-day", operation_id="operatorSetBillingDay", summary="A tenant's billing day"
    )
    async def set_billing_day(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[BillingDayIn]
    ) -> BillingDayIn:
        """From the next period on (the current one keeps its end)."""
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
            await ledger.open_account(conn, tenant_id)
            await conn.execute(
                "UPDATE billing_accounts SET billing_day = $2, updated_at = now() WHERE tenant_id = $1",
                tenant_id, data.billing_day,
            )  # fmt: skip
        return data

    @put("/tenants/{tenant_id:uuid}/options", operation_id="operatorSetOptions", summary="A tenant's tariff options")
    async def set_options(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[OptionsIn]
    ) -> OptionsIn:
        """Options of the tenant's tariff only (else 422 naming ``options``); the change for the
        rest of a charged period is charged or refunded at once."""
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
            await catalogue.set_options(conn, tenant_id, data.options, kernel=operator.kernel)
        return data

    @get("/tenants/{tenant_id:uuid}/periods", operation_id="operatorTenantPeriods", summary="A tenant's charged months")
    async def list_periods(self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID]) -> list[Period]:
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
            return await monthly.periods(conn, tenant_id)

    @post(
        "/run", operation_id="operatorRunMonthly", summary="Charge what is due and check payments now", status_code=200
    )
    async def run(self, operator: OperatorDep) -> RunResult:
        """What ``vats serve`` does every minute; harmless to repeat (each period is charged once)."""
        return RunResult(done=await monthly.run_due(operator.kernel))

    @get(
        "/tenants/{tenant_id:uuid}/requisites", operation_id="operatorTenantRequisites", summary="A tenant's requisites"
    )
    async def get_requisites(self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID]) -> Requisites:
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
            return await requisites.load(conn, tenant_id)

    @put(
        "/tenants/{tenant_id:uuid}/requisites",
        operation_id="operatorSaveTenantRequisites",
        summary="Give or change a tenant's requisites",
    )
    async def put_requisites(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[RequisitesIn]
    ) -> Requisites:
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
            return await requisites.save(conn, tenant_id, data)
