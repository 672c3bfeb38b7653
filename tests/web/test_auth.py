"""Sign-in, tokens, rate limits, sessions, invitations, password change and reset, operator."""

import re
import uuid

import pytest
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.mail import DevInbox


async def inbox_token(kernel: Kernel, to: str) -> str:
    assert kernel.db is not None
    messages = await DevInbox(kernel.db).messages(to=to)
    assert messages, f"no mail to {to}"
    match = re.search(r"token=([\w-]+)", messages[0].text)
    assert match
    return match.group(1)


async def test_login_refresh_logout(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    anon = vats_api.client()
    bad = await anon.post("/api/auth/login", json={"email": "admin@test.example", "password": "wrong-password-1"})
    assert bad.status_code == 401 and bad.headers["content-type"].startswith("application/problem+json")
    ok = await anon.post(
        "/api/auth/login", json={"email": "ADMIN@test.example", "password": vats_tenant.admin_password}
    )
    assert ok.status_code == 200
    tokens = ok.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900 and tokens["role"] == "admin"
    me = vats_api.client({"Authorization": f"Bearer {tokens['access_token']}"})
    assert (await me.get("/api/me")).json()["employee"]["email"] == "admin@test.example"
    refreshed = await anon.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    reused = await anon.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 401  # rotation: the old refresh token is spent
    assert (await me.post("/api/auth/logout")).status_code == 204
    assert (await me.get("/api/me")).status_code == 401  # the session is gone at once
    again = await anon.post("/api/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]})
    assert again.status_code == 401
    assert (await anon.get("/api/me")).status_code == 401


async def test_failed_logins_are_rate_limited_per_account(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    anon = vats_api.client()
    for _ in range(5):
        r = await anon.post("/api/auth/login", json={"email": "admin@test.example", "password": "wrong-password-1"})
        assert r.status_code == 401
    limited = await anon.post(
        "/api/auth/login", json={"email": "admin@test.example", "password": vats_tenant.admin_password}
    )
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.json()["retry_after"] > 0


async def test_failed_logins_are_rate_limited_per_client_address(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    anon = vats_api.client()
    for i in range(20):
        await anon.post("/api/auth/login", json={"email": f"nobody{i}@test.example", "password": "wrong-password-1"})
    limited = await anon.post(
        "/api/auth/login", json={"email": "admin@test.example", "password": vats_tenant.admin_password}
    )
    assert limited.status_code == 429


async def test_invitation_flow_through_the_dev_inbox(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    created = await admin.post(
        "/api/employees", json={"full_name": "Анна Новая", "email": "anna@test.example", "role": "head"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["invitation_sent"] and len(body["sip_lines"]) == 3
    token = await inbox_token(vats_kernel, "anna@test.example")
    anon = vats_api.client()
    who = await anon.get(f"/api/invitations/{token}")
    assert who.json() == {"full_name": "Анна Новая", "email": "anna@test.example", "tenant": "Test company"}
    # before accepting, the account cannot sign in
    assert (
        await anon.post("/api/auth/login", json={"email": "anna@test.example", "password": "x-Passw0rd-123"})
    ).status_code == 401
    weak = await anon.post("/api/invitations/accept", json={"token": token, "password": "short"})
    assert weak.status_code == 422 and weak.json()["field"] == "password"
    assert (
        await anon.post("/api/invitations/accept", json={"token": token, "password": "anna-Passw0rd"})
    ).status_code == 204
    assert (
        await anon.post("/api/invitations/accept", json={"token": token, "password": "anna-Passw0rd2"})
    ).status_code == 422
    anna = await vats_api.login("anna@test.example", "anna-Passw0rd")
    me = (await anna.get("/api/me")).json()
    assert me["employee"]["role"] == "head" and me["employee"]["invitation_accepted"]
    assert (await anna.post("/api/employees", json={"full_name": "X", "email": "x@test.example"})).status_code == 403
    # accepted: no more invitations; e-mail frozen
    assert (await admin.post(f"/api/employees/{body['employee']['id']}/invitation")).status_code == 422
    frozen = await admin.patch(f"/api/employees/{body['employee']['id']}", json={"email": "other@test.example"})
    assert frozen.status_code == 422 and frozen.json()["field"] == "email"


async def test_resending_an_invitation_invalidates_the_old_link(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    emp = (await admin.post("/api/employees", json={"full_name": "Б", "email": "b@test.example"})).json()["employee"]
    first = await inbox_token(vats_kernel, "b@test.example")
    assert (await admin.post(f"/api/employees/{emp['id']}/invitation")).status_code == 202
    second = await inbox_token(vats_kernel, "b@test.example")
    assert first != second
    anon = vats_api.client()
    assert (
        await anon.post("/api/invitations/accept", json={"token": first, "password": "b-Passw0rd-1"})
    ).status_code == 422
    assert (
        await anon.post("/api/invitations/accept", json={"token": second, "password": "b-Passw0rd-1"})
    ).status_code == 204


async def test_expired_invitation_is_refused(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    await admin.post("/api/employees", json={"full_name": "В", "email": "v@test.example"})
    token = await inbox_token(vats_kernel, "v@test.example")
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE account_tokens SET expires_at = now() - interval '1 minute'")
    r = await vats_api.client().post("/api/invitations/accept", json={"token": token, "password": "v-Passw0rd-1"})
    assert r.status_code == 422 and "expired" in r.json()["detail"]


async def test_password_change_signs_out_other_sessions(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    first = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    second = await vats_api.login("admin@test.example", TEST_PASSWORD)
    wrong = await first.post(
        "/api/me/password", json={"current_password": "nope-nope-1", "new_password": "brand-New-pass1"}
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    ok = await first.post(
        "/api/me/password", json={"current_password": TEST_PASSWORD, "new_password": "brand-New-pass1"}
    )
    assert ok.status_code == 204
    assert (await first.get("/api/me")).status_code == 200
    assert (await second.get("/api/me")).status_code == 401
    await vats_api.login("admin@test.example", "brand-New-pass1")


async def test_password_reset_by_email(vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    anon = vats_api.client()
    assert (await anon.post("/api/auth/password-reset", json={"email": "nobody@test.example"})).status_code == 202
    assert (await anon.post("/api/auth/password-reset", json={"email": "admin@test.example"})).status_code == 202
    assert vats_kernel.db is not None
    assert [m.to for m in await DevInbox(vats_kernel.db).messages()] == ["admin@test.example"]  # no mail to strangers
    token = await inbox_token(vats_kernel, "admin@test.example")
    assert (
        await anon.post("/api/auth/password-reset/confirm", json={"token": token, "password": "reset-Passw0rd"})
    ).status_code == 204
    await vats_api.login("admin@test.example", "reset-Passw0rd")
    assert (
        await anon.post("/api/auth/password-reset/confirm", json={"token": token, "password": "reset-Passw0rd2"})
    ).status_code == 422


async def test_operator_creates_suspends_and_resumes_tenants(vats_api: ApiClients, vats_kernel: Kernel) -> None:
    operator = vats_api.operator()
    assert (await vats_api.client().get("/api/operator/tenants")).status_code == 401
    assert (await vats_api.client({"Authorization": "Bearer wrong"}).get("/api/operator/tenants")).status_code == 401
    created = await operator.post(
        "/api/operator/tenants", json={"name": "Ромашка", "admin_email": "boss@romashka.example"}
    )
    assert created.status_code == 201
    tenant = created.json()
    number = await operator.post(
        f"/api/operator/tenants/{tenant['tenant_id']}/numbers", json={"number": "+74951234500"}
    )
    assert number.status_code == 201 and number.json()["e164"] == "+74951234500"
    boss = await vats_api.login("boss@romashka.example", tenant["admin_password"])
    assert (await boss.get("/api/numbers")).json()["items"][0]["e164"] == "+74951234500"
    assert (await operator.post(f"/api/operator/tenants/{tenant['tenant_id']}/suspend")).json()["suspended"]
    assert (await boss.get("/api/me")).status_code == 401
    blocked = await vats_api.client().post(
        "/api/auth/login", json={"email": "boss@romashka.example", "password": tenant["admin_password"]}
    )
    assert blocked.status_code == 403
    await operator.post(f"/api/operator/tenants/{tenant['tenant_id']}/resume")
    await vats_api.login("boss@romashka.example", tenant["admin_password"])
    assert (await operator.post(f"/api/operator/tenants/{uuid.uuid4()}/suspend")).status_code == 404


@pytest.mark.parametrize(
    "payload", [{}, {"email": 5, "password": "x"}, {"email": "a@b.c", "password": "x", "extra": 1}]
)
async def test_malformed_login_is_a_400_naming_the_field(vats_api: ApiClients, payload: dict[str, object]) -> None:
    r = await vats_api.client().post("/api/auth/login", json=payload)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] in {"email", "password", "extra"}
