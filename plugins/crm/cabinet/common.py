"""What the CRM's cabinet pages share: the viewer in one tenant transaction (the same
``viewer_for`` the CRM's API builds), the role rule per page (the API's role sets), forms,
names of colleagues and groups, dates in the PBX's time zone, and the texts of the page's
language (the cabinet's own, with the CRM's on top)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template
from vats.bots.web.kit import TenantScope, kernel_of, tenant_transaction
from vats.core.accounts.service import Principal
from vats.core.errors import ValidationError, VatsError
from vats.plugins.crm.cabinet import shell
from vats.plugins.crm.cabinet.texts import EN, RU
from vats.plugins.crm.viewer import Viewer, viewer_for

MAX_FIELD = 4000


class CrmTexts(dict[str, str]):
    """The CRM's texts of one language over the cabinet's (a missing key: Russian, then the cabinet's)."""

    def __init__(self, own: Mapping[str, str], base: Mapping[str, str]) -> None:
        super().__init__(own)
        self.base = base

    def __missing__(self, key: str) -> str:
        if key in RU:
            return RU[key]
        return self.base[key]


def texts_for(request: Request[Any, Any, Any]) -> CrmTexts:
    lang = shell.language(request)
    return CrmTexts(EN if lang == "en" else RU, shell.texts(lang))


def problem(request: Request[Any, Any, Any], exc: VatsError) -> str:
    """A service's message in the page's language."""
    lang = shell.language(request)
    own = f"crm_err:{exc.message}"
    table = EN if lang == "en" else RU
    if own in table:
        return table[own]
    return shell.problem_text(lang, exc.message)


def signed_in(request: Request[Any, Any, Any]) -> Principal:
    me = request.user
    assert isinstance(me, Principal)
    return me


def require(request: Request[Any, Any, Any], roles: frozenset[str]) -> Principal:
    """The API route's role set for this page; others get the cabinet's clear no-access page."""
    me = signed_in(request)
    if me.role not in roles:
        raise PermissionDeniedException("no access")
    return me


@dataclass(frozen=True)
class Crm:
    """One page's work: the tenant transaction and the CRM's viewer built in it."""

    tx: TenantScope
    viewer: Viewer

    @property
    def conn(self) -> Any:
        return self.tx.conn

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.tx.tenant.id

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tx.tenant.time_zone)

    def when(self, moment: dt.datetime | None) -> str:
        """dd.mm.yyyy hh:mm in the PBX's time zone."""
        return moment.astimezone(self.zone).strftime("%d.%m.%Y %H:%M") if moment else ""

    def local_input(self, moment: dt.datetime | None) -> str:
        """The value of an <input type=datetime-local>."""
        return moment.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M") if moment else ""

    def parse_local(self, text: str, field: str) -> dt.datetime | None:
        """An <input type=datetime-local> (or dd.mm.yyyy hh:mm) in the PBX's time zone."""
        text = text.strip()
        if not text:
            return None
        for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"):
            try:
                return dt.datetime.strptime(text, pattern).replace(tzinfo=self.zone)
            except ValueError:
                continue
        raise ValidationError("not a date and time", field=field)

    async def employees(self) -> dict[uuid.UUID, str]:
        """Colleagues' names (for pickers and for the names of ids the API returns)."""
        rows = await self.conn.fetch(
            "SELECT id, full_name FROM employees WHERE tenant_id = $1 ORDER BY full_name, id", self.tenant_id
        )
        return {r["id"]: r["full_name"] for r in rows}

    async def groups(self) -> dict[uuid.UUID, str]:
        rows = await self.conn.fetch(
            "SELECT id, name FROM groups WHERE tenant_id = $1 ORDER BY name, id", self.tenant_id
        )
        return {r["id"]: r["name"] for r in rows}

    async def contact_tags(self) -> dict[uuid.UUID, str]:
        rows = await self.conn.fetch(
            "SELECT id, name FROM tags WHERE tenant_id = $1 AND kind = 'contact' ORDER BY name, id", self.tenant_id
        )
        return {r["id"]: r["name"] for r in rows}


@asynccontextmanager
async def crm(request: Request[Any, Any, Any]) -> AsyncIterator[Crm]:
    """A tenant transaction with the CRM's viewer, as the API's ``viewer`` dependency builds it.
    An exception rolls the transaction back."""
    me = signed_in(request)
    async with tenant_transaction(kernel_of(request), me) as tx:
        viewer = await viewer_for(tx.conn, tx.kernel, tx.tenant.id, me.employee_id, me.role, tx.tenant.settings)
        yield Crm(tx=tx, viewer=viewer)


async def form_of(request: Request[Any, Any, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A posted form: single values (cut to a sane length) and every value of each name."""
    data = await request.form()
    single: dict[str, str] = {}
    many: dict[str, list[str]] = {}
    for key, value in data.multi_items():
        if not isinstance(value, str) or key.startswith("_"):
            continue
        single[key] = value[:MAX_FIELD]
        many.setdefault(key, []).append(value[:MAX_FIELD])
    return single, many


def uuid_or_none(text: str | None, field: str) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise ValidationError("not an id", field=field) from exc


def uuids(texts: list[str], field: str) -> list[uuid.UUID]:
    return [u for u in (uuid_or_none(t, field) for t in texts) if u is not None]


async def render(request: Request[Any, Any, Any], template: str, code: int = 200, /, **context: Any) -> Template:
    """A CRM page inside the cabinet's shell, with the CRM's texts as ``t``."""
    context.setdefault("errors", {})
    context.setdefault("notice", "")
    context.setdefault("values", {})
    return await shell.page_in_shell(request, template, code, t=texts_for(request), **context)
