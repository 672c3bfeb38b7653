"""The Litestar application: the cabinet API (one controller per domain folder), the routes
plugins contribute, offline API docs, problem-details errors and a structured access log."""

from __future__ import annotations

import threading
from typing import Any

import msgspec
from litestar import Litestar, Router, get
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from vats.bots.web.access_log import access_log_middleware
from vats.bots.web.auth import access_guard, make_jwt_auth, plugin_guard, sessions_follow_writes
from vats.bots.web.cabinet.operator.router import operator_router
from vats.bots.web.cabinet.registry import collect_cabinet
from vats.bots.web.cabinet.router import cabinet_router, template_config
from vats.bots.web.cabinet.session import make_cookie_auth
from vats.bots.web.docs import assets_router, openapi_config
from vats.bots.web.domain.auth.controllers import AuthController, InvitationController
from vats.bots.web.domain.conferences.controllers import ConferenceController
from vats.bots.web.domain.employees.controllers import EmployeeController
from vats.bots.web.domain.groups.controllers import GroupController
from vats.bots.web.domain.me.controllers import MeController
from vats.bots.web.domain.media.controllers import MediaController
from vats.bots.web.domain.numbers.controllers import NumberController, TagController
from vats.bots.web.domain.operator.controllers import OperatorController
from vats.bots.web.domain.scenarios.controllers import ScenarioController
from vats.bots.web.domain.schedules.controllers import CalendarController, ScheduleController
from vats.bots.web.domain.telephony.controllers import (
    CallController,
    LineController,
    OutboundController,
    TrunkController,
)
from vats.bots.web.domain.tenant.controllers import TenantController
from vats.bots.web.examples import attach_examples
from vats.bots.web.input_guard import refuse_unstorable_input
from vats.bots.web.kit import DEPENDENCIES
from vats.bots.web.openapi import document_problems, document_scenario_body
from vats.bots.web.problems import EXCEPTION_HANDLERS
from vats.bots.web.response_cache import STORE as CACHE_STORE
from vats.bots.web.response_cache import BoundedMemoryStore, response_cache_config
from vats.core.kernel import Kernel

CONTROLLERS: list[Any] = [
    AuthController,
    InvitationController,
    MeController,
    EmployeeController,
    GroupController,
    ScheduleController,
    CalendarController,
    NumberController,
    TagController,
    TenantController,
    MediaController,
    ScenarioController,
    OperatorController,
    TrunkController,
    CallController,
    OutboundController,
    LineController,
    ConferenceController,
]


class Health(msgspec.Struct, frozen=True):
    status: str
    database: str
    plugins: list[str]


def create_app(kernel: Kernel, *, api_docs_now: bool = True) -> Litestar:
    """The web app. ``api_docs_now=False`` leaves the OpenAPI document (a second of work) to
    ``finish_api_docs``, which ``vats serve`` runs once it is serving."""

    @get(
        "/health",
        operation_id="health",
        tags=["system"],
        summary="Liveness and database check",
        opt={"exclude_from_auth": True},
    )
    async def health() -> Health:
        assert kernel.db is not None
        ok = await kernel.db.fetchval("SELECT 1") == 1
        return Health(
            status="ok" if ok else "degraded", database="ok" if ok else "down", plugins=kernel.plugins.names()
        )

    @get(
        "/health/live",
        operation_id="liveness",
        tags=["system"],
        summary="Liveness: the process answers (no database)",
        opt={"exclude_from_auth": True},
    )
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    # Each plugin's routes sit behind a guard that hides them from tenants who switched it off.
    plugin_routers = [
        Router(path="/", route_handlers=[handler], guards=[plugin_guard(plugin)], opt={"plugin": plugin})
        for plugin, handler in kernel.plugins.collect_by_plugin("register_routes")
    ]
    jwt_auth = make_jwt_auth(kernel)
    cabinet_auth = make_cookie_auth(kernel)  # the web cabinet's cookie session (bots/web/cabinet)
    cabinet = collect_cabinet(kernel.plugins)  # its pages: built-in areas and plugins'
    app = Litestar(
        route_handlers=[
            health,
            live,
            assets_router(),
            *CONTROLLERS,
            *plugin_routers,
            cabinet_router(cabinet_auth, kernel.secret_key(), cabinet),
            operator_router(kernel, cabinet),  # the operator portal (/operator), its own cookie session
        ],
        guards=[access_guard],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=refuse_unstorable_input,
        openapi_config=openapi_config(),
        on_app_init=[jwt_auth.on_app_init],
        middleware=[DefineMiddleware(sessions_follow_writes)],
        logging_config=logging_config(kernel.config.log_level),
        template_config=template_config(cabinet),
        state=State({"kernel": kernel, "jwt_auth": jwt_auth, "cabinet_auth": cabinet_auth, "cabinet": cabinet}),
        response_cache_config=response_cache_config(kernel),
        stores={CACHE_STORE: BoundedMemoryStore()},
    )
    # Outermost, around Litestar's own exception handling: the access log records the status
    # the client got (a cabinet page without a session is a 303 to sign-in, not the 500 an
    # exception passing through an inner middleware looks like).
    app.asgi_handler = access_log_middleware(app.asgi_handler)
    if api_docs_now:
        document_api(app)
    else:
        app.plugins.get(OpenAPIPlugin).__class__ = _OneDocument
    return app


_DOCUMENT_LOCK = threading.RLock()


class _OneDocument(OpenAPIPlugin):
    """The OpenAPI document built once and served whole, even when ``finish_api_docs`` (in a
    thread) and a /schema request (on the event loop) ask for it at the same moment."""

    __slots__ = ()

    def provide_openapi(self) -> Any:
        with _DOCUMENT_LOCK:
            return super().provide_openapi()

    def provide_openapi_schema(self) -> dict[str, Any]:
        with _DOCUMENT_LOCK:
            return super().provide_openapi_schema()


def document_api(app: Litestar) -> None:
    """What the OpenAPI document says beyond the signatures: request examples, the problem
    answers of each operation, the scenario body's union of blocks."""
    schema = attach_examples(app)
    document_problems(app, schema)
    document_scenario_body(schema, app.state.kernel.blocks)


def finish_api_docs(app: Litestar) -> None:
    """Build the OpenAPI document and attach its request examples (an app made with
    ``api_docs_now=False``); a /schema answer made meanwhile is made again with them."""
    with _DOCUMENT_LOCK:
        document_api(app)
        app.plugins.get(OpenAPIPlugin)._openapi_schema = None


def logging_config(level: str) -> LoggingConfig:
    """Every log record (ours and the libraries') goes through Litestar's queue listener, so that
    a slow or full stderr (a pipe nobody reads) never blocks the event loop, at VATS_LOG_LEVEL."""
    return LoggingConfig(
        root={"level": level, "handlers": ["queue_listener"]},
        formatters={"standard": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    )
