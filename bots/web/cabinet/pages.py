"""Rendering a cabinet page: the shell's context (the PBX's name, my availability, my menu),
the page's language, and the pages shown instead of a stack trace (no access, not found, a
form without its CSRF token, a session that ended)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Template
from vats.bots.web.cabinet.session import cleared_cookie, redirect, sign_in_url
from vats.bots.web.cabinet.texts import Lang, pick_language, texts
from vats.bots.web.kit import kernel_of
from vats.core.accounts.service import Principal
from vats.core.errors import NotFoundError

if TYPE_CHECKING:
    from vats.bots.web.cabinet.registry import CabinetRegistry

LANG_COOKIE = "vats_lang"


def language(request: Request[Any, Any, Any]) -> Lang:
    return pick_language(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE))


def template_path(template: str) -> str:
    """A bare name is one of the cabinet's own templates; a name with a folder (a plugin's,
    ``crm/contacts.html``) is used as given."""
    return template if "/" in template else f"cabinet/{template}"


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
    db = kernel_of(request).db
    assert db is not None
    registry: CabinetRegistry = request.app.state["cabinet"]
    disabled: set[str] = set()
    async with db.tenant(me.tenant_id) as conn:
        shell = await conn.fetchrow(
            "SELECT t.name AS tenant_name, e.availability FROM employees e JOIN tenants t ON t.id = e.tenant_id"
            " WHERE e.tenant_id = $1 AND e.id = $2",
            me.tenant_id,
            me.employee_id,
        )
        if registry.has_plugin_entries:
            disabled = await kernel_of(request).plugins.disabled_for(conn, me.tenant_id)
    lang = language(request)
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
