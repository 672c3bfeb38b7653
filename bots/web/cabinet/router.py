"""The cabinet's part of the app: its pages, its assets, its cookie session and CSRF check.

Everything here opts out of the API's bearer auth (``exclude_from_auth``) and is guarded by the
cookie session instead; CSRF applies to the cabinet only, so /api keeps its bearer-only rules."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.security.jwt import JWTCookieAuth, Token
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from markupsafe import Markup
from vats.bots.web.cabinet.favicon import favicon
from vats.bots.web.cabinet.history import boosted_posts_keep_the_address
from vats.bots.web.cabinet.pages import EXCEPTION_HANDLERS
from vats.bots.web.cabinet.registry import CabinetRegistry
from vats.bots.web.cabinet.session import PUBLIC
from vats.bots.web.cabinet.signin import SignInController
from vats.core.accounts.service import Principal

HERE = Path(__file__).parent
STATIC = HERE / "static"
CSRF_COOKIE = "vats_csrf"


def template_config(registry: CabinetRegistry) -> TemplateConfig[JinjaTemplateEngine]:
    """The cabinet's templates, then each area's and plugin's own folder. Compiled once: a
    template is package data, so its file is not looked at again on every page (Jinja's
    ``auto_reload`` would stat every template a page extends or includes; bench/web)."""
    folders = [HERE / "templates", *registry.template_dirs]
    environment = Environment(loader=FileSystemLoader(folders), autoescape=True, auto_reload=False)
    environment.globals["fragment"] = fragment
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


_FRAGMENTS: dict[tuple[int, str, str], Markup] = {}


@pass_context
def fragment(context: Context, name: str) -> Markup:
    """``{{ fragment("cabinet/_webphone.html") }}``: a part of the shell that reads nothing but
    the texts (``t``, ``lang``), rendered once per language and app instead of on every page."""
    lang = str(context.get("lang", "ru"))
    key = (id(context.environment), name, lang)
    known = _FRAGMENTS.get(key)
    if known is None:
        template = context.environment.get_template(name)
        known = _FRAGMENTS[key] = Markup(template.render(t=context["t"], lang=lang))
    return known


def cabinet_router(cookie_auth: JWTCookieAuth[Principal, Token], secret: str, registry: CabinetRegistry) -> Router:
    # A key of its own for CSRF tokens (derived, so the server's secret signs nothing else's format).
    csrf_secret = hmac.new(secret.encode(), b"vats-cabinet-csrf", hashlib.sha256).hexdigest()
    csrf = CSRFConfig(secret=csrf_secret, cookie_name=CSRF_COOKIE, cookie_httponly=True, cookie_samesite="lax")
    assets = create_static_files_router(
        path="/cabinet/static", directories=[STATIC], opt={PUBLIC: True}, include_in_schema=False,
        cache_control=None,
    )  # fmt: skip
    return Router(
        path="/",
        # The operator area's pages sit behind the operator's own session: bots/web/cabinet/operator/router.py.
        route_handlers=[SignInController, *registry.routers("tenant"), assets, favicon],
        opt={"exclude_from_auth": True},
        middleware=[
            boosted_posts_keep_the_address,
            DefineMiddleware(CSRFMiddleware, config=csrf),
            cookie_auth.middleware,
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
