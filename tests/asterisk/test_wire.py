"""The wire contract: every primitive crosses to Asterisk through one op, whose reply and
dialplan are made from ``vats.core.asterisk.wire`` and agree with each other."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

import pytest
from vats.core.asterisk import wire
from vats.core.asterisk.render import RenderInput, Settings, render
from vats.core.asterisk.sandbox import Sandbox
from vats.core.engine.primitives import (
    Answer,
    Collect,
    Dial,
    DialLeg,
    Hangup,
    Play,
    Primitive,
    Queue,
    Record,
    Voicemail,
)

LEGS = [DialLeg(address="sip/101"), DialLeg(address="tel/+74951230001", delay_s=5)]
EXAMPLES: list[Primitive] = [
    Answer(),
    Play(media=["standard:greeting", "chain"]),
    Collect(media=["standard:greeting"], max_digits=3, timeout_s=2.5),
    Dial(legs=LEGS, ring_s=20, caller_id_name="Отдел продаж, (основной)", music_on_hold=True),
    Queue(legs=LEGS, max_wait_s=60, hold_media=["standard:hold_music"], offer_after_s=30, offer_media=["chain"]),
    Voicemail(box="t/101", greeting=["standard:voicemail_prompt"]),
    Record(on=True, warning=["standard:recording_warning"]),
    Record(on=False),
    Hangup(cause=17),
]


class FakeSite:
    def channel(self, leg: DialLeg) -> str:
        return wire.Dialing().channel(leg)

    def media(self, refs: list[str]) -> str:
        return "&".join(f"/media/{ref.replace(':', '/')}" for ref in refs)

    def new_file(self, kind: str) -> str:
        return f"/media/{kind}/{uuid.uuid4().hex}"


def _primitives(base: type[Primitive] = Primitive) -> set[type[Primitive]]:
    found = set()
    for cls in base.__subclasses__():
        found |= {cls, *_primitives(cls)}
    return found


def test_every_primitive_has_an_op_and_an_example_here() -> None:
    assert _primitives() == set(wire.OPS), "a primitive without an op in vats.core.asterisk.wire.OPS"
    assert {type(p) for p in EXAMPLES} == set(wire.OPS)


def test_each_reply_names_a_context_of_its_op_and_sets_only_the_fields_it_declares() -> None:
    for primitive in EXAMPLES:
        op = wire.OPS[type(primitive)]
        reply = wire.variables_for(primitive, FakeSite())
        assert reply["VATS_ACTION"] in op.contexts, primitive
        assert set(reply) - {"VATS_ACTION"} <= set(op.variables) <= set(wire.FIELDS), primitive
        line = wire.reply_line(reply)
        assert line.count(",") == len(wire.FIELDS) - 1, f"a value of {primitive} contains a comma: {line}"


def test_the_rendered_dialplan_has_every_ops_context_and_reads_every_field() -> None:
    files = render(RenderInput(terminals=[], dids=[], trunks=[], tenants=[]),
                   Settings(ami_secret="x", media_dir=Path("/media")))  # fmt: skip
    dialplan = files["extensions.conf"]
    contexts = set(re.findall(r"^\[vats-([a-z]+)\]$", dialplan, flags=re.M))
    assert {c for op in wire.OPS.values() for c in op.contexts} <= contexts
    assert f"AGI(${{VATS_AGI}}/step,{wire.request_args()})" in dialplan
    assert f"Set(ARRAY({','.join(wire.FIELDS)},{','.join(wire.RESULT)})=${{VATS_REPLY}}" in dialplan
    assert f"> {wire.MAX_STEPS}]?vats-hangup" in dialplan


def test_the_request_is_read_in_the_order_the_dialplan_sends_it() -> None:
    values = ["74951230001", "79165551234", "1800000000", "STATE", "BUSY", "12", "PJSIP/101-0001", "hangup"]
    step = wire.parse_request({f"agi_arg_{i}": v for i, v in enumerate(values, start=1)})
    assert (step.did, step.caller, step.start, step.state, step.status, step.digits, step.peer) == tuple(values[:7])
    assert step.at_hangup and wire.address_of_peer(step.peer) == "sip/101"
    assert wire.parse_outbound({"agi_network_script": "step", **{f"agi_arg_{i}": "x" for i in (1, 2)}}) is None
    outbound = {"agi_network_script": "outbound", "agi_arg_1": "0050000001", "agi_arg_2": "84951230001"}
    assert wire.parse_outbound(outbound) == ("0050000001", "84951230001")


async def test_asterisk_loads_every_ops_context(asterisk_sandbox: Sandbox) -> None:
    for op in wire.OPS.values():
        for context in op.contexts:
            shown = await asyncio.to_thread(asterisk_sandbox.cli, f"dialplan show vats-{context}")
            assert f"'vats-{context}'" in shown and "There is no existence" not in shown, shown


@pytest.mark.parametrize(
    "address",
    ["tel/1,1,G(ctx^s^1)", "tel/1@vats-t-x&Local/2", 'tel/+7916"1', "tel/", "tel/++7916", "sip/a,b", "sip/a&PJSIP/b",
     "sip/a@b", "sip/", "sip/a b", "local/101", "tel/７９１６"],
)  # fmt: skip
def test_dialing_refuses_an_address_that_is_not_one_login_or_one_number(address: str) -> None:
    with pytest.raises(wire.UnsafeAddress):
        wire.Dialing().channel(DialLeg(address=address))


def test_dialing_turns_logins_and_numbers_into_their_channels() -> None:
    dialing = wire.Dialing()
    assert dialing.channel(DialLeg(address="sip/mb-anna.2_X")) == "PJSIP/mb-anna.2_X"
    assert dialing.channel(DialLeg(address="tel/+79161230077")) == "Local/79161230077@vats-pstn"
    assert dialing.channel(DialLeg(address="tel/112")) == "Local/112@vats-pstn"
    # a forwarding number kept as the admin wrote it is dialled as its digits
    assert dialing.channel(DialLeg(address="tel/+7 (495) 123-45-67")) == "Local/74951234567@vats-pstn"
