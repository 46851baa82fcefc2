"""The drawing engine: PNG bytes, the chart cache, parallel drawing, social cards as jobs."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from generator.charts import (
    DARK,
    LIGHT,
    Breakout,
    ChartCache,
    ChartJob,
    build_price_chart,
    build_ratio_chart,
    chart_job,
    chart_variants,
    draw_charts,
    render_png,
    render_social_card,
)
from generator.charts.engine import _render_all
from generator.charts.theme import NARROW, WIDE, restyle
from tests.chart_helpers import FRAME, walk


def test_same_inputs_give_byte_identical_png_without_timestamps():
    long, short = walk(1, 700), walk(2, 700)
    first = render_png(build_ratio_chart(long, short, long="IWM", short="IWB", frame=FRAME))
    again = render_png(build_ratio_chart(long.copy(), short.copy(), long="IWM", short="IWB", frame=FRAME))
    assert first == again
    image = Image.open(io.BytesIO(first))
    assert image.size == (1200, 675) and image.mode == "P"
    assert b"tIME" not in first and b"Software" not in first and b"matplotlib" not in first


def test_a_chart_drawn_in_a_worker_process_has_the_same_bytes_as_one_drawn_here(tmp_path: Path):
    job = chart_job(Path("x.png"), build_price_chart, close=walk(3, 400), ticker="IWM", name="x", frame=FRAME)
    inline = render_png(job.draw())
    pooled = _render_all([(job.draw, [("wide", "light")])] * 4, workers=2)
    assert pooled == [[inline]] * 4


def test_a_social_card_is_a_job_like_any_chart_cached_by_its_inputs(tmp_path: Path):
    lead = io.BytesIO()
    Image.new("RGB", (120, 68), "#336699").save(lead, format="png")

    def card(title: str, chart_png: bytes = lead.getvalue()) -> ChartJob:
        return chart_job(
            tmp_path / "card.png",
            render_social_card,
            title=title,
            subtitle="s",
            site_title="S",
            chart_png=chart_png,
            synthetic=False,
        )

    cache = ChartCache(tmp_path / "cache")
    assert cache.key(card("A")) == cache.key(card("A")) != cache.key(card("B"))
    assert cache.key(card("A")) != cache.key(card("A", lead.getvalue()[:-1] + b"x"))  # the lead chart's bytes
    cold = draw_charts([card("A")], cache=cache)
    warm = draw_charts([card("A")], cache=cache)
    assert (cold.drawn, warm.drawn, warm.cached) == (1, 0, 1)


def _counting_builder(calls: list[int]):
    def build(*, close, frame, theme) -> Figure:  # noqa: ANN001
        calls.append(1)
        return build_price_chart(close, ticker="IWM", name="x", frame=frame, theme=theme)

    return build


def test_the_cache_returns_an_unchanged_chart_without_drawing_it(tmp_path: Path):
    calls: list[int] = []
    builder = _counting_builder(calls)
    close = walk(4, 300)
    jobs = [chart_job(tmp_path / "out" / "a.png", builder, close=close, frame=FRAME, theme=LIGHT)]
    cache = ChartCache(tmp_path / "cache")
    cold = draw_charts(jobs, cache=cache)
    assert (cold.drawn, cold.cached, cold.written, len(calls)) == (1, 0, 1, 1)
    warm = draw_charts(jobs, cache=ChartCache(tmp_path / "cache"))
    assert (warm.drawn, warm.cached, warm.written, len(calls)) == (0, 1, 0, 1)
    (tmp_path / "out" / "a.png").unlink()  # a deleted image comes back from the cache, not redrawn
    restored = draw_charts(jobs, cache=cache)
    assert (restored.drawn, restored.written, len(calls)) == (0, 1, 1)


def test_the_cache_key_follows_data_parameters_and_theme_not_object_identity(tmp_path: Path):
    cache = ChartCache(tmp_path)
    close = walk(5, 300)

    def key(**changes: object) -> str:
        arguments = {"close": close, "ticker": "IWM", "name": "x", "frame": FRAME, "theme": LIGHT, **changes}
        return cache.key(chart_job(tmp_path / "a.png", build_price_chart, **arguments))

    base = key()
    assert key(close=close.copy()) == base
    moved = close.copy()
    moved.iloc[-1] *= 1.0001
    assert key(close=moved) != base
    assert key(theme=DARK) != base
    assert key(ath_level=120.0) != base
    assert key(frame=replace(FRAME, as_of=date(2024, 11, 15))) != base
    assert key(breakout=Breakout(date(2024, 1, 5), 100.0)) != base


def test_a_chart_job_writes_its_dark_copy_and_phone_layout_side_by_side(tmp_path: Path):
    job = chart_variants(
        tmp_path / "iwm-price.png",
        build_price_chart,
        dark=True,
        narrow=True,
        close=walk(6, 100),
        ticker="IWM",
        name="x",
        frame=FRAME,
    )
    assert [o.path.name for o in job.outputs] == [
        "iwm-price.png", "iwm-price-dark.png", "iwm-price-narrow.png", "iwm-price-narrow-dark.png"
    ]
    stats = draw_charts([job], cache=ChartCache(None))
    assert (stats.jobs, stats.drawn, stats.written) == (4, 4, 4)
    sizes = [Image.open(io.BytesIO(o.path.read_bytes())).size for o in job.outputs]
    assert sizes == [(1200, 675), (1200, 675), (720, 900), (720, 900)]
    light_only = chart_variants(
        tmp_path / "a.png", build_price_chart, dark=False, close=walk(6, 100), ticker="IWM", name="x",
        frame=FRAME,
    )
    assert [o.path.name for o in light_only.outputs] == ["a.png"]
    with pytest.raises(TypeError):
        chart_variants(tmp_path / "a.png", build_price_chart, dark=True, theme=DARK, close=walk(6, 100))


def test_each_variant_has_its_own_cache_key(tmp_path: Path):
    cache = ChartCache(tmp_path)
    job = chart_variants(tmp_path / "a.png", build_price_chart, dark=True, narrow=True, close=walk(6, 100),
                         ticker="IWM", name="x", frame=FRAME)
    keys = [cache.key(job, output) for output in job.outputs]
    assert len(set(keys)) == 4 and keys[0] == cache.key(job)


@pytest.mark.parametrize("layout", [WIDE, NARROW], ids=["wide", "narrow"])
def test_the_dark_copy_of_every_chart_kind_has_the_bytes_of_a_chart_built_dark(layout):
    """The engine repaints the light figure for the dark copy: it must be the dark chart, pixel for pixel."""
    for build in _every_kind():
        repainted = build(layout=layout)
        restyle(repainted, LIGHT, DARK)
        assert render_png(repainted) == render_png(build(layout=layout, theme=DARK)), build.func.__name__


def _every_kind() -> list:
    """One builder call (a partial) of each chart kind, on synthetic closes."""
    from functools import partial

    from generator.charts import (
        BaseBox,
        CallOutcome,
        CallPath,
        RRGTail,
        build_breadth_chart,
        build_call_chart,
        build_correlation_chart,
        build_rrg_chart,
        build_track_record_chart,
    )

    long, short = walk(1, 900), walk(2, 900)
    close = walk(3, 900)
    index = pd.date_range("2024-01-05", periods=10, freq="W-FRI")
    rng = np.random.default_rng(2)
    tails = [
        RRGTail(f"X{n}", pd.DataFrame({"rs_ratio": 100 + rng.normal(0, 1, 10).cumsum() / 3,
                                       "rs_momentum": 100 + rng.normal(0, 1, 10).cumsum() / 3}, index=index))
        for n in range(9)
    ]
    breadth = pd.Series(50 + 30 * np.sin(np.linspace(0, 9, 900)), index=close.index)
    corr = long.pct_change().rolling(63).corr(short.pct_change())
    path = pd.Series(np.linspace(0.5, -3.0, 30), index=pd.bdate_range("2024-08-05", periods=30))
    base = BaseBox(close.index[400].date(), close.index[850].date(), float(close.iloc[400:850].max()),
                   float(close.iloc[400:850].min()))
    return [
        partial(build_ratio_chart, long, short, long="IWM", short="IWB", frame=FRAME),
        partial(build_price_chart, close, ticker="PSCT", name="x", frame=FRAME, base=base,
                ath_level=float(close.max()),
                breakout=Breakout(close.index[860].date(), base.ceiling, "Base breakout")),
        partial(build_rrg_chart, tails, benchmark="SPY", frame=FRAME),
        partial(build_breadth_chart, breadth, close, benchmark="SPY", universe_label="ETFs", frame=FRAME),
        partial(build_correlation_chart, corr, long="IWM", short="IWB", frame=FRAME),
        partial(build_call_chart, CallPath("c", "long IWM vs IWB", date(2024, 8, 2), path, "open", -4.0),
                frame=FRAME),
        partial(build_track_record_chart,
                [CallOutcome(f"c{n}", "long X", date(2024, 1, 5 + n), float(n - 3), "closed")
                 for n in range(8)],
                frame=FRAME),
    ]


def test_a_cache_file_cut_short_is_drawn_again_not_copied_into_the_content(tmp_path: Path):
    job = chart_job(tmp_path / "out" / "a.png", build_price_chart, close=walk(4, 300), ticker="IWM", name="x",
                    frame=FRAME)
    cache = ChartCache(tmp_path / "cache")
    draw_charts([job], cache=cache)
    cached = next((tmp_path / "cache").rglob("*.png"))
    good = cached.read_bytes()
    cached.write_bytes(good[: len(good) // 2])  # a power cut before the unsynced write reached the disk
    (tmp_path / "out" / "a.png").unlink()
    again = draw_charts([job], cache=ChartCache(tmp_path / "cache"))
    assert again.drawn == 1 and (tmp_path / "out" / "a.png").read_bytes() == good


def test_a_worker_reusing_its_figures_draws_every_chart_as_a_new_figure_would_in_any_order():
    from functools import partial

    import generator.charts.theme as theme
    from generator.charts.engine import render_variants

    builds = _every_kind()
    wanted = [("wide", "light"), ("wide", "dark"), ("narrow", "light"), ("narrow", "dark")]
    fresh = []
    for build in builds:
        theme._TEMPLATES.clear()
        fresh.append(render_variants(build, wanted))
    more = [partial(b.func, *b.args, **{**b.keywords, "frame": replace(FRAME, as_of=date(2025, 1, 3))})
            for b in builds]
    theme._TEMPLATES.clear()
    for build in reversed(more):  # leave every kind's figure dirty with another chart first
        render_variants(build, wanted)
    for build, expected in zip(builds, fresh, strict=True):
        assert render_variants(build, wanted) == expected, build.func.__name__
