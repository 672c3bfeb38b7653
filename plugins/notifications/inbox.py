"""The in-cabinet notification list (the bell in the cabinet's header): each employee's own
notifications, read or not. A notification is a row written in the transaction of its event
(nothing far away to deliver to: the row is the delivery); its trigger tells the employee's
open pages at once (migration 0003). Every query names the tenant and the employee: an
employee sees their own list only, and row-level security keeps tenants apart besides.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence

import msgspec
from vats.core.db.database import Connection
from vats.plugins.notifications.texts import Language

MAX_SHOWN = 50
ADMINS = ("admin",)


class Notice(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    title: str
    body: str
    link: str | None
    created_at: dt.datetime
    read: bool


# What a notification says in a language: (title, body).
Render = Callable[[Language], tuple[str, str]]


async def notify(
    conn: Connection, tenant_id: uuid.UUID, employee_ids: Sequence[uuid.UUID], kind: str, render: Render,
    link: str | None = None,
) -> list[int]:  # fmt: skip
    """One notification to each of these employees, in their language (else the PBX's)."""
    if not employee_ids:
        return []
    rows = await conn.fetch(
        "SELECT e.id, coalesce(e.language, t.language) AS language FROM employees e"
        " JOIN tenants t ON t.id = e.tenant_id WHERE e.tenant_id = $1 AND e.id = ANY($2::uuid[]) ORDER BY e.id",
        tenant_id, list(employee_ids),
    )  # fmt: skip
    written = []
    rendered: dict[str, tuple[str, str]] = {}
    for r in rows:
        lang: Language = "en" if r["language"] == "en" else "ru"
        title, body = rendered.setdefault(lang, render(lang))
        notice_id = await conn.fetchval(
            "INSERT INTO notification_inbox (tenant_id, employee_id, kind, title, body, link)"
            " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            tenant_id, r["id"], kind, title[:300], body[:4000], link,
        )  # fmt: skip
        written.append(notice_id)
    return written


async def notify_admins(
    conn: Connection, tenant_id: uuid.UUID, kind: str, render: Render, link: str | None = None
) -> list[int]:
    """The PBX's admins hear of its account and its migration."""
    admins = await conn.fetch(
        "SELECT id FROM employees WHERE tenant_id = $1 AND role = ANY($2::text[])", tenant_id, list(ADMINS)
    )
    return await notify(conn, tenant_id, [a["id"] for a in admins], kind, render, link)


async def listing(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> list[Notice]:
    rows = await conn.fetch(
        "SELECT id, kind, title, body, link, created_at, read_at IS NOT NULL AS read FROM notification_inbox"
        " WHERE tenant_id = $1 AND employee_id = $2 ORDER BY id DESC LIMIT $3",
        tenant_id, employee_id, MAX_SHOWN,
    )  # fmt: skip
    return [Notice(**dict(r)) for r in rows]


async def unread(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM notification_inbox WHERE tenant_id = $1 AND employee_id = $2 AND read_at IS NULL",
        tenant_id, employee_id,
    )  # fmt: skip
    return count


async def mark_read(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, notice_id: int | None = None
) -> int:
    """Mark one of my notifications read (or all of them: ``notice_id`` None); how many changed.
    Another employee's notification is not found, not marked."""
    if notice_id is not None and not 1 <= notice_id < 2**63:
        return 0  # beyond the column's range nothing exists (and the database would refuse the value)
    result = await conn.execute(
        "UPDATE notification_inbox SET read_at = now() WHERE tenant_id = $1 AND employee_id = $2"
        " AND read_at IS NULL AND ($3::bigint IS NULL OR id = $3)",
        tenant_id, employee_id, notice_id,
    )  # fmt: skip
    return int(result.split()[-1])
