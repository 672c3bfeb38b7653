"""Rendering a cabinet page: the shell's context (the PBX's name, my availability, my menu),
the page's language, and the pages shown instead of a stack trace (no access, not found, a
form without its CSRF token, a session that ended)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Template
from vats.bots.web.cabinet.session import cleared_cookie, redirect, sign_in_url
from vats.bots.web.cabinet.texts import LANGS, Lang, pick_language, texts
from vats.bots.web.kit import kernel_of
from vats.core.accounts.service import Principal
from vats.core.directory import employees
from vats.core.errors import NotFoundError

if TYPE_CHECKING:
    from vats.bots.web.cabinet.registry import CabinetRegistry

LANG_COOKIE = "vats_lang"
_SHELLS: dict[tuple[uuid.UUID, uuid.UUID], tuple[str, Any, set[str]]] = {}  # (tenant, employee) -> (version, ...)
_SHELLS_MAX = 10_000


def forget_shell(tenant_id: uuid.UUID, employee_id: uuid.UUID) -> None:
    """Drop my cached shell now (my language changed: the next page must not wait for the
    change's notification to speak it)."""
    _SHELLS.pop((tenant_id, employee_id), None)


def language(request: Request[Any, Any, Any]) -> Lang:
    return pick_language(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE))


def template_path(template: str) -> str:
    """A bare name is one of the cabinet's own templates; a name with a folder (a plugin's,
    ``crm/contacts.html``) is used as given."""
    return template if "/" in template else f"cabinet/{template}"


def chosen_language(request: Request[Any, Any, Any], mine: str | None, pbx: str) -> Lang:
    """A signed-in page's language: my saved choice (employees.language), else this browser's
    (the menu's cookie, then Accept-Language), else the PBX's (tenants.language)."""
    if mine in LANGS:
        return mine
    return pick_language(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE), pbx)  # type: ignore[arg-type]


async def my_language(request: Request[Any, Any, Any]) -> Lang:
    """``chosen_language`` for a handler that answers before rendering (a form's refusal)."""
    me = request.user
    assert isinstance(me, Principal)
    db = kernel_of(request).db
    async with db.tenant(me.tenant_id) as conn:
        mine, pbx = await employees.languages(conn, me.tenant_id, me.employee_id)
    return chosen_language(request, mine, pbx)


def public_page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    """A page without the shell (sign-in, invitation, password reset)."""
    lang = language(request)
    return Template(
        template_name=template_path(template),
        context={"lang": lang, "t": texts(lang), **context},
        status_code=status_code,
    )


async def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    """A page inside the shell, for the signed-in employee."""
    me = request.user
    assert isinstance(me, Principal)
    kernel = kernel_of(request)
    db = kernel.db
    assert db is not None
    registry: CabinetRegistry = request.app.state["cabinet"]
    # The shell's facts change only with the tenant's data: kept per version of it (bench/web:
    # a transaction of its own per page otherwise). A write's own answer reads them afresh.
    sessions = getattr(kernel, "sessions", None)
    version = sessions.tenant_version(me.tenant_id) if sessions is not None and request.method == "GET" else None
    known = _SHELLS.get((me.tenant_id, me.employee_id)) if version is not None else None
    if known is not None and known[0] == version:
        _, shell, disabled = known
    else:
        disabled = set()
        async with db.tenant(me.tenant_id) as conn:
            shell = await conn.fetchrow(
                "SELECT t.name AS tenant_name, e.availability, e.language, t.language AS tenant_language"
                " FROM employees e JOIN tenants t ON t.id = e.tenant_id WHERE e.tenant_id = $1 AND e.id = $2",
                me.tenant_id,
                me.employee_id,
            )
            if registry.has_plugin_entries:
                disabled = await kernel.plugins.disabled_for(conn, me.tenant_id)
        if version is not None:
            if len(_SHELLS) >= _SHELLS_MAX:
                _SHELLS.clear()
            _SHELLS[(me.tenant_id, me.employee_id)] = (version, shell, disabled)
    lang = chosen_language(request, shell["language"], shell["tenant_language"]) if shell else language(request)
    return Template(
        template_name=template_path(template),
        context={
            "lang": lang,
            "t": texts(lang),
            "me": me,
            "tenant_name": shell["tenant_name"] if shell else "",
            "availability": shell["availability"] if shell else "by_schedule",
            "path": request.url.path,
            "menu": registry.menu("tenant", me.role, lang, disabled),
            "header_parts": registry.header(disabled),
            **context,
        },
        status_code=status_code,
    )


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def to_sign_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A missing, expired or signed-out session: back to sign-in, then to this page."""
    target = sign_in_url(request)
    if request.cookies.get("vats_session"):
        target += ("&" if "?" in target else "?") + "expired=1"
    if is_htmx(request):  # a boosted click: the whole page goes, not just the main region
        return ClientRedirect(target)
    return redirect(target, cookies=[cleared_cookie(request)])


def _refusal(request: Request[Any, Any, Any], title: str, message: str, status: int) -> Template:
    t = texts(language(request))
    return public_page(request, "refused.html", status, title=t[title], message=t[message], reason=message)


def refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """403: a form without a valid CSRF token, or a page the role may not open."""
    csrf = "CSRF" in str(getattr(exc, "detail", ""))
    return _refusal(request, "no_access_title", "csrf_refused" if csrf else "no_access", 403)


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _refusal(request, "not_found_title", "not_found", 404)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    NotAuthorizedException: to_sign_in,
    PermissionDeniedException: refused,
    NotFoundException: not_found,
    NotFoundError: not_found,
}
