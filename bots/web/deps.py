"""Shared request helpers for controllers: the caller, a tenant-scoped transaction, paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request
from vats.bots.web.auth import kernel_of
from vats.core.accounts.service import Principal
from vats.core.db.database import Connection
from vats.core.directory.models import Tenant
from vats.core.directory.service import load_tenant


def caller(request: Request[Any, Any, Any]) -> Principal:
    user = request.user
    assert isinstance(user, Principal)
    return user


@asynccontextmanager
async def tenant_tx(request: Request[Any, Any, Any]) -> AsyncIterator[tuple[Connection, Tenant, Principal]]:
    """A transaction scoped to the caller's tenant, with the tenant loaded."""
    principal = caller(request)
    kernel = kernel_of(request)
    assert kernel.db is not None
    async with kernel.db.tenant(principal.tenant_id) as conn:
        yield conn, await load_tenant(conn, principal.tenant_id), principal
