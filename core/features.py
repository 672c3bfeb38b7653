"""Paid features a tariff may gate: the kernel asks ``tenant_may_use`` before using one.

A feature is a short code, the same as the billing tariff option that sells it. The kernel
gates ``RECORDING`` (call recording, inbound in the engine and outbound in the router); a
plugin or page may ask about any other code (the answer is None, i.e. allowed, when no
plugin has an opinion)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vats.core.db.database import Connection
    from vats.core.plugins import PluginHost

RECORDING = "recording"
GATED = (RECORDING,)  # what a routing snapshot asks about once, so routing steps never query


def _both(a: bool, b: bool) -> bool:
    return a and b


async def may_use(plugins: PluginHost, tenant_id: uuid.UUID, feature: str, conn: Connection) -> bool:
    """False when a plugin refuses the feature to this tenant; True otherwise (no plugin, or no
    opinion). Each plugin answers in its own savepoint of ``conn``; one that fails is ignored."""
    if not plugins.implemented("tenant_may_use"):
        return True
    answer = await plugins.merge("tenant_may_use", _both, isolate_in=conn, tenant_id=tenant_id, feature=feature)
    return answer is not False


async def refused(plugins: PluginHost, tenant_id: uuid.UUID, conn: Connection) -> frozenset[str]:
    """The gated features (``GATED``) this tenant may not use."""
    return frozenset([f for f in GATED if not await may_use(plugins, tenant_id, f, conn)])
