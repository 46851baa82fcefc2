"""Point labels that do not collide: greedy placement among candidate offsets, by text extent.

Why not adjustText: it imports pyplot and moves labels by an iterative force simulation; for
the 10-30 labels of an RRG a greedy search over 32 candidate spots per label, scored on
measured text extents, is deterministic, fast (a few ms) and easy to test.

Each label tries offsets at growing distances in eight directions and takes the cheapest:
overlap with labels already placed (or with text to avoid) costs most, then leaving the
plot area, then covering another point, then distance. A label pushed further than the
first ring gets a thin leader line to its point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.text import Annotation

RINGS_PX = (7.0, 15.0, 26.0, 40.0)
DIRECTIONS_DEG = (45, 135, -45, -135, 0, 180, 90, -90)
# A callout has one label and room to roam: more directions, further out.
CALLOUT_RINGS_PX = (24.0, 40.0, 60.0, 85.0, 120.0, 170.0, 240.0)
CALLOUT_DIRECTIONS_DEG = (
    135, 157.5, 180, -157.5, -135, 112.5, -112.5, 90, -90, 45, 67.5, 22.5, 0, -22.5, -45, -67.5
)
LEADER_FROM_PX = 14.0


@dataclass(frozen=True)
class Label:
    """A text to put next to the point (x, y), in data coordinates."""

    text: str
    x: float
    y: float
    color: str


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in display pixels


def place_labels(
    ax: Axes,
    labels: Sequence[Label],
    *,
    obstacles_xy: np.ndarray | None = None,
    avoid: Sequence[Artist] = (),
    fontsize: float = 9.0,
    point_radius_px: float = 6.0,
    rings_px: Sequence[float] = RINGS_PX,
    directions_deg: Sequence[float] = DIRECTIONS_DEG,
    leader_from_px: float = LEADER_FROM_PX,
    obstacle_cost: float = 8.0,
    halo: str | None = None,
) -> list[Annotation]:
    """Annotate every label beside its point, choosing spots that collide least; returns them.

    ``obstacles_xy`` are other points (data coordinates) a label should rather not cover,
    such as tail points or a price line; ``avoid`` are artists already there (texts, a legend). ``halo``
    (the background colour) draws a thin outline that keeps a label legible over a line.
    """
    effects = [patheffects.withStroke(linewidth=2.5, foreground=halo)] if halo else []
    fig = ax.get_figure()
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax.get_xlim(), ax.get_ylim()  # settles any pending autoscale, so transData is final
    frame = ax.get_window_extent(renderer)
    area: Box = (frame.x0, frame.y0, frame.x1, frame.y1)
    taken: list[Box] = [_box(a.get_window_extent(renderer)) for a in avoid if a.get_visible()]
    heads = ax.transData.transform([(lb.x, lb.y) for lb in labels]) if labels else np.empty((0, 2))
    others = ax.transData.transform(obstacles_xy) if obstacles_xy is not None else np.empty((0, 2))
    scale = 72.0 / fig.dpi
    placed: list[Annotation] = []
    for index in _crowded_first(heads):
        label = labels[index]
        probe = ax.text(0, 0, label.text, fontsize=fontsize, fontweight="bold")
        extent = probe.get_window_extent(renderer)
        probe.remove()
        width, height = extent.width, extent.height
        hx, hy = heads[index]
        best: tuple[float, Box, float, float, str, str] | None = None
        for ring in rings_px:
            for angle in directions_deg:
                dx, dy = ring * math.cos(math.radians(angle)), ring * math.sin(math.radians(angle))
                box, ha, va = _anchored(hx + dx, hy + dy, dx, dy, width, height)
                cost = ring / 4 + _cost(box, taken, area, heads, index, others, point_radius_px,
                                         obstacle_cost)
                if best is None or cost < best[0]:
                    best = (cost, box, dx, dy, ha, va)
        assert best is not None
        _, box, dx, dy, ha, va = best
        taken.append(box)
        leader = math.hypot(dx, dy) >= leader_from_px
        placed.append(
            ax.annotate(
                label.text,
                xy=(label.x, label.y),
                xytext=(dx * scale, dy * scale),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=fontsize,
                fontweight="bold",
                color=label.color,
                zorder=6,
                annotation_clip=False,
                path_effects=effects,
                arrowprops={"arrowstyle": "-", "color": label.color, "linewidth": 0.6, "shrinkA": 0,
                            "shrinkB": 3} if leader else None,
            )
        )
    # Keep the caller's order (the labels' order), whatever order they were placed in.
    order = _crowded_first(heads)
    return [placed[order.index(i)] for i in range(len(labels))]


def _crowded_first(heads: np.ndarray) -> list[int]:
    """Labels with most neighbours within 40 px go first, while there is still room near them."""
    if not len(heads):
        return []
    distances = np.hypot(*(heads[:, None, :] - heads[None, :, :]).transpose(2, 0, 1))
    neighbours = (distances < 40).sum(axis=1)
    return sorted(range(len(heads)), key=lambda i: (-int(neighbours[i]), i))


def _anchored(x: float, y: float, dx: float, dy: float, width: float, height: float) -> tuple[Box, str, str]:
    """The box of a text whose anchor is at (x, y), aligned away from its point."""
    ha = "left" if dx > 0.5 else "right" if dx < -0.5 else "center"
    va = "bottom" if dy > 0.5 else "top" if dy < -0.5 else "center"
    x0 = x if ha == "left" else x - width if ha == "right" else x - width / 2
    y0 = y if va == "bottom" else y - height if va == "top" else y - height / 2
    return (x0, y0, x0 + width, y0 + height), ha, va


def _cost(
    box: Box,
    taken: Sequence[Box],
    area: Box,
    heads: np.ndarray,
    own: int,
    others: np.ndarray,
    radius: float,
    obstacle_cost: float,
) -> float:
    cost = 100.0 * sum(_overlap(box, other) for other in taken)
    inside = _overlap(box, area)
    cost += 50.0 * ((box[2] - box[0]) * (box[3] - box[1]) - inside)
    grown = (box[0] - radius, box[1] - radius, box[2] + radius, box[3] + radius)
    covered = _inside(heads, grown)
    covered[own] = False
    cost += 400.0 * int(covered.sum())
    cost += obstacle_cost * int(_inside(others, box).sum())
    return cost


def _inside(points: np.ndarray, box: Box) -> np.ndarray:
    if not len(points):
        return np.zeros(0, dtype=bool)
    x, y = points[:, 0], points[:, 1]
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def _overlap(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _box(extent: object) -> Box:
    return (extent.x0, extent.y0, extent.x1, extent.y1)  # type: ignore[attr-defined]


def callout(
    ax: Axes,
    x: float,
    y: float,
    text: str,
    color: str,
    *,
    line_xy: np.ndarray | None = None,
    avoid: Sequence[Artist] = (),
    fontsize: float = 9.0,
    halo: str | None = None,
) -> Annotation:
    """One annotation with a leader line, placed inside the axes where it covers least of the line."""
    return place_labels(
        ax,
        [Label(text, x, y, color)],
        obstacles_xy=line_xy,
        avoid=avoid,
        fontsize=fontsize,
        rings_px=CALLOUT_RINGS_PX,
        directions_deg=CALLOUT_DIRECTIONS_DEG,
        leader_from_px=0.0,
        obstacle_cost=30.0,
        halo=halo,
    )[0]


def line_points(
    xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray, *, per_segment: int = 1
) -> np.ndarray:
    """(x, y) rows along a drawn line (``per_segment`` points per segment), gaps left out.

    These are obstacles for ``place_labels``: a label is scored by how many it covers, so a
    sparse line gets extra points between its vertices.
    """
    points = np.column_stack([np.asarray(xs, dtype="float64"), np.asarray(ys, dtype="float64")])
    if per_segment > 1 and len(points) > 1:
        steps = np.linspace(0.0, 1.0, per_segment, endpoint=False)
        starts, ends = points[:-1], points[1:]
        between = starts[:, None, :] + (ends - starts)[:, None, :] * steps[None, :, None]
        points = np.vstack([between.reshape(-1, 2), points[-1:]])
    return points[np.isfinite(points).all(axis=1)]


def drawn_xy(ax: Axes, *, per_segment: int = 3) -> np.ndarray:
    """Points along every line and horizontal segment drawn in data coordinates on ``ax``."""
    parts = [
        line_points(*line.get_xydata().T, per_segment=per_segment)  # type: ignore[union-attr]
        for line in ax.get_lines()
        if line.get_transform() == ax.transData
    ]
    for collection in ax.collections:
        if isinstance(collection, LineCollection):
            for segment in collection.get_segments():
                xs = np.linspace(segment[0][0], segment[-1][0], 60)
                ys = np.linspace(segment[0][1], segment[-1][1], 60)
                parts.append(np.column_stack([xs, ys]))
    return np.vstack(parts) if parts else np.empty((0, 2))
