"""The sign-in limits hold when the attempts arrive all at once: 50 concurrent wrong passwords
through the app on the real database get exactly as many password checks as the limit allows
(5 per account, 20 per client address); the rest are refused with 429 unchecked."""

from __future__ import annotations

import asyncio
from collections import Counter

from vats.bots.web.testing import ApiClients
from vats.core.accounts.service import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS
from vats.core.directory.service import TenantCreated


async def test_fifty_concurrent_wrong_passwords_on_one_account_get_five_checks(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    clients = [vats_api.client() for _ in range(50)]
    wrong = {"email": "admin@test.example", "password": "wrong-password-1"}
    answers = await asyncio.gather(*(c.post("/api/auth/login", json=wrong) for c in clients))
    assert Counter(a.status_code for a in answers) == {
        401: MAX_FAILURES_PER_ACCOUNT,
        429: 50 - MAX_FAILURES_PER_ACCOUNT,
    }
    right = {"email": "admin@test.example", "password": vats_tenant.admin_password}
    assert (await vats_api.client().post("/api/auth/login", json=right)).status_code == 429


async def test_fifty_concurrent_wrong_passwords_from_one_address_get_twenty_checks(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    clients = [vats_api.client() for _ in range(50)]
    answers = await asyncio.gather(
        *(
            c.post("/api/auth/login", json={"email": f"nobody{i}@test.example", "password": "wrong-password-1"})
            for i, c in enumerate(clients)
        )
    )
    assert Counter(a.status_code for a in answers) == {
        401: MAX_FAILURES_PER_ADDRESS,
        429: 50 - MAX_FAILURES_PER_ADDRESS,
    }


async def test_a_right_password_takes_its_charge_back(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    right = {"email": "admin@test.example", "password": vats_tenant.admin_password}
    for _ in range(MAX_FAILURES_PER_ADDRESS + 5):  # more sign-ins than the address may fail
        assert (await vats_api.client().post("/api/auth/login", json=right)).status_code == 200
