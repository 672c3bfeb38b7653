"""One migration completion that fails (here: a third party's block whose check has a bug) does
not stall the others: the worker logs it with its tenant, completes the next, and tries the
failing one again only after a back-off that grows (not on every pass); once the cause is gone
it completes too."""

from __future__ import annotations

import logging
import uuid
from typing import Any, ClassVar

import msgspec
import pytest
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.kernel import Kernel
from vats.core.migration_export import OldCustomer
from vats.plugins.migration import agreement
from vats.plugins.migration.completion import Backoff, complete_requested
from vats.plugins.migration.create import create_customer
from vats.plugins.migration.plan import plan_customer

from tests.plugins.migration.test_completion import top_up


def _customer(n: int) -> OldCustomer:
    return msgspec.convert({
        "id": f"CF-{n}", "name": f"Клиент {n}", "admin_email": f"boss@cf{n}.example",
        "lines": [{"login": f"cf{n}-anna", "password": "Anna-Line-1", "name": "Анна"}],
        "numbers": [{"number": f"+7495124{n:04d}", "forwarding": [{"to": f"cf{n}-anna"}]}],
    }, OldCustomer)  # fmt: skip


async def _requested(vats_api: ApiClients, kernel: Kernel, n: int, version: int) -> uuid.UUID:
    """A migrated PBX whose first admin has asked to complete its migration."""
    tenant_id = await create_customer(kernel, "json", plan_customer("json", _customer(n)))
    assert tenant_id is not None and kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        admin_id = await conn.fetchval("SELECT admin_id FROM migration_states WHERE tenant_id = $1", tenant_id)
        await agreement.accept(conn, tenant_id, admin_id, version)
    await top_up(vats_api, tenant_id)
    admin = await vats_api.as_employee(tenant_id, admin_id)
    requested = await admin.post("/api/migration/complete", json={"emails_confirmed": True})
    assert requested.status_code == 202, requested.text
    return tenant_id


async def _status(kernel: Kernel, tenant_id: uuid.UUID) -> str:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:
        status: str = await conn.fetchval("SELECT status FROM migration_states WHERE tenant_id = $1", tenant_id)
    return status


class Broken(msgspec.Struct, tag="broken_test", tag_field="type", frozen=True, kw_only=True):
    """A third party's block with a bug: checking it raises (while ``FAULT`` holds a fault)."""

    Cursor: ClassVar[type[msgspec.Struct]] = msgspec.Struct

    async def validate(self, conn: Any, tenant_id: Any, where: str) -> None:
        if FAULT:
            raise FAULT[0]

    async def run(self, ctx: Any, cursor: Any, result: Any) -> Any:
        raise NotImplementedError

    def describe(self, snapshot: Any) -> str:
        return "broken"

    def references(self) -> list[Any]:
        return []

    def without(self, ref: Any) -> Any:
        return self


FAULT: list[Exception] = []


class ThirdParty:
    @hookimpl
    def register_blocks(self) -> list[type[Any]]:
        return [Broken]


async def test_a_failing_completion_is_logged_backed_off_and_the_next_one_still_completes(
    vats_api: ApiClients, vats_kernel: Kernel, vats_register_plugin: Any, caplog: pytest.LogCaptureFixture
) -> None:
    vats_register_plugin(ThirdParty())
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        published = await agreement.publish(conn, agreement.AgreementIn(title="Оферта", body="Текст"), "operator")
    first = await _requested(vats_api, vats_kernel, 1, published.version)  # requested first: tried first
    second = await _requested(vats_api, vats_kernel, 2, published.version)
    async with vats_kernel.db.tenant(first) as conn:  # its new scenario uses the buggy block
        await conn.execute(
            "UPDATE scenarios s SET body = $2 FROM migration_numbers m"
            " WHERE m.tenant_id = $1 AND s.tenant_id = $1 AND s.id = m.new_scenario_id",
            first, {"default": {"handling": {"type": "broken_test"}}},
        )  # fmt: skip
    FAULT[:] = [RuntimeError("the block's check has a bug")]
    now = [1000.0]
    backoff = Backoff(clock=lambda: now[0])
    try:
        with caplog.at_level(logging.ERROR, logger="vats.plugins.migration.completion"):
            assert await complete_requested(vats_kernel, backoff) == 1
        assert await _status(vats_kernel, second) == "completed"
        assert await _status(vats_kernel, first) == "completing"  # rolled back, not half-switched
        [logged] = [r for r in caplog.records if r.exc_info]
        assert str(first) in logged.getMessage()

        # The next passes leave it alone until its back-off has passed, then try it again.
        now[0] += 1
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="vats.plugins.migration.completion"):
            assert await complete_requested(vats_kernel, backoff) == 0
        assert caplog.records == []  # not tried
        now[0] += 10
        with caplog.at_level(logging.ERROR, logger="vats.plugins.migration.completion"):
            assert await complete_requested(vats_kernel, backoff) == 0
        assert len(caplog.records) == 1  # tried, failed again: a longer wait now (8 s, then 16...)
        now[0] += 5
        with caplog.at_level(logging.ERROR, logger="vats.plugins.migration.completion"):
            assert await complete_requested(vats_kernel, backoff) == 0
        assert len(caplog.records) == 1
        # The bug fixed, its time come: it completes.
        FAULT.clear()
        now[0] += 600
        assert await complete_requested(vats_kernel, backoff) == 1
        assert await _status(vats_kernel, first) == "completed"
    finally:
        FAULT.clear()
