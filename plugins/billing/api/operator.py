"""/api/operator/billing: the operator's tariffs, rate plans (CSV import), number catalogue,
each tenant's tariff, balance and manual adjustments. Authorised by ``Bearer
<VATS_OPERATOR_TOKEN>``. Every change is recorded in the operator audit (``operator_audit``,
the portal's audit page) with who made it, in the transaction that made it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from vats.bots.web.kit import OperatorDep, OperatorScope
from vats.core.db.database import Connection
from vats.core.directory.service import load_tenant
from vats.core.errors import ValidationError
from vats.core.operators import audit
from vats.plugins.billing import catalogue, ledger, monthly, numbers_shop, requisites, settings
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
from vats.plugins.billing.numbers_shop import CatalogueNumber, Category
from vats.plugins.billing.requisites import Requisites, RequisitesIn

OPERATOR: dict[str, Any] = {"exclude_from_auth": True, "operator": True}
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
    # an old cabinet's terms for migrated PBXs (legacy-tariffs): never offered for self-service
    legacy: bool = False

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


class CatalogueNumberIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A number on sale: its city, category, one-off price and monthly fee (kopecks)."""

    city: Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["Москва"])]
    category: Category
    price_kop: Price
    monthly_kop: Price


async def _audit(
    conn: Connection, operator: OperatorScope, action: str, tenant_id: uuid.UUID | None = None, **detail: Any
) -> None:
    """The operator audit's row for a billing change, in the change's own transaction."""
    await audit.record(conn, operator.actor, f"billing_{action}", tenant_id=tenant_id,
                       detail=msgspec.to_builtins(detail))  # fmt: skip


def _tariff_detail(t: Tariff) -> dict[str, Any]:
    return {"code": t.code, "name": t.name, "monthly_fee_kop": t.monthly_fee_kop, "seats_included": t.seats_included,
            "extra_seat_kop": t.extra_seat_kop, "options": [f"{o.code}={o.price_kop}" for o in t.options],
            "rate_plan_id": t.rate_plan_id, "legacy": t.legacy}  # fmt: skip


