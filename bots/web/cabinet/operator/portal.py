"""The operator portal's pages: sign-in, tenants (list, create, card with suspend, resume,
seats, admins, numbers), numbers, trunks and the audit log.

Every change goes through ``OperatorScope.actions`` (core/operators/actions.py), exactly what
the API's operator routes call, acting as the signed-in operator's account, so the rules are
the API's and the audit log names who did it. A refused input is shown beside its field."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from vats.bots.web.cabinet.cabinet import LANG_COOKIE_AGE
from vats.bots.web.cabinet.operator.session import (
    PUBLIC,
    cleared_cookie,
    operator_accounts,
    session_cookie,
)
from vats.bots.web.cabinet.operator.texts import message, texts
from vats.bots.web.cabinet.pages import LANG_COOKIE, language
from vats.bots.web.cabinet.registry import CabinetRegistry
from vats.bots.web.cabinet.session import redirect, safe_next
from vats.bots.web.cabinet.signin import empty_fields
from vats.bots.web.cabinet.texts import LANGS
from vats.bots.web.kit import OperatorScope, kernel_of
from vats.core.accounts.service import AuthError, RateLimitedError
from vats.core.asterisk import trunks
from vats.core.errors import ValidationError, VatsError
from vats.core.operators.accounts import Operator
from vats.core.operators.actions import OperatorActions, seats_included
from vats.core.operators.audit import Actor, entries

OPEN: dict[str, Any] = {PUBLIC: True}
MAX_FIELD = 254
PAGE_SIZE = 50
STATUSES = ("active", "suspended")
DIAL_FORMATS = ("e164", "national", "digits")
HOME = "/operator/tenants"
NOT_A_NUMBER = "enter a whole number"
# A service's field name -> the portal form's input that holds it.
CREATE_FIELDS = {"email": "admin_email", "full_name": "admin_name", "external_numbers[0]": "admin_phone"}


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {k: v[:MAX_FIELD].strip() for k, v in form.items() if isinstance(v, str) and not k.startswith("_")}


def current(request: Request[Any, Any, Any]) -> Operator:
    me = request.user
    assert isinstance(me, Operator)
    return me


def actions(request: Request[Any, Any, Any]) -> OperatorActions:
    """The API's operator actions, acting as (and audited with) the signed-in operator."""
    me = current(request)
    return OperatorScope(kernel=kernel_of(request), actor=Actor(label=me.email, operator_id=me.operator_id)).actions


def public_page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    lang = language(request)
    context = {"lang": lang, "t": texts(lang), **context}
    return Template(f"operator/{template}", context=context, status_code=status_code)


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    """A page inside the portal's shell, for the signed-in operator (``request.user``); its menu
    is the registry's operator area (built-in entries and plugins'). Plugins' operator pages
    render with it too: ``template`` is "operator/<name>.html" here, or "<folder>/<name>.html"."""
    lang = language(request)
    registry: CabinetRegistry = request.app.state["cabinet"]
    context.setdefault("menu", registry.menu("operator", "operator", lang))
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("notice", "")
    return Template(
        template if "/" in template else f"operator/{template}",
        context={"lang": lang, "t": texts(lang), "me": current(request), "path": request.url.path, **context},
        status_code=status_code,
    )


def field_error(
    request: Request[Any, Any, Any], exc: VatsError, default: str, names: dict[str, str] | None = None
) -> dict[str, str]:
    field = exc.field or default
    return {(names or {}).get(field, field): message(language(request), exc.message)}


