"""The Block contract of the built-in blocks: the registry accepts them, and each lists what it
names (``references``) and gives itself back without one of them (``without``), as a forced
deletion needs. Pure functions of the blocks: no database."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from vats.core.blocks import BlockRegistry, BlockRegistryError
from vats.core.engine import scenario
from vats.core.engine.block import Ref
from vats.core.engine.dialing import Target
from vats.plugins import ivr, queue
from vats.plugins.ivr.blocks import ExtensionDialingBlock, IvrBlock
from vats.plugins.queue.blocks import Forward, HangupBlock, OnFailure, QueueOptions, VoicemailBlock

ANNA, BORIS, SALES, MENU, SOUND, SCHEDULE, CALENDAR = (uuid.uuid4() for _ in range(7))


def registry() -> BlockRegistry:
    pairs = [("queue", b) for b in queue.register_blocks()] + [("ivr", b) for b in ivr.register_blocks()]
    return BlockRegistry([b for _, b in pairs], owners={b: p for p, b in pairs})


def test_the_built_in_blocks_meet_the_contract_and_are_known_by_their_tags() -> None:
    blocks = registry()
    assert sorted(blocks.by_tag) == ["extension_dialing", "forward", "hangup", "ivr", "voicemail"]
    assert blocks.tag[Forward] == "forward" and blocks.owner[IvrBlock] == "ivr"


def test_a_block_missing_a_method_is_refused_naming_the_plugin_and_what_it_lacks() -> None:
    class Half(msgspec.Struct, tag="half", tag_field="type", frozen=True):
        async def run(self, ctx: Any, cursor: Any, result: Any) -> Any:
            return None

        def validate(self, conn: Any, tenant_id: Any, where: str) -> None:  # not async
            return None

    with pytest.raises(BlockRegistryError) as refused:
        BlockRegistry([Half], owners={Half: "acme"})
    message = str(refused.value)
    assert message.startswith("plugin 'acme': block 'half' (Half)")
    assert "validate must be async" in message and "no describe(snapshot)" in message
    assert "no references()" in message and "no without(ref)" in message


def test_forward_names_its_targets_assignee_and_media_and_drops_each() -> None:
    block = Forward(
        targets=[Target(kind="employee", id=ANNA), Target(kind="group", id=SALES), Target(kind="external", number="+79161234567")],
        on_failure=OnFailure(action="play_and_task", media=[str(SOUND), "standard:all_busy"], task_for="employee", assignee_id=BORIS),
        queue=QueueOptions(hold_media=[str(SOUND)]),
    )  # fmt: skip
    assert block.references() == [
        Ref(kind="employee", id=ANNA), Ref(kind="group", id=SALES), Ref(kind="employee", id=BORIS),
        Ref(kind="media", id=SOUND), Ref(kind="media", id=SOUND),
    ]  # fmt: skip
    without_anna = block.without(Ref(kind="employee", id=ANNA))
    assert [t.kind for t in without_anna.targets] == ["group", "external"]
    assert block.without(Ref(kind="group", id=ANNA)) == block  # same id, another kind: not named
    without_boris = block.without(Ref(kind="employee", id=BORIS))
    assert without_boris.on_failure.task_for == "first" and without_boris.on_failure.assignee_id is None
    silent = block.without(Ref(kind="media", id=SOUND))
    assert silent.on_failure.media == ["standard:all_busy"]
    assert silent.queue is not None and silent.queue.hold_media == ["standard:hold_music"]  # the standard sound
    nobody = block.without(Ref(kind="employee", id=ANNA)).without(Ref(kind="group", id=SALES))
    assert nobody.targets == [Target(kind="external", number="+79161234567")]
    alone = Forward(targets=[Target(kind="employee", id=ANNA)]).without(Ref(kind="employee", id=ANNA))
    assert alone.targets == [] and alone.on_failure.action == "insurance"  # rings nobody: its failure rule decides


def test_voicemail_hangup_and_extension_dialing_drop_what_they_name() -> None:
    box = VoicemailBlock(task_for="group", assignee_id=SALES, greeting=[str(SOUND)])
    assert box.references() == [Ref(kind="group", id=SALES), Ref(kind="media", id=SOUND)]
    assert box.without(Ref(kind="group", id=SALES)).assignee_id is None
    assert box.without(Ref(kind="media", id=SOUND)).greeting == ["standard:voicemail_prompt"]
    hangup = HangupBlock(media=[str(SOUND)])
    assert hangup.references() == [Ref(kind="media", id=SOUND)]
    assert hangup.without(Ref(kind="media", id=SOUND)).media == []
    dialing = ExtensionDialingBlock(instruction=[str(SOUND)], error=["standard:error"])
    assert dialing.references() == [Ref(kind="media", id=SOUND)]
    assert dialing.without(Ref(kind="media", id=SOUND)).instruction == []


def test_an_ivr_block_without_its_menu_empties_its_stage() -> None:
    block = IvrBlock(menu_id=MENU)
    assert block.references() == [Ref(kind="ivr_menu", id=MENU)]
    assert block.without(Ref(kind="ivr_menu", id=MENU)) is None
    assert block.without(Ref(kind="employee", id=ANNA)) is block


def test_a_scenario_lists_every_reference_with_its_place_and_stays_valid_without_one() -> None:
    blocks = registry()
    raw = {
        "schedule_id": str(SCHEDULE),
        "default": {"menu": {"type": "ivr", "menu_id": str(MENU)}, "handling": {"type": "forward", "targets": [
            {"kind": "employee", "id": str(ANNA)}]}, "insurance": {"type": "voicemail", "assignee_id": str(ANNA)}},
        "filters": [{"name": "VIP", "condition": {"type": "tags", "tags": ["vip"]}, "calendar_id": str(CALENDAR),
                     "working": {"options": {"greeting": [str(SOUND)]}, "handling": {"type": "hangup"}}}],
    }  # fmt: skip
    body = scenario.compile_body(raw, blocks)
    assert [(m.where, m.ref.kind) for m in scenario.references(body)] == [
        ("schedule_id", "schedule"), ("filters[0].calendar_id", "calendar"), ("default.menu", "ivr_menu"),
        ("default.handling", "employee"), ("default.insurance", "employee"),
        ("filters[0].working.options.greeting", "media"),
    ]  # fmt: skip
    for ref in [m.ref for m in scenario.references(body)]:
        left = scenario.without(body, ref)
        assert ref not in [m.ref for m in scenario.references(left)]
        assert scenario.compile_body(msgspec.to_builtins(left), blocks) == left  # still a valid scenario
    assert scenario.without(body, Ref(kind="ivr_menu", id=MENU)).default.menu is None
    assert scenario.without(body, Ref(kind="schedule", id=SCHEDULE)).schedule_id is None  # now 24/7
