"""Billing's blocks on the dashboards: on the cabinet's (admins) the balance, what is available
for calls, and the way to Мои финансы to top it up; on the operator portal's Сводка the PBXs
in debt, how much they owe, and what all the others hold; and, while there are any, the migrated
PBXs whose old tariff code nobody mapped (``legacy_pages.py``)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from vats.bots.web.cabinet.kit import ADMIN, DashboardWidget, kernel_of, my_language, require, tenant_transaction
from vats.bots.web.cabinet.operator.kit import language
from vats.plugins.billing import ledger, legacy_pages
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


async def money_of_every_pbx(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The operator's view: balances of every PBX with a billing account (one query)."""
    kernel = kernel_of(request)
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        row = await conn.fetchrow(
            "SELECT count(*) AS accounts, count(*) FILTER (WHERE balance_kop < 0) AS in_debt,"
            " coalesce(sum(-balance_kop) FILTER (WHERE balance_kop < 0), 0) AS debt_kop,"
            " coalesce(sum(balance_kop) FILTER (WHERE balance_kop > 0), 0) AS held_kop"
            " FROM billing_accounts"
        )  # fmt: skip
    assert row is not None
    lang = language(request)
    return {
        "accounts": row["accounts"], "in_debt": row["in_debt"],
        "debt": money(int(row["debt_kop"]), lang), "held": money(int(row["held_kop"]), lang),
        "documents": "/operator/billing/documents",
    }  # fmt: skip


def widgets() -> list[DashboardWidget]:
    return [
        DashboardWidget(name="billing-balance", template="billing/_balance_widget.html", load=balance, roles=ADMIN,
                        order=100),
        DashboardWidget(name="billing-money", template="billing/_operator_widget.html", load=money_of_every_pbx,
                        area="operator", order=100),
        DashboardWidget(name="billing-legacy", template="billing/_legacy_widget.html",
                        load=legacy_pages.unmapped_warning, area="operator", order=105),
    ]  # fmt: skip
