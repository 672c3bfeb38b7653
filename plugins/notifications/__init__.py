"""Notifications: warnings a PBX's people asked for, by e-mail and SMS, built only on public
hooks, as a third party would write it:

* ``register_migrations``: its tables (``migrations/``): the tenant's notification
  recipients (e-mail addresses and mobile numbers, each verified before use, with a
  low-balance threshold) and the operator's SMS settings;
* ``billing_event``: the low-balance warning, once per fall below a recipient's threshold; the
  receipt of a payment; a failed autopay with its reason; the monthly charge; a number bought;
  the warnings before a suspension for non-payment and the suspension (``events.py``);
* ``migration_completed``: the admins hear that their migration finished;
* ``sms_provider`` (last in line): the operator's generic HTTP SMS gateway (``sms.py``);
* ``register_workers``: the SMS sender of the kernel's outbox (e-mail goes by the kernel's);
* ``register_cabinet_pages``: Settings → Уведомления (``cabinet.py``); the bell in the
  cabinet's header and each employee's notification list (``bell.py``, ``inbox.py``); Профиль →
  Личный мобильный and password recovery by an SMS code to it (``personal*.py``); the operator
  portal's Уведомления: the messages' texts, overridden per event and language (``operator_texts.py``);
* ``register_routes``: /api/notifications/recipients, the e-mail link's page, and
  /api/operator/notifications/settings (``routes.py``).

Every message goes through the kernel's outbox (``vats.core.outbox``): channel ``mail`` for
e-mail, ``sms`` for SMS.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vats.core import hookimpl
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.plugins import PluginAbout
from vats.core.protocols import KernelAPI
from vats.core.sms import SmsProvider
from vats.plugins.notifications import events

vats_about = PluginAbout(
    title="Уведомления",
    description="Письма и SMS о балансе, оплатах и миграции; колокольчик уведомлений в кабинете.",
    title_en="Notifications",
    description_en="E-mails and SMS about the balance, payments and the migration; the cabinet's notification bell.",
)


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="notifications", folder=Path(__file__).with_name("migrations"))]


@hookimpl
async def billing_event(
    tenant_id: uuid.UUID, kind: str, payload: dict[str, Any], conn: Connection, kernel: KernelAPI
) -> None:
    if kind == "balance_changed":
        await events.balance_changed(conn, kernel, tenant_id, int(payload["after_kop"]))
    elif kind == "payment_received":
        await events.payment_received(conn, tenant_id, int(payload["amount_kop"]), int(payload["balance_kop"]))
    elif kind == "autopay_failed":
        await events.autopay_failed(conn, tenant_id, str(payload.get("reason") or ""), int(payload["amount_kop"]))
    elif kind == "monthly_charge":
        await events.monthly_charge(conn, tenant_id, payload)
    elif kind == "number_bought":
        await events.number_bought(conn, tenant_id, payload)
    elif kind in ("suspension_warning", "tenant_suspended"):
        await events.non_payment(conn, tenant_id, kind, payload)
    elif kind == "documents_made":
        await events.documents_made(conn, tenant_id, payload, kernel.config.base_url)
    elif kind == "tariff_change_soon":
        await events.legacy_tariff(conn, tenant_id, "tariff_change_soon", payload)
    elif kind == "tariff_changed" and payload.get("reason") == "legacy_ended":
        await events.legacy_tariff(conn, tenant_id, "legacy_ended", payload)


@hookimpl
async def migration_completed(tenant_id: uuid.UUID, summary: dict[str, Any], conn: Connection) -> None:
    await events.migration_completed(conn, tenant_id, summary)


@hookimpl(trylast=True)
async def sms_provider(kernel: KernelAPI) -> SmsProvider | None:
    from vats.plugins.notifications.sms import configured_provider

    return await configured_provider(kernel.db)


@hookimpl
def register_workers() -> Sequence[Any]:
    from vats.plugins.notifications.sms import sms_worker

    return [sms_worker]


@hookimpl
def register_cabinet_pages() -> Sequence[Any]:
    """Settings → Уведомления in the cabinet, for admins (``cabinet.py``); everyone's bell and
    notification list (``bell.py``)."""
    from vats.bots.web.cabinet.kit import CabinetPages
    from vats.plugins.notifications import bell, operator_texts, personal_pages
    from vats.plugins.notifications.cabinet import cabinet_pages

    inbox_pages = CabinetPages(
        handlers=[bell.InboxPage], header=[bell.BELL], texts_ru=bell.TEXTS_RU, texts_en=bell.TEXTS_EN
    )
    mobile_pages = CabinetPages(
        handlers=[personal_pages.PersonalMobilePage, personal_pages.RecoveryPages], nav=[personal_pages.NAV],
        recovery=[personal_pages.RECOVERY], texts_ru=personal_pages.TEXTS_RU, texts_en=personal_pages.TEXTS_EN,
    )  # fmt: skip
    texts_pages = CabinetPages(
        handlers=[operator_texts.NotificationTextsPage], nav=[operator_texts.NAV], area="operator",
        texts_ru=operator_texts.TEXTS_RU, texts_en=operator_texts.TEXTS_EN,
    )  # fmt: skip
    return [cabinet_pages(), inbox_pages, mobile_pages, texts_pages]


@hookimpl
def register_routes() -> Sequence[Any]:
    # Imported here: litestar is the web server's, not every command's, start-up cost.
    from vats.plugins.notifications import routes

    return [
        routes.RecipientsController, routes.NotificationsOperatorController, routes.verify_email, routes.VerifyPage,
    ]  # fmt: skip
