"""Calls: one call's path since publication, and the ledger's track record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from generator.charts.annotate import level_tag
from generator.charts.inputs import CallOutcome, CallPath
from generator.charts.labels import Placer, around
from generator.charts.theme import (
    LIGHT,
    SMALL_PT,
    WIDE,
    ChartFrame,
    Layout,
    Theme,
    break_gaps,
    date_axis,
    format_day,
    house_style,
    legend,
    new_figure,
    title_block,
    x_of,
)

STATUS_WORDS = {
    "open": "open",
    "pending": "no close since publication yet",
    "invalidated": "invalidated",
    "expired": "horizon reached",
    "closed": "closed",
}


def build_call_chart(
    call: CallPath, *, frame: ChartFrame, theme: Theme = LIGHT, layout: Layout = WIDE
) -> Figure:
    """The call indexed to 100 at its publication close: ``I_t = 100 + r_t`` with r in %.

    The line starts at 100 on the publication day; gains are shaded in the up colour,
    losses in the down colour; the invalidation level is ``100 + invalidation_pct``.
    """
    path = call.path_pct.dropna().astype("float64")
    start = pd.Timestamp(call.published)
    index = pd.concat([pd.Series([100.0], index=pd.DatetimeIndex([start])), 100.0 + path])
    result = float(path.iloc[-1]) if len(path) else None
    colour = theme.muted if result is None else theme.up if result >= 0 else theme.down
    status = STATUS_WORDS.get(call.status, call.status)
    outcome = "no result yet" if result is None else f"{result:+.1f}%"
    with house_style(theme, layout):
        fig, (ax,) = new_figure(theme, layout=layout, kind="call")
        title_block(
            fig,
            f"{call.position}: {outcome}",
            f"Since the close of {format_day(call.published)}, {len(path)} sessions; {status}",
            frame,
            theme,
            layout,
        )
        line = break_gaps(index, 7)
        values = line.to_numpy()
        ax.plot(line.index, values, color=colour, linewidth=1.6, label=call.position)
        ax.fill_between(line.index, 100, values, where=values >= 100, color=theme.up, alpha=0.15,
                        linewidth=0, interpolate=True)
        ax.fill_between(line.index, 100, values, where=values < 100, color=theme.down, alpha=0.15,
                        linewidth=0, interpolate=True)
        ax.axhline(100, color=theme.muted, linewidth=0.8)
        ax.scatter([x_of(start)], [100.0], s=30, color=theme.text, zorder=5)
        lows = [float(np.nanmin(values))]
        highs = [float(np.nanmax(values))]
        stop = None
        if call.invalidation_pct is not None:
            stop = 100.0 + call.invalidation_pct
            ax.axhline(stop, color=theme.down, linewidth=1.0, linestyle=(0, (5, 3)))
            lows.append(stop)
        if result is not None:
            ax.scatter([line.index[-1]], [100 + result], s=36, color=colour, zorder=5)
        span = max(highs) - min(lows)
        pad = max(span * 0.12, 0.6)
        ax.set_ylim(min(lows) - pad, max(highs) + pad)
        right = line.index[-1] if len(path) else start + pd.Timedelta(days=7)
        ax.set_ylabel("indexed to 100 at publication", fontsize=layout.pt(SMALL_PT))
        date_axis(ax, start - pd.Timedelta(days=1), right, max_ticks=8 if layout is WIDE else 5)
        placer = Placer(ax)
        placer.place(f"published {format_day(call.published)}", around(x_of(start), 100.0), color=theme.muted,
                     fontsize=layout.pt(SMALL_PT))
        if stop is not None and call.invalidation_pct is not None:
            rule = f" on a {call.invalidation_on}" if call.invalidation_on else ""
            level_tag(placer, stop, f"invalidation {call.invalidation_pct:+.1f}%{rule}", theme.down, layout,
                      prefer_right=False)
    return fig


def build_track_record_chart(
    outcomes: Sequence[CallOutcome], *, frame: ChartFrame, theme: Theme = LIGHT, layout: Layout = WIDE
) -> Figure:
    """Each scored call's result in publication order (bottom), and the average result of the
    calls ended so far beside the average return of their benchmarks over the same days (top).

    The averages are per call, ``mean(result_pct)`` over the ended calls up to each one (a
    running sum of percentages added returns that do not add). Calls without a result yet are
    left out; open calls are drawn faded in the bars and left out of the averages.
    """
    scored = sorted((o for o in outcomes if o.result_pct is not None), key=lambda o: (o.published, o.call_id))
    results = np.array([o.result_pct for o in scored], dtype="float64")
    numbers = np.arange(1, len(scored) + 1)
    with house_style(theme, layout):
        fig, (top, bottom) = new_figure(
            theme, rows=2, height_ratios=[1.0, 1.0], layout=layout, kind="track_record"
        )
        title_block(fig, "Track record of the calls", _record_subtitle(scored, results), frame, theme, layout)
        if len(scored):
            still_open = np.array([o.status in ("open", "pending") for o in scored])
            ended = results[~still_open]
            if len(ended):
                at = numbers[~still_open]
                average = np.cumsum(ended) / np.arange(1, len(ended) + 1)
                top.step(at, average, where="post", color=theme.primary, linewidth=1.6,
                         label="average result of the ended calls")
                bench = np.array([np.nan if o.benchmark_pct is None else o.benchmark_pct
                                  for o, is_open in zip(scored, still_open, strict=True) if not is_open])
                if np.isfinite(bench).any():
                    counted = np.cumsum(np.isfinite(bench)).astype("float64")
                    counted[counted == 0] = np.nan
                    bench_average = np.cumsum(np.nan_to_num(bench)) / counted
                    top.step(at, bench_average, where="post",
                             color=theme.muted, linewidth=1.3, linestyle=(0, (4, 2)),
                             label="their benchmarks over the same days")
            top.axhline(0, color=theme.muted, linewidth=0.8)
            top.set_xlim(0.3, len(scored) + 0.7)
            colours = [theme.up if r >= 0 else theme.down for r in results]
            bars = bottom.bar(numbers, results, color=colours, width=0.8, linewidth=0)
            for bar, is_open in zip(bars, still_open, strict=True):
                if is_open:
                    bar.set_alpha(0.45)  # still open: the result can change
            bottom.axhline(0, color=theme.muted, linewidth=0.8)
            bottom.set_xlim(0.3, len(scored) + 0.7)
            _first_of_year_ticks(bottom, scored, max_ticks=8 if layout is WIDE else 4)
            if len(ended):
                _room_above(top, [line.get_ydata() for line in top.lines], 2, layout)
                Placer(top).place_legend(legend(top, theme), UPPER)
            if still_open.any():
                # The open swatch is drawn as open bars are: pale green beside pale red.
                pale = (Patch(color=theme.up, alpha=0.45), Patch(color=theme.down, alpha=0.45))
                _room_above(bottom, [results], 1 if layout is WIDE else 3, layout)
                placer = Placer(bottom)
                for bar in bars:  # bars are patches, which the placer does not scan
                    extent = bar.get_window_extent(placer.renderer)
                    placer.block_box((extent.x0, extent.y0, extent.x1, extent.y1), gap=False)
                placer.place_legend(
                    legend(bottom, theme, handles=[Patch(color=theme.up), Patch(color=theme.down), pale],
                           labels=["positive", "negative", "still open"], ncol=3 if layout is WIDE else 1,
                           handler_map={tuple: HandlerTuple(ndivide=None, pad=0)})
                )
        else:
            top.text(0.5, 0.5, "No call has a result yet", transform=top.transAxes, ha="center",
                     va="center", color=theme.muted)
        top.set_ylabel("% per call", fontsize=layout.pt(SMALL_PT))
        bottom.set_ylabel("% per call", fontsize=layout.pt(SMALL_PT))
    return fig


UPPER = ("upper left", "upper right", "upper center")


def _room_above(ax: Axes, values: Sequence[Any], rows: int, layout: Layout) -> None:
    """Raise the top of ``ax`` so a legend of ``rows`` rows fits above the data and zero.

    The data keep the lower part of the panel: each legend row takes about a sixth of a wide
    panel's height and a seventh of a (taller, larger-text) narrow one's. Ticks step by 1, 2 or
    5 times a power of ten (no 2.5).
    """
    finite = np.concatenate([np.asarray(v, dtype="float64").ravel() for v in values] + [np.zeros(1)])
    finite = finite[np.isfinite(finite)]
    low, high = float(finite.min()), float(finite.max())
    span = max(high - low, 1.0)
    share = min(rows * (1 / 6 if layout is WIDE else 1 / 7), 0.6)  # of the panel, for the legend
    low -= 0.08 * span
    top = low + (high + 0.04 * span - low) / (1 - share)
    ax.set_ylim(low, top)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))


def _record_subtitle(scored: Sequence[CallOutcome], results: np.ndarray) -> str:
    """How many calls, and the ended ones' hit rate and average result per call."""
    if not len(scored):
        return "No scored call yet"
    still_open = np.array([o.status in ("open", "pending") for o in scored])
    ended = results[~still_open]
    # As on the track-record page: open calls are drawn but not counted in the rates.
    rates = (
        f"the {len(ended)} ended: {100 * (ended > 0).sum() / len(ended):.0f}% positive, "
        f"average {ended.mean():+.1f}%"
        if len(ended)
        else "none ended yet"
    )
    return f"{len(scored)} calls; {rates}"


