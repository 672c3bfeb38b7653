"""The web kit (vats.bots.web.kit) as a plugin author meets it: the example of docs/plugins.md
runs as written, and ``tx`` is one transaction around the handler (committed before the answer
goes out, rolled back when the handler fails)."""

import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from litestar import get, post
from vats.bots.web.kit import ADMIN, TenantDep
from vats.bots.web.testing import ApiClients
from vats.core import hookimpl
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.errors import ValidationError
from vats.core.kernel import Kernel

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def documented_kit_example(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    section = re.search(r"^## The web kit\n(.*?)(?=^## )", DOCS.read_text(), re.M | re.S)
    assert section, "docs/plugins.md has no '## The web kit' section"
    code = re.search(r"```python\n(.*?)```", section.group(1), re.S)
    assert code, "the web kit section must give an example"
    module = types.ModuleType("vats_extensions_example")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # Litestar reads the handler's module
    exec(compile(code.group(1), str(DOCS), "exec"), module.__dict__)
    return module


async def test_the_documented_web_kit_example_serves_a_searchable_sorted_page(
    vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated, monkeypatch: pytest.MonkeyPatch
) -> None:
    vats_register_plugin(documented_kit_example(monkeypatch), name="extensions")
    await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Борис Звонов", email="b@test.example")
    )
    api = ApiClients(vats_kernel)
    admin = await api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    page = (await admin.get("/api/extensions", params={"sort": "-name"})).json()
    assert page["total"] == 2 and page["limit"] == 50
    assert [e["name"] for e in page["items"]] == sorted((e["name"] for e in page["items"]), key=str.casefold)[::-1]
    found = (await admin.get("/api/extensions", params={"q": "звонов"})).json()
    assert [e["name"] for e in found["items"]] == ["Борис Звонов"]
    bad = await admin.get("/api/extensions", params={"sort": "salary"})
    assert bad.status_code == 422 and bad.json()["field"] == "sort"
    assert (await api.client().get("/api/extensions")).status_code == 401
    await api.close()


class Writer:
    """Routes that write a tag through ``tx`` and then succeed or fail."""

    @hookimpl
    def register_routes(self) -> list[Any]:
        async def write(tx: TenantDep, name: str) -> None:
            await tx.conn.execute(
                "INSERT INTO tags (tenant_id, kind, name) VALUES ($1, 'contact', $2)", tx.tenant.id, name
            )

        @post("/api/test-kit/keep", opt={"roles": ADMIN}, status_code=201)
        async def keep(tx: TenantDep) -> None:
            await write(tx, "kept")

        @post("/api/test-kit/fail", opt={"roles": ADMIN})
        async def fail(tx: TenantDep) -> None:
            await write(tx, "lost")
            raise ValidationError("refused after writing", field="name")

        @get("/api/test-kit/tags", opt={"roles": ADMIN})
        async def tags(tx: TenantDep) -> list[str]:
            return [r["name"] for r in await tx.conn.fetch("SELECT name FROM tags WHERE kind = 'contact'")]

        return [keep, fail, tags]


async def test_tx_commits_before_the_answer_and_rolls_back_when_the_handler_fails(
    vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated
) -> None:
    vats_register_plugin(Writer(), name="writer")
    api = ApiClients(vats_kernel)
    admin = await api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    before = (await admin.get("/api/test-kit/tags")).json()
    failed = await admin.post("/api/test-kit/fail")
    assert failed.status_code == 422 and failed.json()["field"] == "name"
    assert (await admin.post("/api/test-kit/keep")).status_code == 201
    # The next request, on another connection, already sees the write: it was committed first.
    assert sorted((await admin.get("/api/test-kit/tags")).json()) == sorted([*before, "kept"])
    await api.close()
