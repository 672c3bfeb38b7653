"""API docs that work offline: Swagger UI's assets come from the ``swagger-ui-py`` package
(Swagger UI 5, which reads the OpenAPI 3.1 that Litestar writes; ``swagger-ui-bundle`` ships
Swagger UI 4, which cannot) and are served by vats itself; the page references no external URL.
Only the package's static folder is used, the package itself is never imported."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

ASSETS = "/schema/assets"


def swagger_ui_path() -> Path:
    spec = importlib.util.find_spec("swagger_ui")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is missing (pip install swagger-ui-py)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS, directories=[swagger_ui_path()], opt={"exclude_from_auth": True}, include_in_schema=False
    )


def openapi_config() -> OpenAPIConfig:
    swagger = SwaggerRenderPlugin(
        js_url=f"{ASSETS}/swagger-ui-bundle.js",
        css_url=f"{ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
        path="/",
    )
    components: Any = Components(
        security_schemes={
            "OperatorToken": SecurityScheme(
                type="http", scheme="bearer", description="The operator's VATS_OPERATOR_TOKEN"
            )
        }
    )
    return OpenAPIConfig(
        title="vats cabinet API",
        version="0.1.0",
        description=(
            "Sign in with `POST /api/auth/login` (the demo admin's log-in is printed by `vats serve`), "
            "then press **Authorize** and paste the `access_token`. Errors are RFC 9457 problem details "
            "whose `field` names the offending input."
        ),
        path="/schema",
        render_plugins=[swagger],
        components=components,
    )
