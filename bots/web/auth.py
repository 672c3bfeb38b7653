"""Who is calling: JWT access tokens for employees, a bearer token for the operator, and the
guards that read each route's ``opt``.

A route's ``opt["roles"]`` lists the roles that may call it (absent: any signed-in employee;
handlers then filter rows). ``opt["exclude_from_auth"]`` marks public routes (sign-in,
invitations); ``opt["operator"]`` marks operator routes, which take VATS_OPERATOR_TOKEN instead
of a JWT. Access tokens live 15 minutes and name a session; a signed-out session, a suspended
tenant or a deleted employee stops working at once because every request checks the session.
"""

from __future__ import annotations

import datetime as dt
import hmac
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import JWTAuth, Token
from vats.core.accounts.service import Principal
from vats.core.kernel import Kernel

ACCESS_TOKEN_LIFETIME = dt.timedelta(minutes=15)

ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"admin", "head"})
EVERYONE = frozenset({"admin", "head", "user", "restricted"})


def kernel_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Kernel:
    kernel: Kernel = connection.app.state.kernel
    return kernel


def make_jwt_auth(kernel: Kernel) -> JWTAuth[Principal, Token]:
    async def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
        try:
            session_id = uuid.UUID(token.sub)
            tenant_id = uuid.UUID(str(token.extras.get("tid")))
        except ValueError:
            return None
        return await kernel.accounts.principal(tenant_id, session_id)

    return JWTAuth[Principal, Token](
        retrieve_user_handler=retrieve_user,
        token_secret=kernel.secret_key(),
        default_token_expiration=ACCESS_TOKEN_LIFETIME,
        exclude=["/schema", "/health", "/invite", "/reset-password"],
        exclude_opt_key="exclude_from_auth",
        description="Sign in with POST /api/auth/login and paste the access_token here.",
    )


def role_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Refuse callers whose role is not in the route's ``opt["roles"]``."""
    roles = handler.opt.get("roles")
    if roles is None or handler.opt.get("exclude_from_auth"):
        return
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("sign in first")
    if user.role not in roles:
        raise PermissionDeniedException(f"the {user.role!r} role may not do this")


def operator_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Operator routes need ``Authorization: Bearer <VATS_OPERATOR_TOKEN>``."""
    if not handler.opt.get("operator"):
        return
    expected = kernel_of(connection).config.operator_token
    if not expected:
        raise PermissionDeniedException("the operator API is off (VATS_OPERATOR_TOKEN is not set)")
    given = connection.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        raise NotAuthorizedException("operator token required")


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
