"""Request helpers for the HTML cabinet's pages (bots/web/cabinet), which work from the
request (templates, forms, cookies). API routes and plugins use the kit's dependencies
(``vats.bots.web.kit``: ``tx: TenantDep``...) instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request
from vats.bots.web.kit import kernel_of, signed_in, tenant_transaction
from vats.core.accounts.service import Principal
from vats.core.db.database import Connection
from vats.core.directory.models import Tenant


def caller(request: Request[Any, Any, Any]) -> Principal:
    return signed_in(request)


@asynccontextmanager
async def tenant_tx(request: Request[Any, Any, Any]) -> AsyncIterator[tuple[Connection, Tenant, Principal]]:
    """A transaction scoped to the caller's tenant, with the tenant loaded."""
    async with tenant_transaction(kernel_of(request), signed_in(request)) as tx:
        yield tx.conn, tx.tenant, tx.me
