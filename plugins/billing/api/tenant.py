"""/api/billing: a tenant's balance and ledger (admins only)."""

from __future__ import annotations

from litestar import Controller, get
from vats.bots.web.kit import ADMIN, Limit, Offset, Page, TenantDep
from vats.plugins.billing import ledger, monthly
from vats.plugins.billing.models import Balance, Movement, Period


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
