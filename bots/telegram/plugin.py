"""The Telegram bot's part in the plugin system (entry point ``telegram``): its tables, its
cabinet routes (the link, the webhook), and the alerts it writes to its outbox when a plugin
announces a task. Everything here uses public hooks, as a third-party notifier would."""

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
from vats.core.tasks import TaskNotice

vats_about = PluginAbout(
    title="Telegram-бот",
    description="Бот АТС в Telegram: звонки, задачи и настройки сотрудника в мессенджере.",
    title_en="Telegram bot",
    description_en="The PBX's Telegram bot: an employee's calls, tasks and settings in the messenger.",
)


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="telegram", folder=Path(__file__).with_name("migrations"))]


@hookimpl
def register_routes() -> Sequence[Any]:
    from vats.bots.telegram.routes import TelegramLinkController, telegram_webhook

    return [TelegramLinkController, telegram_webhook]


@hookimpl
async def message_employees(
    tenant_id: uuid.UUID, employee_ids: list[uuid.UUID], kind: str, texts: dict[str, str], conn: Connection
) -> int:
    """The linked ones among ``employee_ids`` get the text in their language, through the outbox."""
    from vats.bots.telegram.outbox import Message, enqueue_message

    linked = await conn.fetch(
        "SELECT employee_id, chat_id, language FROM telegram_links WHERE tenant_id = $1 AND employee_id = ANY($2)",
        tenant_id, employee_ids,
    )  # fmt: skip
    for r in linked:
        text = texts.get(r["language"]) or texts.get("ru") or next(iter(texts.values()), "")
        await enqueue_message(
            conn, tenant_id, r["employee_id"], r["chat_id"], kind, Message(text=text, language=r["language"])
        )
    return len(linked)


@hookimpl
async def task_created(tenant_id: uuid.UUID, task: TaskNotice, conn: Connection, kernel: KernelAPI) -> None:
    from vats.bots.telegram.outbox import enqueue_task_alert

    await enqueue_task_alert(conn, kernel, task, reassigned=False)


@hookimpl
async def task_assigned(tenant_id: uuid.UUID, task: TaskNotice, conn: Connection, kernel: KernelAPI) -> None:
    from vats.bots.telegram.outbox import enqueue_task_alert

    await enqueue_task_alert(conn, kernel, task, reassigned=True)
