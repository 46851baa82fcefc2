"""Chart kinds: what each Figure shows, looked at from inside (titles, data, annotations, bounds)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.cbook import STEP_LOOKUP_MAP
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Rectangle

from generator.charts import (
    DARK,
    BaseBox,
    Breakout,
    CallOutcome,
    CallPath,
    Mark,
    RRGTail,
    build_breadth_chart,
    build_call_chart,
    build_correlation_chart,
    build_price_chart,
    build_ratio_chart,
    build_rrg_chart,
    build_track_record_chart,
)
from generator.charts.rrg import MAX_TAILS, choose_tails
from generator.charts.theme import LIGHT, NARROW, WIDE, Layout, display_bars
from tests.chart_helpers import (
    FRAME,
    all_text,
    collisions,
    line_by_label,
    overlapping,
    texts_outside,
    visible_texts,
    walk,
)

# --- relative strength -------------------------------------------------------------------------


def test_ratio_chart_rebases_both_legs_and_plots_the_ratio_with_its_averages():
    long, short = walk(1, 900), walk(2, 900)
    fig = build_ratio_chart(long, short, long="IWM", short="IWB", frame=FRAME, window_days=300)
    top, bottom = fig.axes
    for label, series in (("IWM", long), ("IWB", short)):
        y = line_by_label(top, label).get_ydata()
        assert y[0] == pytest.approx(100.0)
        assert y[-1] == pytest.approx(100 * series.iloc[-1] / series.iloc[-300])
    ratio = line_by_label(bottom, "IWM/IWB").get_ydata()
    expected = 100 * (long / short).iloc[-1] / (long / short).iloc[-300]
    assert ratio[-1] == pytest.approx(expected)
    assert {ln.get_label() for ln in bottom.get_lines()} >= {"50-day average", "200-day average"}
    assert [c.get_label() for c in bottom.collections if isinstance(c, LineCollection)] == ["52-week high"]
    text = all_text(fig)
    assert "IWM vs IWB: relative strength" in text and "as of 8 Nov 2024" in text
    assert "Synthetic demo data" in text
    assert texts_outside(fig) == []


def test_ratio_chart_marks_the_breakout_with_its_date():
    long, short = walk(3, 600), walk(4, 600)
    day = long.index[-20].date()
    level = float((long / short).iloc[-40:-20].max())
    fig = build_ratio_chart(
        long,
        short,
        long="IWM",
        short="IWB",
        frame=FRAME,
        breakout=Breakout(day, level, "52-week relative high"),
    )
    bottom = fig.axes[1]
    notes = [t.get_text() for t in bottom.texts]
    assert any("52-week relative high" in n and f"{day.day} {day:%b %Y}" in n for n in notes)
    markers = [
        c for c in bottom.collections if c.get_offsets().shape[0] == 1 and c.get_label().startswith("_")
    ]
    assert markers, "no breakout marker"
    assert texts_outside(fig) == []


def test_ratio_chart_with_short_history_leaves_out_the_average_it_cannot_compute():
    long, short = walk(5, 120), walk(6, 120)
    fig = build_ratio_chart(long, short, long="IWM", short="IWB", frame=FRAME)
    labels = {ln.get_label() for ln in fig.axes[1].get_lines()}
    assert "50-day average" in labels and "200-day average" not in labels
    # Without a 200-day average to stand against, the subtitle says how far the ratio moved in the window.
    assert f"since {long.index[0].day} Jan 2019" in all_text(fig)
    assert texts_outside(fig) == []


def test_long_windows_are_drawn_with_weekly_closes_and_short_ones_daily():
    close = walk(7, 800)
    weekly = display_bars(close, span_days=(close.index[-1] - close.index[0]).days)
    assert len(weekly) == pytest.approx(len(close) / 5, abs=2)
    assert weekly.index[-1] == close.index[-1]  # the last point is the as-of close, not a week label
    short = close.iloc[-100:]
    assert len(display_bars(short, span_days=(short.index[-1] - short.index[0]).days)) == 100


# --- price with base ---------------------------------------------------------------------------


def _based_price() -> tuple[pd.Series, BaseBox]:
    """Three years up, a 2.5-year range 80-100, then a breakout."""
    index = pd.bdate_range("2018-01-01", periods=1700)
    rng = np.random.default_rng(11)
    up = np.linspace(40, 100, 750)
    base = 90 + 9 * np.sin(np.linspace(0, 9, 650)) + rng.normal(0, 0.5, 650)
    breakout = np.linspace(101, 120, 300)
    close = pd.Series(np.r_[up, np.minimum(base, 99.5), breakout], index=index)
    box = BaseBox(index[750].date(), index[1399].date(), 99.5, float(base.min()))
    return close, box


def test_price_chart_draws_the_base_box_labelled_with_its_length_and_the_breakout():
    close, box = _based_price()
    day = close.index[1400].date()
    fig = build_price_chart(
        close.iloc[:1420],
        ticker="PSCT",
        name="Small-cap technology",
        frame=FRAME,
        ath_level=99.5,
        base=box,
        breakout=Breakout(day, 99.5, "Base breakout"),
    )
    (ax,) = fig.axes
    text = all_text(fig)
    assert box.length_weeks == 129 and box.describe() == "2.5-year base"
    assert "2.5-year base" in text
    assert "ceiling = all-time high 99.50" in text  # one line and one label when they coincide
    assert f"Base breakout {day.day} {day:%b %Y}\nabove 99.50" in text
    shaded = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert shaded, "no shaded base box"
    y0, y1 = shaded[0].get_paths()[0].vertices[:, 1].min(), shaded[0].get_paths()[0].vertices[:, 1].max()
    assert (y0, y1) == pytest.approx((box.floor, box.ceiling))
    assert texts_outside(fig) == []


def test_price_chart_widens_its_window_to_show_the_whole_base():
    close, box = _based_price()
    fig = build_price_chart(
        close.iloc[:1420], ticker="PSCT", name="x", frame=FRAME, base=box, window_days=200
    )
    line = fig.axes[0].get_lines()[0]
    assert pd.Timestamp(line.get_xdata()[0]) <= pd.Timestamp(box.start)


def test_price_chart_draws_the_all_time_high_apart_from_a_lower_ceiling_and_goes_log_when_wide():
    close = walk(8, 1500, drift=0.0015)
    assert close.max() / close.min() > 3
    fig = build_price_chart(
        close, ticker="ARKX", name="ARK Space", frame=FRAME, ath_level=float(close.max()), window_days=1500
    )
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert f"All-time high {close.max():,.2f}" in all_text(fig)
    assert all("e+" not in t.get_text() and "$" not in t.get_text() for t in ax.get_yticklabels())
    assert texts_outside(fig) == []


def test_price_chart_breaks_its_line_across_a_gap_in_the_data():
    close = walk(9, 300)
    gapped = pd.concat([close.iloc[:150], close.iloc[170:]])  # four weeks missing
    fig = build_price_chart(gapped, ticker="PSCT", name="x", frame=FRAME, window_days=300)
    y = fig.axes[0].get_lines()[0].get_ydata()
    assert np.isnan(y).sum() == 1  # one break, where the data is missing, and nowhere else
    x = fig.axes[0].get_lines()[0].get_xdata()
    hole = pd.Timestamp(x[int(np.flatnonzero(np.isnan(y))[0])])
    assert close.index[149] < hole < close.index[170]


def test_base_box_labels_short_bases_in_weeks():
    assert BaseBox(date(2024, 1, 5), date(2024, 8, 2), 10, 8).describe() == "30-week base"
    assert BaseBox(date(2022, 1, 7), date(2024, 1, 5), 10, 8).describe() == "2-year base"


# --- RRG -------------------------------------------------------------------------------------------


def _tails(count: int, spread: float, seed: int = 3) -> list[RRGTail]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-05", periods=12, freq="W-FRI")
    tails = []
    for number in range(count):
        angle = np.linspace(0, 1.5, 12) + number
        x = 100 + spread * np.cos(angle) + rng.normal(0, 0.1, 12)
        y = 100 + spread * np.sin(angle) + rng.normal(0, 0.1, 12)
        tails.append(
            RRGTail(f"XL{chr(65 + number)}", pd.DataFrame({"rs_ratio": x, "rs_momentum": y}, index=index))
        )
    return tails


def test_rrg_draws_the_few_funds_that_matter_labelled_and_the_rest_as_grey_dots():
    tails = _tails(12, spread=0.6)  # a crowded centre: every head within a point or so of 100
    fig = build_rrg_chart(tails, benchmark="SPY", frame=FRAME, universe_label="S&P 500 sectors",
                          highlight=["XLK", "XLA"])
    (ax,) = fig.axes
    text = all_text(fig)
    for name in ("Leading", "Weakening", "Lagging", "Improving"):
        assert name in text
    labels = [t.get_text() for t in ax.texts if t.get_text().startswith("XL")]
    assert len(labels) == MAX_TAILS and labels[:2] == ["XLK", "XLA"]  # the text's funds first
    faint = [c for c in ax.collections if c.get_offsets().shape[0] == 12 - MAX_TAILS]
    assert faint and mcolors.to_hex(faint[0].get_facecolor()[0]) == LIGHT.faint
    assert "grey dots: the other 7" in text
    assert collisions(fig) == []


def test_rrg_tails_end_in_an_arrowhead_at_the_latest_point_in_distinct_colours():
    tails = _tails(3, spread=2.0)
    fig = build_rrg_chart(tails, benchmark="SPY", frame=FRAME, tail_weeks=8)
    (ax,) = fig.axes
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    assert len(lines) == 3 and all(len(ln.get_xdata()) == 8 for ln in lines)
    heads = {(round(float(ln.get_xdata()[-1]), 6), round(float(ln.get_ydata()[-1]), 6)) for ln in lines}
    arrows = [t for t in ax.texts if t.arrow_patch is not None and t.get_text() == ""]
    assert {(round(float(a.xy[0]), 6), round(float(a.xy[1]), 6)) for a in arrows} == heads
    assert len({ln.get_color() for ln in lines}) == 3


def test_rrg_axes_fit_the_points_rather_than_a_square_around_100():
    tails = _tails(3, spread=2.0)
    fig = build_rrg_chart(tails, benchmark="SPY", frame=FRAME, tail_weeks=8)
    (ax,) = fig.axes
    xs = np.concatenate([t.points["rs_ratio"].to_numpy()[-8:] for t in tails] + [np.array([100.0])])
    x0, x1 = ax.get_xlim()
    assert x0 < xs.min() and x1 > xs.max()
    assert (x1 - x0) <= 1.3 * (xs.max() - xs.min())  # a margin, not a symmetric blow-up
    frame = ax.get_position()
    assert frame.width > 0.8  # the plot spans the chart, not a square in its middle


def test_rrg_picks_the_biggest_movers_and_not_a_cluster_moving_together():
    index = pd.date_range("2024-01-05", periods=8, freq="W-FRI")

    def tail(ticker: str, x0: float, y0: float, dx: float, dy: float) -> RRGTail:
        steps = np.arange(8)
        frame = pd.DataFrame({"rs_ratio": x0 + dx * steps, "rs_momentum": y0 + dy * steps}, index=index)
        return RRGTail(ticker, frame)

    together = [tail(f"C{n}", 98 + 0.01 * n, 101, -0.3, -0.3) for n in range(4)]  # one cluster, one move
    alone = [tail("LONE", 101, 98, 0.25, 0.3), tail("QUIET", 100.2, 100.1, 0.01, 0.0)]
    chosen = choose_tails([(t.ticker, t.points) for t in together + alone], [], 3)
    assert chosen[:2] == ["C0", "LONE"]  # the biggest move first, then the biggest apart from it
    assert sum(t.startswith("C") for t in chosen) == 1  # the cluster is shown by one of its members
    assert choose_tails([(t.ticker, t.points) for t in together + alone], ["QUIET"], 3)[0] == "QUIET"


def test_rrg_skips_an_instrument_without_points():
    tails = [*_tails(2, 1.0), RRGTail("NEW", pd.DataFrame({"rs_ratio": [np.nan], "rs_momentum": [np.nan]}))]
    fig = build_rrg_chart(tails, benchmark="SPY", frame=FRAME)
    assert "NEW" not in [t.get_text() for t in fig.axes[0].texts]


# --- breadth and correlation -------------------------------------------------------------------


def test_breadth_chart_shows_the_share_under_the_benchmark():
    index = pd.bdate_range("2023-01-02", periods=400)
    pct = pd.Series(50 + 40 * np.sin(np.linspace(0, 6, 400)), index=index).round(1)
    fig = build_breadth_chart(
        pct,
        walk(10, 400, start="2023-01-02"),
        benchmark="SPY",
        universe_label="11 S&P 500 sectors",
        frame=FRAME,
    )
    top, bottom = fig.axes
    assert line_by_label(top, "SPY")
    share = line_by_label(bottom, "% above 200-day average").get_ydata()
    assert share[-1] == pytest.approx(pct.iloc[-1])
    assert bottom.get_ylim() == (0, 100)
    assert f"Breadth: {pct.iloc[-1]:.0f}% above the 200-day average" in all_text(fig)
    assert texts_outside(fig) == []


def test_correlation_chart_draws_its_five_year_band_and_says_where_the_latest_value_sits():
    index = pd.bdate_range("2015-01-01", periods=2600)
    corr = pd.Series(0.8 + 0.1 * np.sin(np.linspace(0, 30, 2600)), index=index)
    corr.iloc[-1] = 0.5  # the lowest reading in five years
    fig = build_correlation_chart(corr, long="IWM", short="SPY", frame=FRAME)
    (ax,) = fig.axes
    text = all_text(fig)
    assert "63-day correlation 0.50" in text
    assert "0th percentile" in text or "1st percentile" in text
    assert any(c.get_label().startswith("5-year 10th-90th") for c in ax.collections)
    assert line_by_label(ax, "63-day correlation").get_ydata()[-1] == pytest.approx(0.5)
    assert texts_outside(fig) == []


# --- calls -----------------------------------------------------------------------------------------


def _path(values: list[float], start: str = "2024-08-05") -> pd.Series:
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), dtype="float64")


def test_call_chart_indexes_to_100_and_shows_a_loss_in_the_down_colour_with_its_invalidation():
    path = _path([-0.5, -1.0, 0.4, -2.2, -3.1, -4.3])
    call = CallPath("c1", "long IWM vs IWB", date(2024, 8, 2), path, "invalidated", invalidation_pct=-4.0)
    fig = build_call_chart(call, frame=FRAME)
    (ax,) = fig.axes
    line = ax.get_lines()[0]
    assert line.get_ydata()[0] == 100.0 and line.get_ydata()[-1] == pytest.approx(95.7)
    assert mcolors.to_hex(line.get_color()) == LIGHT.down
    stops = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [96.0, 96.0]]
    assert stops, "no invalidation line at 100 - 4"
    text = all_text(fig)
    assert "long IWM vs IWB: -4.3%" in text and "invalidation -4.0%" in text and "invalidated" in text
    weekly = dataclasses.replace(call, invalidation_on="weekly close")
    assert "invalidation -4.0% on a weekly close" in all_text(build_call_chart(weekly, frame=FRAME))
    assert "published 2 Aug 2024" in text
    assert texts_outside(fig) == []


def test_call_chart_without_a_close_since_publication_says_so():
    call = CallPath("c2", "long ARKX", date(2024, 11, 8), _path([]), "pending", invalidation_pct=-5.0)
    fig = build_call_chart(call, frame=FRAME)
    assert "long ARKX: no result yet" in all_text(fig)
    assert texts_outside(fig) == []


def test_track_record_plots_each_result_and_the_average_of_the_ended_calls_beside_their_benchmarks():
    results = [3.0, -2.0, 5.5, None, -1.5]
    benchmarks = [1.0, 2.0, None, None, 4.0]
    days = pd.date_range("2024-01-05", periods=5, freq="W-FRI").date
    outcomes = [
        CallOutcome(f"c{i}", "long X", days[i], r, "expired", b)
        for i, (r, b) in enumerate(zip(results, benchmarks, strict=True))
    ]
    outcomes[-1] = CallOutcome("c4", "long X", date(2024, 2, 2), -1.5, "open", 4.0)
    fig = build_track_record_chart(outcomes, frame=FRAME)
    top, bottom = fig.axes
    bars = [p for p in bottom.patches if isinstance(p, Rectangle)]
    assert [round(b.get_height(), 2) for b in bars] == [3.0, -2.0, 5.5, -1.5]
    assert [mcolors.to_hex(b.get_facecolor()[:3]) for b in bars] == [
        LIGHT.up,
        LIGHT.down,
        LIGHT.up,
        LIGHT.down,
    ]
    assert bars[-1].get_alpha() == pytest.approx(0.45)  # still open
    # The average of the ended calls so far (3, then 0.5, then 6.5 / 3); the open one is not counted.
    average = line_by_label(top, "average result of the ended calls").get_ydata()
    assert list(average) == pytest.approx([3.0, 0.5, 6.5 / 3])
    # Their benchmarks: 1, then 1.5; the third call has none, so the average stays 1.5.
    bench = line_by_label(top, "their benchmarks over the same days").get_ydata()
    assert list(bench) == pytest.approx([1.0, 1.5, 1.5])
    assert "4 calls; the 3 ended: 67% positive, average +2.2%" in all_text(fig)
    assert "running sum" not in all_text(fig)
    # The "still open" swatch is pale green beside pale red, as the open bars are drawn.
    swatches = [
        (mcolors.to_hex(p.get_facecolor()[:3]), p.get_alpha())
        for p in bottom.get_legend()._legend_handle_box.findobj(Rectangle)
    ]
    assert swatches == [(LIGHT.up, None), (LIGHT.down, None), (LIGHT.up, 0.45), (LIGHT.down, 0.45)]
    assert texts_outside(fig) == []


@pytest.mark.parametrize("layout", [WIDE, NARROW], ids=["wide", "narrow"])
def test_track_record_legends_cover_no_line_or_bar_in_either_layout(layout: Layout):
    # The demo's 12 weeks, where the narrow legend once hid the average line and a bar.
    results = [2.2, -3.5, 4.5, -2.3, -2.5, 1.1, 4.2, -0.3, -1.4]
    status = ["open", "open", "open", "expired", "invalidated", "open", "open", "open", "open"]
    days = pd.date_range("2026-04-10", periods=9, freq="W-FRI").date
    outcomes = [
        CallOutcome(f"c{i}", "long X", days[i], r, s, 2.0 if i == 3 else 4.1 if i == 4 else None)
        for i, (r, s) in enumerate(zip(results, status, strict=True))
    ]
    fig = build_track_record_chart(outcomes, frame=FRAME, layout=layout)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:
        box = ax.get_legend().get_window_extent(renderer)
        for line in ax.lines:
            if line.get_label().startswith("_"):
                continue  # the zero line runs under everything
            steps = STEP_LOOKUP_MAP[line.get_drawstyle()](*line.get_xydata().T)  # the path as drawn
            xy = line.get_transform().transform(np.column_stack(steps))
            fractions = np.linspace(0, 1, 20)
            along = [a + (b - a) * t for a, b in zip(xy[:-1], xy[1:], strict=True) for t in fractions]
            assert not any(box.contains(x, y) for x, y in along), line.get_label()
        for bar in (p for p in ax.patches if isinstance(p, Rectangle)):
            assert not box.overlaps(bar.get_window_extent(renderer)), bar.get_height()


def test_track_record_without_results_says_so():
    fig = build_track_record_chart(
        [CallOutcome("c", "long X", date(2024, 1, 5), None, "pending")], frame=FRAME
    )
    assert "No call has a result yet" in all_text(fig)


# --- the house look --------------------------------------------------------------------------------


def test_every_chart_is_1200_by_675_with_the_title_block_and_source_line():
    fig = build_call_chart(CallPath("c", "long X", date(2024, 8, 2), _path([1.0, 2.0]), "open"), frame=FRAME)
    assert tuple(fig.bbox.size) == (1200, 675)
    texts = [t.get_text() for t in fig.texts]
    assert texts[:2] == ["Rotation Desk", "as of 8 Nov 2024"] and "Synthetic demo data" in texts


def test_dark_variant_uses_the_dark_palette():
    fig = build_ratio_chart(walk(1, 400), walk(2, 400), long="IWM", short="IWB", frame=FRAME, theme=DARK)
    assert mcolors.to_hex(fig.get_facecolor()) == DARK.background
    title = next(t for t in fig.texts if "relative strength" in t.get_text())
    assert mcolors.to_hex(title.get_color()) == DARK.text


def test_a_title_too_long_for_its_line_is_shrunk_and_never_runs_into_the_site_name():
    long, short = walk(1, 400), walk(2, 400)
    fig = build_ratio_chart(long, short, long="A" * 30, short="B" * 30, frame=FRAME)
    site = next(t for t in fig.texts if t.get_text() == "Rotation Desk")
    title = next(t for t in fig.texts if "A" * 10 in t.get_text())
    assert title.get_fontsize() < 15
    assert overlapping([site, title], fig) == []
    assert texts_outside(fig) == []


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_no_text_leaves_the_figure_in_either_theme(theme):
    fig = build_rrg_chart(_tails(11, 2.5), benchmark="SPY", frame=FRAME, theme=theme)
    assert texts_outside(fig) == []
    assert len(visible_texts(fig)) > 20


# --- the story on the chart (issue 15) -----------------------------------------------------------


def test_price_chart_draws_light_50_and_200_day_averages_and_tags_the_last_close_on_the_axis():
    close = walk(12, 900)
    fig = build_price_chart(close, ticker="IWM", name="x", frame=FRAME, close_basis="single")
    (ax,) = fig.axes
    fast, slow = line_by_label(ax, "50-day average"), line_by_label(ax, "200-day average")
    assert fast.get_alpha() < 1 and slow.get_alpha() < 1
    assert fast.get_linewidth() < line_by_label(ax, "IWM").get_linewidth()
    assert fast.get_ydata()[-1] == pytest.approx(close.rolling(50).mean().iloc[-1])
    tag = next(t for t in ax.texts if t.get_bbox_patch() is not None)
    assert tag.get_text() == f"{close.iloc[-1]:,.2f}" and tag.xy[1] == pytest.approx(close.iloc[-1])
    # One close only: the foot says so, and nothing calls these "Quoted closes".
    text = all_text(fig)
    assert "closes as the source gives them (one close only)" in text and "Quoted closes" not in text
    assert collisions(fig) == []


def test_ratio_chart_marks_the_week_it_crossed_its_200_day_average_and_says_so():
    index = pd.bdate_range("2020-01-01", periods=900)
    long = pd.Series(np.r_[np.linspace(100, 80, 860), np.linspace(80, 90, 40)], index=index)
    short = pd.Series(100.0, index=index)
    fig = build_ratio_chart(long, short, long="IWM", short="IWB", frame=FRAME)
    ratio = long / short
    slow = ratio.rolling(200).mean()
    cross = ratio.index[np.flatnonzero((ratio > slow).to_numpy())[0]].date()
    bottom = fig.axes[1]
    words = f"Crossed above its 200-day average, {cross.day} {cross:%b %Y}"
    assert any(words == t.get_text() for t in bottom.texts)
    assert f"which it crossed on {cross.day} {cross:%b %Y}" in all_text(fig)
    assert "above its 200-day average" in all_text(fig) and "%" in all_text(fig)
    assert collisions(fig) == []


def test_ratio_chart_draws_the_marks_a_story_gives_and_widens_its_window_to_them():
    long, short = walk(21, 2000), walk(22, 2000)
    low_day = long.index[200].date()  # older than the three-year window
    fig = build_ratio_chart(long, short, long="IWM", short="IWB", frame=FRAME,
                            marks=[Mark(low_day, "6-year low", "low")], subtitle="The story's fact")
    first = pd.Timestamp(fig.axes[1].get_lines()[0].get_xdata()[0])
    assert first <= pd.Timestamp(low_day)
    assert any(t.get_text().startswith("6-year low, ") for t in fig.axes[1].texts)
    assert "The story's fact" in all_text(fig)


def test_the_52_week_high_line_is_never_above_the_ratio_in_a_week_it_makes_that_high():
    index = pd.bdate_range("2020-01-01", periods=900)
    rng = np.random.default_rng(5)
    long = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 900))), index=index)
    long.iloc[-3] = long.iloc[-250:].max() * 1.05  # a daily spike inside the last week...
    long.iloc[-1] = long.iloc[-3] * 0.99  # ...and the week closes at a weekly (not daily) high
    short = pd.Series(100.0, index=index)
    fig = build_ratio_chart(long, short, long="A", short="B", frame=FRAME)
    bottom = fig.axes[1]
    drawn = line_by_label(bottom, "A/B").get_ydata()
    high = next(
        c for c in bottom.collections if isinstance(c, LineCollection) and c.get_label() == "52-week high"
    )
    assert high.get_segments()[0][0][1] == pytest.approx(np.nanmax(drawn[-53:]))
    assert high.get_segments()[0][0][1] <= np.nanmax(drawn) + 1e-9


def test_charts_are_set_in_the_roboto_shipped_with_the_package():
    from matplotlib.font_manager import findfont

    from generator.charts.theme import FONT_DIR

    fig = build_call_chart(CallPath("c", "long X", date(2024, 8, 2), _path([1.0, 2.0]), "open"), frame=FRAME)
    title = next(t for t in fig.texts if t.get_text().startswith("long X"))
    assert Path(findfont(title.get_fontproperties())).parent == FONT_DIR
    assert Path(findfont(title.get_fontproperties())).name == "Roboto-Bold.ttf"
    assert (FONT_DIR / "OFL.txt").read_text().startswith("Copyright 2011 The Roboto Project Authors")
