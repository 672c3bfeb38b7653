"""A signed-in cabinet session for in-process tests: an httpx client that signed in through the
real sign-in form (CSRF token and all) and so carries the cabinet's session cookie, as a
browser would."""

from __future__ import annotations

import re
import uuid

import httpx
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.directory.secrets import hash_password


async def cabinet_client(api: ApiClients, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> httpx.AsyncClient:
    """The employee (given the test password) signed in to the cabinet; the client keeps cookies."""
    db = api.kernel.db
    assert db is not None
    async with db.tenant(tenant_id) as conn:
        email = await conn.fetchval(
            "UPDATE employees SET password_hash = $3, invitation_accepted_at = coalesce(invitation_accepted_at, now())"
            " WHERE tenant_id = $1 AND id = $2 RETURNING email",
            tenant_id, employee_id, hash_password(TEST_PASSWORD),
        )  # fmt: skip
    client = api.client()
    form = await client.get("/signin")
    match = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert match, "the sign-in form has a CSRF token"
    signed_in = await client.post(
        "/signin", data={"email": email, "password": TEST_PASSWORD, "_csrf_token": match.group(1)}
    )
    assert signed_in.status_code == 303, signed_in.text
    assert client.cookies.get("vats_session")
    return client


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)
