"""Relative Rotation Graph: the week's movers' tails in (RS-Ratio, RS-Momentum) space.

Quadrants, clockwise from top right: Leading, Weakening, Lagging, Improving (SIGNALS.md 2.1).
A graph of every fund is a tangle; this one draws the few that matter this week (the ones the
text names, then the biggest movers) as tails with arrowheads, and the others as grey dots.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from generator.charts.inputs import RRGTail
from generator.charts.labels import Placer, Spot, around
from generator.charts.theme import (
    LIGHT,
    SMALL_PT,
    WIDE,
    ChartFrame,
    Layout,
    Theme,
    house_style,
    new_figure,
    plain_number,
    title_block,
)

QUADRANTS = ("Leading", "Weakening", "Lagging", "Improving")
MIN_HALF_RANGE = 1.0  # each axis spans at least 100 +/- this, so a calm week is not blown up
MOVER_WEEKS = 4  # the biggest movers got furthest (start to end) over this many weeks
MAX_TAILS = 5  # tails drawn at most: enough for a story, few enough to read
CROWD_UNITS = 0.35  # a tail point this close to a chosen tail's point is in its crowd


def build_rrg_chart(
    tails: Sequence[RRGTail],
    *,
    benchmark: str,
    frame: ChartFrame,
    tail_weeks: int = 8,
    universe_label: str = "",
    highlight: Sequence[str] = (),
    max_tails: int = MAX_TAILS,
    theme: Theme = LIGHT,
    layout: Layout = WIDE,
) -> Figure:
    """Tails of the funds in ``highlight`` (the text's) and the biggest movers, up to ``max_tails``.

    Each drawn tail is its last ``tail_weeks`` weekly points, ending in an arrowhead at the
    latest one, labelled beside it off every line; every other fund is a grey dot at its
    latest point. A mover's size is how far it got in its last ``MOVER_WEEKS`` weeks (start to end).
    The axes fit the points (and the 100 lines) with a margin; the x axis is RS-Ratio, the y
    axis RS-Momentum, both ~N(100, 1) by construction.
    """
    drawn = [(t.ticker, t.points.dropna().iloc[-tail_weeks:]) for t in tails]
    drawn = [(ticker, points) for ticker, points in drawn if not points.empty]
    chosen = choose_tails(drawn, highlight, max_tails)
    named = [t for t in highlight if t in chosen]
    with house_style(theme, layout):
        fig, (ax,) = new_figure(theme, layout=layout, kind="rrg")
        subject = universe_label or f"{len(drawn)} instruments"
        others = len(drawn) - len(chosen)
        which = "the funds in the text and the biggest movers" if named else "the biggest movers"
        rest = f"; grey dots: the other {others}" if others else ""
        xlabel = ax.set_xlabel(
            "RS-Ratio (trend of relative strength)", fontsize=layout.pt(SMALL_PT), loc="right"
        )
        ax.set_ylabel("RS-Momentum", fontsize=layout.pt(SMALL_PT))
        ax.yaxis.set_label_position("right")
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        label_width = xlabel.get_window_extent(renderer).width
        title_block(
            fig,
            f"Relative rotation: {subject} vs {benchmark}",
            f"{tail_weeks}-week tails of {which} (weekly closes){rest}",
            frame,
            theme,
            layout,
            foot_room_px=ax.get_window_extent(renderer).x1 - label_width - 16
            if layout.header_right
            else None,
        )
        points = [p for ticker, p in drawn if ticker in chosen] + [p.iloc[-1:] for ticker, p in drawn]
        (x_low, x_high), (y_low, y_high) = _limits(points)
        ax.set_xlim(x_low, x_high)
        ax.set_ylim(y_low, y_high)
        _quadrants(ax, (x_low, x_high, y_low, y_high), theme)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(mticker.FuncFormatter(plain_number))
        faint = [(t, p) for t, p in drawn if t not in chosen]
        if faint:
            ax.scatter(
                [float(p["rs_ratio"].iloc[-1]) for _, p in faint],
                [float(p["rs_momentum"].iloc[-1]) for _, p in faint],
                s=18,
                color=theme.faint,
                zorder=2,
                linewidths=0,
            )
        heads: list[tuple[str, float, float, str]] = []
        for number, ticker in enumerate(chosen):
            points_of = dict(drawn)[ticker]
            color = theme.palette[number % len(theme.palette)]
            heads.append(_tail(ax, ticker, points_of, color))
        placer = Placer(ax)
        for _, x, y, _ in heads:
            head_px = ax.transData.transform((x, y))
            reach = 0.45 * layout.pt(12) * fig.dpi / 72
            placer.block_box(
                (head_px[0] - reach, head_px[1] - reach, head_px[0] + reach, head_px[1] + reach), gap=False
            )
        for ticker, x, y, color in heads:
            placer.place(
                ticker,
                around(x, y, rings_px=(7.0, 13.0, 20.0, 28.0, 38.0, 50.0, 64.0)),
                color=color,
                fontsize=layout.pt(SMALL_PT),
                fontweight="bold",
            )
        _quadrant_names(placer, theme, layout)
    return fig


def choose_tails(
    drawn: Sequence[tuple[str, pd.DataFrame]], highlight: Sequence[str], max_tails: int
) -> list[str]:
    """The tickers to draw as tails: ``highlight`` first (in its order), then the biggest movers.

    A mover's score is how far it got over the last ``MOVER_WEEKS`` weeks plus half its
    distance from the centre (the strongest and weakest matter too), discounted by the share
    of its tail that runs within ``CROWD_UNITS`` of a tail already chosen: a cluster moving
    together is shown by one or two of its members, and the graph stays readable.
    """
    tails = {
        ticker: points[["rs_ratio", "rs_momentum"]].to_numpy(dtype="float64") for ticker, points in drawn
    }
    chosen = [t for t in dict.fromkeys(highlight) if t in tails][:max_tails]
    base = {}
    for ticker, xy in tails.items():
        recent = xy[-(MOVER_WEEKS + 1) :]
        base[ticker] = float(np.hypot(*(recent[-1] - recent[0]))) + 0.5 * float(np.hypot(*(xy[-1] - 100.0)))
    while len(chosen) < max_tails:
        taken = np.vstack([tails[t] for t in chosen]) if chosen else np.empty((0, 2))
        best: tuple[float, str] | None = None
        for ticker in sorted(tails):
            if ticker in chosen:
                continue
            score = base[ticker] * (1.0 - _crowded_share(tails[ticker], taken))
            if best is None or score > best[0]:
                best = (score, ticker)
        if best is None:
            break
        chosen.append(best[1])
    return chosen


def _crowded_share(xy: np.ndarray, taken: np.ndarray) -> float:
    """The share of the points of ``xy`` within ``CROWD_UNITS`` of any point of ``taken``."""
    if not len(taken) or not len(xy):
        return 0.0
    distances = np.hypot(*(xy[:, None, :] - taken[None, :, :]).transpose(2, 0, 1))
    return float((distances.min(axis=1) < CROWD_UNITS).mean())


def _moved(points: pd.DataFrame) -> float:
    """How far the first of ``points`` is from the last, in (RS-Ratio, RS-Momentum) units."""
    if len(points) < 2:
        return 0.0
    xy = points[["rs_ratio", "rs_momentum"]].to_numpy(dtype="float64")
    return float(np.hypot(*(xy[-1] - xy[0])))


def _tail(ax: Axes, ticker: str, points: pd.DataFrame, color: str) -> tuple[str, float, float, str]:
    """One tail: a line through its weekly points, small dots, an arrowhead into the latest point."""
    x = points["rs_ratio"].to_numpy(dtype="float64")
    y = points["rs_momentum"].to_numpy(dtype="float64")
    ax.plot(
        x,
        y,
        color=color,
        linewidth=1.6,
        zorder=3,
        solid_capstyle="round",
        marker="o",
        markersize=2.6,
        markevery=slice(0, max(len(x) - 1, 0)),
        markeredgewidth=0,
    )
    if len(x) >= 2:
        ax.annotate(
            "",
            xy=(x[-1], y[-1]),
            xytext=(x[-2], y[-2]),
            zorder=4,
            annotation_clip=False,
            arrowprops={
                "arrowstyle": "-|>,head_length=0.55,head_width=0.3",
                "color": color,
                "linewidth": 1.6,
                "shrinkA": 0,
                "shrinkB": 0,
                "mutation_scale": 14,
            },
        )
    else:
        ax.scatter(x[-1:], y[-1:], s=30, color=color, zorder=4, linewidths=0)
    return ticker, float(x[-1]), float(y[-1]), color


def _limits(frames: Sequence[pd.DataFrame]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits that hold every point and the 100 lines, with a margin of 12% of the span each side."""
    xs = np.concatenate([f["rs_ratio"].to_numpy(dtype="float64") for f in frames] + [np.array([100.0])])
    ys = np.concatenate([f["rs_momentum"].to_numpy(dtype="float64") for f in frames] + [np.array([100.0])])
    out = []
    for values in (xs, ys):
        values = values[np.isfinite(values)]
        low, high = float(values.min()), float(values.max())
        low, high = min(low, 100 - MIN_HALF_RANGE), max(high, 100 + MIN_HALF_RANGE)
        pad = 0.12 * (high - low)
        out.append((low - pad, high + pad))
    return out[0], out[1]


def _quadrants(ax: Axes, limits: tuple[float, float, float, float], theme: Theme) -> None:
    """Four shaded quadrants and the 100 lines between them."""
    left, right, low, high = limits
    boxes = ((100, right, 100, high), (100, right, low, 100), (left, 100, low, 100), (left, 100, 100, high))
    for colour, (x0, x1, y0, y1) in zip(theme.quadrants, boxes, strict=True):
        ax.fill_between([x0, x1], y0, y1, color=colour, linewidth=0, zorder=0)
    ax.axhline(100, color=theme.band, linewidth=0.8, zorder=1)
    ax.axvline(100, color=theme.band, linewidth=0.8, zorder=1)
    ax.grid(False)


def _quadrant_names(placer: Placer, theme: Theme, layout: Layout) -> None:
    """Each quadrant's name in its outer corner, or along its outer edges when a tail is there."""
    left, right = placer.ax.get_xlim()
    low, high = placer.ax.get_ylim()
    pad = 5.0
    corners = (
        ("Leading", right, high, "right", "top", -pad, -pad),
        ("Weakening", right, low, "right", "bottom", -pad, pad),
        ("Lagging", left, low, "left", "bottom", pad, pad),
        ("Improving", left, high, "left", "top", pad, -pad),
    )
    for name, x, y, ha, va, dx, dy in corners:
        mid_x = (x + 100) / 2
        mid_y = (y + 100) / 2
        spots = [
            Spot(x, y, dx, dy, ha, va),
            Spot(mid_x, y, 0, dy, "center", va),
            Spot(x, mid_y, dx, 0, ha, "center"),
            Spot(100, y, -dx, dy, "left" if ha == "right" else "right", va),
            Spot(x, 100, dx, -dy, ha, "bottom" if va == "top" else "top"),
        ]
        placer.place(
            name, spots, color=theme.muted, fontsize=layout.pt(SMALL_PT + 1), fontweight="bold", zorder=1
        )
