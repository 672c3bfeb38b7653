"""Remote provisioning of a softphone: a single-use, expiring link to one SIP line's settings.

An admin (or the line's owner) asks for a link; the cabinet shows it as a QR code, which a
softphone such as Linphone scans and fetches. The QR holds only the link, never the password;
the link serves the settings once (``redeem``), then never again, and dies after
``TOKEN_TTL`` unused. Only the token's hash is stored, so a database dump hands out no links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import msgspec
from vats.core.db.database import Connection, Database
from vats.core.directory.employees import get_terminal
from vats.core.errors import ValidationError

TOKEN_TTL = dt.timedelta(minutes=15)


class ProvisioningLink(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    expires_at: dt.datetime


class LineSettings(msgspec.Struct, frozen=True, kw_only=True):
    """What a softphone needs to register one SIP line."""

    sip_login: str
    sip_password: str
    display_name: str


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def issue(
    conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, terminal_id: uuid.UUID
) -> ProvisioningLink:
    """A fresh link for one of the employee's SIP lines; the line's earlier unused link stops
    working (one live QR per line)."""
    terminal = await get_terminal(conn, tenant_id, employee_id, terminal_id)
    if terminal.sip_login is None:
        raise ValidationError("an external number has no SIP settings", field="terminal_id")
    token = secrets.token_urlsafe(32)
    await conn.execute(
        "DELETE FROM provisioning_tokens WHERE tenant_id = $1 AND (terminal_id = $2 OR expires_at < now())",
        tenant_id, terminal_id,
    )  # fmt: skip
    expires_at: dt.datetime = await conn.fetchval(
        "INSERT INTO provisioning_tokens (token_hash, tenant_id, employee_id, terminal_id, expires_at)"
        " VALUES ($1, $2, $3, $4, now() + $5::interval) RETURNING expires_at",
        _hash(token), tenant_id, employee_id, terminal_id, TOKEN_TTL,
    )  # fmt: skip
    return ProvisioningLink(token=token, expires_at=expires_at)


async def redeem(db: Database, token: str) -> LineSettings | None:
    """The line's settings, once: the first fetch marks the token used (atomically, so two
    concurrent fetches cannot both get them); None if unknown, used or expired."""
    if not 20 <= len(token) <= 100:
        return None
    async with db.system() as conn:  # the token names the tenant; nothing else does
        row = await conn.fetchrow(
            "UPDATE provisioning_tokens p SET used_at = now() FROM terminals t, employees e"
            " WHERE p.token_hash = $1 AND p.used_at IS NULL AND p.expires_at > now()"
            " AND (t.tenant_id, t.id) = (p.tenant_id, p.terminal_id)"
            " AND (e.tenant_id, e.id) = (p.tenant_id, p.employee_id)"
            " RETURNING t.sip_login, t.sip_password, e.full_name",
            _hash(token),
        )
    if row is None or row["sip_login"] is None:
        return None
    return LineSettings(
        sip_login=row["sip_login"], sip_password=row["sip_password"] or "", display_name=row["full_name"]
    )
