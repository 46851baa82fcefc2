"""Price chart: closes with light 50/200-day averages, the base as a box, the breakout, the all-time high."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from generator.charts.annotate import averages, callout, draw_marks, last_value_tag, level_tag
from generator.charts.inputs import CLOSE_WORDS, BaseBox, Breakout, Mark
from generator.charts.labels import Placer, Spot
from generator.charts.theme import (
    DAILY_MAX_SPAN_DAYS,
    LIGHT,
    SMALL_PT,
    WIDE,
    ChartFrame,
    Layout,
    Theme,
    break_gaps,
    date_axis,
    display_bars,
    format_day,
    gap_days_for,
    headroom,
    house_style,
    legend,
    new_figure,
    price_axis,
    title_block,
    x_of,
)
from generator.signals.wording import versus

# An all-time high within this distance of the base's ceiling is the ceiling: one line, one label.
SAME_LEVEL_PCT = 1.5
MARGIN_WEEKS = 8  # shown before the start of a base or a prior high, so its left edge is visible
MAX_WINDOW_YEARS = 12  # a prior high older than this is named in the text, not drawn


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
    close_basis: str = "quoted",
    start: date | None = None,
    marks: Sequence[Mark] = (),
    subtitle: str | None = None,
    average_days: tuple[int, ...] = (50, 200),
    theme: Theme = LIGHT,
    layout: Layout = WIDE,
    basis: str | None = None,
) -> Figure:
    """Closes over ``window_days`` sessions, widened to show the whole base, the prior high a
    breakout cleared, and ``start`` (a day the story talks about).

    The base is a box from its start to its end between floor and ceiling, labelled with its
    length; the breakout is a triangle on its first close above ``breakout.level``; the prior
    all-time high is a dashed line; the 50- and 200-day averages (of the full history, so they
    are warm at the left edge) are drawn light; the last close is tagged on the price axis.
    ``close_basis`` (quoted, adjusted, single) says which closes these are, in the foot, or
    ``basis`` in words ("Total-return closes"); a weekly series gets 10/40-week averages;
    ``subtitle`` replaces the default one (a story's fact). The price axis goes logarithmic
    when the closes shown span more than 3x.
    """
    series = close.dropna()
    if series.empty:
        raise ValueError(f"no closes for {ticker}")
    first = series.index[-min(window_days, len(series))]
    wanted = [first]
    if base is not None:
        wanted.append(pd.Timestamp(base.start - timedelta(weeks=MARGIN_WEEKS)))
    if start is not None:
        wanted.append(pd.Timestamp(start - timedelta(weeks=MARGIN_WEEKS)))
    if breakout is not None:
        prior = prior_high_day(series, breakout)
        if prior is not None:
            wanted.append(prior - pd.Timedelta(weeks=MARGIN_WEEKS))
    floor_day = series.index[-1] - pd.Timedelta(days=round(365.25 * MAX_WINDOW_YEARS))
    begin = max(min(wanted), floor_day)
    shown = series.loc[series.index >= begin]
    span_days = (shown.index[-1] - shown.index[0]).days
    gap = gap_days_for(span_days)

    def bars(values: pd.Series) -> pd.Series:
        return break_gaps(display_bars(values[values.index.isin(shown.index)], span_days), gap)

    line = bars(shown)
    last = float(shown.iloc[-1])
    ath_is_ceiling = (
        ath_level is not None
        and base is not None
        and abs(ath_level / base.ceiling - 1) * 100 <= SAME_LEVEL_PCT
    )
    with house_style(theme, layout):
        fig, (ax,) = new_figure(theme, layout=layout, kind="price")
        title_block(
            fig,
            f"{ticker}: {name}",
            subtitle or _subtitle(shown, ath_level),
            frame,
            theme,
            layout,
            closes=closes_words(close_basis, span_days, words=basis),
        )
        ax.plot(line.index, line.to_numpy(), color=theme.primary, linewidth=1.6, label=ticker, zorder=3)
        averages(ax, series, shown.index, bars, average_days, theme, light=True, weekly=_is_weekly(series))
        levels = [float(shown.min()), float(shown.max())]
        if base is not None:
            _base_box(ax, base, theme)
            levels += [base.floor, base.ceiling]
        if ath_level is not None and not ath_is_ceiling:
            ax.axhline(ath_level, color=theme.up, linewidth=1.0, linestyle=(0, (5, 3)), zorder=2)
            levels.append(ath_level)
        price_axis(ax, min(levels), max(levels))
        ax.margins(y=0.1)
        date_axis(ax, shown.index[0], shown.index[-1], max_ticks=8 if layout is WIDE else 5)
        if breakout is not None:
            headroom(ax)
        marker = _breakout_marker(ax, shown, breakout, theme)
        placer = Placer(ax)
        placer.place_legend(legend(ax, theme, ncol=3 if layout is WIDE else 1))
        tag = last_value_tag(ax, last, f"{last:,.2f}", theme.primary, theme, layout)
        del tag
        if marker is not None and breakout is not None:
            x, y = marker
            callout(
                placer,
                x,
                y,
                f"{breakout.label} {format_day(breakout.day)}\nabove {breakout.level:,.2f}",
                theme.up,
                theme,
                layout,
            )
        if ath_level is not None and not ath_is_ceiling:
            # The breakout callout names the level it cleared; a second label would repeat it.
            if breakout is None or abs(breakout.level / ath_level - 1) * 100 > SAME_LEVEL_PCT:
                level_tag(placer, ath_level, f"All-time high {ath_level:,.2f}", theme.up, layout)
        if base is not None:
            _base_labels(placer, base, theme, layout, ceiling_is_ath=ath_is_ceiling)
        draw_marks(ax, placer, shown, marks, theme, layout, value_text=lambda v: f"{v:,.2f}")
    return fig


def prior_high_day(series: pd.Series, breakout: Breakout) -> pd.Timestamp | None:
    """The last close before the breakout at or above (within 0.5% of) the level it cleared."""
    before = series.loc[: pd.Timestamp(breakout.day) - pd.Timedelta(days=1)]
    near = before[before >= breakout.level * 0.995]
    return None if near.empty else pd.Timestamp(near.index[-1])


def _is_weekly(series: pd.Series) -> bool:
    """Whether the closes given are weekly ones (a median step of five days or more)."""
    days = np.diff(pd.DatetimeIndex(series.index).as_unit("s").asi8) / 86_400
    return bool(len(days)) and float(np.median(days)) >= 5


def closes_words(close_basis: str, span_days: int, *, words: str | None = None) -> str:
    """Which closes a chart draws, for its foot: "weekly quoted closes" (``words`` names them instead)."""
    cadence = "weekly" if span_days > DAILY_MAX_SPAN_DAYS else "daily"
    words = words or CLOSE_WORDS.get(close_basis, CLOSE_WORDS["quoted"])
    return f"{cadence} {words[0].lower()}{words[1:]}"


def _subtitle(shown: pd.Series, ath_level: float | None) -> str:
    last = float(shown.iloc[-1])
    words = f"Last close {last:,.2f}"
    if ath_level is not None:
        gap_pct = 100 * (last / ath_level - 1)
        high = "the prior all-time high" if gap_pct > 0 else "the all-time high"
        words += f", {versus(gap_pct, f'{high} of {ath_level:,.2f}')}"
    return words


def _base_box(ax: Axes, base: BaseBox, theme: Theme) -> None:
    """The range as a shaded box with its ceiling and floor."""
    left, right = x_of(base.start), x_of(base.end)
    ax.fill_between(
        [left, right], base.floor, base.ceiling, color=theme.band, alpha=0.16, linewidth=0, zorder=1
    )
    ax.hlines([base.ceiling, base.floor], left, right, colors=theme.muted, linewidth=1.0, zorder=2)


def _base_labels(
    placer: Placer, base: BaseBox, theme: Theme, layout: Layout, *, ceiling_is_ath: bool
) -> None:
    """The base's length inside the box where the price leaves room, and its ceiling's level by the line."""
    left, right = x_of(base.start), x_of(base.end)
    spots = []
    for fraction in (0.5, 0.3, 0.7, 0.15, 0.85):
        x = left + fraction * (right - left)
        spots += [
            Spot(x, base.floor, 0, 6, "center", "bottom"),
            Spot(x, base.ceiling, 0, -6, "center", "top"),
        ]
    middle = left + (right - left) / 2
    spots += [
        Spot(middle, base.floor, 0, -6, "center", "top"),
        Spot(middle, base.ceiling, 0, 6, "center", "bottom"),
    ]
    placer.place(
        base.describe(), spots, color=theme.muted, fontsize=layout.pt(SMALL_PT + 1), fontweight="bold"
    )
    words = f"{'ceiling = all-time high' if ceiling_is_ath else 'ceiling'} {base.ceiling:,.2f}"
    tag_spots = [Spot(left, base.ceiling, 3, dy, "left", va) for dy, va in ((6, "bottom"), (-6, "top"))]
    tag_spots += [Spot(left, base.ceiling, -3, dy, "right", va) for dy, va in ((6, "bottom"), (-6, "top"))]
    for fraction in (0.25, 0.5, 0.75, 1.0):
        x = left + fraction * (right - left)
        tag_spots += [Spot(x, base.ceiling, 0, dy, "center", va) for dy, va in ((6, "bottom"), (-6, "top"))]
    placer.place(words, tag_spots, color=theme.muted, fontsize=layout.pt(SMALL_PT))


def _breakout_marker(
    ax: Axes, shown: pd.Series, breakout: Breakout | None, theme: Theme
) -> tuple[float, float] | None:
    """A triangle on the first close above the level; None when the breakout is older than the window."""
    if breakout is None:
        return None
    upto = shown.loc[: pd.Timestamp(breakout.day)]
    if upto.empty:
        return None  # the breakout is older than the window: the subtitle and the text carry it
    x, y = x_of(upto.index[-1]), float(upto.iloc[-1])
    ax.scatter([x], [y], marker="^", s=80, color=theme.up, zorder=5, edgecolors=theme.background)
    return x, y
