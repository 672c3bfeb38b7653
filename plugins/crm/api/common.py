"""What every CRM route needs: the kernel, the signed-in employee, a tenant transaction and
the viewer (what this employee may see)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request
from vats.core.db.database import Connection
from vats.core.directory.models import Tenant
from vats.core.directory.service import load_tenant
from vats.core.errors import NotFoundError
from vats.core.protocols import KernelAPI
from vats.plugins.crm.contacts import Forbidden
from vats.plugins.crm.viewer import Viewer, viewer_for

ADMIN = frozenset({"admin"})
WORKERS = frozenset({"admin", "head", "user"})  # everyone but restricted users
EVERYONE = frozenset({"admin", "head", "user", "restricted"})


@dataclass
class Scope:
    kernel: KernelAPI
    conn: Connection
    tenant: Tenant
    viewer: Viewer


def kernel_of(request: Request[Any, Any, Any]) -> KernelAPI:
    kernel: KernelAPI = request.app.state.kernel
    return kernel


@asynccontextmanager
async def scope(request: Request[Any, Any, Any]) -> AsyncIterator[Scope]:
    """A transaction scoped to the caller's tenant, with what the caller may see."""
    kernel = kernel_of(request)
    principal = request.user
    async with kernel.db.tenant(principal.tenant_id) as conn:
        tenant = await load_tenant(conn, principal.tenant_id)
        viewer = await viewer_for(conn, kernel, tenant.id, principal.employee_id, principal.role, tenant.settings)
        yield Scope(kernel=kernel, conn=conn, tenant=tenant, viewer=viewer)


def media_file(kernel: KernelAPI, stored: str) -> Path:
    """A call's file, only from inside VATS_MEDIA_DIR, and only if it is still there."""
    root = Path(kernel.config.media_dir).resolve()
    path = Path(stored).resolve()
    for candidate in (path, Path(f"{path}.wav")):  # Asterisk adds the extension to the name it was given
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise NotFoundError("the file is no longer stored", field="file")


def require_listening(viewer: Viewer) -> None:
    if not viewer.may_listen:
        raise Forbidden("your role may not listen to recordings", field="role")
