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

import uuid
from typing import Literal

from vats.core.blocks import BlockRegistry
from vats.core.db.database import Connection
from vats.core.directory.models import Reference
from vats.core.plugins import PluginHost

RefKind = Literal["employee", "group", "media", "schedule", "calendar", "ivr_menu"]


class References:
    """The kernel's and the plugins' references to one object, found and removed together."""

    def __init__(self, plugins: PluginHost, blocks: BlockRegistry) -> None:
        self.plugins = plugins
        self.blocks = blocks

    async def collect(
        self, conn: Connection, tenant_id: uuid.UUID, kind: RefKind, object_id: uuid.UUID
    ) -> list[Reference]:
        refs: list[Reference] = []
        for found in await self.plugins.emit(
            "collect_references", tenant_id=tenant_id, conn=conn, kind=kind, object_id=object_id
        ):
            refs.extend(found)
        return refs

    async def drop(self, conn: Connection, tenant_id: uuid.UUID, kind: RefKind, object_id: uuid.UUID) -> None:
        await self.plugins.emit("drop_references", tenant_id=tenant_id, conn=conn, kind=kind, object_id=object_id)
