"""The operator's SIP trunks (system-wide, not a tenant's): where inbound DIDs arrive from and
outbound calls leave through."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from vats.core.errors import ConflictError, NotFoundError, ValidationError

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$")


class TrunkIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(examples=["rostelecom"], max_length=40)]
    host: Annotated[str, msgspec.Meta(examples=["sip.provider.example"], max_length=253)]
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 5060
    username: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    password: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    inbound_match: Annotated[str, msgspec.Meta(examples=["203.0.113.0/24"], max_length=100)] | None = None
    # How the provider wants numbers: +74951234567, 84951234567, or 74951234567.
    dial_format: Literal["e164", "national", "digits"] = "e164"
    outbound: bool = True


class Trunk(msgspec.Struct, kw_only=True):
    """A trunk as the API shows it: the password is never read back."""

    id: uuid.UUID
    name: str
    host: str
    port: int
    username: str | None
    has_password: bool
    inbound_match: str | None
    dial_format: str
    outbound: bool


def _trunk(row: Any) -> Trunk:
    return Trunk(
        id=row["id"], name=row["name"], host=row["host"], port=row["port"], username=row["username"],
        has_password=bool(row["password"]), inbound_match=row["inbound_match"], dial_format=row["dial_format"],
        outbound=row["outbound"],
    )  # fmt: skip


async def create_trunk(conn: Any, data: TrunkIn) -> Trunk:
    if not _NAME.match(data.name):
        raise ValidationError("lowercase latin letters, digits, - and _; starts with a letter", field="name")
    if not _HOST.match(data.host):
        raise ValidationError("a host name or an IP address", field="host")
    if data.password and not data.username:
        raise ValidationError("a password needs a username", field="username")
    # The name's UNIQUE constraint decides (a check before the insert would let two concurrent
    # creations both pass it and the second end in a 500).
    try:
        row = await conn.fetchrow(
            "INSERT INTO sip_trunks (name, host, port, username, password, inbound_match, dial_format, outbound)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
            data.name, data.host, data.port, data.username, data.password, data.inbound_match, data.dial_format,
            data.outbound,
        )  # fmt: skip
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError("another trunk has this name", field="name") from exc
    return _trunk(row)


async def list_trunks(conn: Any) -> list[Trunk]:
    return [_trunk(r) for r in await conn.fetch("SELECT * FROM sip_trunks ORDER BY created_at, name")]


async def delete_trunk(conn: Any, trunk_id: uuid.UUID) -> None:
    if not await conn.fetchval("DELETE FROM sip_trunks WHERE id = $1 RETURNING true", trunk_id):
        raise NotFoundError("no such trunk", field="trunk_id")
