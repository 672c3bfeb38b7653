"""Charts of the dashboard and the statistics ("Статистика": pie charts; "Графики": per-day
lines, plain or normalised), rendered to SVG or PNG with matplotlib.

matplotlib's object API (``Figure`` without pyplot) keeps no global state, so charts render
safely in worker threads; the import is deferred to the first chart (it takes ~0.3 s).
"""

from __future__ import annotations

import io
from typing import Any, Literal

ChartKind = Literal["pie", "lines", "normalised"]
ImageFormat = Literal["svg", "png"]

SERIES = (
    ("answered", "Принятые", "#2e7d32"),
    ("missed", "Пропущенные", "#c62828"),
    ("outbound", "Исходящие", "#1565c0"),
)


def render(kind: ChartKind, title: str, totals: Any, per_day: list[Any], fmt: ImageFormat) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.2), dpi=100)
    axes = figure.add_subplot()
    if kind == "pie":
        values = [(label, getattr(totals, key), color) for key, label, color in SERIES if getattr(totals, key)]
        if values:
            axes.pie(
                [v for _, v, _ in values], labels=[f"{label}: {v}" for label, v, _ in values],
                colors=[c for _, _, c in values], autopct="%1.0f%%", startangle=90, counterclock=False,
            )  # fmt: skip
            axes.axis("equal")
        else:
            axes.text(0.5, 0.5, "Нет звонков за период", ha="center", va="center", fontsize=12)
            axes.axis("off")
    else:
        days = [d.day for d in per_day]
        for key, label, color in SERIES:
            series = [float(getattr(d, key)) for d in per_day]
            if kind == "normalised":  # each day as shares of that day's calls, in %
                totals_per_day = [sum(float(getattr(d, k)) for k, _, _ in SERIES) for d in per_day]
                series = [100 * v / t if t else 0.0 for v, t in zip(series, totals_per_day, strict=True)]
            axes.plot(days, series, marker="o", label=label, color=color)
        axes.set_ylabel("% звонков за день" if kind == "normalised" else "звонков")
        axes.legend(loc="upper left")
        axes.grid(alpha=0.3)
        figure.autofmt_xdate()
    axes.set_title(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
