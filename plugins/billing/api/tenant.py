"""/api/billing: a tenant's balance, ledger, charged months and requisites (admins only)."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.params import JSONBody
from vats.bots.web.kit import ADMIN, Limit, Offset, Page, TenantDep
from vats.plugins.billing import ledger, monthly, requisites
from vats.plugins.billing.models import Balance, Movement, Period
from vats.plugins.billing.requisites import Requisites, RequisitesIn


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
