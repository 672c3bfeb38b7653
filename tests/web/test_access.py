"""Access control generated from the app's route table: every role against every route, and
every route with another tenant's ids (always 404: existence does not leak)."""

import itertools

import httpx
import pytest
from vats.bots.web.testing import ApiClients
from vats.core.kernel import Kernel

from tests.media_samples import SAMPLE_MP3
from tests.web.routes import ACCESS, OPERATOR, PUBLIC, UPLOADS, fill, route_table
from tests.web.world import ROLES, build_company

counter = itertools.count(1)
# Public routes that answer 401 for wrong credentials (the test sends wrong ones on purpose).
CREDENTIAL_CHECKS = {"POST /api/auth/login", "POST /api/auth/refresh"}


async def call(client: httpx.AsyncClient, key: str, ids: dict[str, str]) -> httpx.Response:
    n = next(counter)
    method, url, body, query = fill(key, ids, n)
    if key in UPLOADS:
        fields, files = UPLOADS[key]
        form = {k: v.format(n=n) for k, v in fields.items()}
        parts = {
            k: (name, SAMPLE_MP3 if content == "MP3" else content, kind) for k, (name, content, kind) in files.items()
        }
        return await client.request(method, url, data=form, files=parts, params=query)
    return await client.request(method, url, json=body, params=query)


def test_every_route_has_an_access_entry(vats_api: ApiClients) -> None:
    routes = route_table(vats_api.app)
    missing = [r for r in routes if r not in ACCESS]
    assert not missing, f"routes without an entry in tests/web/routes.py ACCESS: {missing}"
    stale = [k for k in ACCESS if k not in routes]
    assert not stale, f"entries for routes that no longer exist: {stale}"


async def test_every_role_against_every_route(vats_api: ApiClients, vats_kernel: Kernel) -> None:
    company = await build_company(vats_kernel, vats_api, "Alpha", "alpha.example")
    spare = await vats_kernel.directory.create_tenant(
        name="Spare", admin_email="admin@spare.example"
    )  # the operator suspends it
    anonymous = vats_api.client()
    failures = []
    for key in route_table(vats_api.app):
        rule = ACCESS[key]
        if rule == PUBLIC:
            r = await call(anonymous, key, company.ids)
            refused_credentials = key in CREDENTIAL_CHECKS and r.json().get("title") == "Not authenticated"
            if (r.status_code == 401 and not refused_credentials) or r.status_code == 403 or r.status_code >= 500:
                failures.append(f"{key} anonymous -> {r.status_code}")
            continue
        if rule == OPERATOR:
            for who, client in [("anonymous", anonymous), ("admin", company.clients["admin"])]:
                r = await call(client, key, company.ids)
                if r.status_code != 401:
                    failures.append(f"{key} {who} without the operator token -> {r.status_code}")
            r = await call(vats_api.operator(), key, {**company.ids, "tenant_id": str(spare.tenant_id)})
            if r.status_code >= 400 and r.status_code != 404:
                failures.append(f"{key} operator -> {r.status_code} {r.text[:200]}")
            continue
        r = await call(anonymous, key, company.ids)
        if r.status_code != 401:
            failures.append(f"{key} anonymous -> {r.status_code}")
        # Refused roles first (they change nothing), then the allowed ones.
        for role in sorted(ROLES, key=lambda role: role in rule):
            r = await call(company.clients[role], key, company.ids)
            allowed = role in rule
            if allowed and (r.status_code in (401, 403) or r.status_code >= 500):
                failures.append(f"{key} {role} (allowed) -> {r.status_code} {r.text[:200]}")
            if not allowed and r.status_code != 403:
                failures.append(f"{key} {role} (refused) -> {r.status_code}")
            if r.status_code == 403:
                assert r.headers["content-type"].startswith("application/problem+json")
        if key == "POST /api/me/password" or key == "POST /api/auth/logout":
            for role in ROLES:  # these may end sessions: sign everyone in again
                company.clients[role] = await vats_api.as_employee(company.tenant_id, company.employees[role])
    assert not failures, "\n".join(failures)


async def test_another_tenants_ids_answer_404_everywhere(vats_api: ApiClients, vats_kernel: Kernel) -> None:
    alpha = await build_company(vats_kernel, vats_api, "Alpha", "alpha.example")
    beta = await build_company(vats_kernel, vats_api, "Beta", "beta.example")
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        before = await conn.fetchval("SELECT count(*) FROM employees WHERE tenant_id = $1", alpha.tenant_id)
    failures = []
    walked = 0
    for key in route_table(vats_api.app):
        rule = ACCESS[key]
        if rule in (PUBLIC, OPERATOR) or ":uuid}" not in key:
            continue
        walked += 1
        r = await call(beta.clients["admin"], key, alpha.ids)
        if r.status_code != 404:
            failures.append(f"{key} with Alpha's ids as Beta's admin -> {r.status_code} {r.text[:200]}")
        elif not r.headers["content-type"].startswith("application/problem+json"):
            failures.append(f"{key}: 404 is not problem details")
    assert walked >= 30
    assert not failures, "\n".join(failures)
    async with vats_kernel.db.system() as conn:
        after = await conn.fetchval("SELECT count(*) FROM employees WHERE tenant_id = $1", alpha.tenant_id)
        absences = await conn.fetchval("SELECT count(*) FROM absences WHERE tenant_id = $1", alpha.tenant_id)
    assert after == before and absences == 1


@pytest.mark.parametrize("role", ["user", "restricted"])
async def test_users_see_only_themselves_and_no_sip_secrets_of_others(
    vats_api: ApiClients, vats_kernel: Kernel, role: str
) -> None:
    company = await build_company(vats_kernel, vats_api, "Alpha", "alpha.example")
    me = (await company.clients[role].get("/api/me")).json()
    assert me["employee"]["id"] == str(company.employees[role])
    assert me["rights"]["history_scope"] == "own"
    creds = (await company.clients[role].get("/api/me/sip-credentials")).json()
    assert len(creds) == 3 and all(c["sip_password"] for c in creds)