def whole_number(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


class OperatorSignIn(Controller):
    path = "/operator"
    include_in_schema = False
    opt = OPEN

    @get("/signin")
    async def sign_in_form(
        self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None, expired: FromQuery[bool] = False
    ) -> Template:
        t = texts(language(request))
        return public_page(
            request, "signin.html", next=safe_next(next, ""), message=t["session_over"] if expired else "", email=""
        )

    @post("/signin")
    async def sign_in(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """The tenants' sign-in limits (per account and per address), under the operator's own key."""
        t = texts(language(request))
        form = await _form(request)
        email, target = form.get("email", ""), safe_next(form.get("next"), HOME)
        if not target.startswith("/operator"):
            target = HOME
        kernel = kernel_of(request)
        password = (await request.form()).get("password", "")  # not stripped: spaces may be part of it
        if missing := empty_fields(language(request), email=email, password=str(password)):  # no attempt counted
            return public_page(
                request, "signin.html", 422, next=form.get("next", ""), message="", email=email, errors=missing
            )
        try:
            operator = await operator_accounts(kernel).login(email, str(password)[:MAX_FIELD], _client(request))
        except RateLimitedError as exc:
            minutes = max(1, (exc.retry_after + 59) // 60)
            text, status = t["too_many_attempts"].format(minutes=minutes), 429
        except AuthError:
            text, status = t["wrong_credentials"], 401
        else:
            return redirect(target, cookies=[session_cookie(request, operator, kernel.secret_key())])
        return public_page(
            request, "signin.html", status, next=form.get("next", ""), message=text, error=True, email=email
        )

    @post("/signout", opt={PUBLIC: False})
    async def sign_out(self, request: Request[Any, Any, Any]) -> Response[Any]:
        await operator_accounts(kernel_of(request)).logout(current(request).session_id)
        return redirect("/operator/signin", cookies=[cleared_cookie(request)])


class OperatorPortal(Controller):
    path = "/operator"
    include_in_schema = False

    @get("/")
    async def home(self) -> Response[Any]:
        return redirect(HOME)

    @post("/language")
    async def choose_language(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await _form(request)
        back = safe_next(form.get("back"), HOME)
        if form.get("lang") not in LANGS:
            return redirect(back)
        cookie = Cookie(key=LANG_COOKIE, value=form["lang"], path="/", samesite="lax", max_age=LANG_COOKIE_AGE)
        return redirect(back, cookies=[cookie])

    @get("/{rest:path}")
    async def unknown(self, rest: FromPath[str]) -> None:
        raise NotFoundException("no such page")

    # --- tenants ---------------------------------------------------------------------------

    @get("/tenants")
    async def tenants(
        self,
        request: Request[Any, Any, Any],
        q: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        offset: FromQuery[int] = 0,
    ) -> Template:
        return await self._tenants_page(request, q=q, status=status, offset=offset)

    async def _tenants_page(
        self,
        request: Request[Any, Any, Any],
        status_code: int = 200,
        *,
        q: str | None = None,
        status: str | None = None,
        offset: int = 0,
        **context: Any,
    ) -> Template:
        q = (q or "").strip()[:100]
        status = status if status in STATUSES else ""
        offset = max(0, offset)
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        async with kernel_of(request).db.system() as conn:
            rows = await conn.fetch(
                "SELECT t.id, t.name, t.suspended, t.seats_max, t.created_at,"
                " (SELECT count(*) FROM employees e WHERE e.tenant_id = t.id) AS employees,"
                " (SELECT string_agg(e.email, ', ' ORDER BY e.email) FROM employees e"
                "   WHERE e.tenant_id = t.id AND e.role = 'admin') AS admins,"
                " count(*) OVER () AS total"
                " FROM tenants t"
                " WHERE ($1 = '' OR t.name ILIKE $2 OR EXISTS (SELECT 1 FROM employees e"
                "   WHERE e.tenant_id = t.id AND e.role = 'admin' AND e.email ILIKE $2))"
                " AND ($3 = '' OR t.suspended = ($3 = 'suspended'))"
                " ORDER BY lower(t.name), t.created_at LIMIT $4 OFFSET $5",
                q, pattern, status, PAGE_SIZE, offset,
            )  # fmt: skip
        total = rows[0]["total"] if rows else 0
        return page(
            request, "tenants.html", status_code,
            rows=rows, total=total, q=q, status=status, offset=offset, page_size=PAGE_SIZE, **context,
        )  # fmt: skip

    @post("/tenants")
    async def create_tenant(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await _form(request)
        seats = whole_number(form.get("seats_max", "50") or "50")
        if seats is None:
            errors = {"seats_max": message(language(request), NOT_A_NUMBER)}
            return await self._tenants_page(request, 422, errors=errors, values=form, adding=True)
        try:
            created = await actions(request).create_tenant(
                name=form.get("name", ""), admin_email=form.get("admin_email", ""),
                admin_phone=form.get("admin_phone") or None, admin_name=form.get("admin_name") or "Администратор",
                time_zone=form.get("time_zone") or "Europe/Moscow", seats_max=seats,
            )  # fmt: skip
        except VatsError as exc:
            errors = field_error(request, exc, "name", CREATE_FIELDS)
            return await self._tenants_page(request, 422, errors=errors, values=form, adding=True)
        # The admin's one-time password is shown here once (it is stored only as a hash).
        notice = texts(language(request))["op_created_notice"].format(
            email=created.admin_email, password=created.admin_password
        )
        return await self._card(request, created.tenant_id, notice=notice, secret=True)

    @get("/tenants/{tenant_id:uuid}")
    async def tenant(
        self, request: Request[Any, Any, Any], tenant_id: FromPath[uuid.UUID], done: FromQuery[str | None] = None
    ) -> Template:
        t = texts(language(request))
        notice = t[f"op_done_{done}"] if done in ("suspended", "resumed", "seats", "admin", "number") else ""
        return await self._card(request, tenant_id, notice=notice)

    async def _card(
        self, request: Request[Any, Any, Any], tenant_id: uuid.UUID, status_code: int = 200, **context: Any
    ) -> Template:
        kernel = kernel_of(request)
        tenant = await kernel.directory.get_tenant(tenant_id)  # NotFoundError: the portal's 404 page
        async with kernel.db.system() as conn:
            employees = await conn.fetchval("SELECT count(*) FROM employees WHERE tenant_id = $1", tenant_id)
            admins = await conn.fetch(
                "SELECT full_name, email FROM employees WHERE tenant_id = $1 AND role = 'admin' ORDER BY email",
                tenant_id,
            )
            numbers = await conn.fetch(
                "SELECT e164, name FROM numbers WHERE tenant_id = $1 ORDER BY e164", tenant_id
            )
            log = await entries(conn, tenant_id=tenant_id, limit=10)
            included = await seats_included(kernel.plugins, conn, tenant_id)
        return page(
            request, "tenant.html", status_code,
            tenant=tenant, employees=employees, admins=admins, numbers=numbers, log=log, included=included, **context,
        )  # fmt: skip

    async def _tenant_action(
        self, request: Request[Any, Any, Any], tenant_id: uuid.UUID, done: str, field: str, act: Any
    ) -> Response[Any]:
        form = await _form(request)
        try:
            await act(form)
        except VatsError as exc:
            if exc.field in ("tenant", "tenant_id") and exc.status == 404:
                raise
            errors = field_error(request, exc, field)
            return await self._card(request, tenant_id, 422, errors=errors, values=form)
        return redirect(f"/operator/tenants/{tenant_id}?done={done}")

    @post("/tenants/{tenant_id:uuid}/suspend")
    async def suspend(self, request: Request[Any, Any, Any], tenant_id: FromPath[uuid.UUID]) -> Response[Any]:
        return await self._tenant_action(
            request, tenant_id, "suspended", "suspended", lambda _: actions(request).set_suspended(tenant_id, True)
        )

    @post("/tenants/{tenant_id:uuid}/resume")
    async def resume(self, request: Request[Any, Any, Any], tenant_id: FromPath[uuid.UUID]) -> Response[Any]:
        return await self._tenant_action(
            request, tenant_id, "resumed", "suspended", lambda _: actions(request).set_suspended(tenant_id, False)
        )

    @post("/tenants/{tenant_id:uuid}/seats")
    async def seats(self, request: Request[Any, Any, Any], tenant_id: FromPath[uuid.UUID]) -> Response[Any]:
        async def act(form: dict[str, str]) -> None:
            seats = whole_number(form.get("seats_max", ""))
            if seats is None:
                raise ValidationError(NOT_A_NUMBER, field="seats_max")
            await actions(request).set_seats(tenant_id, seats)

        return await self._tenant_action(request, tenant_id, "seats", "seats_max", act)

    @post("/tenants/{tenant_id:uuid}/admins")
    async def promote(self, request: Request[Any, Any, Any], tenant_id: FromPath[uuid.UUID]) -> Response[Any]:
        return await self._tenant_action(
            request, tenant_id, "admin", "email",
            lambda form: actions(request).promote_admin(tenant_id, form.get("email", "")),
        )  # fmt: skip

    @post("/tenants/{tenant_id:uuid}/numbers")
    async def assign_number(self, request: Request[Any, Any, Any], tenant_id: FromPath[uuid.UUID]) -> Response[Any]:
        return await self._tenant_action(
            request, tenant_id, "number", "number",
            lambda form: actions(request).assign_number(tenant_id, form.get("number", ""), form.get("name", "")),
        )  # fmt: skip

    # --- numbers ---------------------------------------------------------------------------

    @get("/numbers")
    async def numbers(
        self, request: Request[Any, Any, Any], q: FromQuery[str | None] = None, done: FromQuery[str | None] = None
    ) -> Template:
        notice = texts(language(request))["op_done_number"] if done == "number" else ""
        return await self._numbers_page(request, q=q, notice=notice)

    async def _numbers_page(
        self, request: Request[Any, Any, Any], status_code: int = 200, *, q: str | None = None, **context: Any
    ) -> Template:
        q = (q or "").strip()[:100]
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        digits = "".join(c for c in q if c.isdigit())
        async with kernel_of(request).db.system() as conn:
            rows = await conn.fetch(
                "SELECT n.e164, n.name, n.tenant_id, t.name AS tenant, t.suspended FROM numbers n"
                " JOIN tenants t ON t.id = n.tenant_id"
                " WHERE $1 = '' OR n.name ILIKE $2 OR t.name ILIKE $2 OR ($3 <> '' AND n.e164 LIKE '%' || $3 || '%')"
                " ORDER BY n.e164 LIMIT 500",
                q, pattern, digits,
            )  # fmt: skip
            tenants = await conn.fetch("SELECT id, name FROM tenants ORDER BY lower(name)")
        return page(request, "numbers.html", status_code, rows=rows, tenants=tenants, q=q, **context)

    @post("/numbers")
    async def add_number(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await _form(request)
        try:
            tenant_id = uuid.UUID(form.get("tenant_id", ""))
        except ValueError:
            errors = {"tenant_id": texts(language(request))["err:required"]}
            return await self._numbers_page(request, 422, errors=errors, values=form)
        try:
            await actions(request).assign_number(tenant_id, form.get("number", ""), form.get("name", ""))
        except VatsError as exc:
            errors = field_error(request, exc, "number", {"tenant": "tenant_id"})
            return await self._numbers_page(request, 422, errors=errors, values=form)
        return redirect("/operator/numbers?done=number")

    # --- trunks ----------------------------------------------------------------------------

    @get("/trunks")
    async def trunks(self, request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
        t = texts(language(request))
        notice = t[f"op_done_{done}"] if done in ("trunk", "trunk_deleted") else ""
        return await self._trunks_page(request, notice=notice)

    async def _trunks_page(self, request: Request[Any, Any, Any], status_code: int = 200, **context: Any) -> Template:
        async with kernel_of(request).db.system() as conn:
            rows = await trunks.list_trunks(conn)
        return page(request, "trunks.html", status_code, rows=rows, dial_formats=DIAL_FORMATS, **context)

    @post("/trunks")
    async def add_trunk(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await _form(request)
        port = whole_number(form.get("port") or "5060")
        errors: dict[str, str] = {}
        if port is None or not 1 <= port <= 65535:
            errors["port"] = message(language(request), NOT_A_NUMBER if port is None else "must be from 1 to 65535")
        dial_format = form.get("dial_format", "e164")
        if not errors:
            data = trunks.TrunkIn(
                name=form.get("name", ""), host=form.get("host", ""), port=port or 5060,
                username=form.get("username") or None, password=form.get("password") or None,
                inbound_match=form.get("inbound_match") or None,
                dial_format=dial_format if dial_format in DIAL_FORMATS else "e164",  # type: ignore[arg-type]
                outbound=form.get("outbound") == "on",
            )  # fmt: skip
            try:
                await actions(request).create_trunk(data)
            except VatsError as exc:
                errors = field_error(request, exc, "name")
        if errors:
            values = {k: v for k, v in form.items() if k != "password"}  # a password is never sent back
            return await self._trunks_page(request, 422, errors=errors, values=values, adding=True)
        return redirect("/operator/trunks?done=trunk")

    @post("/trunks/{trunk_id:uuid}/delete")
    async def delete_trunk(self, request: Request[Any, Any, Any], trunk_id: FromPath[uuid.UUID]) -> Response[Any]:
        await actions(request).delete_trunk(trunk_id)  # NotFoundError: the portal's 404 page
        return redirect("/operator/trunks?done=trunk_deleted")

    # --- audit -----------------------------------------------------------------------------

    @get("/audit")
    async def audit(self, request: Request[Any, Any, Any], offset: FromQuery[int] = 0) -> Template:
        offset = max(0, offset)
        async with kernel_of(request).db.system() as conn:
            log = await entries(conn, limit=PAGE_SIZE, offset=offset)
            names = {r["id"]: r["name"] for r in await conn.fetch("SELECT id, name FROM tenants")}
        return page(request, "audit.html", log=log, names=names, offset=offset, page_size=PAGE_SIZE)
