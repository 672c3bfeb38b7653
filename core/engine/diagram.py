"""The "graphical scheme of call reception" the cabinet shows for a number: a scenario drawn
as SVG, one column per branch (filters in their order, then "numbers not in filters"), each a
chain options -> menu -> handling -> insurance. Plain SVG written here: no dependency."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from vats.core.engine.block import AnyBlock
from vats.core.engine.scenario import Branch, RegionCondition, ScenarioBody, TagCondition
from vats.core.snapshot import TenantSnapshot

BOX_W, BOX_H, GAP_X, GAP_Y, TOP = 250, 54, 30, 26, 70
COLORS = {"filter": "#e8f0fe", "options": "#f1f3f4", "menu": "#fef7e0", "handling": "#e6f4ea", "insurance": "#fce8e6"}


def describe_block(block: AnyBlock, snapshot: TenantSnapshot) -> str:
    """A block's one-line summary (its ``describe``, part of the Block contract)."""
    return block.describe(snapshot)


def _condition(condition: Any) -> str:
    if isinstance(condition, RegionCondition):
        return "регион: " + ", ".join(condition.subjects)
    if isinstance(condition, TagCondition):
        return "теги: " + ", ".join(condition.tags)
    return "?"


def _boxes(title: str, branch: Branch, snapshot: TenantSnapshot) -> list[tuple[str, str, str]]:
    boxes = [("filter", title, "")]
    opts = branch.options
    options = [
        ("приветствие" if opts.greeting else ""),
        ("запись" if opts.recording == "on" else ""),
        ("музыка" if opts.hold_music else ""),
    ]
    boxes.append(("options", "Опции", ", ".join(o for o in options if o) or "нет"))
    for stage, label in (("menu", "Меню"), ("handling", "Обработка"), ("insurance", "Страховка")):
        block = getattr(branch, stage)
        boxes.append((stage, label, describe_block(block, snapshot) if block is not None else "—"))
    return boxes


def render_svg(name: str, body: ScenarioBody, snapshot: TenantSnapshot) -> str:
    columns: list[list[tuple[str, str, str]]] = []
    for f in body.filters:
        schedule = snapshot.schedules.get(f.schedule_id) if f.schedule_id else None
        when = f" ({schedule.name})" if schedule else " (24/7)"
        columns.append(_boxes(f"Фильтр «{f.name}»: {_condition(f.condition)}{when}", f.working, snapshot))
        if f.off_hours is not None:
            columns.append(_boxes(f"«{f.name}»: нерабочее время", f.off_hours, snapshot))
    schedule = snapshot.schedules.get(body.schedule_id) if body.schedule_id else None
    columns.append(_boxes(f"Номера не в фильтрах ({schedule.name if schedule else '24/7'})", body.default, snapshot))
    if body.off_hours is not None:
        columns.append(_boxes("Не в фильтрах: нерабочее время", body.off_hours, snapshot))
    width = len(columns) * (BOX_W + GAP_X) + GAP_X
    height = TOP + 5 * (BOX_H + GAP_Y) + GAP_Y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="{GAP_X}" y="32" font-size="18" font-weight="bold">{escape(name)}</text>',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="4" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#5f6368"/></marker></defs>',
    ]
    for c, boxes in enumerate(columns):
        x = GAP_X + c * (BOX_W + GAP_X)
        middle = x + BOX_W / 2
        for r, (kind, title, detail) in enumerate(boxes):
            y = TOP + r * (BOX_H + GAP_Y)
            box = f'x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8"'
            parts.append(f'<rect {box} fill="{COLORS[kind]}" stroke="#5f6368"/>')
            parts.append(f'<text x="{x + 10}" y="{y + 20}" font-weight="bold">{escape(title[:38])}</text>')
            if detail:
                parts.append(f'<text x="{x + 10}" y="{y + 40}">{escape(detail[:44])}</text>')
            if r:
                line = f'x1="{middle}" y1="{y - GAP_Y}" x2="{middle}" y2="{y - 2}"'
                parts.append(f'<line {line} stroke="#5f6368" marker-end="url(#arrow)"/>')
    parts.append("</svg>")
    return "\n".join(parts)
