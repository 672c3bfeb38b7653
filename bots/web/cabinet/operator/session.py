"""The operator's cookie session: a signed token naming an ``operator_sessions`` row, checked
on every request (a sign-out ends it at once).

Apart from the tenants' cabinet in every respect: its own cookie (``vats_operator``, sent to
/operator only), its own signing key and audience (``vats-operator``), its own session rows. A
tenant's cookie or API token cannot be verified here, and this one cannot be verified there."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.security.jwt import JWTCookieAuth, Token
from vats.bots.web.cabinet.session import is_https
from vats.core.accounts.service import SESSION_LIFETIME
from vats.core.operators.accounts import Operator, OperatorAccounts
from vats.core.protocols import KernelAPI

COOKIE = "vats_operator"
COOKIE_PATH = "/operator"
AUDIENCE = "vats-operator"
PUBLIC = "operator_public"  # a route's opt key: no operator session needed (sign-in)
ALGORITHM = "HS256"


def operator_key(secret: str) -> str:
    return hmac.new(secret.encode(), b"vats-operator-session", hashlib.sha256).hexdigest()


def operator_accounts(kernel: KernelAPI) -> OperatorAccounts:
    return OperatorAccounts(kernel.db, kernel.accounts)


def make_operator_auth(kernel: KernelAPI) -> JWTCookieAuth[Operator, Token]:
    async def retrieve(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Operator | None:
        try:
            session_id = uuid.UUID(token.sub)
        except ValueError:
            return None
        return await operator_accounts(kernel).principal(session_id)

    return JWTCookieAuth[Operator, Token](
        retrieve_user_handler=retrieve,
        token_secret=operator_key(kernel.secret_key()),
        key=COOKIE,
        path=COOKIE_PATH,
        default_token_expiration=SESSION_LIFETIME,
        exclude_opt_key=PUBLIC,
        accepted_audiences=[AUDIENCE],
        samesite="lax",
        algorithm=ALGORITHM,
    )


def session_cookie(request: Request[Any, Any, Any], operator: Operator, secret: str) -> Cookie:
    token = Token(
        sub=str(operator.session_id), aud=AUDIENCE, exp=dt.datetime.now(dt.UTC) + SESSION_LIFETIME
    ).encode(operator_key(secret), ALGORITHM)
    return Cookie(
        key=COOKIE, value=f"Bearer {token}", path=COOKIE_PATH, httponly=True, samesite="lax",
        secure=is_https(request), max_age=int(SESSION_LIFETIME.total_seconds()),
    )  # fmt: skip


def cleared_cookie(request: Request[Any, Any, Any]) -> Cookie:
    return Cookie(
        key=COOKIE, value="", path=COOKIE_PATH, httponly=True, samesite="lax", secure=is_https(request), max_age=0
    )


def sign_in_url(request: Request[Any, Any, Any]) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if here in ("/operator", "/operator/"):
        return "/operator/signin"
    return f"/operator/signin?next={quote(here, safe='/')}"
