"""The CRM: contacts, call history, tasks, deals, dashboard and statistics.

A default plugin built only on public hooks, as a third party would write it:

* ``call_ended``: each call record becomes a history row, the caller's contact, tasks and the
  deal (``ingest.py``);
* ``lookup_contact``: routing learns the caller's tags and personal manager (``lookup.py``);
* ``register_routes``: the cabinet API (``api/``);
* ``register_cabinet_pages``: its pages in the web cabinet: the call history, the dashboard and
  the statistics (``cabinet_calls/``); contacts, deals and tasks (``cabinet/``);
* ``register_dashboard_widgets``: its calls, tasks and deals charts on the cabinet's dashboard;
* announces ``task_created`` / ``task_assigned`` and ``crm_event`` for other plugins;
* ``register_bot_routers``, ``task_alert_buttons``, ``daily_digest``: its part of the Telegram
  bot (``bot.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vats.core import hookimpl
from vats.core.bot import AlertButton
from vats.core.calls.records import CallRecord
from vats.core.db.database import Connection, Database
from vats.core.db.migrate import MigrationSource
from vats.core.engine.context import CallerContact
from vats.core.plugins import PluginAbout
from vats.core.protocols import KernelAPI
from vats.core.tasks import TaskNotice
from vats.plugins.crm.lookup import ContactLookup

vats_about = PluginAbout(
    title="CRM",
    description="Контакты, история звонков, задачи, сделки и статистика.",
    title_en="CRM",
    description_en="Contacts, call history, tasks, deals and statistics.",
)

contacts_for_routing = ContactLookup()


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="crm", folder=Path(__file__).with_name("migrations"))]


@hookimpl
def startup(db: Database) -> None:
    contacts_for_routing.start(db)


@hookimpl
async def shutdown() -> None:
    await contacts_for_routing.stop()


@hookimpl
async def lookup_contact(tenant_id: uuid.UUID, number: str) -> CallerContact | None:
    return await contacts_for_routing.find(tenant_id, number)


@hookimpl
async def contact_name(tenant_id: uuid.UUID, number: str, conn: Connection) -> str | None:
    """Any saved contact's name (routing's lookup keeps only contacts with tags or a manager)."""
    name: str | None = await conn.fetchval(
        "SELECT nullif(name, '') FROM crm_contacts WHERE tenant_id = $1 AND number = $2", tenant_id, number
    )
    return name


@hookimpl
async def import_contacts(tenant_id: uuid.UUID, contacts: list[dict[str, Any]], conn: Connection) -> int:
    from vats.plugins.crm.imported import import_contacts as store

    return await store(conn, tenant_id, contacts)


@hookimpl
async def call_ended(tenant_id: uuid.UUID, record: CallRecord, conn: Connection, kernel: KernelAPI) -> None:
    from vats.plugins.crm.ingest import on_call_ended

    await on_call_ended(conn, kernel, tenant_id, record)


@hookimpl
async def recordings_removed(
    tenant_id: uuid.UUID, call_ids: list[uuid.UUID], files: list[str], conn: Connection
) -> None:
    """Expired recordings: the history no longer offers them, voicemail tasks lose the file."""
    await conn.execute(
        "UPDATE crm_calls SET has_recording = false, has_voicemail = false WHERE tenant_id = $1 AND id = ANY($2)",
        tenant_id, call_ids,
    )  # fmt: skip
    await conn.execute(
        "UPDATE crm_tasks SET voicemail = NULL WHERE tenant_id = $1 AND voicemail = ANY($2)", tenant_id, files
    )


@hookimpl
def register_routes() -> Sequence[Any]:
    from vats.plugins.crm.api.contacts import ContactController
    from vats.plugins.crm.api.deals import DealController
    from vats.plugins.crm.api.history import HistoryController
    from vats.plugins.crm.api.settings import CrmSettingsController
    from vats.plugins.crm.api.stats import StatsController
    from vats.plugins.crm.api.tasks import TaskController

    return [
        ContactController,
        HistoryController,
        TaskController,
        DealController,
        StatsController,
        CrmSettingsController,
    ]


@hookimpl
def register_cabinet_pages() -> Sequence[Any]:
    from vats.plugins.crm.cabinet import pages as work_pages
    from vats.plugins.crm.cabinet_calls import pages as call_pages

    return [call_pages(), work_pages()]


@hookimpl
def register_dashboard_widgets() -> Sequence[Any]:
    from vats.plugins.crm.cabinet_calls.dashboard import widgets

    return widgets()


@hookimpl
def register_bot_routers() -> Sequence[Any]:
    from vats.plugins.crm.bot import router

    return [router()]


# The CRM's own button and digest paragraph come first, other plugins' after them (as before
# hooks followed pluggy's order, where a later-registered plugin would otherwise go first).
@hookimpl(tryfirst=True)
def task_alert_buttons(task: TaskNotice, language: str) -> list[AlertButton]:
    from vats.plugins.crm.bot import alert_buttons

    return alert_buttons(task, language)


@hookimpl(tryfirst=True)
async def daily_digest(tenant_id: uuid.UUID, language: str, conn: Connection) -> str:
    from vats.plugins.crm.bot import digest

    return await digest(conn, tenant_id, language)


@hookimpl
async def collect_references(tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID, conn: Connection) -> list[Any]:
    """Open tasks assigned to an employee or a group about to be deleted; contacts and open deals
    an employee manages."""
    from vats.plugins.crm.tasks import open_tasks_of

    return await open_tasks_of(conn, tenant_id, kind, object_id)


@hookimpl
async def drop_references(tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID, conn: Connection) -> None:
    from vats.plugins.crm.tasks import hand_over_open_tasks

    await hand_over_open_tasks(conn, tenant_id, kind, object_id)
