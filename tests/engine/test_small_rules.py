"""Small rules of the seeds, each proven through the simulator (and the wire where Asterisk is
told something): filters in creation order, hold music instead of ringback, "number as caller
ID", a switched-off IVR menu, parallel ringing's first/last addressee, and the IVR's repeat
timeout shorter than its next-block timeout."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from vats.core import hookimpl
from vats.core.asterisk import wire
from vats.core.directory import numbers as numbers_repo
from vats.core.directory.models import NumberUpdate
from vats.core.engine.context import CallerContact
from vats.core.engine.primitives import Dial, DialLeg
from vats.core.errors import ValidationError
from vats.plugins.ivr.menus import check_menu, create_menu
from vats.plugins.ivr.models import Item, MenuBody, MenuIn, Repeat

from tests.engine.conftest import Company, emp, forward


def _first_dial(sim: Any) -> dict[str, Any]:
    return next(s.primitive for s in sim.steps if s.primitive["op"] == "dial")


class _Site:
    def channel(self, leg: DialLeg) -> str:
        return wire.Dialing().channel(leg)

    def media(self, media: list[str]) -> str:
        return "&".join(media)

    def new_file(self, kind: str) -> str:
        return f"/media/{kind}/x"


async def test_filters_are_tried_in_creation_order_and_the_first_that_matches_wins(
    company: Company, vats_register_plugin: Any
) -> None:
    class Crm:
        @hookimpl
        async def lookup_contact(self, tenant_id: Any, number: str) -> CallerContact | None:
            return CallerContact(tags=["VIP", "Опт"])  # both filters match this caller

    vats_register_plugin(Crm(), name="crm-test")
    vip = {"name": "VIP", "condition": {"type": "tags", "tags": ["VIP"]},
           "working": {"handling": forward(emp(company.people["201"]))}}  # fmt: skip
    wholesale = {"name": "Опт", "condition": {"type": "tags", "tags": ["Опт"]},
                 "working": {"handling": forward(emp(company.people["202"]))}}  # fmt: skip
    default = {"handling": forward(emp(company.people["203"]))}
    await company.set_scenario({"filters": [vip, wholesale], "default": default})
    assert (await company.call()).path[0] == "filter:VIP:working"
    await company.set_scenario({"filters": [wholesale, vip], "default": default})
    assert (await company.call()).path[0] == "filter:Опт:working"


async def test_hold_music_instead_of_ringback_reaches_the_dial(company: Company) -> None:
    await company.set_scenario(
        {"default": {"options": {"hold_music": True}, "handling": forward(emp(company.people["201"]))}}
    )
    dial = _first_dial(await company.call())
    assert dial["music_on_hold"] is True
    told = wire.variables_for(Dial(legs=[DialLeg(address="sip/x")], ring_s=20, music_on_hold=True), _Site())
    assert told["VATS_DIALOPTS"] == "m(vats-hold)"  # Asterisk's Dial plays music, no ringback
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    assert _first_dial(await company.call())["music_on_hold"] is False


async def test_number_as_caller_id_shows_the_numbers_name_on_the_employees_phone(company: Company) -> None:
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    assert _first_dial(await company.call())["caller_id_name"] is None
    await company.set_scenario(
        {"default": {"options": {"number_as_caller_id": True}, "handling": forward(emp(company.people["201"]))}}
    )
    dial = _first_dial(await company.call())
    assert dial["caller_id_name"] == "Реклама"
    told = wire.variables_for(Dial(legs=[DialLeg(address="sip/x")], ring_s=20, caller_id_name="Реклама"), _Site())
    assert told["VATS_CIDNAME"] == "Реклама"
    # the number's own setting does it for every branch
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    snapshot = await company.kernel.snapshots.get(company.tenant_id)  # type: ignore[union-attr]
    number = next(iter(snapshot.numbers.values()))
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await numbers_repo.update_number(conn, company.tenant_id, number.id, NumberUpdate(number_as_caller_id=True))
    company.kernel.snapshots.invalidate(company.tenant_id)  # type: ignore[union-attr]
    assert _first_dial(await company.call())["caller_id_name"] == "Реклама"


async def _menu(company: Company, **body: Any) -> uuid.UUID:
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        menu = await create_menu(conn, company.tenant_id, MenuIn(name="Меню", body=MenuBody(
            instruction=["standard:greeting"], items=[Item(key="0", do=Repeat())], **body)))  # fmt: skip
    company.kernel.snapshots.invalidate(company.tenant_id)  # type: ignore[union-attr]
    return menu.id


async def test_a_switched_off_ivr_menu_is_skipped_and_the_call_goes_on(company: Company) -> None:
    menu_id = await _menu(company, enabled=False)
    await company.set_scenario({"default": {"menu": {"type": "ivr", "menu_id": str(menu_id)},
                                            "handling": forward(emp(company.people["201"]))}})  # fmt: skip
    sim = await company.call("201 answers")
    assert next(s.primitive["op"] for s in sim.steps) == "dial"  # no instructions were played
    assert any(t.decision == "skip the menu" and t.why == "it is switched off" for t in sim.trace)
    assert sim.answered_by is not None


async def test_the_menu_repeats_its_instructions_each_repeat_timeout_until_the_next_block_timeout(
    company: Company,
) -> None:
    menu_id = await _menu(company, repeat_timeout_s=5, next_timeout_s=15)
    await company.set_scenario({"default": {"menu": {"type": "ivr", "menu_id": str(menu_id)},
                                            "handling": forward(emp(company.people["201"]))}})  # fmt: skip
    sim = await company.call("201 answers")  # the caller presses nothing
    ops = [s.primitive["op"] for s in sim.steps]
    assert ops[:4] == ["collect", "collect", "collect", "dial"]  # at 0, 5 and 10 s; at 15 s the next block
    assert {s.primitive["timeout_s"] for s in sim.steps if s.primitive["op"] == "collect"} == {5.0}


async def test_a_repeat_timeout_not_shorter_than_the_next_block_timeout_is_refused(company: Company) -> None:
    assert company.kernel.db is not None
    for repeat, after in ((15, 15), (20, 15)):
        menu = MenuIn(name="Меню", body=MenuBody(instruction=["standard:greeting"], items=[Item(key="0", do=Repeat())],
                                                 repeat_timeout_s=repeat, next_timeout_s=after))  # fmt: skip
        async with company.kernel.db.tenant(company.tenant_id) as conn:
            with pytest.raises(ValidationError) as refused:
                await check_menu(conn, company.tenant_id, menu)
        assert refused.value.field == "body.repeat_timeout_s"


@pytest.mark.parametrize(("task_for", "expected"), [("first", "202"), ("last", "203")])
async def test_parallel_ringings_first_and_last_addressee_follow_the_list_order(
    company: Company, task_for: str, expected: str
) -> None:
    on_failure = {"action": "play_and_task", "media": [], "task_for": task_for}
    targets = [emp(company.people["202"]), emp(company.people["201"]), emp(company.people["203"])]
    await company.set_scenario({"default": {"handling": forward(*targets, order="parallel", on_failure=on_failure)}})
    sim = await company.call()  # nobody answers
    assert len([s for s in sim.steps if s.primitive["op"] == "dial"]) == 1  # all at once
    assert [(i.kind, i.assignee_id) for i in sim.intents] == [("failed_forwarding", company.people[expected])]
