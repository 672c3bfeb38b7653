"""Deals: one per contact, created automatically on calls (tenant setting) or by hand; status,
responsible, comments, attached calls and tasks. A private deal is visible to its responsible
alone (while they are an employee; if they are deleted, admins see it again)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from msgspec import UNSET
from vats.core.db.database import Connection
from vats.core.errors import ConflictError, NotFoundError
from vats.plugins.crm.models import Deal, DealIn, DealUpdate
from vats.plugins.crm.viewer import Viewer

COLUMNS = "d.id, d.contact_id, d.title, d.status, d.responsible_id, d.private, d.created_at, d.updated_at"


def _deal(r: Any) -> Deal:
    return Deal(
        id=r["id"], contact_id=r["contact_id"], title=r["title"], status=r["status"],
        responsible_id=r["responsible_id"], private=r["private"], created_at=r["created_at"],
        updated_at=r["updated_at"],
    )  # fmt: skip


def visibility(viewer: Viewer, args: list[Any]) -> str:
    args.append(viewer.employee_id)
    me = f"${len(args)}"
    private = f"(d.private AND d.responsible_id = {me})"
    if viewer.is_admin:
        return f"(NOT d.private OR d.responsible_id IS NULL OR {private})"
    personal = (
        "EXISTS (SELECT 1 FROM crm_contacts c WHERE c.tenant_id = d.tenant_id AND c.id = d.contact_id"
        " AND c.kind = 'personal')"
    )
    if viewer.company:
        return f"({private} OR (NOT d.private AND NOT {personal}))"
    args.append(list(viewer.people))
    people = f"${len(args)}::uuid[]"
    mine = (
        f"(d.responsible_id = ANY({people}) OR EXISTS (SELECT 1 FROM crm_contacts c WHERE c.tenant_id = d.tenant_id"
        f" AND c.id = d.contact_id AND c.manager_id = ANY({people})))"
    )
    return f"({private} OR (NOT d.private AND NOT {personal} AND {mine}))"


async def get(conn: Connection, viewer: Viewer, deal_id: uuid.UUID) -> Deal:
    args: list[Any] = [viewer.tenant_id, deal_id]
    condition = visibility(viewer, args)
    r = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM crm_deals d WHERE d.tenant_id = $1 AND d.id = $2 AND {condition}", *args
    )
    if r is None:
        raise NotFoundError("no such deal", field="deal_id")
    return _deal(r)


async def listing(
    conn: Connection,
    viewer: Viewer,
    *,
    since: dt.datetime,
    until: dt.datetime,
    status: str | None,
    limit: int,
    offset: int,
    contact_id: uuid.UUID | None = None,
) -> tuple[list[Deal], int]:
    args: list[Any] = [viewer.tenant_id, since, until]
    where = ["d.tenant_id = $1", "d.created_at >= $2", "d.created_at < $3", visibility(viewer, args)]
    if status:
        args.append(status)
        where.append(f"d.status = ${len(args)}")
    if contact_id:
        args.append(contact_id)
        where.append(f"d.contact_id = ${len(args)}")
    condition = " AND ".join(where)
    total = await conn.fetchval(f"SELECT count(*) FROM crm_deals d WHERE {condition}", *args)
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM crm_deals d WHERE {condition} ORDER BY d.created_at DESC, d.id"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return [_deal(r) for r in rows], int(total)


async def create(conn: Connection, viewer: Viewer, data: DealIn) -> Deal:
    contact = await conn.fetchrow(
        "SELECT kind FROM crm_contacts WHERE tenant_id = $1 AND id = $2", viewer.tenant_id, data.contact_id
    )
    if contact is None or (contact["kind"] == "personal" and not viewer.is_admin):
        raise NotFoundError("no such contact", field="contact_id")
    responsible = data.responsible_id or viewer.employee_id
    if not await conn.fetchval(
        "SELECT true FROM employees WHERE tenant_id = $1 AND id = $2", viewer.tenant_id, responsible
    ):
        raise NotFoundError("no such employee", field="responsible_id")
    deal_id = await conn.fetchval(
        "INSERT INTO crm_deals (tenant_id, contact_id, title, responsible_id, private) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (tenant_id, contact_id) DO NOTHING RETURNING id",
        viewer.tenant_id, data.contact_id, data.title.strip(), responsible, data.private,
    )  # fmt: skip
    if deal_id is None:
        raise ConflictError("the contact already has a deal (one per contact)", field="contact_id")
    r = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM crm_deals d WHERE d.tenant_id = $1 AND d.id = $2", viewer.tenant_id, deal_id
    )
    return _deal(r)


async def update(conn: Connection, viewer: Viewer, deal_id: uuid.UUID, data: DealUpdate) -> Deal:
    current = await get(conn, viewer, deal_id)
    responsible = current.responsible_id if data.responsible_id is UNSET else data.responsible_id
    if data.responsible_id is not UNSET and not await conn.fetchval(
        "SELECT true FROM employees WHERE tenant_id = $1 AND id = $2", viewer.tenant_id, responsible
    ):
        raise NotFoundError("no such employee", field="responsible_id")
    await conn.execute(
        "UPDATE crm_deals SET title = $3, status = $4, responsible_id = $5, private = $6, updated_at = now()"
        " WHERE tenant_id = $1 AND id = $2",
        viewer.tenant_id, deal_id,
        current.title if data.title is UNSET else data.title.strip(),
        current.status if data.status is UNSET else data.status,
        responsible,
        current.private if data.private is UNSET else data.private,
    )  # fmt: skip
    r = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM crm_deals d WHERE d.tenant_id = $1 AND d.id = $2", viewer.tenant_id, deal_id
    )
    return _deal(r)


async def auto_deal(
    conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID, number: str, responsible: uuid.UUID | None
) -> uuid.UUID:
    """The contact's deal, created on its first call when the tenant enables automatic deals."""
    deal_id = await conn.fetchval(
        "INSERT INTO crm_deals (tenant_id, contact_id, title, responsible_id) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (tenant_id, contact_id) DO NOTHING RETURNING id",
        tenant_id, contact_id, f"Сделка {number}", responsible,
    )  # fmt: skip
    if deal_id is None:
        deal_id = await conn.fetchval(
            "SELECT id FROM crm_deals WHERE tenant_id = $1 AND contact_id = $2", tenant_id, contact_id
        )
    return deal_id  # type: ignore[no-any-return]
