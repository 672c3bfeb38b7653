"""The migration agreement ("миграционная оферта", seed 000): a legal text the operator edits and
versions, and the record of which tenant accepted which version, who and when.

Every save by the operator publishes a new version; published versions are never changed (the
table has no UPDATE or DELETE policy). An admin of a migrated PBX accepts the latest version;
accepting an older one is refused (the admin must read what is in force now).

A version published after a tenant accepted: the acceptance still counts for completing the
migration (``accepted_version`` is the latest version the tenant accepted, whatever it is), and
the banner asks an admin to accept the new version too (``needs_acceptance``). Completion does
not wait for it: the customer agreed to the terms that stood when they accepted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ConflictError, NotFoundError, ValidationError

TITLE_MAX = 200
BODY_MAX = 200_000


class AgreementIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new version as the operator saves it."""

    title: Annotated[str, msgspec.Meta(max_length=TITLE_MAX)]
    body: Annotated[str, msgspec.Meta(max_length=BODY_MAX)]


class Agreement(msgspec.Struct, kw_only=True):
    version: int
    title: str
    body: str
    published_by: str
    published_at: dt.datetime


class AgreementVersion(msgspec.Struct, kw_only=True):
    """A version without its text, for lists."""

    version: int
    title: str
    published_by: str
    published_at: dt.datetime


class Acceptance(msgspec.Struct, kw_only=True):
    tenant_id: uuid.UUID
    version: int
    employee_id: uuid.UUID
    employee_name: str
    employee_email: str
    accepted_at: dt.datetime


class AcceptIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The version the admin read and accepts."""

    version: int


class AgreementState(msgspec.Struct, kw_only=True):
    """What a tenant's cabinet shows: the version in force, the latest the tenant accepted, and
    whether an admin still has to accept (nothing accepted yet, or a newer version since)."""

    latest: int | None
    accepted_version: int | None
    needs_acceptance: bool
    acceptances: list[Acceptance]


_AGREEMENT = "SELECT version, title, body, published_by, published_at FROM migration_agreements"
_ACCEPTANCE = (
    "SELECT tenant_id, version, employee_id, employee_name, employee_email, accepted_at"
    " FROM migration_agreement_acceptances"
)


def _check(data: AgreementIn) -> tuple[str, str]:
    """The text as it is stored, or the first problem, naming its field. The lengths are checked
    here too: a page builds ``AgreementIn`` directly, and its ``Meta`` limits bind only decoding
    (the API's), so an over-long form would otherwise reach the table's CHECK."""
    title, body = data.title.strip(), data.body.strip()
    if not title:
        raise ValidationError("the agreement needs a title", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"must be at most {TITLE_MAX} characters", field="title")
    if not body:
        raise ValidationError("the agreement needs a text", field="body")
    if len(body) > BODY_MAX:
        raise ValidationError(f"must be at most {BODY_MAX} characters", field="body")
    return title, body


async def publish(conn: Connection, data: AgreementIn, published_by: str) -> Agreement:
    """Save the operator's text as the next version (system scope). Two operators saving at once
    get two consecutive versions: the lock serialises the numbering."""
    title, body = _check(data)
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('migration_agreements'))")
    row = await conn.fetchrow(
        "INSERT INTO migration_agreements (version, title, body, published_by)"
        " SELECT coalesce(max(version), 0) + 1, $1, $2, $3 FROM migration_agreements"
        " RETURNING version, title, body, published_by, published_at",
        title, body, published_by,
    )  # fmt: skip
    assert row is not None
    return Agreement(**dict(row))


async def latest(conn: Connection) -> Agreement | None:
    """The version in force (the newest), None before the operator published any."""
    row = await conn.fetchrow(_AGREEMENT + " ORDER BY version DESC LIMIT 1")
    return None if row is None else Agreement(**dict(row))


async def version(conn: Connection, number: int) -> Agreement:
    # Beyond the column's integer range nothing can exist (and the database would refuse the value).
    row = await conn.fetchrow(_AGREEMENT + " WHERE version = $1", number) if 1 <= number < 2**31 else None
    if row is None:
        raise NotFoundError("no such version of the migration agreement", field="version")
    return Agreement(**dict(row))


async def versions(conn: Connection) -> list[AgreementVersion]:
    """Every version, newest first."""
    rows = await conn.fetch(
        "SELECT version, title, published_by, published_at FROM migration_agreements ORDER BY version DESC"
    )
    return [AgreementVersion(**dict(r)) for r in rows]


async def accepted_version(conn: Connection, tenant_id: uuid.UUID) -> int | None:
    """The latest version the tenant accepted, None if none (what completion checks)."""
    value = await conn.fetchval(
        "SELECT max(version) FROM migration_agreement_acceptances WHERE tenant_id = $1", tenant_id
    )
    return None if value is None else int(value)


async def acceptances(conn: Connection, tenant_id: uuid.UUID | None = None) -> list[Acceptance]:
    """Who accepted which version and when, newest first: one tenant's, or (system scope,
    ``tenant_id`` None) every tenant's."""
    rows = await conn.fetch(
        _ACCEPTANCE + " WHERE $1::uuid IS NULL OR tenant_id = $1 ORDER BY accepted_at DESC, version DESC",
        tenant_id,
    )
    return [Acceptance(**dict(r)) for r in rows]


async def state(conn: Connection, tenant_id: uuid.UUID) -> AgreementState:
    newest = await conn.fetchval("SELECT max(version) FROM migration_agreements")
    accepted = await accepted_version(conn, tenant_id)
    return AgreementState(
        latest=newest,
        accepted_version=accepted,
        needs_acceptance=newest is not None and (accepted is None or accepted < newest),
        acceptances=await acceptances(conn, tenant_id),
    )


async def accept(conn: Connection, tenant_id: uuid.UUID, employee_id: uuid.UUID, number: int) -> Acceptance:
    """Record that ``employee_id`` (an admin of ``tenant_id``) accepted version ``number``, now.

    Refused unless ``number`` is the version in force (a newer one may have been published while
    the admin read the page) and the employee is an admin of the tenant. Accepting a version the
    tenant already accepted changes nothing and returns the first acceptance (two admins clicking
    at once: one row, the primary key decides)."""
    newest = await latest(conn)
    if newest is None:
        raise NotFoundError("the operator has not published the migration agreement yet", field="version")
    if number != newest.version:
        if number > newest.version or number < 1:
            raise NotFoundError("no such version of the migration agreement", field="version")
        raise ConflictError(
            "a newer version of the migration agreement was published: read it and accept it",
            field="version", latest=newest.version,
        )  # fmt: skip
    person = await conn.fetchrow(
        "SELECT full_name, email, role FROM employees WHERE tenant_id = $1 AND id = $2", tenant_id, employee_id
    )
    if person is None:
        raise NotFoundError("no such employee", field="employee_id")
    if person["role"] != "admin":
        raise ValidationError("only an admin of the PBX accepts the migration agreement", field="employee_id")
    await conn.execute(
        "INSERT INTO migration_agreement_acceptances (tenant_id, version, employee_id, employee_name, employee_email)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, version) DO NOTHING",
        tenant_id, number, employee_id, person["full_name"], person["email"],
    )  # fmt: skip
    row = await conn.fetchrow(_ACCEPTANCE + " WHERE tenant_id = $1 AND version = $2", tenant_id, number)
    assert row is not None
    return Acceptance(**dict(row))
