"""pytest fixtures for the cabinet API (a pytest plugin installed with vats, like
``vats.core.testing``): an HTTP client on the test's own event loop and signed-in clients for
any employee.

Example::

    async def test_my_route(vats_api, vats_tenant):
        admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
        assert (await admin.get("/api/me")).status_code == 200
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest_asyncio
from vats.bots.web.app import create_app
from vats.core.directory.secrets import hash_password
from vats.core.kernel import Kernel

TEST_PASSWORD = "test-Passw0rd"


class ApiClients:
    """Makes httpx clients for the app; each signed-in client carries its own access token."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.app = create_app(kernel)
        self._clients: list[httpx.AsyncClient] = []

    def client(self, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        # httpx's ASGI transport runs the app on the test's loop, where the kernel's pool lives.
        transport = httpx.ASGITransport(app=cast(Any, self.app), client=("127.0.0.1", 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://vats.test", headers=headers)
        self._clients.append(client)
        return client

    async def login(self, email: str, password: str) -> httpx.AsyncClient:
        response = await self.client().post("/api/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        return self.client({"Authorization": f"Bearer {response.json()['access_token']}"})

    async def as_employee(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> httpx.AsyncClient:
        """Give the employee the test password (as if they accepted the invitation) and sign in."""
        assert self.kernel.db is not None
        async with self.kernel.db.tenant(tenant_id) as conn:
            email = await conn.fetchval(
                "UPDATE employees SET password_hash = $3,"
                " invitation_accepted_at = coalesce(invitation_accepted_at, now())"
                " WHERE tenant_id = $1 AND id = $2 RETURNING email",
                tenant_id,
                employee_id,
                hash_password(TEST_PASSWORD),
            )
        return await self.login(email, TEST_PASSWORD)

    def operator(self) -> httpx.AsyncClient:
        token = self.kernel.config.operator_token or ""
        return self.client({"Authorization": f"Bearer {token}"})

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


@pytest_asyncio.fixture
async def vats_api(vats_kernel: Kernel) -> AsyncIterator[ApiClients]:
    clients = ApiClients(vats_kernel)
    try:
        yield clients
    finally:
        await clients.close()
