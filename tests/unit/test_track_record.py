"""The track record against its benchmark and base rate, with hand-computed expectations
(generator.calls.trackrecord)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from generator.calls.model import Call
from generator.calls.scoring import score_call
from generator.calls.trackrecord import (
    base_rate,
    record_groups,
    record_row,
    running_means,
    versus_benchmark,
)
from generator.data.prices import PriceHistory

# Sessions: Thu 2026-01-08 and Fri 01-09 (publication), then Mon 01-12 .. Fri 01-16.
DAYS = pd.bdate_range("2026-01-08", "2026-01-16")
PUBLISHED = date(2026, 1, 9)


def _call(position: str, **kwargs: object) -> Call:
    direction, ticker, *rest = position.split()
    fields: dict[str, object] = dict(
        id=position.replace(" ", "-").lower(),
        direction=direction,
        ticker=ticker,
        benchmark=rest[1] if rest else None,
        category="sectors",
        thesis="",
        entry={ticker: 100.0},
        horizon_weeks=1,
        stop_pct=-50.0,
        issue_date=PUBLISHED,
    )
    fields.update(kwargs)
    return Call(**fields)  # type: ignore[arg-type]


#        Thu    Fri(entry) Mon    Tue    Wed    Thu    Fri
AAA = [90.0, 100.0, 102.0, 104.0, 106.0, 108.0, 110.0]
SPY = [400.0, 400.0, 404.0, 408.0, 412.0, 416.0, 420.0]
BBB = [50.0, 50.0, 50.0, 51.0, 52.0, 53.0, 55.0]


def _prices() -> PriceHistory:
    frame = pd.DataFrame({"AAA": AAA, "SPY": SPY, "BBB": BBB}, index=pd.DatetimeIndex(DAYS, name="date"))
    return PriceHistory(close=frame, adj_close=frame)


def _score(position: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return score_call(_call(position, **kwargs), _prices(), published_on=PUBLISHED, through=date(2026, 1, 16))


def test_an_outright_call_is_set_beside_the_benchmark_over_the_same_days():
    score = _score("long AAA")  # one week: expires at Friday 01-16's close
    assert score.status == "expired" and score.result_pct == pytest.approx(10.0)  # 110 / 100
    versus = versus_benchmark(score, _prices().adj_close, "SPY")
    assert versus.benchmark == "SPY"
    assert versus.benchmark_pct == pytest.approx(5.0)  # 420 / 400 over the same days
    # Excess as a pair would measure it: (110/100) / (420/400) - 1 = 1.1 / 1.05 - 1 = 4.7619%
    assert versus.excess_pct == pytest.approx(100.0 * (1.1 / 1.05 - 1.0))


def test_a_call_on_the_benchmark_itself_has_no_excess():
    score = _score("long SPY", entry={"SPY": 400.0})
    versus = versus_benchmark(score, _prices().adj_close, "SPY")
    assert score.result_pct == pytest.approx(5.0)
    assert versus.benchmark_pct == pytest.approx(5.0) and versus.excess_pct == pytest.approx(0.0)


def test_a_short_call_beats_its_benchmark_when_it_falls_further():
    score = _score("short AAA")
    versus = versus_benchmark(score, _prices().adj_close, "SPY")
    assert score.result_pct == pytest.approx(-10.0)
    # s = -1: -((1.1 / 1.05) - 1) = -4.7619%: AAA rose more than the market, the short lost to it.
    assert versus.excess_pct == pytest.approx(-100.0 * (1.1 / 1.05 - 1.0))


def test_a_pair_calls_relative_return_is_its_excess_and_its_benchmark_is_the_other_leg():
    score = _score("long AAA vs BBB", entry={"AAA": 100.0, "BBB": 50.0})
    versus = versus_benchmark(score, _prices().adj_close, "SPY")
    # (110/100) / (55/50) - 1 = 1.1 / 1.1 - 1 = 0
    assert score.result_pct == pytest.approx(0.0)
    assert versus.benchmark == "BBB"
    assert versus.benchmark_pct == pytest.approx(10.0)  # 55 / 50
    assert versus.excess_pct == score.result_pct


def test_a_call_ended_early_is_compared_over_its_own_days_only():
    # Closed by a later issue on Tue 01-13: AAA 104 (+4%), SPY 408 (+2%).
    score = score_call(
        _call("long AAA", horizon_weeks=4),
        _prices(),
        published_on=PUBLISHED,
        through=date(2026, 1, 16),
        closed_on=date(2026, 1, 13),
    )
    versus = versus_benchmark(score, _prices().adj_close, "SPY")
    assert score.ended_on == date(2026, 1, 13)
    assert versus.benchmark_pct == pytest.approx(2.0)
    assert versus.excess_pct == pytest.approx(100.0 * (1.04 / 1.02 - 1.0))


def test_the_base_rate_counts_random_entries_held_for_the_horizon():
    # 500 sessions without holidays: up 1 a session to a peak of 399 at session 299, then down
    # 1 a session. A one-week hold from session i ends at session i + 5 (seven days later).
    # Entries 0..494 (the hold must end by the entry day, session 499): 495 of them. Gains:
    # i <= 294 (both ends on the way up) and i = 295, 296 (693 - i > 100 + i): 297 of 495 = 60%.
    days = pd.bdate_range("2024-01-01", periods=500)
    values = [100.0 + i if i <= 299 else 698.0 - i for i in range(500)]
    held = pd.Series(values, index=days)
    rate, entries = base_rate(held, entry_day=days[-1].date(), horizon_weeks=1, direction="long", years=2)
    assert entries == 495
    assert rate == pytest.approx(60.0)
    # A short makes money on the other 198 entries: none is flat.
    short_rate, _ = base_rate(held, entry_day=days[-1].date(), horizon_weeks=1, direction="short", years=2)
    assert short_rate == pytest.approx(40.0)
    # One year back: entries from 2024-11-28 on (days[-1] - 365 days), all but two on the way down.
    first = pd.Timestamp(days[-1]) - pd.Timedelta(days=365)
    recent = [i for i in range(495) if days[i] >= first]
    gains = sum(1 for i in recent if i <= 296)
    assert base_rate(held, entry_day=days[-1].date(), horizon_weeks=1, direction="long", years=1) == (
        pytest.approx(100.0 * gains / len(recent)),
        len(recent),
    )


def test_the_base_rate_of_a_steady_riser_is_100_and_of_a_steady_faller_0():
    days = pd.bdate_range("2020-01-01", periods=800)
    rising = pd.Series(np.linspace(100, 200, len(days)), index=days)
    assert base_rate(rising, entry_day=days[-1].date(), horizon_weeks=13, direction="long")[0] == 100.0
    assert base_rate(rising, entry_day=days[-1].date(), horizon_weeks=13, direction="short")[0] == 0.0


def test_the_base_rate_reads_nothing_after_the_calls_entry():
    days = pd.bdate_range("2020-01-01", periods=800)
    held = pd.Series(np.linspace(100, 200, len(days)), index=days)
    entry = days[600].date()
    before = base_rate(held, entry_day=entry, horizon_weeks=4, direction="long")
    crashed = held.copy()
    crashed.iloc[601:] = 1.0  # whatever happened after the entry
    assert base_rate(crashed, entry_day=entry, horizon_weeks=4, direction="long") == before
    # The last entry counted is the one whose 4-week hold ends on the entry day at the latest.
    _, entries = before
    first = pd.Timestamp(entry) - pd.Timedelta(days=round(365.25 * 5))
    last = pd.Timestamp(entry) - pd.Timedelta(weeks=4)
    assert entries == int(((days >= first) & (days <= last)).sum())


def test_too_little_history_gives_no_base_rate():
    days = pd.bdate_range("2026-01-01", periods=40)
    held = pd.Series(np.linspace(100, 120, len(days)), index=days)
    rate, entries = base_rate(held, entry_day=days[-1].date(), horizon_weeks=1, direction="long")
    assert rate is None and 0 < entries < 60


def test_a_group_sets_its_hit_rate_beside_its_base_rate_and_averages_per_call():
    prices = _prices()
    a = _score("long AAA")  # +10%, SPY +5%, excess +4.76%
    b = _score("short AAA", id="s")  # -10%, excess -4.76%
    open_call = score_call(  # horizon not reached: open, left out of the rates
        _call("long BBB", id="o", horizon_weeks=8), prices, published_on=PUBLISHED, through=date(2026, 1, 16)
    )
    versus = {s.call.id: versus_benchmark(s, prices.adj_close, "SPY") for s in (a, b, open_call)}
    versus["long-aaa"] = replace(versus["long-aaa"], base_rate_pct=60.0)
    versus["s"] = replace(versus["s"], base_rate_pct=30.0)
    row = record_row("all", [a, b, open_call], versus)
    assert (row.calls, row.open, row.ended, row.hits) == (3, 1, 2, 1)
    assert row.hit_rate_pct == 50.0
    assert row.base_rate_pct == pytest.approx(45.0)  # (60 + 30) / 2
    assert row.mean_pct == pytest.approx(0.0)  # (+10 - 10) / 2
    assert row.benchmark_mean_pct == pytest.approx(5.0)
    assert row.excess_mean_pct == pytest.approx(0.0)
    assert row.beat_benchmark == 1


def test_groups_use_readable_category_names_and_years():
    a = _score("long AAA")
    versus = {a.call.id: versus_benchmark(a, _prices().adj_close, "SPY")}
    groups = record_groups([a], versus, {"sectors": "S&P 500 sectors"}.get)  # type: ignore[arg-type]
    assert [title for title, _ in groups] == ["All calls", "By category", "By year"]
    assert groups[1][1][0].label == "S&P 500 sectors"
    assert groups[2][1][0].label == "2026"


def test_running_means_average_the_calls_ended_so_far():
    prices = _prices()
    early = score_call(
        _call("long AAA", id="e", horizon_weeks=4),
        prices,
        published_on=PUBLISHED,
        through=date(2026, 1, 16),
        closed_on=date(2026, 1, 13),
    )  # +4% on Tue, SPY +2%
    late = _score("long AAA")  # +10% on Fri, SPY +5%
    versus = {s.call.id: versus_benchmark(s, prices.adj_close, "SPY") for s in (early, late)}
    means = running_means([late, early], versus)
    assert list(means.index) == [pd.Timestamp("2026-01-13"), pd.Timestamp("2026-01-16")]
    assert means["result_pct"].tolist() == pytest.approx([4.0, 7.0])  # 4, then (4 + 10) / 2
    assert means["benchmark_pct"].tolist() == pytest.approx([2.0, 3.5])
    assert means["calls"].tolist() == [1, 2]
