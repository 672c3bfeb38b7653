"""Billing: an append-only ledger and the balance derived from it, tariffs, rate plans and
call rating, built only on public hooks, as a third party would write it:

* ``register_migrations``: its tables (``migrations/``), RLS on the tenant-owned ones;
* ``tenant_created``: the new PBX's account on the default tariff;
* ``calls_ended``: each batch of call records rated and charged once with one statement
  (``rating.py``), the money the calls held released (``prepaid.py``);
* ``call_budget``: a paid call refused, or limited to the talk time the money left pays for
  (from this process's lease of the tenant's money when it has one: ``purse.py``);
* ``tenant_balance``: answers the kernel's balance lookup;
* ``tenant_seats_included``: the seats the tenant's tariff includes (the kernel keeps none);
* ``migration_completed``: a migrated PBX on its old tariff's terms for 30 days, then on the
  tariff the operator mapped it to (``legacy.py``; the switch is a step of the monthly job);
* ``tenant_may_use``: a feature sold as a tariff's "+" option (call recording) only for the
  tenants whose tariff includes it or who took it (``features.py``);
* announces ``billing_event`` (``balance_changed``, ``number_bought``, ...) for other plugins;
* ``register_routes``: /api/billing (admins) and /api/operator/billing (``api/``);
* ``register_cabinet_pages``: the cabinet's finances and autopay pages (``cabinet.py``);
* ``register_dashboard_widgets``: the balance on the cabinet's dashboard, for admins (``widget.py``);
* ``register_payment_gateways``: YooKassa, or in demo mode a fake of it (``payments/``);
* ``register_workers``: monthly charges and non-payment checks (``monthly.py``), autopay
  (``payments/autopay.py``), the closing documents of each month (``documents/``), the
  e-mailed call detail reports (``detail_mail.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vats.core import hookimpl
from vats.core.calls.budget import CallBudget
from vats.core.calls.records import CallRecord
from vats.core.config import Config
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.directory.models import Tenant
from vats.core.payments import PaymentGateway
from vats.core.plugins import PluginAbout
from vats.core.protocols import KernelAPI
from vats.core.workers import Worker
from vats.plugins.billing import features, ledger, legacy, monthly, prepaid
from vats.plugins.billing.purse import Purse
from vats.plugins.billing.rating import Rater

rater = Rater()
purse = Purse()
vats_tenant_switchable = False  # a PBX must not switch its own charges off
vats_about = PluginAbout(
    title="Биллинг",
    description="Тарифы, баланс и оплата, стоимость звонков, автоплатёж, счета и закрывающие документы.",
    title_en="Billing",
    description_en="Tariffs, balance and payments, call charges, autopay, invoices and closing documents.",
)


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="billing", folder=Path(__file__).with_name("migrations"))]


@hookimpl
def startup() -> None:
    """A fresh rater and purse per start: their caches belong to one database."""
    global rater, purse
    rater = Rater()
    purse = Purse()


@hookimpl
async def tenant_created(tenant: Tenant, conn: Connection) -> None:
    await ledger.open_account(conn, tenant.id)


@hookimpl
async def calls_ended(tenant_id: uuid.UUID, records: Sequence[CallRecord], conn: Connection, kernel: KernelAPI) -> None:
    """A batch of the tenant's records rated, and the money their calls held released, with one
    statement (``rating.Rater.rate_batch``)."""
    held = [r.linkedid for r in records if r.linkedid and prepaid.held_money(r)]
    await rater.rate_batch(conn, tenant_id, records, held, kernel)


@hookimpl
async def call_budget(
    tenant_id: uuid.UUID, destination: str, call_id: str, conn: Connection, kernel: KernelAPI
) -> CallBudget | None:
    if kernel is not None:  # once: leases are taken only in a process that routes calls
        purse.start(kernel.db)
    return await prepaid.budget(conn, rater, tenant_id, destination, call_id, purse)


@hookimpl
async def tenant_balance(tenant_id: uuid.UUID, kernel: KernelAPI) -> int | None:
    async with kernel.db.tenant(tenant_id) as conn:
        return await ledger.balance_of(conn, tenant_id)


@hookimpl
async def tenant_seats_included(tenant_id: uuid.UUID, conn: Connection) -> int:
    return await monthly.seats_included(conn, tenant_id)


@hookimpl
async def migration_completed(
    tenant_id: uuid.UUID, summary: dict[str, Any], conn: Connection, kernel: KernelAPI
) -> None:
    """A migrated PBX keeps its old tariff's terms for 30 days, then moves on (``legacy.py``)."""
    await legacy.migration_completed(conn, kernel, tenant_id, summary)


@hookimpl
async def tenant_may_use(tenant_id: uuid.UUID, feature: str, conn: Connection) -> bool | None:
    return await features.may_use(conn, tenant_id, feature)


@hookimpl
def register_routes() -> Sequence[Any]:
    from vats.plugins.billing.api.detail import CallDetailController
    from vats.plugins.billing.api.documents import DocumentsController, DocumentsOperatorController
    from vats.plugins.billing.api.legacy import LegacyOperatorController
    from vats.plugins.billing.api.operator import BillingOperatorController
    from vats.plugins.billing.api.payments import PaymentNotificationsController, PaymentsController
    from vats.plugins.billing.api.payments_autopay import AutopayController
    from vats.plugins.billing.api.tenant import BillingController

    return [
        BillingController, BillingOperatorController, PaymentsController, PaymentNotificationsController,
        AutopayController, DocumentsController, DocumentsOperatorController, CallDetailController,
        LegacyOperatorController,
    ]  # fmt: skip


@hookimpl
def register_cabinet_pages() -> Sequence[Any]:
    """Settings → Мои финансы and its autopay page (``cabinet.py``), buying a number and
    changing the tariff (``shop_pages.py``) in the cabinet, for admins; the tenants' documents
    (``operator_pages.py``), the old tariffs' mapping (``legacy_pages.py``) and the number catalogue
    (``catalogue_pages.py``) in the operator portal."""
    from vats.plugins.billing.cabinet import cabinet_pages
    from vats.plugins.billing.catalogue_pages import catalogue_pages
    from vats.plugins.billing.legacy_pages import legacy_pages
    from vats.plugins.billing.operator_pages import operator_pages
    from vats.plugins.billing.shop_pages import shop_pages

    return [cabinet_pages(), shop_pages(), operator_pages(), *legacy_pages(), catalogue_pages()]


@hookimpl
def register_dashboard_widgets() -> Sequence[Any]:
    """The balance on the cabinet's dashboard, for admins (``widget.py``)."""
    from vats.plugins.billing.widget import widgets

    return widgets()


@hookimpl
def register_workers() -> Sequence[Worker]:
    from vats.plugins.billing import detail_mail
    from vats.plugins.billing.documents import service as documents
    from vats.plugins.billing.payments.autopay import worker

    return [monthly.worker, worker, documents.worker, detail_mail.worker]


@hookimpl
def register_payment_gateways(config: Config) -> Sequence[PaymentGateway]:
    from vats.plugins.billing.payments.gateways import configured

    return configured(config)


@hookimpl
async def shutdown() -> None:
    from vats.plugins.billing.payments.gateways import stop_demo_fakes

    await purse.close()  # what its calls spent written, its leases given back
    await stop_demo_fakes()
