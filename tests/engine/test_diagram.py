"""The scenario diagram (SVG) without a browser: text wrapped at spaces only, IVR keys as
branches, regions by name, off-hours branches under their filter. The browser test
(tests/web/cabinet/test_scenarios.py) measures that the text stays inside its boxes."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.engine.diagram import render_svg, text_width, wrap
from vats.core.engine.scenario import compile_body
from vats.core.kernel import Kernel
from vats.plugins.ivr.menus import create_menu
from vats.plugins.ivr.models import MenuIn

WORDS = st.text(alphabet="абвгдежзийклмнопрстуфхцчшщыэюяАБВШЩЖabcdefWMmi0-9«»", min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=25), st.integers(min_value=40, max_value=400))
def test_wrapping_breaks_only_at_spaces_and_keeps_lines_within_the_width(words: list[str], width: int) -> None:
    lines = wrap(" ".join(words), width)
    assert " ".join(lines).split() == words  # every word whole, in order
    for line in lines:
        assert text_width(line) <= width or " " not in line  # only a single too-long word may be wider


def _texts(svg: str) -> list[str]:
    """Each box's text, its lines joined."""
    return [" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", t)) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


async def test_ivr_keys_are_branches_regions_are_named_and_off_hours_hang_off_their_filter(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    anna, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Анна Смирнова", email="anna@test.example", extension="201")
    )
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        menu = await create_menu(conn, vats_tenant.tenant_id, msgspec.convert({"name": "Главное", "body": {
            "instruction": ["standard:greeting"], "items": [
                {"key": "0", "do": {"action": "repeat"}},
                {"key": "5", "do": {"action": "route", "target": {"kind": "employee", "id": str(anna.id)}}},
            ]}}, MenuIn))  # fmt: skip
    body: dict[str, Any] = {
        "filters": [{"name": "Москва", "condition": {"type": "region", "subjects": ["RU-MOW", "RU-SPE"]},
                     "working": {"menu": {"type": "ivr", "menu_id": str(menu.id)}},
                     "off_hours": {"handling": {"type": "hangup"}}}],
        "default": {"handling": {"type": "voicemail"}},
    }  # fmt: skip
    snapshot = await vats_kernel.snapshots.get(vats_tenant.tenant_id)
    svg = render_svg("Схема", compile_body(body, vats_kernel.blocks), snapshot)
    texts = _texts(svg)
    assert "регион: Москва, Санкт-Петербург" in " ".join(texts)
    keys = re.findall(r'<g class="box box-key">.*?</g>', svg, re.S)
    assert [_texts(k)[0] for k in keys] == ["0 → повтор инструкции", "5 → Анна Смирнова"]
    # The filter's box spans its working-time and off-hours columns.
    head = re.search(r'<g class="box box-filter"><rect x="(\d+)" y="\d+" width="(\d+)"', svg)
    assert head is not None
    left, right = int(head.group(1)), int(head.group(1)) + int(head.group(2))
    times = re.findall(r'<g class="box box-time"><rect x="(\d+)" y="\d+" width="(\d+)"[^>]*/>\s*<text[^>]*>(.*?)</text>', svg, re.S)
    under = [re.sub(r"<[^>]+>", "", t).strip() for x, w, t in times if left <= int(x) and int(x) + int(w) <= right]
    assert under == ["круглосуточно", "нерабочее время"]
