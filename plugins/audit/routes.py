"""GET /api/audit: the tenant's audit log, for admins."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from vats.plugins.audit import AuditEntry, entries


@get(
    "/api/audit",
    operation_id="listAudit",
    tags=["audit"],
    summary="Who changed what in the directory, newest first",
    opt={"roles": {"admin"}},
)
async def audit(
    request: Request[Any, Any, Any],
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
) -> list[AuditEntry]:
    kernel = request.app.state.kernel
    tenant_id = request.user.tenant_id
    async with kernel.db.tenant(tenant_id) as conn:
        return await entries(conn, tenant_id, limit, offset)
