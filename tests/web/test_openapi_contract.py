"""The OpenAPI document tells the truth about errors and scenario bodies: every 4xx an
operation answers is listed there as RFC 9457 problem details with a ``field``, and a scenario's
body is the tagged union of the registered blocks, so a client can validate one before sending."""

from typing import Any

import jsonschema_rs
from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

GHOST = "00000000-0000-0000-0000-000000000000"


async def spec_of(api: ApiClients) -> dict[str, Any]:
    response = await api.client().get("/schema/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def validator(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for({**schema, "components": spec["components"]})


async def test_every_error_answer_is_documented_as_a_problem_with_a_field(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    api = ApiClients(vats_kernel)
    spec = await spec_of(api)
    problem = spec["components"]["schemas"]["Problem"]
    assert {"title", "status", "detail"} <= set(problem["required"]) and "field" in problem["properties"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            errors = {code: r for code, r in op["responses"].items() if code.startswith("4")}
            if not path.startswith("/health"):
                assert errors, f"{method.upper()} {path} lists no error answer"
            for code, answer in errors.items():
                assert list(answer["content"]) == ["application/problem+json"], f"{method.upper()} {path} {code}"
                assert answer["content"]["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
    admin = await api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    missing = await admin.get(f"/api/groups/{GHOST}")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert "404" in spec["paths"]["/api/groups/{group_id}"]["get"]["responses"]
    validator(spec, problem).validate(missing.json())
    assert missing.json()["field"] == "group_id"
    refused = await admin.get("/api/groups", params={"sort": "salary"})
    assert refused.status_code == 422 and "422" in spec["paths"]["/api/groups"]["get"]["responses"]
    assert (await api.client().get("/api/groups")).status_code == 401
    assert "401" in spec["paths"]["/api/groups"]["get"]["responses"]
    await api.close()


async def test_the_scenario_body_schema_is_the_union_of_the_registered_blocks(vats_kernel: Kernel) -> None:
    api = ApiClients(vats_kernel)
    spec = await spec_of(api)
    body = spec["components"]["schemas"]["ScenarioIn"]["properties"]["body"]
    scenario = validator(spec, body)
    handling = spec["components"]["schemas"]["ScenarioBody_Branch"]["properties"]["handling"]
    union = next(choice for choice in handling["anyOf"] if "discriminator" in choice)
    assert set(vats_kernel.blocks.by_tag) == set(union["discriminator"]["mapping"])
    assert {"forward", "voicemail", "hangup"} <= set(union["discriminator"]["mapping"])
    forward = {"type": "forward", "targets": [{"kind": "extension", "number": "200"}]}
    assert scenario.is_valid({"default": {"handling": forward, "insurance": {"type": "voicemail"}}})
    assert not scenario.is_valid({"default": {"handling": {"type": "teleport"}}})
    assert not scenario.is_valid({"default": {"handling": {"type": "forward", "targets": "everyone"}}})
    assert not scenario.is_valid({"filters": []})  # "default" is required
    await api.close()
