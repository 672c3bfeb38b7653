"""What still refers to a directory object about to be deleted, and its removal when the
deletion is forced.

One mechanism for every deletion that others may refer to (employees, groups, schedules,
calendars, media): the kernel's scenarios are read with each block's own ``references()`` and
rewritten with its ``without(ref)`` (through core/engine/scenario.py, so a plugin's block
answers for itself), and plugins add what they keep through the ``collect_references`` and
``drop_references`` hooks (IVR menus, CRM tasks, contacts and deals, ...). Callers run it
inside the deleting transaction after taking the tenant's lock (``lock_tenant``), which scenario
writes take too: a scenario saved at the same moment cannot name the object behind the
deletion's back.
"""

from __future__ import annotations

import logging
import uuid

import msgspec
from vats.core.blocks import BlockRegistry
from vats.core.db.database import Connection
from vats.core.directory.models import Reference
from vats.core.engine.block import Ref
from vats.core.engine.scenario import ScenarioBody, compile_body, references, without
from vats.core.engine.scenarios import scenarios_of
from vats.core.plugins import PluginHost

log = logging.getLogger(__name__)


async def _compiled_scenarios(
    conn: Connection, registry: BlockRegistry, tenant_id: uuid.UUID
) -> list[tuple[uuid.UUID, str, ScenarioBody]]:
    found = []
    for scenario in await scenarios_of(conn, tenant_id):
        try:
            found.append((scenario.id, scenario.name, compile_body(scenario.body, registry)))
        except msgspec.ValidationError:
            # A block of a plugin that is no longer installed: nothing can read what it names.
            log.warning("scenario %s cannot be decoded; its references are not checked", scenario.id)
    return found


async def scenario_references(
    conn: Connection, registry: BlockRegistry, tenant_id: uuid.UUID, ref: Ref
) -> list[Reference]:
    """One Reference per place a scenario names ``ref``: the scenario, and the block or
    setting (``filters[0].working.handling``, ``default.options.greeting``)."""
    refs = []
    for scenario_id, name, body in await _compiled_scenarios(conn, registry, tenant_id):
        places = dict.fromkeys(m.where for m in references(body) if m.ref == ref)
        refs += [
            Reference(kind="scenario", id=str(scenario_id), description=f"scenario «{name}»: {where}")
            for where in places
        ]
    return refs


async def drop_from_scenarios(conn: Connection, registry: BlockRegistry, tenant_id: uuid.UUID, ref: Ref) -> None:
    """Rewrite every scenario that names ``ref`` without it (each block decides how, see
    ``Block.without``); the result is a valid scenario that saves again as it is."""
    for scenario_id, _, body in await _compiled_scenarios(conn, registry, tenant_id):
        if any(m.ref == ref for m in references(body)):
            await conn.execute(
                "UPDATE scenarios SET body = $3 WHERE tenant_id = $1 AND id = $2",
                tenant_id, scenario_id, msgspec.to_builtins(without(body, ref)),
            )  # fmt: skip


def _ref(kind: str, object_id: uuid.UUID) -> Ref:
    """The Ref scenarios name an object by (``kind`` as the hooks spell it)."""
    return msgspec.convert({"kind": kind, "id": object_id}, Ref)


async def _is_warning_media(conn: Connection, tenant_id: uuid.UUID, media_id: uuid.UUID) -> bool:
    """Whether the tenant's default recording warning is this media chain."""
    found = await conn.fetchval("SELECT settings->>'recording_warning_media' FROM tenants WHERE id = $1", tenant_id)
    return bool(found == str(media_id))


class References:
    """The kernel's and the plugins' references to one object, found and removed together."""

    def __init__(self, plugins: PluginHost, blocks: BlockRegistry) -> None:
        self.plugins = plugins
        self.blocks = blocks

    async def collect(self, conn: Connection, tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID) -> list[Reference]:
        refs = await scenario_references(conn, self.blocks, tenant_id, _ref(kind, object_id))
        if kind == "media" and await _is_warning_media(conn, tenant_id, object_id):
            refs.append(Reference(kind="settings", id=str(tenant_id), description="the default recording warning"))
        for found in await self.plugins.emit(
            "collect_references", tenant_id=tenant_id, conn=conn, kind=kind, object_id=object_id
        ):
            refs.extend(found)
        return refs

    async def drop(self, conn: Connection, tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID) -> None:
        await drop_from_scenarios(conn, self.blocks, tenant_id, _ref(kind, object_id))
        if kind == "media" and await _is_warning_media(conn, tenant_id, object_id):  # back to the standard one
            await conn.execute(
                "UPDATE tenants SET settings = settings - 'recording_warning_media' WHERE id = $1", tenant_id
            )
        await self.plugins.emit("drop_references", tenant_id=tenant_id, conn=conn, kind=kind, object_id=object_id)
