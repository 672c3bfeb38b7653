"""Properties over every registered block type: any valid scenario ends within the step limit
and never rings a terminal that may not ring (an employee in mode "unavailable")."""

from typing import Any, ClassVar

import msgspec
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vats.core import hookimpl
from vats.core.engine.context import Outcome
from vats.core.engine.dialing import Target
from vats.core.engine.primitives import Play
from vats.core.engine.state import MAX_STEPS
from vats.plugins.ivr import menus as ivr_menus
from vats.plugins.ivr.models import (
    Callback,
    ExtensionDialing,
    Item,
    LeaveVoicemail,
    MenuBody,
    MenuIn,
    PlayMedia,
    Repeat,
    Route,
    SkipMenu,
    Submenu,
)

from tests.engine.conftest import Company


class Played(msgspec.Struct):
    played: bool = False


class Announce(msgspec.Struct, tag="announce", tag_field="type", frozen=True, kw_only=True):
    """A third-party block (registered by a test plugin): play something, then go on."""

    media: list[str] = msgspec.field(default_factory=lambda: ["standard:greeting"])
    Cursor: ClassVar[type[msgspec.Struct]] = Played

    async def run(self, ctx: Any, cursor: Played, result: Any) -> Outcome:
        if cursor.played:
            return Outcome(done="next")
        return Outcome(primitive=Play(media=self.media), cursor=Played(played=True))

    async def validate(self, conn: Any, tenant_id: Any, where: str) -> None:
        return None

    def describe(self, snapshot: Any) -> str:
        return "announce"

    def references(self) -> list[Any]:
        return []

    def without(self, ref: Any) -> Any:
        return self


class ThirdParty:
    @hookimpl
    def register_blocks(self) -> list[type[Any]]:
        return [Announce]


def scenarios(people: list[str], group: str, menu: str) -> st.SearchStrategy[dict[str, Any]]:
    target = st.one_of(
        st.sampled_from(people).map(lambda i: {"kind": "employee", "id": i}),
        st.just({"kind": "group", "id": group}),
        st.sampled_from(["201", "202", "300", "999"]).map(lambda n: {"kind": "extension", "number": n}),
        st.just({"kind": "external", "number": "+74959990000"}),
    )
    failure = st.fixed_dictionaries(
        {
            "action": st.sampled_from(["hangup", "play_and_task", "insurance"]),
            "task_for": st.sampled_from(["first", "last"]),
        },
        optional={"media": st.just(["standard:all_busy"])},
    )
    fwd = st.fixed_dictionaries(
        {
            "type": st.just("forward"),
            "targets": st.lists(target, max_size=4),
            "order": st.sampled_from(["sequential", "parallel", "least_busy"]),
            "on_failure": failure,
        },
    )
    block = st.one_of(
        fwd,
        st.just({"type": "voicemail"}),
        st.just({"type": "hangup", "media": ["standard:all_busy"]}),
        st.just({"type": "ivr", "menu_id": menu}),
        st.just({"type": "extension_dialing", "allowed": ["201", "202", "300"]}),
        st.just({"type": "announce"}),
    )
    options = st.fixed_dictionaries(
        {}, optional={"greeting": st.just(["standard:greeting"]), "recording": st.sampled_from(["on", "off"])}
    )
    branch = st.fixed_dictionaries(
        {"options": options, "handling": block}, optional={"menu": block, "insurance": block}
    )
    return st.fixed_dictionaries({"default": branch})


OUTCOME = st.sampled_from(["answers", "busy", "no answer", "unavailable"])


@pytest_asyncio.fixture
async def menu_id(company: Company, vats_register_plugin: Any) -> str:
    """A 2-level IVR reaching every kind of item, and the third-party block registered."""
    vats_register_plugin(ThirdParty(), name="third-party")
    assert company.kernel.db is not None
    a, b = company.people["201"], company.people["202"]
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        sub = await ivr_menus.create_menu(conn, company.tenant_id, MenuIn(name="Sub", level=2, body=MenuBody(
            instruction=["standard:greeting"], items=[Item(key="0", do=Repeat()), Item(key="1", do=Route(target=Target(kind="employee", id=a)))])))  # fmt: skip
        main = await ivr_menus.create_menu(conn, company.tenant_id, MenuIn(name="Main", level=1, body=MenuBody(
            instruction=["standard:greeting"], items=[
                Item(key="0", do=Repeat()), Item(key="1", do=Submenu(menu_id=sub.id)),
                Item(key="2", do=Route(target=Target(kind="group", id=company.sales_id))), Item(key="3", do=ExtensionDialing()),
                Item(key="4", do=LeaveVoicemail(assignee_id=b)), Item(key="5", do=Callback(assignee_id=b)),
                Item(key="6", do=PlayMedia(media=["standard:all_busy"])), Item(key="9", do=SkipMenu())])))  # fmt: skip
    return str(main.id)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_any_scenario_terminates_and_skips_unavailable(
    company: Company, menu_id: str, data: st.DataObject
) -> None:
    people = [str(i) for i in company.people.values()]
    body = data.draw(scenarios(people, str(company.sales_id), menu_id))
    off = data.draw(st.sampled_from(list(company.people)))
    await company.kernel.directory.set_availability(company.tenant_id, company.people[off], "unavailable")
    script = ", ".join(f"{ext} {data.draw(OUTCOME)}" for ext in ["105", "201", "202", "203"])
    script += ", " + ", ".join(
        data.draw(st.lists(st.sampled_from(["press 1", "press 2", "press 9", "no input"]), max_size=3)) or ["no input"]
    )
    await company.set_scenario(body)
    try:
        sim = await company.call(script)
    finally:
        await company.kernel.directory.set_availability(company.tenant_id, company.people[off], "by_schedule")
    assert len(sim.steps) <= MAX_STEPS
    assert sim.steps[-1].primitive["op"] in ("hangup",) or sim.steps[-1].result is not None
    for step in sim.steps:
        if step.primitive["op"] == "dial":
            assert str(company.people[off]) not in {leg["employee_id"] for leg in step.primitive["legs"]}
