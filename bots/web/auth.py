"""Who is calling: JWT access tokens for employees, a bearer token for the operator, and the
guards that read each route's ``opt``.

A route's ``opt["roles"]`` lists the roles that may call it (absent: any signed-in employee;
handlers then filter rows). ``opt["exclude_from_auth"]`` marks public routes (sign-in,
invitations); ``opt["operator"]`` marks operator routes, which take VATS_OPERATOR_TOKEN instead
of a JWT. Access tokens live 15 minutes and name a session; a signed-out session, a suspended
tenant or a deleted employee stops working at once because every request checks the session.

Speed (bench/api): a token's signature is verified once per process (``VerifiedTokens``), the
session check is answered from the kernel's session cache (``core/accounts/sessions.py``:
dropped by PostgreSQL notification in every process), and the guards are coroutines (Litestar
runs a plain function guard in a worker thread, which cost more than the whole check).
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from vats.bots.web.kit import kernel_of
from vats.core.accounts.service import Principal
from vats.core.kernel import Kernel

ACCESS_TOKEN_LIFETIME = dt.timedelta(minutes=15)
CABINET_COOKIE = "vats_session"  # bots/web/cabinet/session.py's COOKIE (imported there from here would loop)


class VerifiedTokens:
    """Tokens whose signature and claims were checked, until they expire: a token is an
    immutable signed string, so checking it once per process and key is enough (the session it
    names is still checked on every request)."""

    MAX_ENTRIES = 50_000

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], tuple[Token, float]] = {}

    def get(self, encoded: str, secret: str) -> Token | None:
        known = self._tokens.get((encoded, secret))
        if known is None:
            return None
        token, expires = known
        if time.time() >= expires:
            del self._tokens[(encoded, secret)]
            return None
        return token

    def put(self, encoded: str, secret: str, token: Token) -> None:
        if len(self._tokens) >= self.MAX_ENTRIES:
            self._tokens.clear()
        self._tokens[(encoded, secret)] = (token, token.exp.timestamp())


READS = frozenset({"GET", "HEAD"})


class CachedJWTMiddleware(JWTAuthenticationMiddleware):
    """Litestar's JWT middleware with the verification done once per token and process.

    A read (GET/HEAD) without an Authorization header may instead carry the web cabinet's
    session cookie: the cabinet's pages fetch their JSON, charts, recordings and CSV exports
    from these routes, and a browser tab opens them. Writes never accept the cookie (a form on
    another site could post with it; the cabinet's own forms have CSRF tokens), so an API write
    still needs a bearer token."""

    verified = VerifiedTokens()

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        if connection.scope.get("method") in READS and not connection.headers.get(self.auth_header):
            cookie = connection.cookies.get(CABINET_COOKIE, "").partition(" ")[-1]
            cabinet = connection.app.state.get("cabinet_auth")
            if cookie and cabinet is not None:
                return await self.authenticate_token(
                    cookie, connection, secret=cabinet.token_secret, audience=cabinet.accepted_audiences
                )
        return await super().authenticate_request(connection)

    async def authenticate_token(
        self,
        encoded_token: str,
        connection: ASGIConnection[Any, Any, Any, Any],
        *,
        secret: str | None = None,
        audience: Any = None,
    ) -> AuthenticationResult:
        secret = secret or self.token_secret
        token = self.verified.get(encoded_token, secret)
        if token is None:
            token = self.token_cls.decode(
                encoded_token=encoded_token,
                secret=secret,
                algorithm=self.algorithm,
                audience=audience or self.token_audience,
                issuer=self.token_issuer,
                require_claims=self.require_claims,
                verify_exp=self.verify_expiry,
                verify_nbf=self.verify_not_before,
                strict_audience=self.strict_audience,
            )
            self.verified.put(encoded_token, secret, token)
        user = await self.retrieve_user_handler(token, connection)
        if not user:
            raise NotAuthorizedException()
        return AuthenticationResult(user=user, auth=token)


RetrieveUser = Callable[[Token, ASGIConnection[Any, Any, Any, Any]], Awaitable[Principal | None]]


def session_principal(kernel: Kernel) -> RetrieveUser:
    """Who a verified token names: its ``sub`` is a session and ``tid`` that session's tenant;
    None when the claims are malformed or the session is over. Both doors check it this way:
    the API's bearer tokens here and the cabinet's cookie (bots/web/cabinet/session.py)."""

    async def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
        try:
            session_id = uuid.UUID(token.sub)
            tenant_id = uuid.UUID(str(token.extras.get("tid")))
        except ValueError:
            return None
        return await kernel.accounts.principal(tenant_id, session_id)

    return retrieve_user


def make_jwt_auth(kernel: Kernel) -> JWTAuth[Principal, Token]:
    return JWTAuth[Principal, Token](
        retrieve_user_handler=session_principal(kernel),
        token_secret=kernel.secret_key(),
        default_token_expiration=ACCESS_TOKEN_LIFETIME,
        exclude=["/schema", "/health", "/invite", "/reset-password"],
        exclude_opt_key="exclude_from_auth",
        description="Sign in with POST /api/auth/login and paste the access_token here.",
        authentication_middleware_class=CachedJWTMiddleware,
    )


async def role_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Refuse callers whose role is not in the route's ``opt["roles"]``."""
    roles = handler.opt.get("roles")
    if roles is None or handler.opt.get("exclude_from_auth"):
        return
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("sign in first")
    if user.role not in roles:
        raise PermissionDeniedException(f"the {user.role!r} role may not do this")


async def operator_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Operator routes need ``Authorization: Bearer <VATS_OPERATOR_TOKEN>``."""
    if not handler.opt.get("operator"):
        return
    expected = kernel_of(connection).config.operator_token
    if not expected:
        raise PermissionDeniedException("the operator API is off (VATS_OPERATOR_TOKEN is not set)")
    given = connection.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        raise NotAuthorizedException("operator token required")


async def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app's one guard (Litestar copies the handler for each guard it runs): the operator
    token on operator routes, the caller's role elsewhere."""
    await operator_guard(connection, handler)
    await role_guard(connection, handler)


def sessions_follow_writes(app: ASGIApp) -> ASGIApp:
    """A write through this process's API drops what it may make stale before the answer
    leaves: the cached sessions (a role change, a deletion, a suspension: the caller's next
    request must see it) and the cached reads (a new version of the tenant's data). Other
    processes hear of it by notification. The caller's tenant, or every tenant for an operator
    route."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                sessions = scope["litestar_app"].state.kernel.sessions
                user = scope.get("user")
                if sessions is not None and isinstance(user, Principal):
                    sessions.forget_tenant(user.tenant_id)
                elif sessions is not None and (handler := scope.get("route_handler")) and handler.opt.get("operator"):
                    sessions.forget_all()
            await send(message)

        await app(scope, receive, send_wrapper)

    return middleware


def plugin_guard(plugin: str) -> Any:
    """Routes of a plugin switched off for the caller's tenant answer 404 there."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Principal):
            return  # public plugin route: nothing tenant-specific to check
        kernel = kernel_of(connection)
        assert kernel.db is not None
        async with kernel.db.tenant(user.tenant_id) as conn:
            if not await kernel.plugins.is_enabled(conn, user.tenant_id, plugin):
                raise NotFoundException("not found")

    return guard
