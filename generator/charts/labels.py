"""Labels that never collide: each is placed against what is already drawn, or left out.

A ``Placer`` looks at one axes once its data is drawn and its limits are final. It keeps a
raster (one cell per display pixel) of everything drawn on the axes: lines, level lines,
markers; and the boxes already taken by texts, legends and leader lines. Testing a label's
box against the raster costs four lookups in an integral image. Each label tries candidate
spots in order of preference and takes the first whose box is inside the axes, clear of
every drawn pixel (with a small gap) and of every taken box. When no spot is free the label
is left out: the subtitle or the text says it, and nothing is ever printed over a line or
another label. Legends are placed the same way, before the labels, in the corner or edge
that covers least of the data.

Why not adjustText, the usual library: it moves labels by an iterative repulsion that only
*reduces* overlaps (it can leave some, and cannot drop a label), it stops after a wall-clock
time limit (one second by default) and nudges labels with ``np.random`` (so the same inputs
could give different bytes, against DESIGN.md principle 5), it imports pyplot and it would
add SciPy to the dependencies. A candidate search on a raster is deterministic, fast (a
millisecond or two per label), and can promise what the tests check: no overlap at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in display pixels

# Rings (px) and directions (degrees, counter-clockwise from east) tried around a point,
# nearest ring first; within a ring the diagonals first (a label reads best off a corner).
POINT_RINGS_PX = (5.0, 12.0, 20.0, 30.0, 42.0, 56.0, 72.0)
POINT_DIRECTIONS_DEG = (
    45.0,
    -45.0,
    135.0,
    -135.0,
    0.0,
    180.0,
    90.0,
    -90.0,
    22.5,
    -22.5,
    157.5,
    -157.5,
    67.5,
    -67.5,
    112.5,
    -112.5,
)
# A callout has one label and room to roam: further out, upper left first (the past, where
# a breakout's line usually runs below).
CALLOUT_RINGS_PX = (22.0, 36.0, 52.0, 70.0, 92.0, 120.0, 160.0, 210.0, 270.0)
CALLOUT_DIRECTIONS_DEG = (
    135.0,
    157.5,
    112.5,
    180.0,
    -157.5,
    -135.0,
    90.0,
    -90.0,
    -112.5,
    45.0,
    67.5,
    22.5,
    0.0,
    -22.5,
    -45.0,
    -67.5,
)
LEGEND_LOCATIONS = (
    "upper left",
    "upper right",
    "lower left",
    "lower right",
    "upper center",
    "lower center",
    "center left",
    "center right",
)
LEADER_FROM_PX = 16.0  # a label further than this from its point gets a thin leader line
GAP_PX = 2.0  # clear space kept between a label and anything drawn
LINE_REACH_PX = 2.0  # half the width of the thickest line: a line's centre this near is ink


@dataclass(frozen=True)
class Spot:
    """A candidate place for a text: its anchor (data coordinates) and the offset from it (px)."""

    x: float
    y: float
    dx: float = 0.0
    dy: float = 0.0
    ha: str = "left"
    va: str = "bottom"


class Placer:
    """Free space on one axes: drawn pixels, taken boxes and leader lines; places texts there.

    Create it after the data, the limits and the scales are final (it fixes the limits so
    nothing later can move the data under a placed label).
    """

    def __init__(self, ax: Axes, *, gap_px: float = GAP_PX) -> None:
        self.ax = ax
        fig = ax.get_figure()
        assert fig is not None
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        ax.set_xlim(ax.get_xlim())
        ax.set_ylim(ax.get_ylim())
        frame = ax.get_window_extent(self.renderer)
        self.area: Box = (frame.x0, frame.y0, frame.x1, frame.y1)
        self.origin = (math.floor(frame.x0), math.floor(frame.y0))
        self.shape = (math.ceil(frame.y1) - self.origin[1] + 2, math.ceil(frame.x1) - self.origin[0] + 2)
        self.cells = np.zeros(self.shape, dtype=np.uint8)
        self.gap = gap_px
        self.taken: list[Box] = []
        self.leaders: list[tuple[float, float, float, float]] = []
        self._sums: np.ndarray | None = None
        self._probe: Text | None = None
        self.px_per_pt = fig.dpi / 72.0
        self.scan()

    # --- what is drawn ---------------------------------------------------------------------

    def scan(self, artists: Iterable[Artist] | None = None) -> None:
        """Mark the pixels covered by lines, level lines and markers (all of the axes' by default)."""
        ax = self.ax
        items = list(artists) if artists is not None else [*ax.lines, *ax.collections]
        for artist in items:
            if not artist.get_visible():
                continue
            if isinstance(artist, Line2D):
                self._scan_line(artist)
            elif isinstance(artist, LineCollection):
                transform = artist.get_transform()
                for segment in artist.get_segments():
                    self.block_polyline(transform.transform(np.asarray(segment, dtype="float64")), 1.0)
            elif isinstance(artist, PathCollection):
                offsets = artist.get_offset_transform().transform(artist.get_offsets())
                sizes = artist.get_sizes()
                for number, (x, y) in enumerate(offsets):
                    size = float(sizes[number % len(sizes)]) if len(sizes) else 36.0
                    radius = math.sqrt(size) / 2 * self.px_per_pt + 1.0
                    self.block_box((x - radius, y - radius, x + radius, y + radius), gap=False)
        for text in ax.texts:
            if text.get_visible() and text.get_text().strip():
                self.block_box(_box(Text.get_window_extent(text, self.renderer)))

    def _scan_line(self, line: Line2D) -> None:
        xy = np.asarray(line.get_transform().transform_path(line.get_path()).vertices, dtype="float64")
        width = float(line.get_linewidth()) if line.get_linestyle() not in ("None", "", " ", "none") else 0.0
        if width > 0:
            self.block_polyline(xy, width)
        marker = line.get_marker()
        if marker not in (None, "None", "", " ", "none"):
            radius = float(line.get_markersize()) / 2 * self.px_per_pt + 1.0
            for x, y in xy[np.isfinite(xy).all(axis=1)]:
                self.block_box((x - radius, y - radius, x + radius, y + radius), gap=False)

    def block_polyline(self, xy: np.ndarray, width_pt: float) -> None:
        """Mark the pixels along a polyline in display coordinates (NaN breaks it), ``width_pt`` wide."""
        xy = np.asarray(xy, dtype="float64")
        if len(xy) < 2:
            if len(xy) == 1 and np.isfinite(xy).all():
                self._stamp(xy, width_pt)
            return
        starts, ends = xy[:-1], xy[1:]
        ok = np.isfinite(starts).all(axis=1) & np.isfinite(ends).all(axis=1)
        starts, ends = starts[ok], ends[ok]
        if not len(starts):
            return
        lengths = np.hypot(*(ends - starts).T)
        steps = np.maximum(1, np.ceil(lengths / 0.5).astype(int))
        # Points every half pixel along every segment (both ends included).
        owner = np.repeat(np.arange(len(starts)), steps + 1)
        first = np.repeat(np.cumsum(steps + 1) - (steps + 1), steps + 1)
        fraction = (np.arange(len(owner)) - first) / np.repeat(steps, steps + 1)
        points = starts[owner] + (ends - starts)[owner] * fraction[:, None]
        self._stamp(points, width_pt)

    def _stamp(self, points: np.ndarray, width_pt: float) -> None:
        """Mark the cells under ``points`` (display px): a line's centre; ``is_free`` allows for its width."""
        del width_pt  # every line is taken as LINE_REACH_PX wide each side (the thickest is 1.7 px)
        cols = np.floor(points[:, 0] - self.origin[0]).astype(np.int64)
        rows = np.floor(points[:, 1] - self.origin[1]).astype(np.int64)
        keep = (cols >= 0) & (cols < self.shape[1]) & (rows >= 0) & (rows < self.shape[0])
        self.cells[rows[keep], cols[keep]] = 1
        self._sums = None

    def block_box(self, box: Box, *, gap: bool = True) -> None:
        """Reserve a box (a text, a legend, a marker) so no label is placed over it."""
        if gap:
            self.taken.append(box)
        else:
            x0, y0, x1, y1 = (
                self._col(box[0]),
                self._row(box[1]),
                self._col(box[2]) + 1,
                self._row(box[3]) + 1,
            )
            self.cells[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = 1
            self._sums = None

    def block_artist(self, artist: Artist) -> None:
        """Reserve the box of an artist already drawn (a text, a legend)."""
        if artist.get_visible():
            self.taken.append(_box(artist.get_window_extent(self.renderer)))

    def _col(self, x: float) -> int:
        return math.floor(x - self.origin[0])

    def _row(self, y: float) -> int:
        return math.floor(y - self.origin[1])

    def drawn_in(self, box: Box) -> int:
        """How many drawn pixels fall inside ``box`` (display px)."""
        if self._sums is None:
            sums = np.zeros((self.shape[0] + 1, self.shape[1] + 1), dtype=np.int64)
            sums[1:, 1:] = self.cells.cumsum(axis=0, dtype=np.int64).cumsum(axis=1)
            self._sums = sums
        sums = self._sums
        c0 = min(max(self._col(box[0]), 0), self.shape[1])
        c1 = min(max(self._col(box[2]) + 1, 0), self.shape[1])
        r0 = min(max(self._row(box[1]), 0), self.shape[0])
        r1 = min(max(self._row(box[3]) + 1, 0), self.shape[0])
        if c1 <= c0 or r1 <= r0:
            return 0
        return int(sums[r1, c1] - sums[r0, c1] - sums[r1, c0] + sums[r0, c0])

    def is_free(self, box: Box, *, margin: float = 1.0) -> bool:
        """True when ``box`` is inside the axes and clear of drawn pixels, taken boxes and leaders."""
        x0, y0, x1, y1 = self.area
        if box[0] < x0 + margin or box[1] < y0 + margin or box[2] > x1 - margin or box[3] > y1 - margin:
            return False
        grown = (box[0] - self.gap, box[1] - self.gap, box[2] + self.gap, box[3] + self.gap)
        if any(_overlaps(grown, other) for other in self.taken):
            return False
        if any(_segment_hits_box(segment, grown) for segment in self.leaders):
            return False
        reach = self.gap + LINE_REACH_PX
        return self.drawn_in((box[0] - reach, box[1] - reach, box[2] + reach, box[3] + reach)) == 0

    # --- placing ---------------------------------------------------------------------------

    def measure(self, text: str, *, fontsize: float, fontweight: str = "normal") -> tuple[float, float]:
        """Width and height (px) of ``text`` at this size and weight."""
        if self._probe is None:
            self._probe = Text(0, 0, "")  # not on the axes: only measured
            self._probe.set_figure(self.fig)
        self._probe.set_text(text)
        self._probe.set_fontsize(fontsize)
        self._probe.set_fontweight(fontweight)
        extent = self._probe.get_window_extent(self.renderer)
        return extent.width, extent.height

    def place(
        self,
        text: str,
        spots: Sequence[Spot],
        *,
        color: str,
        fontsize: float,
        fontweight: str = "normal",
        leader_from_px: float = LEADER_FROM_PX,
        zorder: float = 6,
    ) -> Annotation | None:
        """Draw ``text`` at the first free spot and reserve its box; None (nothing drawn) if none is free.

        A text further than ``leader_from_px`` from its spot's anchor gets a thin leader line to
        it, which later labels also keep clear of.
        """
        style = {"fontsize": fontsize, "fontweight": fontweight}
        width, height = self.measure(text, fontsize=fontsize, fontweight=fontweight)
        scale = 1.0 / self.px_per_pt
        for spot in spots:
            anchor = self.ax.transData.transform((spot.x, spot.y))
            box = _aligned(anchor[0] + spot.dx, anchor[1] + spot.dy, spot.ha, spot.va, width, height)
            if not self.is_free(box):
                continue
            point = (float(anchor[0]), float(anchor[1]))
            leader = _leader(box, point) if math.hypot(*_gap_to(box, point)) >= leader_from_px else None
            if leader is not None and any(_segment_hits_box(leader, other) for other in self.taken):
                continue
            label = self.ax.annotate(
                text,
                xy=(spot.x, spot.y),
                xytext=(spot.dx * scale, spot.dy * scale),
                textcoords="offset points",
                ha=spot.ha,
                va=spot.va,
                color=color,
                zorder=zorder,
                annotation_clip=False,
                arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.7, "shrinkA": 1, "shrinkB": 4}
                if leader is not None
                else None,
                **style,  # type: ignore[arg-type]
            )
            label.update_positions(self.renderer)
            drawn = _box(Text.get_window_extent(label, self.renderer))
            if not self.is_free(drawn, margin=0.0):
                label.remove()  # the measured box and the drawn one disagree: try the next spot
                continue
            self.taken.append(drawn)
            if leader is not None:
                self.leaders.append(leader)
            return label
        return None

    def place_legend(self, legend: Legend, locations: Sequence[str] = LEGEND_LOCATIONS) -> Legend:
        """Move ``legend`` where it covers fewest taken boxes, then least data; reserve its box.

        The legend is measured once; its box at each location is worked out the way matplotlib
        anchors it (``borderaxespad`` from the axes' edges).
        """
        legend.set_loc(locations[0])  # type: ignore[arg-type]
        size = legend.get_window_extent(self.renderer)
        width, height = size.width, size.height
        pad = legend.borderaxespad * legend.prop.get_size_in_points() * self.px_per_pt
        x0, y0, x1, y1 = self.area
        scores = []
        for number, location in enumerate(locations):
            vertical, _, horizontal = location.partition(" ")
            if not horizontal:  # "center"
                vertical, horizontal = "center", "center"
            left = (
                x0 + pad
                if horizontal == "left"
                else x1 - pad - width
                if horizontal == "right"
                else ((x0 + x1 - width) / 2)
            )
            bottom = (
                y0 + pad
                if vertical == "lower"
                else y1 - pad - height
                if vertical == "upper"
                else ((y0 + y1 - height) / 2)
            )
            box = (left, bottom, left + width, bottom + height)
            clashes = sum(1 for other in self.taken if _overlaps(box, other))
            scores.append((clashes, self.drawn_in(box), number))
        legend.set_loc(locations[min(scores)[2]])  # type: ignore[arg-type]
        self.taken.append(_box(legend.get_window_extent(self.renderer)))
        return legend


def around(
    x: float,
    y: float,
    *,
    rings_px: Sequence[float] = POINT_RINGS_PX,
    directions_deg: Sequence[float] = POINT_DIRECTIONS_DEG,
) -> list[Spot]:
    """Spots around the point (x, y): each ring nearest first, aligned away from the point."""
    spots = []
    for ring in rings_px:
        for angle in directions_deg:
            dx, dy = ring * math.cos(math.radians(angle)), ring * math.sin(math.radians(angle))
            ha = "left" if dx > 0.5 else "right" if dx < -0.5 else "center"
            va = "bottom" if dy > 0.5 else "top" if dy < -0.5 else "center"
            spots.append(Spot(x, y, dx, dy, ha, va))
    return spots


def along_level(
    xs: Sequence[float], level: float, *, above_first: bool = True, offset_px: float = 6.0, ha: str = "right"
) -> list[Spot]:
    """Spots just above and just below a horizontal line at ``level``, at each x in turn."""
    sides = ((offset_px, "bottom"), (-offset_px, "top"))
    if not above_first:
        sides = sides[::-1]
    return [Spot(x, level, 0.0, dy, ha, va) for x in xs for dy, va in sides]


def _aligned(x: float, y: float, ha: str, va: str, width: float, height: float) -> Box:
    """The box of a text of this size whose anchor is (x, y) with this alignment."""
    x0 = x if ha == "left" else x - width if ha == "right" else x - width / 2
    y0 = y if va == "bottom" else y - height if va == "top" else y - height / 2
    return (x0, y0, x0 + width, y0 + height)


def _gap_to(box: Box, point: Sequence[float]) -> tuple[float, float]:
    """How far ``point`` is outside ``box`` along x and y (0 inside)."""
    px, py = float(point[0]), float(point[1])
    return (max(box[0] - px, 0.0, px - box[2]), max(box[1] - py, 0.0, py - box[3]))


def _leader(box: Box, point: Sequence[float]) -> tuple[float, float, float, float]:
    """The leader segment from ``point`` to the nearest point of ``box``."""
    px, py = float(point[0]), float(point[1])
    nx, ny = min(max(px, box[0]), box[2]), min(max(py, box[1]), box[3])
    return (px, py, nx, ny)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _segment_hits_box(segment: tuple[float, float, float, float], box: Box) -> bool:
    """Whether the segment (x0, y0, x1, y1) passes through the box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = segment
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def _box(extent: object) -> Box:
    return (extent.x0, extent.y0, extent.x1, extent.y1)  # type: ignore[attr-defined]
