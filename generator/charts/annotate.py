"""What charts write on their plots, each through the ``Placer`` so nothing collides.

Callouts (a breakout, a story's mark), level tags (an all-time high, a base's ceiling), the
last-value tag on the price axis, and moving averages drawn light under a series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.text import Annotation, Text

from generator.charts.inputs import Mark
from generator.charts.labels import (
    CALLOUT_DIRECTIONS_DEG,
    CALLOUT_RINGS_PX,
    Placer,
    Spot,
    along_level,
    around,
)
from generator.charts.theme import LABEL_PT, SMALL_PT, Layout, Theme, format_day, plain_number, x_of


def callout(
    placer: Placer,
    x: float,
    y: float,
    text: str,
    color: str,
    theme: Theme,
    layout: Layout,
    *,
    bold: bool = True,
) -> Annotation | None:
    """A label with a leader line to (x, y) wherever it covers nothing; None if there is no room."""
    spots = around(x, y, rings_px=CALLOUT_RINGS_PX, directions_deg=CALLOUT_DIRECTIONS_DEG)
    return placer.place(
        text,
        spots,
        color=color,
        fontsize=layout.pt(SMALL_PT),
        fontweight="bold" if bold else "normal",
        leader_from_px=0.0,
    )


def level_tag(
    placer: Placer,
    level: float,
    text: str,
    color: str,
    layout: Layout,
    *,
    xs: Sequence[float] | None = None,
    prefer_right: bool = True,
) -> Annotation | None:
    """A level's name just above or below its line: at the right end first, else the left, else between."""
    low, high = placer.ax.get_xlim()
    spots: list[Spot] = []
    ends = [(high, "right", -4.0), (low, "left", 4.0)]
    if not prefer_right:
        ends.reverse()
    for x, ha, dx in ends:
        spots += [Spot(s.x, s.y, dx, s.dy, ha, s.va) for s in along_level([x], level)]
    for fraction in (0.75, 0.5, 0.25):
        spots += along_level([low + fraction * (high - low)], level, ha="center")
    if xs is not None:
        spots = [s for x in xs for s in along_level([x], level, ha="center")] + spots
    return placer.place(text, spots, color=color, fontsize=layout.pt(SMALL_PT))


def draw_marks(
    ax: Axes,
    placer: Placer,
    series: pd.Series,
    marks: Sequence[Mark],
    theme: Theme,
    layout: Layout,
    *,
    value_text: Callable[[float], str] | None = None,
) -> list[Annotation | None]:
    """Each mark as a dot on ``series`` at its day with a callout "label, D" (none outside the series)."""
    placed: list[Annotation | None] = []
    start = series.index[0]
    for mark in marks:
        upto = series.loc[: pd.Timestamp(mark.day)]
        if upto.empty or upto.index[-1] < start:
            placed.append(None)
            continue
        x, y = x_of(upto.index[-1]), float(upto.iloc[-1])
        colour = (
            theme.down
            if mark.kind in ("low", "cross_down")
            else theme.up
            if mark.kind in ("high", "cross_up")
            else theme.text
        )
        dot = ax.scatter([x], [y], s=38, color=colour, zorder=5, edgecolors=theme.background, linewidths=0.8)
        placer.scan([dot])
        words = f"{mark.label}, {format_day(mark.day)}"
        if value_text is not None:
            words += f"\n{value_text(y)}"
        placed.append(callout(placer, x, y, words, colour, theme, layout))
    return placed


def averages(
    ax: Axes,
    series: pd.Series,
    shown: pd.Index,
    bars: Callable[[pd.Series], pd.Series],
    days: Sequence[int],
    theme: Theme,
    *,
    light: bool = False,
    weekly: bool = False,
) -> None:
    """Moving averages of ``series`` (computed on its full history), each only where its window is full.

    On weekly closes a ``days``-day average is the ``days / 5``-week one (50 -> 10, 200 -> 40).
    """
    colours = (theme.fast_ma, theme.slow_ma)
    for number, window_days in enumerate(days):
        window = max(1, round(window_days / 5)) if weekly else window_days
        name = f"{window}-week average" if weekly else f"{window_days}-day average"
        average = series.rolling(window).mean().loc[shown].dropna()
        if average.empty:
            continue  # too little history for this average: leave it out rather than draw a stub
        line = bars(average)
        ax.plot(
            line.index,
            line.to_numpy(),
            color=colours[number % 2],
            linewidth=0.9 if light else 1.1,
            alpha=0.6 if light else 1.0,
            label=name,
            zorder=2,
        )


def last_value_tag(ax: Axes, value: float, text: str, color: str, theme: Theme, layout: Layout) -> Text:
    """The latest value in a filled tag on the price axis; tick labels it would cover are left blank."""
    tag = ax.annotate(
        text,
        xy=(1.0, value),
        xycoords=("axes fraction", "data"),
        xytext=(5, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=layout.pt(SMALL_PT),
        fontweight="bold",
        color=theme.background,
        bbox={"boxstyle": "round,pad=0.25,rounding_size=0.2", "facecolor": color, "edgecolor": "none"},
        annotation_clip=False,
        zorder=7,
    )
    fig = ax.get_figure()
    assert fig is not None
    px_per_pt = fig.dpi / 72
    # Half the tag's height (its text, 1.25 line, plus the 0.25 em padding both ways) plus half
    # a tick label's, and a pixel of air: a tick label nearer than this would touch the tag.
    reach = (0.625 + 0.25) * layout.pt(SMALL_PT) * px_per_pt + 0.625 * layout.pt(LABEL_PT) * px_per_pt + 2
    tag_px = float(ax.transData.transform((0.0, value))[1])
    shown = ax.yaxis.get_major_formatter()

    def blank_near_tag(tick: float, position: int | None = None) -> str:
        tick_px = float(ax.transData.transform((0.0, tick))[1])
        if abs(tick_px - tag_px) < reach:
            return ""
        return shown(tick, position) if shown is not None else plain_number(tick)

    ax.yaxis.set_major_formatter(mticker.FuncFormatter(blank_near_tag))
    return tag


def finite(values: np.ndarray) -> np.ndarray:
    """The finite values of an array."""
    return values[np.isfinite(values)]
