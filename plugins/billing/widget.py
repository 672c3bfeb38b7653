"""Billing's block on the cabinet's dashboard (admins): the balance, what is available for
calls, and the way to Мои финансы to top it up."""

from __future__ import annotations

from typing import Any

from litestar import Request
from vats.bots.web.cabinet.kit import ADMIN, DashboardWidget, kernel_of, my_language, require, tenant_transaction
from vats.plugins.billing import ledger
from vats.plugins.billing.cabinet import PAGE, money


async def balance(request: Request[Any, Any, Any]) -> dict[str, Any]:
    me = require(request, ADMIN)
    async with tenant_transaction(kernel_of(request), me) as tx:
        account = await ledger.account(tx.conn, tx.tenant.id)
    lang = await my_language(request)
    return {
        "balance": money(account.balance_kop, lang),
        "available": money(account.available_kop, lang),
        "negative": account.balance_kop < 0,
        "page": PAGE,
    }


def widgets() -> list[DashboardWidget]:
    return [
        DashboardWidget(name="billing-balance", template="billing/_balance_widget.html", load=balance, roles=ADMIN,
                        order=100)
    ]  # fmt: skip
