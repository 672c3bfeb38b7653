"""The operator portal's part of the app: its pages behind the operator's cookie session, the
cabinet's CSRF check (same cookie and key, so one token serves both areas), and the pages shown
instead of a stack trace (sign-in again, no access, not found)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar import Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from vats.bots.web.cabinet.history import boosted_posts_keep_the_address
from vats.bots.web.cabinet.operator.portal import OperatorSignIn, public_page
from vats.bots.web.cabinet.operator.session import COOKIE, cleared_cookie, make_operator_auth, sign_in_url
from vats.bots.web.cabinet.operator.texts import texts
from vats.bots.web.cabinet.pages import language
from vats.bots.web.cabinet.registry import CabinetRegistry
from vats.bots.web.cabinet.router import CSRF_COOKIE
from vats.bots.web.cabinet.session import redirect
from vats.core.errors import NotFoundError
from vats.core.protocols import KernelAPI


def to_sign_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """No operator session (none, expired, signed out, or a tenant's cookie): the operator's sign-in."""
    target = sign_in_url(request)
    if request.cookies.get(COOKIE):
        target += ("&" if "?" in target else "?") + "expired=1"
    return redirect(target, cookies=[cleared_cookie(request)])


def _refusal(request: Request[Any, Any, Any], title: str, reason: str, status: int) -> Response[Any]:
    t = texts(language(request))
    return public_page(request, "refused.html", status, title=t[title], message=t[reason], reason=reason)


def refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
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


def operator_router(kernel: KernelAPI, registry: CabinetRegistry) -> Router:
    """Sign-in, and every page of the operator area (built-in: areas/operator.py; plugins' with
    ``area="operator"``), behind the operator's cookie session and the CSRF check."""
    secret = kernel.secret_key()
    csrf_secret = hmac.new(secret.encode(), b"vats-cabinet-csrf", hashlib.sha256).hexdigest()  # the cabinet's
    csrf = CSRFConfig(secret=csrf_secret, cookie_name=CSRF_COOKIE, cookie_httponly=True, cookie_samesite="lax")
    return Router(
        path="/",
        route_handlers=[OperatorSignIn, *registry.routers("operator")],
        opt={"exclude_from_auth": True},  # not the API's bearer auth: the operator's cookie
        middleware=[
            boosted_posts_keep_the_address,
            DefineMiddleware(CSRFMiddleware, config=csrf),
            make_operator_auth(kernel).middleware,
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