def _first_of_year_ticks(ax: Axes, scored: Sequence[CallOutcome], *, max_ticks: int = 8) -> None:
    """Tick the first call of each year (or each quarter when all calls fall in one year).

    Ticks closer than a label's width (at most ``max_ticks`` of them) are thinned, keeping
    the first.
    """
    years = [o.published.year for o in scored]
    if len(set(years)) > 1:
        keys = years
        fmt = "%Y"
    else:
        keys = [(o.published.month - 1) // 3 for o in scored]
        fmt = "%b %Y"
    ticks = [i + 1 for i, key in enumerate(keys) if i == 0 or key != keys[i - 1]]
    labels = [scored[t - 1].published.strftime(fmt) for t in ticks]
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    width_px = ax.get_position().width * fig.get_figwidth() * fig.dpi
    labels_now = ax.xaxis.get_ticklabels()
    size_px = float(labels_now[0].get_fontsize() if labels_now else 10) * fig.dpi / 72
    longest = max((len(label) for label in labels), default=4)
    gap = (0.62 * size_px * longest + 14) * len(scored) / max(width_px, 1.0)
    gap = max(gap, len(scored) / max_ticks)
    kept: list[tuple[int, str]] = []
    for tick, label in zip(ticks, labels, strict=True):
        if not kept or tick - kept[-1][0] >= gap:
            kept.append((tick, label))
    ax.set_xticks([t for t, _ in kept], [label for _, label in kept])
