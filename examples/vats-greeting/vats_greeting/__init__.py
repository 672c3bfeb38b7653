"""vats-greeting: each tenant has a greeting text, created with the tenant, served by the API,
and a "time_announcement" scenario block."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import msgspec
from litestar import get
from litestar.exceptions import NotFoundException
from vats.bots.web.kit import TenantDep
from vats.core import hookimpl
from vats.core.db.database import Connection
from vats.core.db.migrate import MigrationSource
from vats.core.directory.models import Tenant
from vats.core.engine.block import Ref
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.primitives import Play, StepResult

DEFAULT_GREETING = "Здравствуйте! Вы позвонили в {name}."


class Said(msgspec.Struct):
    """The block's state between steps: whether the time was said."""

    said: bool = False


class TimeAnnouncement(msgspec.Struct, tag="time_announcement", tag_field="type", frozen=True, kw_only=True):
    """A scenario block that tells the caller the time in the tenant's time zone, then goes on."""

    voice: str = "female"

    Cursor: ClassVar[type[msgspec.Struct]] = Said

    async def run(self, ctx: StepContext, cursor: Said, result: StepResult | None) -> Outcome:
        if cursor.said:
            return Outcome(done="next")
        local = ctx.facts.at.astimezone(zoneinfo.ZoneInfo(ctx.snapshot.tenant.time_zone))
        return Outcome(primitive=Play(media=[f"say:time:{local:%H:%M}:{self.voice}"]), cursor=Said(said=True))

    async def validate(self, conn: Any, tenant_id: uuid.UUID, where: str) -> None:
        return None  # it names nothing in the directory

    def describe(self, snapshot: Any) -> str:
        return "время"

    def references(self) -> list[Ref]:
        return []

    def without(self, ref: Ref) -> TimeAnnouncement:
        return self


class Greeting(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    text: str


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="greeting", folder=Path(__file__).with_name("migrations"))]


@hookimpl
async def tenant_created(tenant: Tenant, conn: Connection) -> None:
    await conn.execute(
        "INSERT INTO greetings (tenant_id, text) VALUES ($1, $2)", tenant.id, DEFAULT_GREETING.format(name=tenant.name)
    )


@hookimpl
def register_blocks() -> Sequence[type[Any]]:
    return [TimeAnnouncement]


@hookimpl
def register_routes() -> Sequence[Any]:
    @get("/api/greeting", operation_id="getGreeting", tags=["greeting"], summary="The caller's PBX greeting")
    async def greeting(tx: TenantDep) -> Greeting:
        # tx: the signed-in employee's PBX, inside a transaction that only sees its rows
        text = await tx.conn.fetchval("SELECT text FROM greetings WHERE tenant_id = $1", tx.tenant.id)
        if text is None:
            raise NotFoundException("no greeting for this tenant")
        return Greeting(tenant_id=tx.tenant.id, text=text)

    return [greeting]
