"""The cabinet's cookie session: a signed token naming one of the same server-side session rows
the API's bearer tokens name, so signing out, a password change or a suspension ends it at once
(every request checks the row through ``Accounts.principal``).

The token is signed with a key of its own (derived from the server's secret) and carries the
audience ``vats-cabinet``: the API's bearer auth cannot verify it and the cabinet refuses the
API's tokens, so a bearer token never opens a page. The API accepts the cookie for reads only
(GET/HEAD without an Authorization header: the pages' JSON, charts, recordings, CSV exports;
bots/web/auth.py), never for writes, which no CSRF token protects there."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.security.jwt import JWTCookieAuth, Token
from litestar.security.jwt.middleware import JWTCookieAuthenticationMiddleware
from vats.bots.web.auth import CachedJWTMiddleware, session_principal
from vats.core.accounts.service import SESSION_LIFETIME, Principal
from vats.core.kernel import Kernel

COOKIE = "vats_session"
AUDIENCE = "vats-cabinet"
PUBLIC = "cabinet_public"  # a route's opt key: no cookie session needed (sign-in, assets)


def cabinet_key(secret: str) -> str:
    return hmac.new(secret.encode(), b"vats-cabinet-session", hashlib.sha256).hexdigest()


class CachedJWTCookieMiddleware(JWTCookieAuthenticationMiddleware):
    """Litestar's cookie middleware with the token's signature and claims checked once per token
    and process, as the API's bearer tokens are (``CachedJWTMiddleware``); the session the token
    names is still looked up on every request, so signing out ends it at once."""

    verified = CachedJWTMiddleware.verified
    authenticate_token = CachedJWTMiddleware.authenticate_token


def make_cookie_auth(kernel: Kernel) -> JWTCookieAuth[Principal, Token]:
    return JWTCookieAuth[Principal, Token](
        authentication_middleware_class=CachedJWTCookieMiddleware,
        retrieve_user_handler=session_principal(kernel),
        token_secret=cabinet_key(kernel.secret_key()),
        key=COOKIE,
        default_token_expiration=SESSION_LIFETIME,
        exclude_opt_key=PUBLIC,
        accepted_audiences=[AUDIENCE],
        samesite="lax",
    )


def is_https(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "https"


def session_cookie(request: Request[Any, Any, Any], principal: Principal) -> Cookie:
    auth: JWTCookieAuth[Principal, Token] = request.app.state.cabinet_auth
    token = auth.create_token(
        identifier=str(principal.session_id),
        token_audience=AUDIENCE,
        token_extras={"tid": str(principal.tenant_id)},
    )
    return Cookie(
        key=COOKIE,
        value=f"Bearer {token}",
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )


def cleared_cookie(request: Request[Any, Any, Any]) -> Cookie:
    return Cookie(key=COOKIE, value="", path="/", httponly=True, samesite="lax", secure=is_https(request), max_age=0)


def safe_next(value: str | None, default: str) -> str:
    """A local path to return to after sign-in; anything else (another host, a scheme, ``//x``,
    backslashes) is replaced by ``default``, so the parameter cannot send anyone off-site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return default
    return value


def sign_in_url(request: Request[Any, Any, Any]) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/signin?next={quote(here, safe='/')}" if here not in ("/", "/cabinet") else "/signin"


def redirect(location: str, cookies: list[Cookie] | None = None) -> Response[Any]:
    return Response(content=None, status_code=303, headers={"Location": location}, cookies=cookies or [])
