"""A signed-in cabinet session for in-process tests: an httpx client that signed in through the
real sign-in form (CSRF token and all) and so carries the cabinet's session cookie, as a
browser would."""

from __future__ import annotations

import re
import uuid

import httpx
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.directory.secrets import hash_password
from vats.core.kernel import Kernel


async def give_test_password(api_or_kernel: ApiClients | Kernel, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> str:
    """As if the employee accepted the invitation with TEST_PASSWORD; returns their e-mail."""
    kernel = api_or_kernel.kernel if isinstance(api_or_kernel, ApiClients) else api_or_kernel
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        email: str = await conn.fetchval(
            "UPDATE employees SET password_hash = $3, invitation_accepted_at = coalesce(invitation_accepted_at, now())"
            " WHERE tenant_id = $1 AND id = $2 RETURNING email",
            tenant_id, employee_id, hash_password(TEST_PASSWORD),
        )  # fmt: skip
    return email


async def sign_in(client: httpx.AsyncClient, email: str) -> httpx.AsyncClient:
    """Sign the client in through the sign-in form; it keeps the session cookie."""
    form = await client.get("/signin")
    signed_in = await client.post(
        "/signin", data={"email": email, "password": TEST_PASSWORD, "_csrf_token": csrf_token(form.text)}
    )
    assert signed_in.status_code == 303, signed_in.text
    assert client.cookies.get("vats_session")
    return client


async def cabinet_client(api: ApiClients, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> httpx.AsyncClient:
    """The employee (given the test password) signed in to the cabinet; the client keeps cookies."""
    return await sign_in(api.client(), await give_test_password(api, tenant_id, employee_id))


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)
