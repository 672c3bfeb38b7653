"""/api/billing: a tenant's balance, ledger, charged months, requisites, the numbers on sale
and their purchase (admins only)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.params import JSONBody, QueryParameter
from vats.bots.web.kit import ADMIN, Limit, Offset, Page, TenantDep
from vats.plugins.billing import ledger, monthly, numbers_shop, requisites, tariff_change
from vats.plugins.billing.models import Balance, Movement, Period, Tariff
from vats.plugins.billing.numbers_shop import CatalogueNumber, Category, Purchase
from vats.plugins.billing.requisites import Requisites, RequisitesIn
from vats.plugins.billing.tariff_change import Change, Quote


class BuyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A number of the catalogue to buy; the key makes a retried purchase harmless."""

    number: Annotated[str, msgspec.Meta(min_length=1, max_length=30, examples=["+74957770707"])]
    idempotency_key: Annotated[str, msgspec.Meta(min_length=1, max_length=150, examples=["buy-2026-11-29-1"])]


class TariffOffer(msgspec.Struct, kw_only=True):
    tariff: Tariff
    quote: Quote


class TariffChoice(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    tariff: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_-]{1,40}$", examples=["pro"])]


class BillingController(Controller):
    path = "/api/billing"
    tags = ["billing"]
    opt = {"roles": ADMIN}

    @get("/balance", operation_id="getBillingBalance", summary="The PBX's balance (kopecks) and tariff")
    async def balance(self, tx: TenantDep) -> Balance:
        return await ledger.account(tx.conn, tx.tenant.id)

    @get("/ledger", operation_id="listBillingLedger", summary="Money movements, newest first")
    async def movements(self, tx: TenantDep, limit: Limit = 50, offset: Offset = 0) -> Page[Movement]:
        items, total = await ledger.movements(tx.conn, tx.tenant.id, limit=limit, offset=offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/periods", operation_id="listBillingPeriods", summary="Charged months, newest first")
    async def periods(self, tx: TenantDep) -> list[Period]:
        return await monthly.periods(tx.conn, tx.tenant.id)

    @get("/requisites", operation_id="getBillingRequisites", summary="The PBX's requisites (404 until given)")
    async def get_requisites(self, tx: TenantDep) -> Requisites:
        return await requisites.load(tx.conn, tx.tenant.id)

    @put("/requisites", operation_id="putBillingRequisites", summary="Give or change the PBX's requisites")
    async def put_requisites(self, tx: TenantDep, data: JSONBody[RequisitesIn]) -> Requisites:
        """A legal entity: ИНН of 10 digits and a КПП; an individual entrepreneur: ИНН of 12
        digits, no КПП. The ИНН's check digits are verified; a bad field answers 422 naming it."""
        return await requisites.save(tx.conn, tx.tenant.id, data)

    @get("/numbers", operation_id="listNumbersOnSale", summary="The operator's numbers on sale, cheapest first")
    async def numbers_on_sale(
        self,
        tx: TenantDep,
        city: Annotated[str | None, QueryParameter(description="exactly this city", max_length=100)] = None,
        category: Annotated[Category | None, QueryParameter(description="ordinary, bronze, silver, gold")] = None,
    ) -> list[CatalogueNumber]:
        return await numbers_shop.on_sale(tx.conn, city=city, category=category)

    @post("/numbers/buy", operation_id="buyNumber", summary="Buy a number of the catalogue", status_code=200)
    async def buy_number(self, tx: TenantDep, data: JSONBody[BuyIn]) -> Purchase:
        """Charged once (the price, and the monthly fee for the rest of a charged month); the
        number joins the PBX on its default scenario. Sold to another PBX, or not enough balance:
        409 naming ``number`` (nothing written)."""
        return await numbers_shop.buy(
            tx.conn, tx.kernel, tx.tenant.id, data.number, idempotency_key=data.idempotency_key, actor=tx.me.email
        )

    @get("/tariffs", operation_id="listBillingTariffs", summary="The tariffs and what moving to each would cost")
    async def tariffs(self, tx: TenantDep) -> list[TariffOffer]:
        return [TariffOffer(tariff=t, quote=q) for t, q in await tariff_change.offers(tx.conn, tx.tenant.id)]

    @post("/tariff", operation_id="changeBillingTariff", summary="Move the PBX to a dearer tariff now", status_code=200)
    async def change_tariff(self, tx: TenantDep, data: JSONBody[TariffChoice]) -> Change:
        """From today: the difference in the monthly price for the rest of the charged month is
        charged at once (409 naming ``tariff`` when the balance cannot pay it). A cheaper tariff
        is the operator's to give (422 naming ``tariff``)."""
        return await tariff_change.change(tx.conn, tx.kernel, tx.tenant.id, data.tariff, actor=tx.me.email)
