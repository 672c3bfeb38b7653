"""Hostile input answered as 4xx problem documents by one app-level mechanism, on every route
alike (kernel and plugin routes, public and signed-in): JSON nested a thousand levels deep,
text PostgreSQL cannot store (NUL, lone surrogates) in queries, paths and bodies, and bodies
over the size limit."""

from __future__ import annotations

import logging

import httpx
import pytest
from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}


def assert_problem(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["field"] == field, response.json()


async def admin_of(api: ApiClients, tenant: TenantCreated) -> httpx.AsyncClient:
    return await api.as_employee(tenant.tenant_id, tenant.admin_id)


@pytest.mark.parametrize("depth", [1_000, 100_000])
async def test_deeply_nested_json_is_a_400_on_body_with_one_short_log_line(
    vats_api: ApiClients, vats_tenant: TenantCreated, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    admin = await admin_of(vats_api, vats_tenant)
    anon = vats_api.client()
    nested = b"[" * depth + b"]" * depth
    routes = [
        (anon, "POST", "/api/auth/login"),  # public
        (admin, "POST", "/api/employees"),  # kernel
        (admin, "PUT", "/api/crm/webhook"),  # a plugin's route
        (admin, "POST", "/api/contacts"),  # another plugin
        (admin, "PATCH", "/api/me"),
    ]
    for client, method, path in routes:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = await client.request(method, path, content=nested, headers=JSON)
        assert_problem(response, 400, "body")
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], path
        # Besides the access log's line for every request, one short line at most; no traceback.
        extra = [r for r in caplog.records if r.name not in ("vats.access", "httpx")]
        assert len(extra) <= 1 and all(not r.exc_info and "\n" not in r.getMessage() for r in extra), path


async def test_nul_in_a_query_parameter_is_a_422_naming_it(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    admin = await admin_of(vats_api, vats_tenant)
    for path, field in [
        ("/api/employees?q=%00", "q"),
        ("/api/contacts?q=a%00b", "q"),  # a plugin's route
        ("/api/groups?limit=10&q=%00", "q"),
        ("/api/history?number=%00", "number"),
    ]:
        assert_problem(await admin.get(path), 422, field)
    assert (await admin.get("/api/employees?q=%D0%90")).status_code == 200  # ordinary text still searches


async def test_unstorable_text_in_a_json_body_is_a_422_naming_the_field(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await admin_of(vats_api, vats_tenant)
    employee = {"full_name": "Анна\u0000", "email": "anna@test.example"}
    assert_problem(await admin.post("/api/employees", json=employee), 422, "full_name")
    lone_surrogate = b'{"full_name": "\\ud800", "email": "anna@test.example"}'
    # msgspec refuses a lone surrogate as malformed JSON itself: a 4xx on the body all the same.
    assert_problem(await admin.post("/api/employees", content=lone_surrogate, headers=JSON), 400, "body")
    contact = {"number": "+79161234567", "name": "x", "company": "ООО\u0000"}
    assert_problem(await admin.post("/api/contacts", json=contact), 422, "company")
    nested = {"name": "x", "body": {"default": {"handling": {"type": "hangup", "n\u0000te": 1}}}}
    assert_problem(await admin.post("/api/scenarios", json=nested), 422, "body.default.handling.n\u0000te")
    login = {"email": "admin@test.example", "password": ["ok", "pass\u0000word"]}
    assert_problem(await vats_api.client().post("/api/auth/login", json=login), 422, "password[1]")
    # An escaped backslash is not a NUL, and a surrogate pair is a real character: both stored.
    fine = b'{"full_name": "\\\\u0000 \\ud83d\\ude00", "email": "fine@test.example"}'
    created = await admin.post("/api/employees", content=fine, headers=JSON)
    assert created.status_code == 201, created.text
    assert created.json()["employee"]["full_name"] == "\\u0000 \U0001f600"


async def test_nul_in_a_form_field_is_a_422_naming_it(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    from tests.media_samples import SAMPLE_MP3

    admin = await admin_of(vats_api, vats_tenant)
    response = await admin.post(
        "/api/media/files", data={"name": "При\u0000ветствие"}, files={"file": ("a.mp3", SAMPLE_MP3, "audio/mpeg")}
    )
    assert_problem(response, 422, "name")


async def test_an_upload_over_10_mb_is_a_413_naming_the_file_and_the_limit(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await admin_of(vats_api, vats_tenant)
    big = b"\xff\xfb" * (6 * 1024 * 1024)  # 12 MB
    response = await admin.post(
        "/api/media/files", data={"name": "big"}, files={"file": ("big.mp3", big, "audio/mpeg")}
    )
    assert_problem(response, 413, "file")
    assert response.json()["limit_bytes"] == 10 * 1024 * 1024 and "10 MB" in response.json()["detail"]
    json_body = b'{"full_name": "' + b"a" * (11 * 1024 * 1024) + b'"}'
    assert_problem(await admin.post("/api/employees", content=json_body, headers=JSON), 413, "body")