def _changed(now: dict[str, Any], was: dict[str, Any], *keep: str) -> dict[str, Any]:
    """The fields that changed (and ``keep``), with the previous values under ``was``."""
    moved = [k for k in now if now[k] != was.get(k)]
    return {**{k: now[k] for k in (*keep, *moved)}, "was": {k: was.get(k) for k in moved}}


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
            saved = await catalogue.save_tariff(conn, Tariff(code=code, **fields), create=True)
            await _audit(conn, operator, "tariff_created", **_tariff_detail(saved))
            return saved

    @put("/tariffs/{code:str}", operation_id="operatorUpdateTariff", summary="Change a tariff")
    async def update_tariff(self, operator: OperatorDep, code: FromPath[str], data: JSONBody[TariffIn]) -> Tariff:
        async with operator.system() as conn:
            was = await catalogue.tariff(conn, code)
            saved = await catalogue.save_tariff(conn, data.tariff(code), create=False)
            await _audit(
                conn, operator, "tariff_changed", **_changed(_tariff_detail(saved), _tariff_detail(was), "code")
            )
            return saved

    @get("/rate-plans", operation_id="operatorListRatePlans", summary="Rate plans")
    async def list_plans(self, operator: OperatorDep) -> list[RatePlan]:
        async with operator.system() as conn:
            return await catalogue.rate_plans(conn)

    @post("/rate-plans", operation_id="operatorCreateRatePlan", summary="Create an empty rate plan")
    async def create_plan(self, operator: OperatorDep, data: JSONBody[RatePlanIn]) -> RatePlan:
        async with operator.system() as conn:
            plan = await catalogue.create_rate_plan(conn, data.name)
            await _audit(conn, operator, "rate_plan_created", rate_plan_id=plan.id, name=plan.name)
            return plan

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
            if report.written:
                await _audit(conn, operator, "rates_imported", rate_plan_id=plan_id, rates=report.written)
        return Response(report, status_code=422 if report.errors else 200)

    @put("/tenants/{tenant_id:uuid}/tariff", operation_id="operatorAssignTariff", summary="Put a tenant on a tariff")
    async def assign(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[Assignment]
    ) -> Balance:
        """From now on; the difference for the rest of a charged period is charged or refunded."""
        async with operator.system() as conn:
            posted = await catalogue.assign_tariff(conn, tenant_id, data.tariff, kernel=operator.kernel)
            await _audit(conn, operator, "tariff_assigned", tenant_id, tariff=data.tariff, prorated_kop=posted)
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
            posted = await ledger.post(
                conn, tenant_id, kind="adjustment",
                amount_kop=data.amount_kop if data.direction == "credit" else -data.amount_kop,
                idempotency_key=data.idempotency_key, reason=data.reason.strip(), actor=operator.actor.label,
                kernel=kernel,
            )  # fmt: skip
            if posted.created:  # a retried request changed nothing: nothing new to record
                await _audit(
                    conn, operator, "adjustment", tenant_id, amount_kop=posted.movement.amount_kop,
                    reason=posted.movement.reason, movement_id=posted.movement.id,
                    idempotency_key=data.idempotency_key,
                )  # fmt: skip
            return posted

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
            was = await ledger.account(conn, tenant_id)
            await ledger.set_credit_limit(conn, tenant_id, data.credit_limit_kop)
            await _audit(conn, operator, "credit_limit_set", tenant_id, credit_limit_kop=data.credit_limit_kop,
                         was=was.credit_limit_kop)  # fmt: skip
            return await ledger.account(conn, tenant_id)

    @get("/settings", operation_id="operatorBillingSettings", summary="The operator's billing settings")
    async def get_settings(self, operator: OperatorDep) -> BillingSettings:
        async with operator.system() as conn:
            return await settings.load(conn)

    @put("/settings", operation_id="operatorSaveBillingSettings", summary="Change the billing settings")
    async def put_settings(self, operator: OperatorDep, data: JSONBody[BillingSettings]) -> BillingSettings:
        async with operator.system() as conn:
            was = await settings.load(conn)
            saved = await settings.save(conn, data)
            await _audit(
                conn,
                operator,
                "settings_changed",
                **_changed(msgspec.structs.asdict(saved), msgspec.structs.asdict(was)),
            )
            return saved

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
            await _audit(conn, operator, "billing_day_set", tenant_id, billing_day=data.billing_day)
        return data

    @put("/tenants/{tenant_id:uuid}/options", operation_id="operatorSetOptions", summary="A tenant's tariff options")
    async def set_options(
        self, operator: OperatorDep, tenant_id: FromPath[uuid.UUID], data: JSONBody[OptionsIn]
    ) -> OptionsIn:
        """Options of the tenant's tariff only (else 422 naming ``options``); the change for the
        rest of a charged period is charged or refunded at once."""
        async with operator.system() as conn:
            await load_tenant(conn, tenant_id)
            posted = await catalogue.set_options(conn, tenant_id, data.options, kernel=operator.kernel)
            await _audit(conn, operator, "options_set", tenant_id, options=data.options, prorated_kop=posted)
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
            saved = await requisites.save(conn, tenant_id, data)
            await _audit(conn, operator, "requisites_changed", tenant_id, name=saved.name, inn=saved.inn)
            return saved

    @get("/numbers", operation_id="operatorListNumberCatalogue", summary="The number catalogue, sold numbers too")
    async def list_numbers(self, operator: OperatorDep) -> list[CatalogueNumber]:
        async with operator.system() as conn:
            return await numbers_shop.catalogue(conn)

    @put(
        "/numbers/{e164:str}",
        operation_id="operatorPutCatalogueNumber",
        summary="Put a number on sale, or change an unsold one's city, category or prices",
    )
    async def put_number(
        self, operator: OperatorDep, e164: FromPath[str], data: JSONBody[CatalogueNumberIn]
    ) -> CatalogueNumber:
        """A number some PBX already has, or one sold, answers 409 naming ``e164``."""
        entry = CatalogueNumber(e164=e164, **msgspec.structs.asdict(data))
        async with operator.system() as conn:
            saved = await numbers_shop.put_entry(conn, entry)
            await _audit(conn, operator, "catalogue_number_put", **msgspec.structs.asdict(saved))
            return saved

    @delete("/numbers/{e164:str}", operation_id="operatorRemoveCatalogueNumber", summary="Take a number off sale")
    async def remove_number(self, operator: OperatorDep, e164: FromPath[str]) -> None:
        async with operator.system() as conn:
            await numbers_shop.remove_entry(conn, e164)
            await _audit(conn, operator, "catalogue_number_removed", number=e164)
