"""Scenario checks live in the kernel (core/engine/scenarios.py), so every writer gets them:
references to schedules, calendars and media, and each block's own ``validate``, inside the
write's transaction; a refused write leaves the stored scenario as it was."""

import uuid
from typing import Any

import pytest
from vats.core.directory.service import TenantCreated
from vats.core.engine import scenarios
from vats.core.errors import NotFoundError
from vats.core.kernel import Kernel

GHOST = "00000000-0000-0000-0000-000000000000"
HANGUP: dict[str, Any] = {"default": {"handling": {"type": "hangup"}}}


async def refused(kernel: Kernel, tenant_id: uuid.UUID, body: dict[str, Any]) -> str:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        with pytest.raises(NotFoundError) as caught:
            await scenarios.create_scenario(conn, tenant_id, "Проверка", body, kernel.blocks)
    return str(caught.value.field)


async def test_creating_a_scenario_checks_every_reference_without_the_api(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    filtered = {"filters": [{"name": "VIP", "condition": {"type": "tags", "tags": ["VIP"]}, "schedule_id": GHOST, "working": {}}],
                "default": {}}  # fmt: skip
    assert await refused(vats_kernel, tenant, filtered) == "body.filters[0].schedule_id"
    assert await refused(vats_kernel, tenant, {"default": {}, "calendar_id": GHOST}) == "body.calendar_id"
    silent = {"default": {"options": {"greeting": ["standard:nothing"]}}}
    assert await refused(vats_kernel, tenant, silent) == "body.default.options.greeting"
    ghost = {"default": {"handling": {"type": "forward", "targets": [{"kind": "employee", "id": GHOST}]}}}
    assert await refused(vats_kernel, tenant, ghost) == "body.default.handling.targets[0].id"
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant) as conn:
        assert [s.name for s in await scenarios.scenarios_of(conn, tenant)] == ["По умолчанию"]  # nothing written


async def test_replacing_a_scenario_is_checked_and_a_refusal_keeps_the_old_one(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tenant = vats_tenant.tenant_id
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant) as conn:
        kept = await scenarios.create_scenario(conn, tenant, "Ночной", HANGUP, vats_kernel.blocks)
    async with vats_kernel.db.tenant(tenant) as conn:
        with pytest.raises(NotFoundError) as caught:
            await scenarios.replace_scenario(
                conn, tenant, kept.id, "Ночной", {"default": {}, "schedule_id": GHOST}, vats_kernel.blocks
            )
    assert caught.value.field == "body.schedule_id"
    async with vats_kernel.db.tenant(tenant) as conn:
        assert (await scenarios.get_scenario(conn, tenant, kept.id)).body == HANGUP
        renamed = await scenarios.replace_scenario(conn, tenant, kept.id, "Ночь", {"default": {}}, vats_kernel.blocks)
        assert (renamed.name, renamed.body) == ("Ночь", {"default": {}})
        with pytest.raises(NotFoundError):
            await scenarios.replace_scenario(conn, tenant, uuid.uuid4(), "Нет", {"default": {}}, vats_kernel.blocks)
