"""GET /api/audit: the tenant's audit log, for admins."""

from __future__ import annotations

from litestar import get
from vats.bots.web.kit import ADMIN, Limit, Offset, TenantDep
from vats.plugins.audit import AuditEntry, entries


@get(
    "/api/audit",
    operation_id="listAudit",
    tags=["audit"],
    summary="Who changed what in the directory, newest first",
    opt={"roles": ADMIN},
)
async def audit(tx: TenantDep, limit: Limit = 100, offset: Offset = 0) -> list[AuditEntry]:
    return await entries(tx.conn, tx.tenant.id, limit, offset)
