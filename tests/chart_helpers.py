"""Looking inside matplotlib Figures: texts, their extents, plotted lines."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from generator.charts import ChartFrame

FRAME = ChartFrame("Rotation Desk", date(2024, 11, 8), "Synthetic demo data")


def visible_texts(fig: Figure) -> list[Text]:
    """Every drawn, non-empty text artist (titles, ticks, legends, annotations)."""
    fig.canvas.draw()
    undrawn = _undrawn_tick_labels(fig)
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.figure is not None and id(t) not in undrawn
    ]


def _undrawn_tick_labels(fig: Figure) -> set[int]:
    """Tick labels matplotlib keeps but does not draw: ticks beyond the axis' view limits."""
    undrawn: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for ticks, locs in (
                (axis.get_major_ticks(), axis.get_majorticklocs()),
                (axis.get_minor_ticks(), axis.get_minorticklocs()),
            ):
                for i, tick in enumerate(ticks):
                    span = (high - low) * 1e-9
                    if i >= len(locs) or not low - span <= locs[i] <= high + span:
                        undrawn.update({id(tick.label1), id(tick.label2)})
    return undrawn


def all_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in visible_texts(fig))


def texts_outside(fig: Figure, tolerance_px: float = 1.0) -> list[str]:
    """Texts whose drawn extent leaves the figure."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = fig.bbox
    outside = []
    for text in visible_texts(fig):
        extent = text.get_window_extent(renderer)
        if (
            extent.x0 < box.x0 - tolerance_px
            or extent.y0 < box.y0 - tolerance_px
            or extent.x1 > box.x1 + tolerance_px
            or extent.y1 > box.y1 + tolerance_px
        ):
            outside.append(text.get_text())
    return outside


def overlapping(texts: list[Text], fig: Figure) -> list[tuple[str, str]]:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    # Text.get_window_extent: the text itself (an Annotation's own method adds its leader line).
    boxes = [(t.get_text(), Text.get_window_extent(t, renderer)) for t in texts]
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            if box_a.overlaps(box_b):
                pairs.append((a, b))
    return pairs


def line_by_label(ax, label: str):  # noqa: ANN001, ANN201
    matches = [line for line in ax.get_lines() if line.get_label() == label]
    assert matches, f"no line labelled {label!r}; have {[ln.get_label() for ln in ax.get_lines()]}"
    return matches[0]


def walk(
    seed: int, days: int, start: str = "2019-01-02", drift: float = 0.0003, vol: float = 0.012
) -> pd.Series:
    """A positive random-walk close series on business days."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range(start, periods=days)
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(drift, vol, days))), index=index)
