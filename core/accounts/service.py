"""Accounts: sign-in with sessions and refresh tokens, rate-limited failures, invitations,
password change and reset. Tokens are random and stored only as SHA-256 hashes; passwords
only as argon2 hashes. No token, link or password is ever logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from typing import Any, Literal

import msgspec
from vats.core.accounts.principal import Principal as Principal  # re-exported: frontends import it here
from vats.core.accounts.sessions import SessionCache
from vats.core.db.database import Connection, Database
from vats.core.directory.secrets import generate_password, hash_password, verify_password
from vats.core.errors import NotFoundError, ValidationError, VatsError
from vats.core.mail import Mail, enqueue_mail
from vats.core.outbox import Sender

log = logging.getLogger(__name__)

SESSION_LIFETIME = dt.timedelta(days=30)
INVITATION_LIFETIME = dt.timedelta(days=7)
RESET_LIFETIME = dt.timedelta(hours=2)
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD = 10

# Compared against when the e-mail is unknown, so a miss costs as much time as a wrong password.
# A literal, not hash_password() at import (a second of argon2 on every command's start-up);
# tests/core/test_startup.py checks it has the hasher's current parameters.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$N9iaZfF0j5FuzSf5krGqYA$BTBPIt9866bLXXeNlQjPGzGN00x+otqW9lxh3P/P9qA"


class AuthError(VatsError):
    status = 401
    title = "Not authenticated"


class ForbiddenError(VatsError):
    status = 403
    title = "Forbidden"


class RateLimitedError(VatsError):
    status = 429
    title = "Too many attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class SignIn(msgspec.Struct, frozen=True, kw_only=True):
    principal: Principal
    refresh_token: str


def _principal(session_id: uuid.UUID, tenant_id: uuid.UUID, employee_id: uuid.UUID, row: Any) -> Principal:
    """The signed-in employee from a row carrying role, email and full_name."""
    return Principal(
        session_id=session_id, tenant_id=tenant_id, employee_id=employee_id,
        role=row["role"], email=row["email"], full_name=row["full_name"],
    )  # fmt: skip


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"a password has at least {MIN_PASSWORD} characters", field=field)
    if len(password) > 128:
        raise ValidationError("a password has at most 128 characters", field=field)
    if password.isdigit() or password.isalpha():
        raise ValidationError("a password mixes letters with digits or symbols", field=field)


# The account e-mails in the person's language (their own choice, else the PBX's).
_MAILS: dict[str, dict[str, tuple[str, str]]] = {
    "ru": {
        "invitation": (
            "Приглашение в виртуальную АТС «{tenant}»",
            "Здравствуйте, {name}!\n\n"
            "Вас пригласили в виртуальную АТС «{tenant}». Ваш логин: {email}, ваш внутренний номер: {extension}.\n"
            "Чтобы принять приглашение и задать пароль, откройте ссылку (действует 7 дней):\n{link}\n\n"
            "Личный кабинет: {cabinet}\n"
            "Настройки SIP-линии (логин, пароль, сервер) — в кабинете, на странице «Профиль»: {me}\n{softphone}\n",
        ),
        "password_reset": (
            "Сброс пароля виртуальной АТС",
            "Чтобы задать новый пароль, откройте ссылку (действует 2 часа):\n{link}\n\n"
            "Если вы не просили сбросить пароль, ничего не делайте.\n",
        ),
    },
    "en": {
        "invitation": (
            "Invitation to the virtual PBX “{tenant}”",
            "Hello {name},\n\n"
            "You are invited to the virtual PBX “{tenant}”. Your log-in: {email}, your extension: {extension}.\n"
            "To accept the invitation and set your password, open this link (valid for 7 days):\n{link}\n\n"
            "The cabinet: {cabinet}\n"
            "Your SIP line settings (log-in, password, server) are in the cabinet, page “Profile”: {me}\n{softphone}\n",
        ),
        "password_reset": (
            "Virtual PBX password reset",
            "To set a new password, open this link (valid for 2 hours):\n{link}\n\n"
            "If you did not ask for a reset, do nothing.\n",
        ),
    },
}


def _mail(language: str, kind: str, to: str, **values: str) -> Mail:
    subject, text = _MAILS.get(language, _MAILS["ru"])[kind]
    return Mail(to=to, subject=subject.format(**values), text=text.format(**values))


class Accounts:
    def __init__(
        self, db: Database, mail: Sender, base_url: str, sessions: SessionCache | None = None,
        softphone_url: str | None = None,
    ) -> None:  # fmt: skip
        self.db = db
        self.softphone_url = softphone_url
        self.mail = mail  # the outbox's sender of the ``mail`` channel
        self.base_url = base_url
        self.sessions = sessions  # the process's cache of live sessions (None: every check queries)

    def _forget_sessions(self, tenant_id: uuid.UUID) -> None:
        """Sessions this process ended: dropped here at once (other processes hear it by NOTIFY)."""
        if self.sessions is not None:
            self.sessions.forget_tenant(tenant_id)

    # --- sign-in --------------------------------------------------------------------------

    async def charge_attempt(self, email_key: str, address_key: str) -> dt.datetime:
        """Count this attempt against both limits before the password is checked, or refuse it.

        Counting and charging happen in one transaction holding an advisory lock per key, so
        concurrent attempts on one account or from one address are decided one after another:
        at most the limit's number of passwords is ever checked within the window, however many
        arrive at once. A successful sign-in takes its charge back. Returns the charge's time."""
        async with self.db.system() as conn:
            for key in sorted((email_key, address_key)):  # one order everywhere: no deadlock
                await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)
            for key, limit in ((email_key, MAX_FAILURES_PER_ACCOUNT), (address_key, MAX_FAILURES_PER_ADDRESS)):
                row = await conn.fetchrow(
                    "SELECT count(*) AS n, min(at) AS first FROM login_failures"
                    " WHERE key = $1 AND at > now() - $2::interval",
                    key,
                    FAILURE_WINDOW,
                )
                if row is not None and row["n"] >= limit:
                    retry = int((row["first"] + FAILURE_WINDOW - dt.datetime.now(dt.UTC)).total_seconds()) + 1
                    raise RateLimitedError("too many failed sign-ins; try again later", retry_after=max(retry, 1))
            charged: dt.datetime = await conn.fetchval(
                "INSERT INTO login_failures (key) VALUES ($1), ($2) RETURNING at", email_key, address_key
            )
        return charged

    async def forgive(self, conn: Connection, email_key: str, address_key: str, charged_at: dt.datetime) -> None:
        """The right password: the account's failures are forgiven, the address's charge taken back."""
        await conn.execute("DELETE FROM login_failures WHERE key = $1", email_key)
        await conn.execute(
            "DELETE FROM login_failures WHERE ctid = (SELECT ctid FROM login_failures"
            " WHERE key = $1 AND at = $2 LIMIT 1)",
            address_key,
            charged_at,
        )

    async def login(self, email: str, password: str, client_address: str) -> SignIn:
        email_key = f"account:{email.strip().lower()}"
        address_key = f"address:{client_address}"
        charged_at = await self.charge_attempt(email_key, address_key)
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "SELECT e.id, e.tenant_id, e.role, e.email, e.full_name, e.password_hash, t.suspended"
                " FROM employees e JOIN tenants t ON t.id = e.tenant_id WHERE lower(e.email) = lower($1)",
                email.strip(),
            )
        ok = verify_password(row["password_hash"] if row and row["password_hash"] else _DUMMY_HASH, password)
        if row is None or not ok or row["password_hash"] is None:
            raise AuthError("wrong e-mail or password")  # the charge stays: the failure counts
        refresh = _new_token()
        async with self.db.system() as conn:
            await self.forgive(conn, email_key, address_key, charged_at)
            if row["suspended"]:
                session_id = None
            else:
                session_id = await conn.fetchval(
                    "INSERT INTO sessions (tenant_id, employee_id, refresh_hash, expires_at)"
                    " VALUES ($1, $2, $3, now() + $4::interval) RETURNING id",
                    row["tenant_id"],
                    row["id"],
                    _hash(refresh),
                    SESSION_LIFETIME,
                )
        if session_id is None:  # raised after the commit, so the charge is taken back all the same
            raise ForbiddenError("this PBX is suspended; contact your operator")
        principal = _principal(session_id, row["tenant_id"], row["id"], row)
        return SignIn(principal=principal, refresh_token=refresh)

    async def refresh(self, refresh_token: str) -> SignIn:
        """Exchange a refresh token for a new one (rotation: the old one stops working)."""
        new = _new_token()
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "UPDATE sessions s SET refresh_hash = $2, refreshed_at = now(), expires_at = now() + $3::interval"
                " FROM employees e, tenants t"
                " WHERE s.refresh_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()"
                " AND e.id = s.employee_id AND t.id = s.tenant_id AND NOT t.suspended"
                " RETURNING s.id, s.tenant_id, e.id AS employee_id, e.role, e.email, e.full_name",
                _hash(refresh_token),
                _hash(new),
                SESSION_LIFETIME,
            )
        if row is None:
            raise AuthError("the refresh token is not valid (expired, used or signed out)")
        return SignIn(principal=_principal(row["id"], row["tenant_id"], row["employee_id"], row), refresh_token=new)

    async def logout(self, tenant_id: uuid.UUID, session_id: uuid.UUID) -> None:
        async with self.db.tenant(tenant_id) as conn:
            await conn.execute(
                "UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
                tenant_id,
                session_id,
            )
        self._forget_sessions(tenant_id)

    async def principal(self, tenant_id: uuid.UUID, session_id: uuid.UUID) -> Principal | None:
        """The session's employee if the session is live and the tenant not suspended.

        Runs on every API request: answered from the process's session cache (dropped by
        notification on every change, see sessions.py), else by one statement
        (vats_session_principal)."""
        cache = self.sessions
        if cache is not None and (known := cache.get(tenant_id, session_id)) is not None:
            return known
        generation = cache.generation if cache is not None else 0
        row = await self.db.pool.fetchrow("SELECT * FROM vats_session_principal($1, $2)", tenant_id, session_id)
        if row is None:
            return None
        principal = _principal(session_id, tenant_id, row["employee_id"], row)
        if cache is not None:
            cache.put(principal, generation)
        return principal

    # --- invitations and passwords --------------------------------------------------------

    async def _issue(
        self, conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, purpose: str, lifetime: dt.timedelta
    ) -> str:
        token = _new_token()
        # A new token replaces every unused one of the same purpose: only the latest link works.
        await conn.execute(
            "UPDATE account_tokens SET used_at = now() WHERE tenant_id = $1 AND employee_id = $2"
            " AND purpose = $3 AND used_at IS NULL",
            tenant_id,
            employee_id,
            purpose,
        )
        await conn.execute(
            "INSERT INTO account_tokens (tenant_id, employee_id, purpose, token_hash, expires_at)"
            " VALUES ($1, $2, $3, $4, now() + $5::interval)",
            tenant_id,
            employee_id,
            purpose,
            _hash(token),
            lifetime,
        )
        return token

    async def invite(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> None:
        """(Re)send the invitation e-mail with a single-use link valid for seven days."""
        async with self.db.tenant(tenant_id) as conn:
            row = await conn.fetchrow(
                "SELECT e.email, e.full_name, e.extension, e.invitation_accepted_at, t.name AS tenant,"
                " coalesce(e.language, t.language) AS language FROM employees e"
                " JOIN tenants t ON t.id = e.tenant_id WHERE e.tenant_id = $1 AND e.id = $2",
                tenant_id,
                employee_id,
            )
            if row is None:
                raise NotFoundError("no such employee", field="employee_id")
            if row["invitation_accepted_at"] is not None:
                raise ValidationError("the invitation was already accepted", field="employee_id")
            token = await self._issue(conn, tenant_id, employee_id, "invitation", INVITATION_LIFETIME)
            link = f"{self.base_url}/invite?token={token}"
            softphone = ""
            if self.softphone_url:
                softphone = (
                    f"A softphone for your computer or phone: {self.softphone_url}\n" if row["language"] == "en"
                    else f"Софтфон для компьютера или телефона: {self.softphone_url}\n"
                )  # fmt: skip
            mail = _mail(row["language"], "invitation", row["email"], tenant=row["tenant"], name=row["full_name"],
                         email=row["email"], link=link, extension=row["extension"],
                         cabinet=f"{self.base_url}/cabinet", me=f"{self.base_url}/cabinet/me",
                         softphone=softphone)  # fmt: skip
            mail_id = await enqueue_mail(conn, tenant_id=tenant_id, kind="invitation", mail=mail)
        await self.mail.deliver([mail_id])  # at once; if it fails, the mail worker retries

    async def _consume(self, token: str, purpose: str) -> tuple[uuid.UUID, uuid.UUID]:
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "UPDATE account_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2"
                " AND used_at IS NULL AND expires_at > now() RETURNING tenant_id, employee_id",
                _hash(token),
                purpose,
            )
        if row is None:
            raise ValidationError("the link is not valid: it was used, replaced or has expired", field="token")
        return row["tenant_id"], row["employee_id"]

    async def invitation_details(self, token: str) -> dict[str, str]:
        """Who an invitation is for (the accept page shows it); does not use the token up."""
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "SELECT e.full_name, e.email, t.name AS tenant FROM account_tokens a"
                " JOIN employees e ON e.id = a.employee_id JOIN tenants t ON t.id = a.tenant_id"
                " WHERE a.token_hash = $1 AND a.purpose = 'invitation' AND a.used_at IS NULL AND a.expires_at > now()",
                _hash(token),
            )
        if row is None:
            raise ValidationError("the link is not valid: it was used, replaced or has expired", field="token")
        return {"full_name": row["full_name"], "email": row["email"], "tenant": row["tenant"]}

    async def accept_invitation(self, token: str, password: str) -> None:
        check_password_strength(password)
        tenant_id, employee_id = await self._consume(token, "invitation")
        async with self.db.tenant(tenant_id) as conn:
            await conn.execute(
                "UPDATE employees SET password_hash = $3, invitation_accepted_at = now()"
                " WHERE tenant_id = $1 AND id = $2",
                tenant_id,
                employee_id,
                hash_password(password),
            )

    async def change_password(self, principal: Principal, current: str, new: str) -> None:
        """Change one's own password; every other session of the employee is signed out."""
        check_password_strength(new, "new_password")
        async with self.db.tenant(principal.tenant_id) as conn:
            stored = await conn.fetchval(
                "SELECT password_hash FROM employees WHERE tenant_id = $1 AND id = $2",
                principal.tenant_id,
                principal.employee_id,
            )
            if not stored or not verify_password(stored, current):
                raise ValidationError("the current password is wrong", field="current_password")
            await conn.execute(
                "UPDATE employees SET password_hash = $3 WHERE tenant_id = $1 AND id = $2",
                principal.tenant_id,
                principal.employee_id,
                hash_password(new),
            )
            await conn.execute(
                "UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND employee_id = $2 AND id <> $3"
                " AND revoked_at IS NULL",
                principal.tenant_id,
                principal.employee_id,
                principal.session_id,
            )
        self._forget_sessions(principal.tenant_id)

    async def generate_password(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> str:
        """An admin gives an employee a new cabinet password (seeds 002/003: «Создать новый
        пароль»): generated, stored only as a hash and returned once for the admin to hand over.
        The employee's sessions are signed out and their unused reset links stop working."""
        password = generate_password()
        async with self.db.tenant(tenant_id) as conn:
            found = await conn.fetchval(
                "UPDATE employees SET password_hash = $3 WHERE tenant_id = $1 AND id = $2 RETURNING true",
                tenant_id,
                employee_id,
                hash_password(password),
            )
            if not found:
                raise NotFoundError("no such employee", field="employee_id")
            await conn.execute(
                "UPDATE sessions SET revoked_at = now()"
                " WHERE tenant_id = $1 AND employee_id = $2 AND revoked_at IS NULL",
                tenant_id,
                employee_id,
            )
            await conn.execute(
                "UPDATE account_tokens SET used_at = now() WHERE tenant_id = $1 AND employee_id = $2"
                " AND purpose = 'password_reset' AND used_at IS NULL",
                tenant_id,
                employee_id,
            )
        self._forget_sessions(tenant_id)
        return password

    async def request_password_reset(self, email: str) -> None:
        """Mail a reset link if the account exists and is active; says nothing either way."""
        async with self.db.system() as conn:
            row = await conn.fetchrow(
                "SELECT e.id, e.tenant_id, e.email, coalesce(e.language, t.language) AS language FROM employees e"
                " JOIN tenants t ON t.id = e.tenant_id"
                " WHERE lower(e.email) = lower($1) AND e.invitation_accepted_at IS NOT NULL",
                email.strip(),
            )
            if row is None:
                return
            token = await self._issue(conn, row["tenant_id"], row["id"], "password_reset", RESET_LIFETIME)
            link = f"{self.base_url}/reset-password?token={token}"
            mail = _mail(row["language"], "password_reset", row["email"], link=link)
            mail_id = await enqueue_mail(conn, tenant_id=row["tenant_id"], kind="password_reset", mail=mail)
        await self.mail.deliver([mail_id])

    async def reset_token(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> str:
        """A single-use token for :meth:`reset_password`, for an active employee who proved who
        they are another way (a plugin's SMS code to their personal mobile); it replaces the
        e-mailed link, if any. NotFoundError for an employee who never accepted the invitation."""
        async with self.db.tenant(tenant_id) as conn:
            if not await conn.fetchval(
                "SELECT true FROM employees WHERE tenant_id = $1 AND id = $2 AND invitation_accepted_at IS NOT NULL",
                tenant_id, employee_id,
            ):  # fmt: skip
                raise NotFoundError("no such employee", field="employee_id")
            return await self._issue(conn, tenant_id, employee_id, "password_reset", RESET_LIFETIME)

    async def reset_password(self, token: str, password: str) -> None:
        check_password_strength(password)
        tenant_id, employee_id = await self._consume(token, "password_reset")
        async with self.db.tenant(tenant_id) as conn:
            await conn.execute(
                "UPDATE employees SET password_hash = $3 WHERE tenant_id = $1 AND id = $2",
                tenant_id,
                employee_id,
                hash_password(password),
            )
            await conn.execute(
                "UPDATE sessions SET revoked_at = now()"
                " WHERE tenant_id = $1 AND employee_id = $2 AND revoked_at IS NULL",
                tenant_id,
                employee_id,
            )
        self._forget_sessions(tenant_id)


TokenPurpose = Literal["invitation", "password_reset"]
