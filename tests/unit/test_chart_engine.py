"""The drawing engine: PNG bytes, the chart cache, parallel drawing, social cards as jobs."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

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
    jobs = [ChartJob(tmp_path / f"{n}.png", job.draw) for n in range(4)]
    stats = draw_charts(jobs, cache=ChartCache(None), workers=2, min_per_worker=1)
    assert stats.workers == 2 and stats.drawn == 4
    assert [j.path.read_bytes() for j in jobs] == [inline] * 4


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


def test_light_and_dark_variants_go_side_by_side(tmp_path: Path):
    jobs = chart_variants(
        tmp_path / "iwm-price.png",
        build_price_chart,
        dark=True,
        close=walk(6, 100),
        ticker="IWM",
        name="x",
        frame=FRAME,
    )
    assert [j.path.name for j in jobs] == ["iwm-price.png", "iwm-price-dark.png"]
    assert [j.draw.keywords["theme"] for j in jobs] == [LIGHT, DARK]
    assert (
        len(
            chart_variants(
                tmp_path / "a.png",
                build_price_chart,
                dark=False,
                close=walk(6, 100),
                ticker="IWM",
                name="x",
                frame=FRAME,
            )
        )
        == 1
    )
