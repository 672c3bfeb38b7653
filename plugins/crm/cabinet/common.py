"""What the CRM's cabinet pages share: the viewer in one tenant transaction (the same
``viewer_for`` the CRM's API builds), the role rule per page (the API's role sets), forms,
names of colleagues and groups, dates in the PBX's time zone, and the texts of the page's
language."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    caller,
    form_context,
    kernel_of,
    language,
    page,
    problem_text,
    refusal,
    require,
    tenant_transaction,
    texts,
)
from vats.bots.web.cabinet.texts import Lang
from vats.bots.web.kit import TenantScope
from vats.core.errors import ValidationError, VatsError
from vats.plugins.crm.cabinet.texts import EN, RU
from vats.plugins.crm.viewer import Viewer, viewer_for

MAX_FIELD = 4000

__all__ = ["Crm", "crm", "form_of", "problem", "render", "require", "texts_for", "uuid_or_none", "uuids"]


def texts_for(request: Request[Any, Any, Any]) -> Mapping[str, str]:
    """The page's texts: the cabinet's catalogue, which holds the CRM's (``CabinetPages.texts_ru``)."""
    return texts(language(request))


# The CRM's messages that carry the value they refuse (the CSV import's per-row report), in Russian.
_RU_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^no employee (?P<v>.+)$"), "Нет сотрудника с e-mail {v}."),
    (re.compile(r"^no contact tag (?P<v>.+)$"), "Нет тега контактов {v}."),
    (re.compile(r"^(?P<v>\S+) appears twice in the file$"), "{v} встречается в файле дважды."),
    (re.compile(r"^(?P<v>\S+) is already a saved contact$"), "{v} — уже сохранённый контакт."),
    (re.compile(r"^(?P<v>.+) has already taken the task$"), "Задачу уже взял(а) в работу {v}."),
]


def say(lang: Lang, message: str) -> str:
    """A service's message in ``lang``: the CRM's own translations first, then the cabinet's."""
    own = f"crm_err:{message}"
    table = EN if lang == "en" else RU
    if own in table:
        return table[own]
    if lang == "ru":
        for pattern, template in _RU_PATTERNS:
            if match := pattern.match(message):
                return template.format(**match.groupdict())
    return problem_text(lang, message)


def problem(request: Request[Any, Any, Any], exc: VatsError) -> str:
    """A service's message in the page's language."""
    return say(language(request), exc.message)


def refused(
    request: Request[Any, Any, Any], exc: VatsError, default_field: str, form: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The kit's refusal context (the problem beside its input, what was posted) in the CRM's words."""
    return refusal(language(request), exc, default_field, form or {}, say=say)


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
    me = caller(request)
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
    """A CRM page (``crm/<name>.html``) inside the cabinet's shell."""
    return await page(request, template, code, **form_context(context))
