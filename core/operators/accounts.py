"""Operator accounts: e-mail + argon2 password (the tenants' hasher), created from the command
line (``vats operator create``), and their sessions in the operator portal.

A session is a row of ``operator_sessions``, apart from the tenants' ``sessions``: a cookie or
token of one kind can never name a session of the other. Sign-in is charged against the same
failure limits as the tenants' (per account and per client address, one window), through the
same counter (``Accounts.charge_attempt``), under the account key ``operator:<e-mail>``."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec
from vats.core.accounts.service import (
    _DUMMY_HASH,
    SESSION_LIFETIME,
    Accounts,
    AuthError,
    check_password_strength,
)
from vats.core.db.database import Database
from vats.core.directory.secrets import hash_password, verify_password
from vats.core.directory.validation import check_email
from vats.core.errors import ConflictError, NotFoundError


class OperatorAccount(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    email: str
    created_at: dt.datetime


class Operator(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in operator, as every portal request sees them."""

    session_id: uuid.UUID
    operator_id: uuid.UUID
    email: str


def _account_key(email: str) -> str:
    return f"operator:{email.strip().lower()}"


class OperatorAccounts:
    def __init__(self, db: Database, accounts: Accounts) -> None:
        self.db = db
        self.accounts = accounts  # its failure counter: one set of sign-in limits for every door

    async def create(self, email: str, password: str) -> OperatorAccount:
        email = check_email(email)
        check_password_strength(password)
        async with self.db.system() as conn:
            try:
                row = await conn.fetchrow(
                    "INSERT INTO operator_accounts (email, password_hash) VALUES ($1, $2)"
                    " RETURNING id, email, created_at",
                    email,
                    hash_password(password),
                )
            except asyncpg.UniqueViolationError:
                raise ConflictError("an operator with this e-mail already exists", field="email") from None
        assert row is not None
        return OperatorAccount(id=row["id"], email=row["email"], created_at=row["created_at"])

    async def set_password(self, email: str, password: str) -> OperatorAccount:
        """A new password (the operator forgot theirs: there is no mail reset for operators);
        every session of the account ends at once."""
        check_password_strength(password)
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "UPDATE operator_accounts SET password_hash = $2 WHERE lower(email) = lower($1)"
                " RETURNING id, email, created_at",
                email.strip(),
                hash_password(password),
            )
            if row is None:
                raise NotFoundError("no operator with this e-mail", field="email")
            await conn.execute(
                "UPDATE operator_sessions SET revoked_at = now() WHERE operator_id = $1 AND revoked_at IS NULL",
                row["id"],
            )
        return OperatorAccount(id=row["id"], email=row["email"], created_at=row["created_at"])

    async def list(self) -> list[OperatorAccount]:
        async with self.db.system() as conn:
            rows = await conn.fetch("SELECT id, email, created_at FROM operator_accounts ORDER BY created_at")
        return [OperatorAccount(id=r["id"], email=r["email"], created_at=r["created_at"]) for r in rows]

    async def login(self, email: str, password: str, client_address: str) -> Operator:
        email_key, address_key = _account_key(email), f"address:{client_address}"
        charged_at = await self.accounts.charge_attempt(email_key, address_key)
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "SELECT id, email, password_hash FROM operator_accounts WHERE lower(email) = lower($1)", email.strip()
            )
        if not verify_password(row["password_hash"] if row else _DUMMY_HASH, password) or row is None:
            raise AuthError("wrong e-mail or password")  # the charge stays: the failure counts
        async with self.db.system() as conn:
            await self.accounts.forgive(conn, email_key, address_key, charged_at)
            session_id = await conn.fetchval(
                "INSERT INTO operator_sessions (operator_id, expires_at)"
                " VALUES ($1, now() + $2::interval) RETURNING id",
                row["id"],
                SESSION_LIFETIME,
            )
        return Operator(session_id=session_id, operator_id=row["id"], email=row["email"])

    async def principal(self, session_id: uuid.UUID) -> Operator | None:
        """The session's operator while the session is live (one query: operators are few)."""
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "SELECT o.id, o.email FROM operator_sessions s JOIN operator_accounts o ON o.id = s.operator_id"
                " WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()",
                session_id,
            )
        return Operator(session_id=session_id, operator_id=row["id"], email=row["email"]) if row else None

    async def logout(self, session_id: uuid.UUID) -> None:
        async with self.db.system() as conn:
            await conn.execute(
                "UPDATE operator_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", session_id
            )
