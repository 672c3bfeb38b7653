"""Sign-in, sign-out, "forgot password", the password-reset page and the invitation page.
They call the same account services as /api/auth, so the limits and rules are the API's."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Template
from vats.bots.web.cabinet.pages import language, public_page
from vats.bots.web.cabinet.session import PUBLIC, cleared_cookie, redirect, safe_next, session_cookie
from vats.bots.web.cabinet.texts import Lang, problem_text, texts
from vats.bots.web.kit import kernel_of
from vats.core.accounts.service import AuthError, ForbiddenError, Principal, RateLimitedError
from vats.core.errors import VatsError

OPEN: dict[str, Any] = {PUBLIC: True}
MAX_FIELD = 254


def landing(principal: Principal) -> str:
    """Where a sign-in lands: an admin sets the PBX up (Settings → Employees), others see Me."""
    return "/cabinet/settings/employees" if principal.role == "admin" else "/cabinet/me"


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def _field(request: Request[Any, Any, Any], name: str) -> str:
    form = await request.form()
    value = form.get(name, "")
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _other_ways(request: Request[Any, Any, Any]) -> list[Any]:
    """Plugins' other ways to recover a password (an SMS code, ...)."""
    return list(request.app.state["cabinet"].recovery(language(request)))


def empty_fields(lang: Lang, **fields: str) -> dict[str, str]:
    """The message for each field left empty (a form with ``novalidate`` leaves this to the server)."""
    return {name: problem_text(lang, "required") for name, value in fields.items() if not value.strip()}


class SignInController(Controller):
    path = "/"
    include_in_schema = False
    opt = OPEN

    @get("/")
    async def root(self) -> Response[Any]:
        """The cabinet, or the sign-in page when nobody is signed in (the cabinet redirects)."""
        return redirect("/cabinet")

    @get("/signin")
    async def sign_in_form(
        self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None, expired: FromQuery[bool] = False
    ) -> Template:
        t = texts(language(request))
        return public_page(
            request, "signin.html", next=safe_next(next, ""), message=t["session_over"] if expired else "", email=""
        )

    @post("/signin")
    async def sign_in(self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Response[Any]:
        lang = language(request)
        t = texts(lang)
        email, password = await _field(request, "email"), await _field(request, "password")
        form_next = safe_next(await _field(request, "next") or next, "")
        if missing := empty_fields(lang, email=email, password=password):  # no attempt counted against the limit
            return public_page(request, "signin.html", 422, next=form_next, message="", email=email, errors=missing)
        try:
            signed_in = await kernel_of(request).accounts.login(email, password, _client(request))
        except RateLimitedError as exc:
            minutes = max(1, (exc.retry_after + 59) // 60)
            message, status = t["too_many_attempts"].format(minutes=minutes), 429
        except AuthError:
            message, status = t["wrong_credentials"], 401
        except ForbiddenError:
            message, status = t["suspended"], 403
        else:
            principal = signed_in.principal
            return redirect(safe_next(form_next, landing(principal)), cookies=[session_cookie(request, principal)])
        return public_page(request, "signin.html", status, next=form_next, message=message, error=True, email=email)

    @post("/signout", opt={PUBLIC: False})
    async def sign_out(self, request: Request[Any, Any, Any]) -> Response[Any]:
        me = request.user
        assert isinstance(me, Principal)
        await kernel_of(request).accounts.logout(me.tenant_id, me.session_id)
        return redirect("/signin", cookies=[cleared_cookie(request)])

    @get("/signin/forgot")
    async def forgot_form(self, request: Request[Any, Any, Any]) -> Template:
        return public_page(request, "forgot.html", sent=False, other_ways=_other_ways(request))

    @post("/signin/forgot")
    async def forgot(self, request: Request[Any, Any, Any]) -> Template:
        email = await _field(request, "email")
        if missing := empty_fields(language(request), email=email):  # "sent" to nobody would mislead
            return public_page(request, "forgot.html", 422, sent=False, other_ways=_other_ways(request),
                               email_error=missing["email"])  # fmt: skip
        await kernel_of(request).accounts.request_password_reset(email)
        return public_page(request, "forgot.html", sent=True, other_ways=_other_ways(request))

    @get("/invite")
    async def invitation_form(self, request: Request[Any, Any, Any], token: FromQuery[str] = "") -> Template:
        try:
            who = await kernel_of(request).accounts.invitation_details(token)
        except VatsError as exc:
            error = problem_text(language(request), exc.message)
            return public_page(request, "invite.html", 422, token="", who=None, error=error)
        return public_page(request, "invite.html", token=token, who=who, error="")

    @post("/invite")
    async def accept_invitation(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Set the password, then sign in with it straight away: the invitation leads into the cabinet."""
        kernel = kernel_of(request)
        token, password = await _field(request, "token"), await _field(request, "password")
        try:
            who = await kernel.accounts.invitation_details(token)
            await kernel.accounts.accept_invitation(token, password)
        except VatsError as exc:
            who_now = None
            try:
                who_now = await kernel.accounts.invitation_details(token)
            except VatsError:
                token = ""
            error = problem_text(language(request), exc.message)
            beside = bool(token) and exc.field == "password"  # beside the field; the page's own line is for the link
            return public_page(
                request, "invite.html", 422, token=token, who=who_now, error="" if beside else error,
                password_error=error if beside else "",
            )  # fmt: skip
        signed_in = await kernel.accounts.login(who["email"], password, _client(request))
        return redirect(landing(signed_in.principal), cookies=[session_cookie(request, signed_in.principal)])

    @get("/reset-password")
    async def reset_form(self, request: Request[Any, Any, Any], token: FromQuery[str] = "") -> Template:
        return public_page(request, "reset.html", token=token, error="", done=False)

    @post("/reset-password")
    async def reset(self, request: Request[Any, Any, Any]) -> Template:
        token, password = await _field(request, "token"), await _field(request, "password")
        try:
            await kernel_of(request).accounts.reset_password(token, password)
        except VatsError as exc:
            error = problem_text(language(request), exc.message)
            beside = exc.field == "password"  # beside the field; the page's own line is for the link
            return public_page(
                request, "reset.html", 422, token=token, error="" if beside else error,
                password_error=error if beside else "", done=False,
            )  # fmt: skip
        return public_page(request, "reset.html", token="", error="", done=True)
