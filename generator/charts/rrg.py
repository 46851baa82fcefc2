"""Relative Rotation Graph: each instrument's weekly tail in (RS-Ratio, RS-Momentum) space.

Quadrants, clockwise from top right: Leading, Weakening, Lagging, Improving (SIGNALS.md 2.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from generator.charts.inputs import RRGTail
from generator.charts.labels import Label, line_points, place_labels
from generator.charts.theme import (
    BOTTOM,
    HEIGHT_IN,
    LIGHT,
    SMALL_PT,
    TOP,
    WIDTH_IN,
    ChartFrame,
    Theme,
    house_style,
    new_figure,
    plain_number,
    title_block,
)

QUADRANTS = ("Leading", "Weakening", "Lagging", "Improving")
MIN_HALF_RANGE = 2.0  # axis half-height around 100 never below this, so a calm week is not blown up
ASPECT = 1.6  # plot width / height; one unit is the same length on both axes


def build_rrg_chart(
    tails: Sequence[RRGTail],
    *,
    benchmark: str,
    frame: ChartFrame,
    tail_weeks: int = 8,
    universe_label: str = "",
    theme: Theme = LIGHT,
) -> Figure:
    """Each tail's last ``tail_weeks`` weekly points, head labelled; axes symmetric around 100.

    The x axis is RS-Ratio, the y axis RS-Momentum; both are ~N(100, 1) by construction, so
    the half-range is the largest distance of any point from 100 plus a margin.
    """
    drawn = [(t.ticker, t.points.dropna().iloc[-tail_weeks:]) for t in tails]
    drawn = [(ticker, points) for ticker, points in drawn if not points.empty]
    with house_style(theme):
        fig, (ax,) = new_figure(theme)
        # A square plot area reads truest for a rotation; the title block keeps the full width.
        width = (TOP - BOTTOM) * HEIGHT_IN / WIDTH_IN * ASPECT
        ax.set_position((0.5 - width / 2, BOTTOM, width, TOP - BOTTOM))
        half_x, half_y = _half_ranges([p for _, p in drawn])
        ax.set_xlim(100 - half_x, 100 + half_x)
        ax.set_ylim(100 - half_y, 100 + half_y)
        names = _quadrants(ax, half_x, half_y, theme)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(mticker.FuncFormatter(plain_number))
        heads: list[tuple[str, float, float, str]] = []
        for number, (ticker, points) in enumerate(drawn):
            color = theme.palette[number % len(theme.palette)]
            x = points["rs_ratio"].to_numpy()
            y = points["rs_momentum"].to_numpy()
            ax.plot(x, y, color=color, linewidth=1.2, alpha=0.8, zorder=3)
            sizes = np.linspace(6, 16, len(x))
            ax.scatter(x[:-1], y[:-1], s=sizes[:-1], color=color, alpha=0.75, zorder=3, linewidths=0)
            ax.scatter(x[-1:], y[-1:], s=46, color=color, zorder=4, edgecolors=theme.background,
                       linewidths=0.8)
            heads.append((ticker, float(x[-1]), float(y[-1]), color))
        ax.set_xlabel("RS-Ratio (trend of relative strength)", fontsize=SMALL_PT)
        ax.set_ylabel("RS-Momentum", fontsize=SMALL_PT)
        ax.yaxis.set_label_position("right")
        tail_lines = [
            line_points(t["rs_ratio"].to_numpy(), t["rs_momentum"].to_numpy(), per_segment=6)
            for _, t in drawn
        ]
        tails_xy = np.vstack(tail_lines) if tail_lines else None
        place_labels(
            ax,
            [Label(text, x, y, color) for text, x, y, color in heads],
            obstacles_xy=tails_xy,
            avoid=names,
            fontsize=SMALL_PT,
            obstacle_cost=15.0,
            halo=theme.background,
        )
        subject = universe_label or f"{len(drawn)} instruments"
        title_block(
            fig,
            f"Relative rotation: {subject} vs {benchmark}",
            f"Weekly closes, {tail_weeks}-week tails; RS-Ratio and RS-Momentum centred on 100",
            frame,
            theme,
        )
    return fig


def _half_ranges(frames: Sequence[pd.DataFrame]) -> tuple[float, float]:
    """Half-widths around 100 that hold every point with a margin, at one unit per pixel both ways."""
    furthest_x = furthest_y = 0.0
    for frame in frames:
        if not frame.empty:
            furthest_x = max(furthest_x, float(np.nanmax(np.abs(frame["rs_ratio"].to_numpy() - 100))))
            furthest_y = max(furthest_y, float(np.nanmax(np.abs(frame["rs_momentum"].to_numpy() - 100))))
    half_y = max(MIN_HALF_RANGE, furthest_y * 1.15 + 0.3, (furthest_x * 1.15 + 0.3) / ASPECT)
    return half_y * ASPECT, half_y


def _quadrants(ax: Axes, half_x: float, half_y: float, theme: Theme) -> list[Text]:
    """Four shaded quadrants with their names in the outer corners; returns the names."""
    left, right, low, high = 100 - half_x, 100 + half_x, 100 - half_y, 100 + half_y
    boxes = ((100, right, 100, high), (100, right, low, 100), (left, 100, low, 100), (left, 100, 100, high))
    names: list[Text] = []
    corners = (("right", "top"), ("right", "bottom"), ("left", "bottom"), ("left", "top"))
    quadrants = zip(QUADRANTS, theme.quadrants, boxes, corners, strict=True)
    for name, colour, (x0, x1, y0, y1), (ha, va) in quadrants:
        ax.fill_between([x0, x1], y0, y1, color=colour, linewidth=0, zorder=0)
        names.append(ax.text(
            x1 - 0.03 * half_y if ha == "right" else x0 + 0.03 * half_y,
            y1 - 0.03 * half_y if va == "top" else y0 + 0.03 * half_y,
            name,
            ha=ha,
            va=va,
            fontsize=SMALL_PT + 1,
            fontweight="bold",
            color=theme.muted,
            zorder=1,
        ))
    ax.axhline(100, color=theme.band, linewidth=0.8, zorder=1)
    ax.axvline(100, color=theme.band, linewidth=0.8, zorder=1)
    ax.grid(False)
    return names
