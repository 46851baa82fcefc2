"""Price chart: quoted closes with the base as a shaded box, the breakout and the all-time high."""

from __future__ import annotations

from datetime import timedelta

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from generator.charts.inputs import BaseBox, Breakout
from generator.charts.labels import callout, line_points
from generator.charts.theme import (
    LIGHT,
    SMALL_PT,
    ChartFrame,
    Theme,
    break_gaps,
    date_axis,
    display_bars,
    format_day,
    gap_days_for,
    headroom,
    house_style,
    new_figure,
    price_axis,
    title_block,
    x_of,
)
from generator.signals.wording import versus

# An all-time high within this distance of the base's ceiling is the ceiling: one line, one label.
SAME_LEVEL_PCT = 1.5


def build_price_chart(
    close: pd.Series,
    *,
    ticker: str,
    name: str,
    frame: ChartFrame,
    ath_level: float | None = None,
    base: BaseBox | None = None,
    breakout: Breakout | None = None,
    window_days: int = 756,
    theme: Theme = LIGHT,
    basis: str = "Quoted closes",
) -> Figure:
    """Quoted closes (basis B) over ``window_days`` sessions, widened to show the whole base.

    The base is a box from its start to its end between floor and ceiling, labelled with its
    length; the breakout is a triangle on its first close above ``breakout.level`` with the
    level drawn up to it; the prior all-time high is a dashed line. The price axis goes
    logarithmic when the closes shown span more than 3x. ``basis`` names the closes in the
    subtitle: "Total-return closes" for a source with one dividend-adjusted close.
    """
    series = close.dropna()
    if series.empty:
        raise ValueError(f"no closes for {ticker}")
    start = series.index[-min(window_days, len(series))]
    if base is not None:
        start = min(start, pd.Timestamp(base.start - timedelta(weeks=8)))
    shown = series.loc[series.index >= start]
    span_days = (shown.index[-1] - shown.index[0]).days
    line = break_gaps(display_bars(shown, span_days), gap_days_for(span_days))
    with house_style(theme):
        fig, (ax,) = new_figure(theme)
        ax.plot(line.index, line.to_numpy(), color=theme.primary, linewidth=1.5, label=ticker)
        levels = [float(shown.min()), float(shown.max())]
        ath_is_ceiling = (
            ath_level is not None
            and base is not None
            and abs(ath_level / base.ceiling - 1) * 100 <= SAME_LEVEL_PCT
        )
        if base is not None:
            _base_box(ax, base, theme, ceiling_is_ath=ath_is_ceiling)
            levels += [base.floor, base.ceiling]
        tags: list[Text] = []
        if ath_level is not None and not ath_is_ceiling:
            ax.axhline(ath_level, color=theme.up, linewidth=1.0, linestyle=(0, (5, 3)))
            # The breakout callout names the level it cleared; a second label would repeat it.
            if breakout is None or abs(breakout.level / ath_level - 1) * 100 > SAME_LEVEL_PCT:
                tag = _right_tag(ax, ath_level, f"All-time high {ath_level:,.2f}", theme.up, va="bottom")
                tags.append(tag)
            levels.append(ath_level)
        price_axis(ax, min(levels), max(levels))
        ax.margins(y=0.1)
        date_axis(ax, shown.index[0], shown.index[-1])
        if breakout is not None:
            headroom(ax)
            obstacles = _obstacles(line, base, ath_level)
            _breakout(ax, shown, obstacles, breakout, theme, avoid=tags + list(ax.texts))
        last = float(shown.iloc[-1])
        parts = [f"{basis} ({'weekly' if span_days > 2 * 365 else 'daily'}), last {last:,.2f}"]
        if ath_level is not None:
            gap_pct = 100 * (last / ath_level - 1)
            parts.append(versus(gap_pct, "the prior all-time high" if gap_pct > 0 else "the all-time high"))
        title_block(fig, f"{ticker}: {name}", ", ".join(parts), frame, theme)
    return fig


def _obstacles(line: pd.Series, base: BaseBox | None, ath_level: float | None) -> np.ndarray:
    """Points along the price line, the box's edges and the all-time-high line, for the callout to avoid."""
    parts = [line_points(mdates.date2num(line.index), line.to_numpy(), per_segment=4)]
    if base is not None:
        span = np.linspace(x_of(base.start), x_of(base.end), 80)
        parts += [np.column_stack([span, np.full(80, level)]) for level in (base.ceiling, base.floor)]
    if ath_level is not None:
        across = np.linspace(x_of(line.index[0]), x_of(line.index[-1]), 120)
        parts.append(np.column_stack([across, np.full(120, ath_level)]))
    return np.vstack(parts)


def _base_box(ax: Axes, base: BaseBox, theme: Theme, *, ceiling_is_ath: bool) -> None:
    """The range as a shaded box with its ceiling and floor, and its length written on it."""
    left, right = x_of(base.start), x_of(base.end)
    ax.fill_between([left, right], base.floor, base.ceiling, color=theme.band, alpha=0.16, linewidth=0)
    ax.hlines([base.ceiling, base.floor], left, right, colors=theme.muted, linewidth=1.0)
    middle = left + (right - left) / 2
    ax.annotate(
        base.describe(),
        xy=(middle, base.floor),
        xytext=(0, 6),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=SMALL_PT + 1,
        fontweight="bold",
        color=theme.muted,
    )
    ax.annotate(
        f"{'ceiling = all-time high' if ceiling_is_ath else 'ceiling'} {base.ceiling:,.2f}",
        xy=(left, base.ceiling),
        xytext=(3, 4),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=SMALL_PT,
        color=theme.muted,
    )


def _breakout(
    ax: Axes, shown: pd.Series, obstacles: np.ndarray, breakout: Breakout, theme: Theme, *, avoid: list[Text]
) -> None:
    """A triangle on the first close above the level, with a callout naming the day and level."""
    day = pd.Timestamp(breakout.day)
    upto = shown.loc[:day]
    if upto.empty:
        return  # the breakout is older than the window: the subtitle and the text carry it
    x, y = x_of(upto.index[-1]), float(upto.iloc[-1])
    ax.scatter([x], [y], marker="^", s=80, color=theme.up, zorder=5, edgecolors=theme.background)
    callout(ax, x, y, f"{breakout.label} {format_day(breakout.day)}\nabove {breakout.level:,.2f}", theme.up,
            line_xy=obstacles, avoid=avoid, fontsize=SMALL_PT, halo=theme.background)


def _right_tag(ax: Axes, y: float, text: str, color: str, *, va: str) -> Text:
    """A level's name just inside the right edge of the plot, above or below its line."""
    return ax.annotate(
        text,
        xy=(1.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(-4, 3 if va == "bottom" else -3),
        textcoords="offset points",
        ha="right",
        va=va,
        fontsize=SMALL_PT,
        color=color,
    )
