"""All-time and N-year highs on weekly closes (SIGNALS.md §3.2), with the age of the prior high."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.signals.levels import HighSpec, new_high_events, weekly_ath_state

ATH = HighSpec("ath_breakout", None)


def weeks_of(count: int) -> np.ndarray:
    index = pd.date_range("2020-01-03", periods=count, freq="W-FRI")
    return np.asarray(index.to_numpy().astype("datetime64[D]").astype(object))


def events(closes: list[float], spec: HighSpec = ATH, min_age: int = 13, recent: int = 500):
    values = np.asarray(closes, dtype=float)[:, None]
    return new_high_events(
        values, weeks_of(len(values)), spec, recent_weeks=recent, min_high_age_weeks=min_age
    )[0]


def test_an_ath_event_fires_only_on_the_first_close_above():
    closes = [10, 12, 11, 10, 11, 12.5, 13, 14, 13.5]
    found = events(closes)
    # 12 tops 10; 12.5 is the first close above 12 (week 1); 13 and 14 are higher still but not "first".
    weeks = weeks_of(9)
    assert [(e.day, e.level, e.close) for e in found] == [(weeks[1], 10.0, 12.0), (weeks[5], 12.0, 12.5)]
    assert found[1].weeks_ago == 3 and found[1].detail["weeks_since_high"] == 4


def test_a_reclaimed_pullback_is_kept_but_not_notable():
    closes = [10.0] + [11.0 + 0.1 * i for i in range(20)] + [12.5, 13.5]  # 12.9 set at week 20
    closes = closes[:21] + [12.0, 13.2]  # one week below, then above again
    found = events(closes)
    assert found[-1].detail["weeks_since_high"] == 2 and not found[-1].notable


def test_a_high_that_stood_for_a_quarter_is_notable():
    closes = [10.0, 20.0] + [15.0] * 13 + [21.0]
    found = events(closes)
    assert found[-1].detail["weeks_since_high"] == 14 and found[-1].notable
    assert found[-1].detail["prior_high_day"] == weeks_of(16)[1].isoformat()
    assert found[-1].detail["margin_pct"] == 5.0


def test_an_n_year_high_needs_its_whole_lookback():
    spec = HighSpec("high_1y_breakout", 52)
    closes = list(np.linspace(10, 20, 40))  # new highs every week, but no 52-week window yet
    assert events(closes, spec) == []
    closes = [30.0] + [10.0] * 55 + [11.0]  # 30 is older than 52 weeks: 11 is a 1-year high
    found = events(closes, spec)
    assert [e.close for e in found] == [11.0] and found[0].level == 10.0


def test_weeks_before_inception_do_not_count():
    closes = [np.nan] * 5 + [10.0, 9.0, 11.0]
    found = events(closes)
    assert [e.close for e in found] == [11.0] and found[0].detail["first_bar"] == weeks_of(8)[5].isoformat()


def test_only_recent_events_are_reported():
    closes = [10.0, 11.0, 10.0, 12.0] + [11.0] * 30
    assert events(closes, recent=26) == []
    assert len(events(closes, recent=40)) == 2


def test_weekly_ath_state():
    at, since = weekly_ath_state(np.array([[10.0, 10.0], [12.0, 9.0], [11.0, np.nan]]))
    assert list(at) == [False, False] and list(since) == [1, 2]
