"""Sign-in, token refresh, sign-out, password reset and invitations (public routes)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Body, FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from vats.bots.web.auth import ACCESS_TOKEN_LIFETIME
from vats.bots.web.kit import KernelDep, kernel_of
from vats.core.accounts.service import Principal, SignIn


class LoginIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(examples=["admin@demo.vats.example"], max_length=254)]
    password: Annotated[str, msgspec.Meta(examples=["the password vats serve printed"], max_length=128)]


class RefreshIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    refresh_token: Annotated[str, msgspec.Meta(examples=["Zs1c...refresh"], max_length=200)]


class Tokens(msgspec.Struct, kw_only=True):
    access_token: Annotated[str, msgspec.Meta(examples=["eyJhbGciOiJIUzI1NiIs..."])]
    refresh_token: Annotated[str, msgspec.Meta(examples=["Zs1c...refresh"])]
    token_type: str = "Bearer"
    expires_in: Annotated[int, msgspec.Meta(examples=[900])] = int(ACCESS_TOKEN_LIFETIME.total_seconds())
    employee_id: str = ""
    role: str = ""


class ResetRequestIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(examples=["anna@example.com"], max_length=254)]


class TokenPasswordIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(examples=["token from the e-mail"], max_length=200)]
    password: Annotated[str, msgspec.Meta(examples=["a-new-Passw0rd"], max_length=128)]


class InvitationOut(msgspec.Struct, kw_only=True):
    full_name: Annotated[str, msgspec.Meta(examples=["Анна Иванова"])]
    email: Annotated[str, msgspec.Meta(examples=["anna@example.com"])]
    tenant: Annotated[str, msgspec.Meta(examples=["Demo company"])]


def _tokens(request: Request[Any, Any, Any], signed_in: SignIn) -> Tokens:
    auth = request.app.state.jwt_auth
    p = signed_in.principal
    access = auth.create_token(identifier=str(p.session_id), token_extras={"tid": str(p.tenant_id)})
    return Tokens(
        access_token=access, refresh_token=signed_in.refresh_token, employee_id=str(p.employee_id), role=p.role
    )


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


PUBLIC: dict[str, Any] = {"exclude_from_auth": True}


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", summary="Sign in with e-mail and password", opt=PUBLIC, status_code=200)
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginIn]) -> Tokens:
        """Returns an access token (15 minutes) and a refresh token (30 days). Five wrong
        passwords for an account, or twenty from one address, in 15 minutes answer 429."""
        signed_in = await kernel_of(request).accounts.login(data.email, data.password, _client(request))
        return _tokens(request, signed_in)

    @post(
        "/refresh",
        operation_id="refreshTokens",
        summary="Exchange a refresh token for new tokens",
        opt=PUBLIC,
        status_code=200,
    )
    async def refresh(self, request: Request[Any, Any, Any], data: JSONBody[RefreshIn]) -> Tokens:
        return _tokens(request, await kernel_of(request).accounts.refresh(data.refresh_token))

    @get(
        "/session",
        operation_id="getSession",
        summary="Who this access token belongs to (no database work beyond the session check)",
    )
    async def session(self, request: Request[Principal, Any, Any]) -> Principal:
        return request.user

    @post("/logout", operation_id="logout", summary="Sign out this session", status_code=HTTP_204_NO_CONTENT)
    async def logout(self, request: Request[Principal, Any, Any]) -> None:
        await kernel_of(request).accounts.logout(request.user.tenant_id, request.user.session_id)

    @post(
        "/password-reset",
        operation_id="requestPasswordReset",
        summary="E-mail a password reset link (answers the same whether the account exists or not)",
        opt=PUBLIC,
        status_code=HTTP_202_ACCEPTED,
    )
    async def request_reset(self, kernel: KernelDep, data: JSONBody[ResetRequestIn]) -> None:
        await kernel.accounts.request_password_reset(data.email)

    @post(
        "/password-reset/confirm",
        operation_id="confirmPasswordReset",
        summary="Set a new password with the e-mailed token",
        opt=PUBLIC,
        status_code=HTTP_204_NO_CONTENT,
    )
    async def confirm_reset(self, kernel: KernelDep, data: JSONBody[TokenPasswordIn]) -> None:
        await kernel.accounts.reset_password(data.token, data.password)


class InvitationController(Controller):
    path = "/api/invitations"
    tags = ["auth"]

    @post(
        "/accept",
        operation_id="acceptInvitation",
        summary="Accept an invitation: set the personal password",
        opt=PUBLIC,
        status_code=HTTP_204_NO_CONTENT,
    )
    async def accept(self, kernel: KernelDep, data: Annotated[TokenPasswordIn, Body(title="Invitation")]) -> None:
        """The token comes from the invitation e-mail; it works once and expires after 7 days.
        Afterwards the employee signs in with their e-mail and this password."""
        await kernel.accounts.accept_invitation(data.token, data.password)

    @get("/{token:str}", operation_id="getInvitation", summary="Who an invitation is for", opt=PUBLIC)
    async def show(self, kernel: KernelDep, token: FromPath[str]) -> InvitationOut:
        return InvitationOut(**await kernel.accounts.invitation_details(token))
