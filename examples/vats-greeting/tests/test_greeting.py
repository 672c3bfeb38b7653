"""The sample plugin's own tests, written with the fixtures vats ships for plugin authors."""

from typing import Any

import vats_greeting
from vats.bots.web.testing import ApiClients
from vats.core.kernel import Kernel


async def test_new_tenants_get_a_greeting_served_by_the_api(vats_kernel: Kernel, vats_register_plugin: Any) -> None:
    vats_register_plugin(vats_greeting, name="greeting")
    created = await vats_kernel.directory.create_tenant(name="Ромашка", admin_email="a@romashka.example")
    api = ApiClients(vats_kernel)  # built after the plugin registered, so its route is mounted
    admin = await api.as_employee(created.tenant_id, created.admin_id)
    response = await admin.get("/api/greeting")
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "Здравствуйте! Вы позвонили в Ромашка."
    assert (await api.client().get("/api/greeting")).status_code == 401  # signed-in employees only
    await api.close()


async def test_another_tenants_greeting_is_invisible(vats_kernel: Kernel, vats_register_plugin: Any) -> None:
    vats_register_plugin(vats_greeting, name="greeting")
    a = await vats_kernel.directory.create_tenant(name="A", admin_email="a@a.example")
    await vats_kernel.directory.create_tenant(name="B", admin_email="b@b.example")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(a.tenant_id) as conn:
        assert await conn.fetchval("SELECT count(*) FROM greetings") == 1  # no WHERE: RLS keeps B out


def test_the_block_decodes_like_a_built_in_one() -> None:
    from vats.core.blocks import BlockRegistry

    registry = BlockRegistry(vats_greeting.register_blocks())
    assert registry.decode(b'{"type": "time_announcement", "voice": "male"}') == vats_greeting.TimeAnnouncement(
        voice="male"
    )


async def test_the_block_runs_in_a_scenario_like_a_built_in_one(vats_kernel: Kernel, vats_register_plugin: Any) -> None:
    """Registered by a third party, decoded and run by the kernel's engine."""
    import datetime as dt

    from vats.core.engine.context import CallFacts
    from vats.core.engine.simulator import parse_script, simulate

    vats_register_plugin(vats_greeting, name="greeting")  # its blocks join the union at once
    created = await vats_kernel.directory.create_tenant(name="Ромашка", admin_email="a@romashka.example")
    await vats_kernel.directory.assign_number(created.tenant_id, "+74951239876")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(created.tenant_id) as conn:
        await conn.execute(
            "UPDATE scenarios SET body = $2 WHERE tenant_id = $1",
            created.tenant_id,
            {"default": {"menu": {"type": "time_announcement", "voice": "male"}, "handling": {"type": "hangup"}}},
        )
    vats_kernel.snapshots.invalidate(created.tenant_id)  # type: ignore[union-attr]
    at = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
    sim = await simulate(
        vats_kernel.engine, CallFacts(number="+74951239876", caller="+79031234567", at=at), parse_script("")
    )
    assert sim.path == ["default", "menu:time_announcement", "handling:hangup"]
    assert sim.steps[0].primitive == {"op": "play", "media": ["say:time:12:30:male"], "interruptible": False}
