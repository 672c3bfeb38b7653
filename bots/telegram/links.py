"""Linking a Telegram account to an employee: one-time, expiring deep-link codes, and the links.

The cabinet asks for a code (``POST /api/me/telegram-link``); ``/start CODE`` in the bot binds
the Telegram user who sent it to that employee. A code works once and for ``CODE_TTL``; only
its hash is stored. One employee has one Telegram account and one account speaks for one
employee: linking again moves the link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import msgspec
from vats.core.bot import BotUser, Language
from vats.core.db.database import Connection, Database

WEBHOOK_PATH = "/telegram/webhook"
"""Where Telegram posts updates (here, not in service.py: the route must not import aiogram)."""

CODE_TTL = dt.timedelta(minutes=15)


class LinkCode(msgspec.Struct, kw_only=True):
    code: str
    expires_at: dt.datetime


class LinkState(msgspec.Struct, kw_only=True):
    linked: bool
    username: str | None = None
    linked_at: dt.datetime | None = None


def _hash(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()


async def new_code(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> LinkCode:
    """A fresh code; the employee's earlier unused codes stop working."""
    code = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]: fits Telegram's 64 for /start
    await conn.execute(
        "DELETE FROM telegram_link_codes WHERE tenant_id = $1 AND (employee_id = $2 OR expires_at < now())",
        tenant_id, employee_id,
    )  # fmt: skip
    expires_at = await conn.fetchval(
        "INSERT INTO telegram_link_codes (code_hash, tenant_id, employee_id, expires_at)"
        " VALUES ($1, $2, $3, now() + $4::interval) RETURNING expires_at",
        _hash(code), tenant_id, employee_id, CODE_TTL,
    )  # fmt: skip
    return LinkCode(code=code, expires_at=expires_at)


async def redeem(
    db: Database, code: str, *, telegram_user_id: int, chat_id: int, username: str | None, language: Language
) -> BotUser | None:
    """Bind the Telegram user to the code's employee; None if the code is unknown, used or expired."""
    if not 16 <= len(code) <= 64:
        return None
    async with db.system() as conn:  # the code names the tenant; nothing else does yet
        row = await conn.fetchrow(
            "UPDATE telegram_link_codes SET used_at = now() WHERE code_hash = $1 AND used_at IS NULL"
            " AND expires_at > now() RETURNING tenant_id, employee_id",
            _hash(code),
        )
        if row is None:
            return None
        await conn.execute("DELETE FROM telegram_links WHERE telegram_user_id = $1", telegram_user_id)
        await conn.execute(
            "INSERT INTO telegram_links (tenant_id, employee_id, telegram_user_id, chat_id, username, language)"
            # The employee's own language if they chose one in the cabinet, else the app's.
            " VALUES ($1, $2, $3, $4, $5,"
            " coalesce((SELECT e.language FROM employees e WHERE e.tenant_id = $1 AND e.id = $2), $6))"
            " ON CONFLICT (tenant_id, employee_id) DO UPDATE SET"
            " telegram_user_id = EXCLUDED.telegram_user_id, chat_id = EXCLUDED.chat_id,"
            " username = EXCLUDED.username, language = EXCLUDED.language, linked_at = now()",
            row["tenant_id"], row["employee_id"], telegram_user_id, chat_id, username, language,
        )  # fmt: skip
    return await find(db, telegram_user_id)


async def find(db: Database, telegram_user_id: int) -> BotUser | None:
    """Who a Telegram user is, if linked (and the employee and tenant still exist)."""
    async with db.system() as conn:
        row = await conn.fetchrow(
            "SELECT l.tenant_id, l.employee_id, l.chat_id, l.language, e.role, e.language AS chosen"
            " FROM telegram_links l"
            " JOIN employees e ON e.tenant_id = l.tenant_id AND e.id = l.employee_id"
            " JOIN tenants t ON t.id = l.tenant_id AND NOT t.suspended"
            " WHERE l.telegram_user_id = $1",
            telegram_user_id,
        )
    if row is None:
        return None
    return BotUser(
        tenant_id=row["tenant_id"], employee_id=row["employee_id"], role=row["role"], language=row["language"],
        telegram_user_id=telegram_user_id, chat_id=row["chat_id"], chosen_language=row["chosen"],
    )  # fmt: skip


async def set_language(db: Database, user: BotUser, language: Language) -> None:
    async with db.tenant(user.tenant_id) as conn:
        await conn.execute(
            "UPDATE telegram_links SET language = $3 WHERE tenant_id = $1 AND employee_id = $2",
            user.tenant_id, user.employee_id, language,
        )  # fmt: skip


async def state(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> LinkState:
    row = await conn.fetchrow(
        "SELECT username, linked_at FROM telegram_links WHERE tenant_id = $1 AND employee_id = $2",
        tenant_id, employee_id,
    )  # fmt: skip
    if row is None:
        return LinkState(linked=False)
    return LinkState(linked=True, username=row["username"], linked_at=row["linked_at"])


async def unlink(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> bool:
    """Remove the link (a trigger drops the alerts still waiting for it). False if there was none."""
    done = await conn.execute(
        "DELETE FROM telegram_links WHERE tenant_id = $1 AND employee_id = $2", tenant_id, employee_id
    )
    return bool(done != "DELETE 0")
