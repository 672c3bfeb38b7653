"""The "graphical scheme of call reception" the cabinet shows for a scenario: plain SVG written
here (no dependency).

Filters come first, in the order they are tried, then "numbers not in filters". A filter (or
"numbers not in filters") with an off-hours branch spans two columns, working time and off
hours, both tied to it by arrows. Each branch is a chain: options -> menu -> handling ->
insurance; a block that branches (an IVR menu's keys: the lines after the first of its
``describe``) gets one box per branch, hung off the chain. Regions are shown by name (the
``region_names`` snapshot extra, else their codes).

Text is wrapped at spaces to fit its box, and a box grows to its text: nothing is cut. Widths
are estimated per character for DejaVu Sans, the widest of the usual sans fonts (the SVG asks
for it first), so the text fits in other fonts too; a word wider than its column widens the
column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from vats.core.engine.block import AnyBlock
from vats.core.engine.scenario import Branch, RegionCondition, ScenarioBody, TagCondition
from vats.core.snapshot import TenantSnapshot

FONT = 12  # px
LINE = 16  # px between text lines
PAD = 10  # px inside a box
COL_W = 250  # a branch column's least width
GAP_X, GAP_Y, TOP, INDENT = 28, 22, 56, 26
COLORS = {
    "filter": "#e8f0fe", "time": "#ffffff", "options": "#f1f3f4", "menu": "#fef7e0", "key": "#fffbeb",
    "handling": "#e6f4ea", "insurance": "#fce8e6",
}  # fmt: skip
INK, LINE_INK = "#1d2430", "#5f6368"

def describe_block(block: AnyBlock, snapshot: TenantSnapshot) -> str:
    """A block's summary (its ``describe``, part of the Block contract): a line, then one per branch."""
    return block.describe(snapshot)


_NARROW = set(" .,:;'!|()[]ilIjtfr«»\"-")
_WIDE = set("mwMWШЩЖЮМФЫшщжюмфы—@%")


def text_width(text: str, *, bold: bool = False) -> float:
    """An upper estimate of ``text``'s width in px at FONT size in DejaVu Sans."""
    em = 0.0
    for c in text:
        if c in _NARROW:
            em += 0.4
        elif c in _WIDE:
            em += 1.0
        elif c.isupper():
            em += 0.8
        elif "а" <= c.lower() <= "я" or c == "ё":
            em += 0.72
        else:
            em += 0.66
    return em * FONT * (1.12 if bold else 1.0)


