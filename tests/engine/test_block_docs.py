"""The "Writing a block" example of docs/plugins.md works as written: loaded from the page as a
plugin, accepted by the registry, validated against the database, run through the simulator
and cleaned of a reference (the way tests/core/test_hook_docs.py holds the hooks' docs)."""

from __future__ import annotations

import re
import sys
import types
import uuid
from pathlib import Path
from typing import Any

import pytest
from vats.core.engine.block import Ref
from vats.core.engine.diagram import describe_block
from vats.core.errors import NotFoundError

from tests.engine.conftest import Company

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _example() -> types.ModuleType:
    section = re.search(r"^## Writing a block\n(.*?)(?=^## |\Z)", DOCS.read_text(), re.M | re.S)
    assert section, "docs/plugins.md has no '## Writing a block' section"
    for method in ("Cursor", "run(ctx, cursor, result)", "validate(conn, tenant_id, where)", "describe(snapshot)",
                   "references()", "without(ref)"):  # fmt: skip
        assert method in section.group(1), f"the section does not describe {method}"
    code = re.findall(r"```python\n(.*?)```", section.group(1), re.S)
    assert len(code) == 1, "the section has one complete example"
    module = types.ModuleType("docs_announce")
    sys.modules[module.__name__] = module  # msgspec resolves the example's annotations through it
    exec(compile(code[0], f"{DOCS}:Writing a block", "exec"), module.__dict__)  # our own docs, run as written
    return module


async def test_the_documented_block_loads_validates_runs_and_drops_a_reference(
    company: Company, vats_register_plugin: Any
) -> None:
    example = _example()
    vats_register_plugin(example, name="announce")  # the registry checks the contract here
    kernel = company.kernel
    block = kernel.blocks.convert({"type": "announce", "media": ["standard:greeting"], "times": 2})
    assert kernel.blocks.tag[type(block)] == "announce" and kernel.blocks.owner[type(block)] == "announce"

    assert kernel.db is not None
    async with kernel.db.tenant(company.tenant_id) as conn:
        await block.validate(conn, company.tenant_id, "body.default.menu")
        missing = kernel.blocks.convert({"type": "announce", "media": [str(uuid.uuid4())]})
        with pytest.raises(NotFoundError) as refused:
            await missing.validate(conn, company.tenant_id, "body.default.menu")
    assert refused.value.field == "body.default.menu.media[0]"

    await company.set_scenario({"default": {"menu": {"type": "announce", "media": ["standard:greeting"], "times": 2},
                                            "handling": {"type": "hangup"}}})  # fmt: skip
    sim = await company.call("")
    assert [step.primitive["op"] for step in sim.steps] == ["play", "play", "hangup"]
    assert sim.path == ["default", "menu:announce", "handling:hangup"]
    assert any(e.block == "announce" and e.decision == "the message was played" for e in sim.trace)

    assert describe_block(block, await kernel.snapshots.get(company.tenant_id)) == "объявление, 2 раз(а)"  # type: ignore[union-attr]
    sound = uuid.uuid4()
    own = kernel.blocks.convert({"type": "announce", "media": [str(sound), "standard:greeting"]})
    assert own.references() == [Ref(kind="media", id=sound)]
    assert own.without(Ref(kind="media", id=sound)).media == ["standard:greeting"]
    assert kernel.blocks.convert({"type": "announce", "media": [str(sound)]}).without(Ref(kind="media", id=sound)) is None
