"""An employee's personal mobile (seed 003), confirmed by an SMS code before it is used, and
password recovery by an SMS code sent to it.

Recovery answers the same whether or not the account exists or has a confirmed mobile (no
oracle): asking for a code always says "if ..., a code was sent"; a wrong, expired, spent or
never-sent code gets one and the same refusal. Limits: a code lives ``CODE_LIFETIME`` and takes
``MAX_CODE_TRIES`` tries; one number gets at most the operator's ``codes_per_hour`` codes (the
SMS limits of ``sms.py``; over them nothing is sent, silently); one client address may ask
``REQUESTS_PER_HOUR`` codes and try ``TRIES_PER_HOUR`` codes an hour (over them: 429, the same
for every account). Codes go through the ``sms_provider`` hook and the outbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

import msgspec
from vats.core.accounts.service import RateLimitedError, check_password_strength
from vats.core.db.database import Connection
from vats.core.errors import NotFoundError, ValidationError
from vats.core.protocols import KernelAPI
from vats.plugins.notifications.sms import CODE_LIFETIME, SmsLimitError, SmsPayload, enqueue_sms, parse_mobile
from vats.plugins.notifications.texts import Language, t

MAX_CODE_TRIES = 5
REQUESTS_PER_HOUR = 10
TRIES_PER_HOUR = 30
WINDOW = dt.timedelta(hours=1)
WRONG = "the code is wrong or has expired"


class PersonalMobile(msgspec.Struct, kw_only=True):
    number: str
    verified: bool


def _hash(employee_id: uuid.UUID, code: str) -> bytes:
    return hashlib.sha256(f"{employee_id}:{code.strip()}".encode()).digest()


def _code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


async def _language(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> tuple[Language, str]:
    row = await conn.fetchrow(
        "SELECT coalesce(e.language, t.language) AS language, t.name FROM employees e JOIN tenants t"
        " ON t.id = e.tenant_id WHERE e.tenant_id = $1 AND e.id = $2",
        tenant_id, employee_id,
    )  # fmt: skip
    assert row is not None
    return ("en" if row["language"] == "en" else "ru"), row["name"]


# --- the number, in the employee's own profile -------------------------------------------


async def get(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> PersonalMobile | None:
    row = await conn.fetchrow(
        "SELECT personal_mobile, verified_at FROM employee_personal_mobiles WHERE tenant_id = $1 AND employee_id = $2",
        tenant_id, employee_id,
    )  # fmt: skip
    if row is None:
        return None
    return PersonalMobile(number=row["personal_mobile"], verified=row["verified_at"] is not None)


async def set_number(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, text: str) -> int:
    """Set (or change) my personal mobile: it waits for the code sent to it, which is written to
    the outbox (its id returned); the previous number stops serving recovery at once."""
    number = parse_mobile(text, "personal_mobile")
    code = _code()
    await conn.execute(
        "INSERT INTO employee_personal_mobiles (tenant_id, employee_id, personal_mobile, code_hash, code_expires)"
        " VALUES ($1, $2, $3, $4, now() + $5::interval)"
        " ON CONFLICT (tenant_id, employee_id) DO UPDATE SET personal_mobile = $3, verified_at = NULL,"
        " code_hash = $4, code_expires = now() + $5::interval, code_tries = 0, updated_at = now()",
        tenant_id, employee_id, number, _hash(employee_id, code), CODE_LIFETIME,
    )  # fmt: skip
    language, company = await _language(conn, tenant_id, employee_id)
    payload = SmsPayload(to=number, text=t(language, "sms_code", company=company, code=code))
    return await enqueue_sms(conn, tenant_id=tenant_id, kind="code", payload=payload, field="personal_mobile")


class WrongCode(ValidationError):
    """A mistyped code: its try must be counted, so the caller commits before answering."""


async def confirm(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, code: str) -> PersonalMobile:
    row = await conn.fetchrow(
        "SELECT personal_mobile, verified_at, code_hash, code_expires > now() AS fresh, code_tries"
        " FROM employee_personal_mobiles WHERE tenant_id = $1 AND employee_id = $2 FOR UPDATE",
        tenant_id, employee_id,
    )  # fmt: skip
    if row is None or row["verified_at"] is not None or row["code_hash"] is None:
        raise ValidationError("no code is waiting for this number", field="code")
    if not row["fresh"] or row["code_tries"] >= MAX_CODE_TRIES:
        raise ValidationError("the code has expired or was mistyped too often: send a new one", field="code")
    if not secrets.compare_digest(row["code_hash"], _hash(employee_id, code)):
        await conn.execute(
            "UPDATE employee_personal_mobiles SET code_tries = code_tries + 1"
            " WHERE tenant_id = $1 AND employee_id = $2",
            tenant_id, employee_id,
        )  # fmt: skip
        raise WrongCode("the code is wrong", field="code")
    await conn.execute(
        "UPDATE employee_personal_mobiles SET verified_at = now(), code_hash = NULL, code_expires = NULL,"
        " updated_at = now() WHERE tenant_id = $1 AND employee_id = $2",
        tenant_id, employee_id,
    )  # fmt: skip
    return PersonalMobile(number=row["personal_mobile"], verified=True)


async def remove(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> None:
    done = await conn.fetchval(
        "DELETE FROM employee_personal_mobiles WHERE tenant_id = $1 AND employee_id = $2 RETURNING true",
        tenant_id, employee_id,
    )  # fmt: skip
    if not done:
        raise NotFoundError("no personal mobile is set", field="personal_mobile")


# --- password recovery (public: the visitor is nobody yet) -------------------------------


async def _charge(kernel: KernelAPI, address: str, kind: str, limit: int) -> None:
    """Count this client address's request or try, or refuse it (429) over the hour's limit;
    decided one after another per address (an advisory lock), committed on its own."""
    async with kernel.db.system() as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('vats sms recovery ' || $1, 0))", address)
        row = await conn.fetchrow(
            "SELECT count(*) AS n, min(at) AS first FROM password_sms_attempts"
            " WHERE address = $1 AND kind = $2 AND at > now() - $3::interval",
            address, kind, WINDOW,
        )  # fmt: skip
        if row is not None and row["n"] >= limit:
            retry = int((row["first"] + WINDOW - dt.datetime.now(dt.UTC)).total_seconds()) + 1
            raise RateLimitedError("too many attempts from this address; try again later", retry_after=max(retry, 1))
        await conn.execute("INSERT INTO password_sms_attempts (address, kind) VALUES ($1, $2)", address, kind)


async def request_code(kernel: KernelAPI, email: str, client_address: str) -> list[int]:
    """Send a recovery code to the account's confirmed personal mobile, if there is one; says
    nothing either way (the outbox ids written, for sending at once)."""
    await _charge(kernel, client_address, "request", REQUESTS_PER_HOUR)
    async with kernel.db.system() as conn:
        row = await conn.fetchrow(
            "SELECT e.id, e.tenant_id, m.personal_mobile FROM employees e JOIN employee_personal_mobiles m"
            " ON m.tenant_id = e.tenant_id AND m.employee_id = e.id"
            " WHERE lower(e.email) = lower($1) AND e.invitation_accepted_at IS NOT NULL AND m.verified_at IS NOT NULL",
            email.strip(),
        )
        if row is None:
            return []
        tenant_id, employee_id = row["tenant_id"], row["id"]
        code = _code()
        language, company = await _language(conn, tenant_id, employee_id)
        payload = SmsPayload(to=row["personal_mobile"], text=t(language, "recovery_code", company=company, code=code))
        try:
            async with conn.transaction():  # over an SMS limit: nothing written, nothing said
                sms_id = await enqueue_sms(conn, tenant_id=tenant_id, kind="code", payload=payload, field="email")
                # A new code replaces the ones before it.
                await conn.execute(
                    "UPDATE password_sms_codes SET used_at = now() WHERE employee_id = $1 AND used_at IS NULL",
                    employee_id,
                )
                await conn.execute(
                    "INSERT INTO password_sms_codes (tenant_id, employee_id, code_hash, expires_at)"
                    " VALUES ($1, $2, $3, now() + $4::interval)",
                    tenant_id, employee_id, _hash(employee_id, code), CODE_LIFETIME,
                )  # fmt: skip
        except SmsLimitError:
            return []
    return [sms_id]


async def reset_password(kernel: KernelAPI, email: str, code: str, password: str, client_address: str) -> None:
    """Set a new password with the code: one refusal (``WRONG``, field ``code``) for every way
    the code can fail, whether or not the account exists."""
    check_password_strength(password)
    await _charge(kernel, client_address, "try", TRIES_PER_HOUR)
    found: Any = None
    async with kernel.db.system() as conn:
        row = await conn.fetchrow(
            "SELECT c.id, c.tenant_id, c.employee_id, c.code_hash FROM password_sms_codes c"
            " JOIN employees e ON e.tenant_id = c.tenant_id AND e.id = c.employee_id"
            " WHERE lower(e.email) = lower($1) AND c.used_at IS NULL AND c.expires_at > now() AND c.tries < $2"
            " ORDER BY c.id DESC LIMIT 1 FOR UPDATE OF c",
            email.strip(), MAX_CODE_TRIES,
        )  # fmt: skip
        if row is not None:
            if secrets.compare_digest(row["code_hash"], _hash(row["employee_id"], code)):
                await conn.execute("UPDATE password_sms_codes SET used_at = now() WHERE id = $1", row["id"])
                found = row
            else:
                await conn.execute("UPDATE password_sms_codes SET tries = tries + 1 WHERE id = $1", row["id"])
    if found is None:
        raise ValidationError(WRONG, field="code")
    token = await kernel.accounts.reset_token(found["tenant_id"], found["employee_id"])
    await kernel.accounts.reset_password(token, password)