def wrap(text: str, width: float, *, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width``, broken at spaces only (a longer word stays
    whole on its own line: the caller makes the box wide enough for it)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if current and text_width(candidate, bold=bold) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


def widest_word(texts: list[tuple[str, bool]]) -> float:
    return max((text_width(w, bold=bold) for text, bold in texts for w in text.split()), default=0.0)


@dataclass
class Box:
    kind: str
    title: str
    detail: str = ""
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    lines: list[tuple[str, bool]] = field(default_factory=list)  # (line, bold)

    def layout(self, x: float, y: float, w: float) -> None:
        self.x, self.y, self.w = x, y, w
        inner = w - 2 * PAD
        self.lines = [(line, True) for line in wrap(self.title, inner, bold=True)]
        if self.detail:
            self.lines += [(line, False) for line in wrap(self.detail, inner)]

    @property
    def h(self) -> float:
        return len(self.lines) * LINE + 2 * PAD - (LINE - FONT) + 4

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass
class Column:
    """One branch: its chain of boxes; ``keys[i]`` are the branch boxes hung off ``chain[i]``."""

    chain: list[Box]
    keys: dict[int, list[Box]] = field(default_factory=dict)
    x: float = 0.0
    w: float = COL_W

    def texts(self) -> list[tuple[str, bool]]:
        boxes = self.chain + [k for ks in self.keys.values() for k in ks]
        return [(b.title, True) for b in boxes] + [(b.detail, False) for b in boxes]


@dataclass
class Group:
    """A filter (or "numbers not in filters") with its one or two branch columns."""

    head: Box
    columns: list[Column]


def _condition(condition: Any, snapshot: TenantSnapshot) -> str:
    if isinstance(condition, RegionCondition):
        names = snapshot.extras.get("region_names", {})
        return "регион: " + ", ".join(names.get(code, code) for code in condition.subjects)
    if isinstance(condition, TagCondition):
        return "теги: " + ", ".join(condition.tags)
    return "?"


def _column(when: str, branch: Branch, snapshot: TenantSnapshot) -> Column:
    opts = branch.options
    options = [
        "приветствие" if opts.greeting else "",
        {"on": "запись разговоров", "off": "без записи"}.get(opts.recording, ""),
        "предупреждение о записи" if opts.recording_warning else "",
        "музыка вместо гудков" if opts.hold_music else "",
        "номер как АОН" if opts.number_as_caller_id else "",
    ]
    column = Column(chain=[Box("time", when), Box("options", "Опции", ", ".join(o for o in options if o) or "нет")])
    for stage, label in (("menu", "Меню"), ("handling", "Обработка"), ("insurance", "Страховка")):
        block: AnyBlock | None = getattr(branch, stage)
        if block is None:
            column.chain.append(Box(stage, label, "—"))
            continue
        first, *branches = describe_block(block, snapshot).split("\n")
        column.chain.append(Box(stage, label, first))
        if branches:
            column.keys[len(column.chain) - 1] = [Box("key", line) for line in branches]
    return column


def _timing(schedule_id: Any, snapshot: TenantSnapshot) -> str:
    schedule = snapshot.schedules.get(schedule_id) if schedule_id else None
    return f"рабочее время: график «{schedule.name}»" if schedule else "круглосуточно"


def _groups(body: ScenarioBody, snapshot: TenantSnapshot) -> list[Group]:
    groups = []
    for i, f in enumerate(body.filters, 1):
        head = Box("filter", f"Фильтр {i}. «{f.name}»", _condition(f.condition, snapshot))
        columns = [_column(_timing(f.schedule_id, snapshot), f.working, snapshot)]
        if f.off_hours is not None:
            columns.append(_column("нерабочее время", f.off_hours, snapshot))
        groups.append(Group(head, columns))
    head = Box("filter", "Номера не в фильтрах", "все остальные звонки" if body.filters else "все звонки")
    columns = [_column(_timing(body.schedule_id, snapshot), body.default, snapshot)]
    if body.off_hours is not None:
        columns.append(_column("нерабочее время", body.off_hours, snapshot))
    groups.append(Group(head, columns))
    return groups


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<path d="M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}" stroke="{LINE_INK}" fill="none" marker-end="url(#arrow)"/>'


def _box_svg(box: Box) -> list[str]:
    parts = [
        f'<g class="box box-{box.kind}"><rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" height="{box.h:.0f}"'
        f' rx="7" fill="{COLORS[box.kind]}" stroke="{LINE_INK}"/>',
        f'<text x="{box.x + PAD:.0f}" y="{box.y + PAD + FONT:.0f}" fill="{INK}">',
    ]
    # The lines are joined by spaces, so the text reads (and is found, copied, spoken) as it was
    # written; each line starts at the box's left edge again.
    lines = []
    for n, (line, bold) in enumerate(box.lines):
        weight = ' font-weight="bold"' if bold else ""
        lines.append(f'<tspan x="{box.x + PAD:.0f}" dy="{0 if n == 0 else LINE}"{weight}>{escape(line)}</tspan>')
    parts.append(" ".join(lines) + "</text></g>")
    return parts


def render_svg(name: str, body: ScenarioBody, snapshot: TenantSnapshot) -> str:
    groups = _groups(body, snapshot)
    parts: list[str] = []
    x = float(GAP_X)
    bottom = 0.0
    for group in groups:
        for column in group.columns:
            column.w = max(COL_W, widest_word(column.texts()) + 2 * PAD + INDENT + 10)
        span = sum(c.w for c in group.columns) + GAP_X * (len(group.columns) - 1)
        span = max(span, widest_word([(group.head.title, True), (group.head.detail, False)]) + 2 * PAD + 2)
        group.head.layout(x, TOP, span)
        parts += _box_svg(group.head)
        cx = x
        for column in group.columns:
            column.x = cx
            y = group.head.bottom + GAP_Y
            spine = cx + 14  # the chain's arrows run down here; key branches leave it to the right
            above = group.head.bottom
            for i, box in enumerate(column.chain):
                parts.append(_arrow(spine, above, spine, y - 1))
                box.layout(cx, y, column.w)
                parts += _box_svg(box)
                above = box.bottom
                y = box.bottom + GAP_Y
                for key in column.keys.get(i, []):
                    key.layout(cx + INDENT + 8, y - GAP_Y / 2, column.w - INDENT - 8)
                    mid = key.y + min(key.h / 2, PAD + FONT / 2)
                    parts.append(_arrow(spine, mid, key.x - 1, mid))
                    parts += _box_svg(key)
                    y = key.bottom + GAP_Y
            bottom = max(bottom, y)
            cx += column.w + GAP_X
        x += span + GAP_X * 2
    width, height = x - GAP_X, bottom
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}"'
        f' viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="{FONT}"'
        ' role="img" class="scenario-diagram">',
        f"<title>{escape(name)}</title>",
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        f'<path d="M0,0 L8,4 L0,8 z" fill="{LINE_INK}"/></marker></defs>',
        f'<text x="{GAP_X}" y="32" font-size="18" font-weight="bold" fill="{INK}">{escape(name)}</text>',
    ]
    return "\n".join([*head, *parts, "</svg>"])
