"""What the OpenAPI document says that Litestar cannot infer from the handlers' signatures:

* the errors: every operation lists the 4xx answers it can give, each an RFC 9457 problem
  (``application/problem+json``, the ``Problem`` schema with its ``field``), instead of
  Litestar's own 400 shape, which vats never sends;
* the scenario body: the tagged union of the blocks registered at start-up (plugins add
  theirs), not ``object``.

Which 4xx an operation answers follows from how it is declared (the rules are in
:func:`problem_statuses`); schemathesis checks the running API against the result.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Reference
from litestar.routes import HTTPRoute
from vats.bots.web.problems import PROBLEM, Problem
from vats.core.blocks import BlockRegistry
from vats.core.engine.scenario import ScenarioBody

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

MEANING = {
    400: "The request is malformed: a parameter or the body does not match its schema (`field` names it)",
    401: "Not signed in, or the session ended (sign-out, password change, suspension)",
    403: "Signed in, but this role (or the operator API's state) does not allow it",
    404: "Something the request names does not exist for this PBX (`field` names it)",
    409: "Conflicts with what is stored (a duplicate, a reference, a limit; `references` lists them)",
    413: "The body is larger than this operation accepts",
    422: "Well-formed, but refused by a rule (`field` names the input)",
    429: "Too many attempts; `retry_after` (and the Retry-After header) says when to try again",
    502: "A service this operation relies on (e.g. the payment gateway) failed; nothing was lost, try again later",
}


def handlers_by_operation(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    """(path, method) -> the handler serving it."""
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                found[(route.path_format, method.upper())] = handler
    return found


def problem_statuses(path: str, method: str, handler: HTTPRouteHandler, operation: Any) -> set[int]:
    """The 4xx answers an operation can give, from how it is declared."""
    opt = handler.opt
    operator = bool(opt.get("operator"))
    public = bool(opt.get("exclude_from_auth")) and not operator
    has_body = operation.request_body is not None
    takes_input = bool(operation.parameters) or has_body
    statuses = {400, 422} if takes_input else set()  # malformed; or refused by a rule (a token, a sort)
    if not public:
        statuses.add(401)
        if operator or opt.get("roles") is not None or opt.get("plugin"):
            statuses.add(403)  # the role guard, the operator API switched off, a plugin's own rules
    if "{" in path or has_body or operator or opt.get("plugin"):
        statuses.add(404)  # a path id, an id in the body, a plugin switched off, or a tenant's things
    if method in WRITES:
        statuses |= {404, 409, 422}
    if has_body:
        statuses.add(413)
    statuses |= set(opt.get("problems", ()))  # what a handler declares beyond these (e.g. a plugin's 429)
    if public and method == "POST" and path.startswith("/api/auth/"):
        statuses |= {401, 403, 429}  # wrong password or token, a suspended PBX, too many attempts
    return statuses


def document_problems(app: Litestar, schema: OpenAPI) -> None:
    """Give every operation its problem-details answers."""
    _, defs = msgspec.json.schema_components([Problem], ref_template="#/components/schemas/{name}")
    assert schema.components is not None and not isinstance(schema.components, list)
    schema.components.schemas = {**(schema.components.schemas or {}), **defs}
    handlers = handlers_by_operation(app)
    for path, item in (schema.paths or {}).items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            handler = handlers.get((path, method.upper()))
            if operation is None or handler is None:
                continue
            responses = dict(operation.responses or {})
            for code in sorted(problem_statuses(path, method.upper(), handler, operation)):
                responses[str(code)] = OpenAPIResponse(
                    description=MEANING[code],
                    content={PROBLEM: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))},
                )
            operation.responses = responses


def document_scenario_body(schema: OpenAPI, blocks: BlockRegistry) -> None:
    """The ``body`` of a scenario is a ScenarioBody whose stages hold one of the registered
    blocks, told apart by ``type``."""
    if schema.components is None or isinstance(schema.components, list) or not schema.components.schemas:
        return
    holder = schema.components.schemas.get("ScenarioIn")
    if holder is None or not holder.properties or "body" not in holder.properties:
        return
    prefix = "ScenarioBody_"
    template = "#/components/schemas/" + prefix + "{name}"
    types: list[Any] = [ScenarioBody] + ([blocks.union] if blocks.union is not None else [])
    roots, defs = msgspec.json.schema_components(types, ref_template=template)
    defs = {prefix + name: definition for name, definition in defs.items()}
    if blocks.union is not None:
        stage = {"anyOf": [roots[1], {"type": "null"}]}
        branch = defs[prefix + "Branch"]
        for name in ("menu", "handling", "insurance"):
            branch["properties"][name] = {**stage, "default": None}
    schema.components.schemas.update(defs)
    holder.properties["body"] = Reference(ref=roots[0]["$ref"])
