"""Calls in flight during an upgrade: states captured from the engine before the block contract
(format 1, tests/engine/fixtures/states-v1.json, made by capture_states.py) are decoded by
today's engine and the call goes on; a state whose block cursor no longer fits sends the call to
the number's fallback. Never a crashed step."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
from vats.core.asterisk.agi import AgiRouter
from vats.core.engine.context import CallFacts
from vats.core.engine.primitives import Dial, StepResult
from vats.core.engine.state import decode_state, legacy_label
from vats.core.errors import ValidationError
from vats.plugins.ivr.models import Item, MenuBody, Repeat, Route

from tests.engine.conftest import NUMBER, Company

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "states-v1.json").read_text())
STATES = {s["name"]: s for s in FIXTURES["states"]}
IDS = FIXTURES["ids"]
AT = dt.datetime.fromisoformat(IDS["at"])


async def _captured_world(company: Company, name: str) -> CallFacts:
    """The captured call's scenario and menu under their captured ids, naming today's people."""
    from vats.core.engine.dialing import Target

    a, b = company.people["201"], company.people["202"]
    if name == "mid-forwarding":
        body: dict[str, Any] = {"default": {"handling": {"type": "forward", "targets": [
            {"kind": "employee", "id": str(a)}, {"kind": "employee", "id": str(b)}]}, "insurance": {"type": "voicemail"}}}
    else:
        body = {"default": {"menu": {"type": "ivr", "menu_id": IDS["menu_id"]}, "handling": {"type": "forward",
                "targets": [{"kind": "employee", "id": str(a)}]}}}  # fmt: skip
    menu = MenuBody(instruction=["standard:greeting"], items=[
        Item(key="0", do=Repeat()), Item(key="1", do=Route(target=Target(kind="employee", id=b))),
        Item(key="2", do=Route(target=Target(kind="group", id=company.sales_id)))])  # fmt: skip
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO scenarios (id, tenant_id, name, body) VALUES ($1, $2, 'Captured', $3)",
            uuid.UUID(IDS["scenario_id"]), company.tenant_id, body,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO ivr_menus (id, tenant_id, name, level, body) VALUES ($1, $2, 'Main', 1, $3)",
            uuid.UUID(IDS["menu_id"]), company.tenant_id, msgspec.to_builtins(menu),
        )  # fmt: skip
    assert company.kernel.snapshots is not None
    company.kernel.snapshots.invalidate(company.tenant_id)
    return CallFacts(number=NUMBER, caller=IDS["caller"], at=AT)


def test_the_fixtures_are_format_1_states_of_the_engine_before_the_contract() -> None:
    assert FIXTURES["format"] == 1 and set(STATES) == {"mid-forwarding", "mid-ivr-collect", "mid-ivr-route"}
    assert decode_state(STATES["mid-forwarding"]["state"]).path == ["default", "handling:forward"]


def test_old_path_labels_read_as_block_tags() -> None:
    assert [legacy_label(x) for x in ["default", "filter:VIP:working", "menu:IvrBlock", "handling:Forward",
            "insurance:VoicemailBlock", "menu:ExtensionDialingBlock", "menu:TimeAnnouncement", "handling:forward"]] == [
        "default", "filter:VIP:working", "menu:ivr", "handling:forward", "insurance:voicemail",
        "menu:extension_dialing", "menu:time_announcement", "handling:forward"]  # fmt: skip


async def test_a_call_mid_forwarding_goes_on_to_the_next_target(company: Company) -> None:
    facts = await _captured_world(company, "mid-forwarding")
    out = await company.kernel.engine.step(facts, STATES["mid-forwarding"]["state"], StepResult(status="NOANSWER"))
    assert isinstance(out.primitive, Dial)
    assert {leg.employee_id for leg in out.primitive.legs} == {str(company.people["202"])}
    assert out.path == ["default", "handling:forward"]
    last = await company.kernel.engine.step(facts, out.state, StepResult(status="NOANSWER"))  # then insurance
    assert last.path == ["default", "handling:forward", "insurance:voicemail"]


async def test_a_call_waiting_for_a_key_in_the_ivr_goes_on_with_the_key(company: Company) -> None:
    facts = await _captured_world(company, "mid-ivr-collect")
    out = await company.kernel.engine.step(facts, STATES["mid-ivr-collect"]["state"], StepResult(digits="1"))
    assert isinstance(out.primitive, Dial)
    assert {leg.employee_id for leg in out.primitive.legs} == {str(company.people["202"])}
    assert out.path == ["default", "menu:ivr"] and out.inputs == ["1"]
    assert any(entry.decision.startswith("key 1 in «Main»") for entry in out.trace)


async def test_a_call_ringing_from_the_ivr_whose_cursor_no_longer_fits_goes_to_the_fallback(company: Company) -> None:
    facts = await _captured_world(company, "mid-ivr-route")
    state = STATES["mid-ivr-route"]["state"]
    with pytest.raises(ValidationError) as refused:
        await company.kernel.engine.step(facts, state, StepResult(status="NOANSWER"))
    assert refused.value.field == "state"
    # What Asterisk gets: the number's static fallback (it rings the tenant's first admin).
    router = AgiRouter(company.kernel)
    request = {"agi_arg_1": NUMBER, "agi_arg_2": IDS["caller"], "agi_arg_3": str(AT.timestamp()),
               "agi_arg_4": state, "agi_arg_5": "NOANSWER"}  # fmt: skip
    assert await router.answer(request) == {"VATS_ACTION": "fallback"}
    forwarding = {**request, "agi_arg_4": STATES["mid-forwarding"]["state"]}
    await _also_forwarding(company)
    reply = await router.answer(forwarding)
    assert reply["VATS_ACTION"] == "dial"


async def _also_forwarding(company: Company) -> None:
    """The forwarding state names the same scenario id: give it the forwarding body."""
    a, b = company.people["201"], company.people["202"]
    body = {"default": {"handling": {"type": "forward", "targets": [
        {"kind": "employee", "id": str(a)}, {"kind": "employee", "id": str(b)}]}}}  # fmt: skip
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute("UPDATE scenarios SET body = $2 WHERE id = $1", uuid.UUID(IDS["scenario_id"]), body)
    assert company.kernel.snapshots is not None
    company.kernel.snapshots.invalidate(company.tenant_id)


async def test_stored_call_records_with_class_name_labels_are_rewritten_by_migration_0010(company: Company) -> None:
    from vats.core.calls.records import call_records
    from vats.core.engine.simulator import parse_script, simulate_and_record

    facts = CallFacts(number=NUMBER, caller=IDS["caller"], at=AT)
    await simulate_and_record(company.kernel.engine, facts, parse_script(""))  # the default scenario, nobody answers
    old = ["default", "menu:IvrBlock", "handling:Forward", "insurance:VoicemailBlock"]
    sql = (Path(__file__).parents[2] / "core" / "db" / "migrations" / "0010_block_tags_in_paths.sql").read_text()
    assert company.kernel.db is not None
    async with company.kernel.db.system() as conn:  # as a record stored before the upgrade
        await conn.execute(
            "UPDATE call_records SET record = jsonb_set(record, '{path}', $2::jsonb) WHERE tenant_id = $1",
            company.tenant_id, old,
        )  # fmt: skip
        await conn.execute(sql)
    [record] = await call_records(company.kernel.db, company.tenant_id)
    assert record.path == ["default", "menu:ivr", "handling:forward", "insurance:voicemail"]
    assert record.path == [legacy_label(label) for label in old]  # the same rule as for calls in flight
