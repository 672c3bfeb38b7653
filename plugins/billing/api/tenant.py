"""/api/billing: a tenant's balance and ledger (admins only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from vats.bots.web.kit import ADMIN, Limit, Offset, Page, kernel_of
from vats.plugins.billing import ledger
from vats.plugins.billing.models import Balance, Movement


class BillingController(Controller):
    path = "/api/billing"
    tags = ["billing"]
    opt = {"roles": ADMIN}

    @get("/balance", operation_id="getBillingBalance", summary="The PBX's balance (kopecks) and tariff")
    async def balance(self, request: Request[Any, Any, Any]) -> Balance:
        tenant_id = request.user.tenant_id
        async with kernel_of(request).db.tenant(tenant_id) as conn:
            return await ledger.account(conn, tenant_id)

    @get("/ledger", operation_id="listBillingLedger", summary="Money movements, newest first")
    async def movements(self, request: Request[Any, Any, Any], limit: Limit = 50, offset: Offset = 0) -> Page[Movement]:
        tenant_id = request.user.tenant_id
        async with kernel_of(request).db.tenant(tenant_id) as conn:
            items, total = await ledger.movements(conn, tenant_id, limit=limit, offset=offset)
        return Page(items=items, total=total, limit=limit, offset=offset)
