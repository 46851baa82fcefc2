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


# --- collisions: what the label placement promises ------------------------------------------------


def _drawn_boxes(fig: Figure) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every text drawn (titles, ticks, axis labels, annotations) and every legend, as display boxes.

    A legend counts as one box (its entries sit inside it); a text with a backing box (the
    last-value tag) counts as its backing.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = []
    texts: list[Text] = list(fig.texts)
    for ax in fig.axes:
        texts += ax.texts
        texts += [ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            for tick, loc in zip(axis.get_major_ticks(), axis.get_majorticklocs(), strict=False):
                if low - span <= loc <= high + span:
                    texts += [t for t in (tick.label1, tick.label2) if t.get_visible()]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            extent = legend.get_window_extent(renderer)
            name = f"legend of {ax.get_ylabel() or 'axes'}"
            boxes.append((name, (extent.x0, extent.y0, extent.x1, extent.y1)))
    for text in texts:
        if not text.get_visible() or not text.get_text().strip():
            continue
        patch = text.get_bbox_patch()
        if patch is not None:
            extent = patch.get_window_extent(renderer)
        else:
            extent = Text.get_window_extent(text, renderer)
        boxes.append((text.get_text(), (extent.x0, extent.y0, extent.x1, extent.y1)))
    return boxes


def _segments(ax) -> np.ndarray:  # noqa: ANN001
    """Every drawn line of ``ax`` (lines, level lines) as display segments (x0, y0, x1, y1)."""
    from matplotlib.collections import LineCollection

    parts = []
    for line in ax.get_lines():
        if not line.get_visible() or line.get_linestyle() in ("None", "", " ", "none"):
            continue
        xy = line.get_transform().transform_path(line.get_path()).vertices
        parts.append(np.column_stack([xy[:-1], xy[1:]]))
    for collection in ax.collections:
        if isinstance(collection, LineCollection) and collection.get_visible():
            transform = collection.get_transform()
            for segment in collection.get_segments():
                xy = transform.transform(np.asarray(segment, dtype="float64"))
                parts.append(np.column_stack([xy[:-1], xy[1:]]))
    if not parts:
        return np.empty((0, 4))
    segments = np.vstack(parts)
    return segments[np.isfinite(segments).all(axis=1)]


def _crossing(segments: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    """Whether any segment passes through the box (Liang-Barsky, vectorised)."""
    if not len(segments):
        return False
    x0, y0, x1, y1 = segments.T
    dx, dy = x1 - x0, y1 - y0
    low = np.zeros(len(segments))
    high = np.ones(len(segments))
    alive = np.ones(len(segments), dtype=bool)
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        parallel = p == 0
        alive &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        low = np.where(~parallel & (p < 0), np.maximum(low, t), low)
        high = np.where(~parallel & (p > 0), np.minimum(high, t), high)
    return bool((alive & (low <= high)).any())


def collisions(fig: Figure, *, tolerance_px: float = 0.5) -> list[str]:
    """What the charts promise never to draw: two texts (or a text and a legend) overlapping, and
    a label (a text on the axes) crossing a drawn line. Empty when the figure keeps the promise.
    """
    fig.draw_without_rendering()
    problems = []
    boxes = _drawn_boxes(fig)
    shrunk = [(name, (b[0] + tolerance_px, b[1] + tolerance_px, b[2] - tolerance_px, b[3] - tolerance_px))
              for name, b in boxes]
    for i, (a, box_a) in enumerate(shrunk):
        for b, box_b in shrunk[i + 1 :]:
            if box_a[0] < box_b[2] and box_b[0] < box_a[2] and box_a[1] < box_b[3] and box_b[1] < box_a[3]:
                problems.append(f"texts overlap: {a!r} and {b!r}")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:
        segments = _segments(ax)
        frame = ax.get_window_extent(renderer)
        for text in ax.texts:
            if not text.get_visible() or not text.get_text().strip():
                continue
            extent = Text.get_window_extent(text, renderer)
            box = (max(extent.x0, frame.x0) + tolerance_px, max(extent.y0, frame.y0) + tolerance_px,
                   min(extent.x1, frame.x1) - tolerance_px, min(extent.y1, frame.y1) - tolerance_px)
            if box[0] < box[2] and box[1] < box[3] and _crossing(segments, box):
                problems.append(f"label {text.get_text()!r} crosses a line")
    return problems
