"""The migration wizard as pages of the operator portal (/operator/migrations, seed 000).

Before creation the customer has no vats cabinet, so the operator (or support) runs the wizard
with the customer: uploads the old cabinet's export (or a FreePBX extensions CSV), edits the
employee step proposed from the forwarding addressees, saves it at any step, and creates the PBX
(«Создать ЛК ВАТС», confirmed). The data and rules are ``drafts.py``'s, the same as the operator
API's; every change is in the operator audit log."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import CabinetPages, NavEntry, kernel_of, redirect
from vats.bots.web.cabinet.operator.kit import actor, language, page, record, texts
from vats.core.errors import ConflictError, ValidationError
from vats.core.migration_export import ExportSource, OldCustomer, SourceError
from vats.plugins.migration.drafts import (
    DraftView,
    add_drafts,
    create,
    list_drafts,
    preview,
    save_employees,
    short_numbers,
    view,
)
from vats.plugins.migration.reading import DEFAULT_LIMIT_MB
from vats.plugins.migration.wizard_form import (
    KINDS,
    FormRefused,
    first_problem,
    new_key,
    rows_from_form,
    shown_rows,
)
from vats.plugins.migration.wizard_texts import TEXTS_EN, TEXTS_RU, place_ru, problem_ru

PAGE = "/operator/migrations"
TEMPLATES = Path(__file__).with_name("templates")
# The operator's limit on an uploaded export, the same as ``vats migrate --max-size-mb``'s
# default: a larger file is refused from its announced length, before a byte is parsed.
UPLOAD_LIMIT_MB = DEFAULT_LIMIT_MB
_FILE_NAME = re.compile(r"[^\w.\-]+")
SHOWN = 50  # drafts per page of the list
FORM_OVERHEAD = 64 * 1024  # the form's other fields and multipart framing around the file


def _too_big(request: Request[Any, Any, Any], exc: RequestEntityTooLarge) -> Response[Any]:
    """A body over the limit, refused by its announced length before a byte is read (by the
    CSRF check or the input guard, which read forms before the handler): back to the page,
    which names the limit beside the file field."""
    return redirect(f"{PAGE}?too_big=1")


def _sources(request: Request[Any, Any, Any]) -> list[ExportSource]:
    return list(kernel_of(request).plugins.collect("register_migration_sources"))


def _translator(request: Request[Any, Any, Any]) -> Any:
    return problem_ru if language(request) == "ru" else (lambda message: message[:1].upper() + message[1:])


def _state(summary_status: str, saved: bool) -> str:
    return "created" if summary_status == "created" else ("saved" if saved else "proposed")


class MigrationWizard(Controller):
    path = PAGE
    include_in_schema = False

    async def _list(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        text = str(request.query_params.get("offset", "0"))
        offset = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 0  # not "²"
        async with kernel_of(request).db.system() as conn:
            drafts = []
            every = await list_drafts(conn)
            for summary in every[offset : offset + SHOWN]:  # problems are checked for the drafts shown only
                shown = await view(conn, summary.id)
                drafts.append({
                    "id": str(summary.id), "name": summary.name, "customer_id": shown.customer_id,
                    "state": _state(summary.status, shown.saved), "problems": len(shown.problems),
                    "tenant_id": str(shown.tenant_id) if shown.tenant_id else "",
                })  # fmt: skip
        sources = [s.name for s in _sources(request)]
        return page(
            request, "migration_wizard/drafts.html", status, drafts=drafts, sources=sources, limit=UPLOAD_LIMIT_MB,
            base=PAGE, offset=offset, total=len(every), page_size=SHOWN, **context,
        )  # fmt: skip

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        t = texts(language(request))
        if request.query_params.get("too_big"):
            return await self._list(request, errors={"file": t["mw_too_big"].format(limit=UPLOAD_LIMIT_MB)})
        added = request.query_params.get("added")
        notice = t["mw_added"].format(n=added) if added and added.isascii() and added.isdigit() else ""
        return await self._list(request, notice=notice)

    @post(
        "/upload",
        request_max_body_size=UPLOAD_LIMIT_MB * 1024 * 1024 + FORM_OVERHEAD,
        exception_handlers={RequestEntityTooLarge: _too_big},
    )
    async def upload(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """An export as a file: a draft per customer. A body over the limit is refused from its
        announced length before it is read (``_too_big``); the file itself once more, exactly."""
        t = texts(language(request))
        limit_bytes = UPLOAD_LIMIT_MB * 1024 * 1024
        form = await request.form()
        chosen = str(form.get("source") or "json")
        source = next((s for s in _sources(request) if s.name == chosen), None)
        upload = form.get("file")
        if source is None:
            return await self._list(request, 422, errors={"source": problem_ru("is not one of the choices")})
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await self._list(request, 422, errors={"file": t["mw_choose_file"]}, values={"source": chosen})
        with tempfile.TemporaryDirectory(prefix="vats-migration-") as folder:
            # The file's own name: a FreePBX export names its customer after it.
            name = _FILE_NAME.sub("_", Path(upload.filename).name).strip("._") or "export"
            path = Path(folder) / name
            await asyncio.to_thread(_store, upload, path)
            if path.stat().st_size > limit_bytes:
                errors = {"file": t["mw_too_big"].format(limit=UPLOAD_LIMIT_MB)}
                return await self._list(request, 413, errors=errors, values={"source": chosen})
            try:
                customers = await asyncio.to_thread(_read, source, path)
            except SourceError as exc:
                lang = language(request)
                place = place_ru(exc.place) if lang == "ru" else exc.place
                message = problem_ru(exc.message) if lang == "ru" else exc.message
                errors = {"file": t["mw_bad_file"].format(place=place, message=message)}
                return await self._list(request, 422, errors=errors, values={"source": chosen})
        if not customers:
            return await self._list(request, 422, errors={"file": t["mw_no_customers"]}, values={"source": chosen})
        if (where := _unstorable(customers)) is not None:
            errors = {"file": t["mw_bad_file"].format(place=where, message=t["mw_nul"])}
            return await self._list(request, 422, errors=errors, values={"source": chosen})
        async with kernel_of(request).db.system() as conn:
            added = await add_drafts(conn, source.name, customers)
            await record(conn, actor(request), "migration_drafts_added",
                         detail={"file": name, "source": source.name, "drafts": [a.key for a in added]})  # fmt: skip
        if len(added) == 1:
            return redirect(f"{PAGE}/{added[0].id}?added=1")
        return redirect(f"{PAGE}?added={len(added)}")

    async def _step(
        self,
        request: Request[Any, Any, Any],
        draft: DraftView,
        status: int = 200,
        keys: list[str] | None = None,
        **context: Any,
    ) -> Template:
        async with kernel_of(request).db.system() as conn:
            short = await short_numbers(conn, draft.id)
            # a draft «Пересоздать» reopened has its PBX but is at the employee step again
            created = await _created(conn, draft.tenant_id) if draft.tenant_id and draft.status == "created" else None
        rows, general = shown_rows(draft, short, _translator(request), keys)
        bound = {line["login"].lower() for row in rows for line in row["lines"]}
        return page(
            request, "migration_wizard/draft.html", status, draft=draft, rows=rows, general=general,
            unbound=[login for login in draft.lines if login.lower() not in bound], kinds=KINDS, base=PAGE,
            created=created, **context,
        )  # fmt: skip

    @get("/{draft_id:uuid}")
    async def show(self, request: Request[Any, Any, Any], draft_id: FromPath[uuid.UUID]) -> Template:
        async with kernel_of(request).db.system() as conn:
            draft = await view(conn, draft_id)
        t = texts(language(request))
        notice = t["mw_saved"] if request.query_params.get("saved") else ""
        if request.query_params.get("added"):
            notice = t["mw_uploaded"]
        return await self._step(request, draft, notice=notice)

    @post("/{draft_id:uuid}")
    async def save(self, request: Request[Any, Any, Any], draft_id: FromPath[uuid.UUID]) -> Response[Any]:
        """«Сохранить» (even incomplete), or «Создать ЛК ВАТС»: saved first, then the
        confirmation, or the refusal naming the first problem."""
        form = await request.form()
        step = form.get("step")
        kernel = kernel_of(request)
        async with kernel.db.system() as conn:
            draft = await view(conn, draft_id)
        if draft.status == "created":
            return redirect(f"{PAGE}/{draft_id}")
        try:
            keys, rows = rows_from_form(form)
        except FormRefused as exc:  # nothing saved: the page as last saved, the refusal naming the field
            t = texts(language(request))
            label = t[f"mw_{exc.field.rsplit('.', 1)[-1]}"] if "." in exc.field else ""
            where = ", ".join(x for x in (exc.who, label) if x)
            problem = f"{where}: {_translator(request)(exc.message)}"
            return await self._step(request, draft, 422, refusal=t["mw_not_saved"].format(problem=problem))
        try:
            async with kernel.db.system() as conn:
                draft = await save_employees(conn, draft_id, rows)
                await record(conn, actor(request), "migration_saved", subject_id=draft_id,
                             detail={"key": draft.key, "employees": len(rows)})  # fmt: skip
        except ConflictError:  # created meanwhile (another operator, vats migrate): the page says so
            return redirect(f"{PAGE}/{draft_id}")
        if step != "create":
            return redirect(f"{PAGE}/{draft_id}?saved=1")
        if draft.problems:
            return await self._refused(request, draft, keys)
        return redirect(f"{PAGE}/{draft_id}/create")

    async def _refused(self, request: Request[Any, Any, Any], draft: DraftView, keys: list[str] | None) -> Template:
        t = texts(language(request))
        refusal = t["mw_refused"].format(problem=first_problem(draft, _translator(request), t["mw_more"]))
        return await self._step(request, draft, 422, keys, refusal=refusal)

    @get("/{draft_id:uuid}/row")
    async def new_row(self, request: Request[Any, Any, Any], draft_id: FromPath[uuid.UUID]) -> Template:
        """A blank row for the employee table (htmx: added without reloading the page)."""
        async with kernel_of(request).db.system() as conn:
            draft = await view(conn, draft_id)
        key = new_key()
        row = {"key": key, "n": 0, "full_name": "", "role": "user", "email": "", "extension": "", "caller_id": "",
               "lines": [], "externals": [], "problems": [], "fields": {}}  # fmt: skip
        return page(request, "migration_wizard/_row.html", draft=draft, row=row, kinds=KINDS, base=PAGE, fresh=True)

    @get("/{draft_id:uuid}/rows/{key:str}/line")
    async def new_line(
        self, request: Request[Any, Any, Any], draft_id: FromPath[uuid.UUID], key: FromPath[str]
    ) -> Template:
        """One more line binding in a row (htmx)."""
        async with kernel_of(request).db.system() as conn:
            draft = await view(conn, draft_id)
        line = {"login": "", "kind": "softphone", "id": f"{_safe(key)}-{new_key()}"}
        return page(
            request, "migration_wizard/_line.html", draft=draft, key=_safe(key), line=line, kinds=KINDS, fresh=True
        )

    @get("/{draft_id:uuid}/rows/{key:str}/external")
    async def new_external(
        self, request: Request[Any, Any, Any], draft_id: FromPath[uuid.UUID], key: FromPath[str]
    ) -> Template:
        """One more outside number in a row (htmx)."""
        async with kernel_of(request).db.system() as conn:
            draft = await view(conn, draft_id)
        external = {"number": "", "id": f"{_safe(key)}-{new_key()}"}
        return page(
            request, "migration_wizard/_external.html", draft=draft, key=_safe(key), external=external, fresh=True
        )

    @get("/{draft_id:uuid}/create")
    async def confirm(self, request: Request[Any, Any, Any], draft_id: FromPath[uuid.UUID]) -> Response[Any]:
        async with kernel_of(request).db.system() as conn:
            draft = await view(conn, draft_id)
            will = await preview(conn, draft_id)
        if draft.status == "created":
            return redirect(f"{PAGE}/{draft_id}")
        if draft.problems:
            return await self._refused(request, draft, None)
        return page(request, "migration_wizard/confirm.html", draft=draft, base=PAGE, will=will)

    @post("/{draft_id:uuid}/create")
    async def create_pbx(self, request: Request[Any, Any, Any], draft_id: FromPath[uuid.UUID]) -> Response[Any]:
        kernel = kernel_of(request)
        try:
            made = await create(kernel, draft_id)
        except ValidationError as exc:
            async with kernel.db.system() as conn:
                draft = await view(conn, draft_id)
            if draft.problems:
                return await self._refused(request, draft, None)
            # A rule only the directory checks while creating (nothing was created): said as is.
            t = texts(language(request))
            refusal = t["mw_refused"].format(problem=f"{exc.field}: {_translator(request)(exc.message)}")
            return await self._step(request, draft, 422, refusal=refusal)
        except ConflictError:  # created already (a second click, another operator, vats migrate)
            return redirect(f"{PAGE}/{draft_id}")
        async with kernel.db.system() as conn:
            detail = {"employees": made.employees, "lines": made.lines, "numbers": made.numbers}
            await record(
                conn, actor(request), "migration_created", tenant_id=made.tenant_id, subject_id=draft_id, detail=detail
            )
        return redirect(f"{PAGE}/{draft_id}")


def _safe(key: str) -> str:
    return re.sub(r"[^0-9a-z]", "", key)[:16] or new_key()


def _store(upload: UploadFile, path: Path) -> None:
    upload.file.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)


def _unstorable(customers: list[OldCustomer]) -> str | None:
    """The first customer carrying text PostgreSQL cannot store (a NUL character): the app's
    input guard sees the form's fields, not an uploaded file's content."""
    for i, customer in enumerate(customers):
        if b"\\u0000" in msgspec.json.encode(customer):
            return f"$.customers[{i}]"
    return None


def _read(source: ExportSource, path: Path) -> list[OldCustomer]:
    return list(source.read(path))


async def _created(conn: Any, tenant_id: uuid.UUID) -> dict[str, Any]:
    """What the creation made: the tenant and its counts, read back from the database."""
    row = await conn.fetchrow(
        "SELECT t.name,"
        " (SELECT count(*) FROM employees e WHERE e.tenant_id = t.id) AS employees,"
        " (SELECT count(*) FROM terminals l WHERE l.tenant_id = t.id AND l.kind <> 'external') AS lines,"
        " (SELECT count(*) FROM numbers n WHERE n.tenant_id = t.id) AS numbers,"
        " (SELECT count(*) FROM outbox o WHERE o.tenant_id = t.id"
        " AND o.kind IN ('invitation', 'migration_invitation')) AS invitations"
        " FROM tenants t WHERE t.id = $1",
        tenant_id,
    )
    return {"tenant_id": str(tenant_id), **(dict(row) if row else {"name": str(tenant_id)})}


NAV = NavEntry(href=PAGE, label_ru="Миграция", label_en="Migration", section="operator", order=150)


def wizard_pages() -> CabinetPages:
    return CabinetPages(
        handlers=[MigrationWizard], nav=[NAV], templates=TEMPLATES, texts_ru=TEXTS_RU, texts_en=TEXTS_EN,
        area="operator",
    )  # fmt: skip
