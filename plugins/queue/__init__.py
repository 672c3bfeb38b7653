"""Handling and insurance: forward, voicemail, hang up. Also every tenant's default scenario
(24/7 forwarding to the first admin, insurance: voicemail), created on ``tenant_created``,
and new numbers bound to it on ``number_assigned``. Uses only public hooks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from vats.core import hookimpl
from vats.core.db.database import Connection
from vats.core.directory.models import Number, Tenant
from vats.core.engine.dialing import Target
from vats.core.engine.forms import BlockFormPart
from vats.core.plugins import PluginAbout
from vats.plugins.queue.blocks import Forward, HangupBlock, OnFailure, VoicemailBlock

vats_about = PluginAbout(
    title="Переадресация и голосовая почта",
    description="Блоки сценария «Переадресация», «Голосовая почта», «Завершение» и сценарий по умолчанию.",
    title_en="Forwarding and voicemail",
    description_en="The scenario blocks forward, voicemail and hang up, and the default scenario.",
)

DEFAULT_SCENARIO = "По умолчанию"


@hookimpl
def register_blocks() -> Sequence[type[Any]]:
    return [Forward, VoicemailBlock, HangupBlock]


@hookimpl
def register_block_forms() -> Sequence[BlockFormPart]:
    from vats.plugins.queue.forms import FORMS

    return FORMS


def default_body(admin_id: uuid.UUID) -> dict[str, Any]:
    handling = Forward(targets=[Target(kind="employee", id=admin_id)], on_failure=OnFailure(action="insurance"))
    insurance = VoicemailBlock(assignee_id=admin_id)
    return {
        "filters": [],
        "default": {"handling": msgspec.to_builtins(handling), "insurance": msgspec.to_builtins(insurance)},
    }


@hookimpl
async def tenant_created(tenant: Tenant, admin_id: uuid.UUID, conn: Connection) -> None:
    await conn.execute(
        "INSERT INTO scenarios (tenant_id, name, is_default, body) VALUES ($1, $2, true, $3)",
        tenant.id, DEFAULT_SCENARIO, default_body(admin_id),
    )  # fmt: skip


@hookimpl
async def number_assigned(tenant_id: uuid.UUID, number: Number, conn: Connection) -> None:
    await conn.execute(
        "UPDATE numbers SET scenario_id = (SELECT id FROM scenarios WHERE tenant_id = $1 AND is_default)"
        " WHERE tenant_id = $1 AND id = $2 AND scenario_id IS NULL",
        tenant_id, number.id,
    )  # fmt: skip
