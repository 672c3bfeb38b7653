"""The signed-in pages: the cabinet's home, my availability switch (in the shell), Me, and
Settings → Employees. Role rules and services are the API's (bots/web/domain/*)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from vats.bots.web.cabinet.pages import LANG_COOKIE, forget_shell, is_htmx, my_language, page
from vats.bots.web.cabinet.session import redirect, safe_next
from vats.bots.web.cabinet.signin import MAX_FIELD, landing
from vats.bots.web.cabinet.texts import LANGS, problem_text, texts
from vats.bots.web.deps import caller
from vats.bots.web.kit import ADMIN, EVERYONE, kernel_of
from vats.core.accounts.service import Principal
from vats.core.directory import employees as repo
from vats.core.directory.employees import EmployeePage
from vats.core.directory.models import EmployeeCreate, EmployeeUpdate
from vats.core.directory.service import load_tenant
from vats.core.directory.visibility import visible_employee_ids
from vats.core.errors import VatsError

AVAILABILITIES = ("unavailable", "by_schedule", "available")
ROLES = ("admin", "head", "user", "restricted")
PAGE_SIZE = 50
LANG_COOKIE_AGE = 365 * 24 * 3600


def require(request: Request[Any, Any, Any], roles: frozenset[str]) -> Principal:
    """The API's role rule for this page; others get the clear no-access page."""
    me = caller(request)
    if me.role not in roles:
        raise PermissionDeniedException("no access")
    return me


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str) and not k.startswith("_")}


class CabinetController(Controller):
    path = "/cabinet"
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return redirect(landing(caller(request)))

    @post("/availability")
    async def set_availability(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """The shell's switch: the same service as PUT /api/me/availability. htmx swaps the switch
        alone; without JavaScript the form posts and the cabinet opens again."""
        me = caller(request)
        mode = (await _form(request)).get("mode", "")
        if mode in AVAILABILITIES:
            await kernel_of(request).directory.set_availability(me.tenant_id, me.employee_id, mode)  # type: ignore[arg-type]
        if not is_htmx(request):
            return redirect("/cabinet")
        return await page(request, "_availability.html")

    @post("/language")
    async def choose_language(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """My language: saved with me (employees.language, which every browser, the bot and
        e-mails read) and in a cookie on this browser (for its sign-in page)."""
        form = await _form(request)
        lang = form.get("lang", "")
        back = safe_next(form.get("back"), "/cabinet")
        if lang not in LANGS:
            return redirect(back)
        me = caller(request)
        await kernel_of(request).directory.update_employee(
            me.tenant_id,
            me.employee_id,
            EmployeeUpdate(language=lang),
        )
        forget_shell(me.tenant_id, me.employee_id)
        cookie = Cookie(key=LANG_COOKIE, value=lang, path="/", samesite="lax", max_age=LANG_COOKIE_AGE)
        return redirect(back, cookies=[cookie])

    @get("/{rest:path}")
    async def unknown(self, rest: FromPath[str]) -> None:
        """Any other cabinet address: the cabinet's own "not found" page, not the API's JSON."""
        raise NotFoundException("no such page")

    # --- settings → employees -------------------------------------------------------------

    @get("/settings/employees")
    async def employees(
        self,
        request: Request[Any, Any, Any],
        q: FromQuery[str | None] = None,
        role: FromQuery[str | None] = None,
        offset: FromQuery[int] = 0,
    ) -> Template:
        return await self._employees_page(request, q=q, role=role, offset=offset)

    async def _employees_page(
        self,
        request: Request[Any, Any, Any],
        status: int = 200,
        *,
        q: str | None = None,
        role: str | None = None,
        offset: int = 0,
        **context: Any,
    ) -> Template:
        me = require(request, EVERYONE)  # the whole list, read-only but for admins (seed 001)
        db = kernel_of(request).db
        assert db is not None
        q = (q or "").strip()[:100] or None
        role = role if role in ROLES else None
        offset = max(0, offset)
        openable = None  # whose cards open: heads their scope, others their own (the API's rule)
        if me.role != "admin":
            async with db.tenant(me.tenant_id) as conn:
                tenant = await load_tenant(conn, me.tenant_id)
                openable = await visible_employee_ids(conn, tenant.id, tenant.settings, me.role, me.employee_id)
        raw = await repo.employee_page_json(db.pool, me.tenant_id, q=q, role=role, limit=PAGE_SIZE, offset=offset)
        listing = msgspec.json.decode(raw, type=EmployeePage)
        context.setdefault("errors", {})
        context.setdefault("values", {})
        context.setdefault("notice", "")
        return await page(
            request, "employees.html", status,
            listing=listing, q=q or "", role=role or "", roles=ROLES, can_edit=me.role == "admin", openable=openable,
            page_size=PAGE_SIZE, **context,
        )  # fmt: skip

    @post("/settings/employees")
    async def add_employee(self, request: Request[Any, Any, Any]) -> Template:
        """The same service as POST /api/employees: the employee, three SIP lines, the invitation."""
        me = require(request, ADMIN)
        form = await _form(request)
        lang = await my_language(request)
        kernel = kernel_of(request)
        role = form.get("role", "user")
        data = EmployeeCreate(
            full_name=form.get("full_name", ""),
            email=form.get("email", ""),
            role=role if role in ROLES else "user",  # type: ignore[arg-type]
            position=form.get("position", ""),
            extension=form.get("extension") or None,
        )
        try:
            employee, _ = await kernel.directory.create_employee(me.tenant_id, data)
        except VatsError as exc:
            errors = {exc.field or "full_name": problem_text(lang, exc.message)}
            return await self._employees_page(request, 422, errors=errors, values=form, adding=True)
        await kernel.accounts.invite(me.tenant_id, employee.id)
        notice = texts(lang)["employee_added"].format(name=employee.full_name, email=employee.email)
        # The whole list again (not filtered to the new one): the notice names who was added.
        return await self._employees_page(request, notice=notice)
