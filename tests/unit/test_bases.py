"""The multi-year base detector (SIGNALS.md §3.3) on synthetic weekly closes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from generator.config import BaseSettings
from generator.signals.bases import base_wording, candidate_rows, detect_bases
from generator.signals.breakouts import breakout_records
from generator.signals.report import INSUFFICIENT
from generator.signals.states import base_states

PARAMS = BaseSettings()


def reference(closes: np.ndarray, t: int, p: BaseSettings) -> tuple[int, float, float, int, int] | None:
    """Steps 1-7 of bases.py written literally, one bar at a time (the slow, obvious way)."""
    b = t - 1
    if b < 0 or np.isnan(closes[b]):
        return None
    s0 = b
    while s0 - 1 >= 0:
        window = closes[s0 - 1 : b + 1]
        if np.isnan(window).any() or (window.max() - window.min()) / window.max() > p.max_depth_pct / 100:
            break
        s0 -= 1
    peeled = False
    while True:
        ceiling = closes[s0 : b + 1].max()
        threshold = ceiling * (1 - p.ceiling_tol_pct / 100)
        s = next(i for i in range(s0, b + 1) if closes[i] >= threshold)
        touches, previous, first_end = 0, None, None
        for i in range(s, b + 1):
            if closes[i] >= threshold:
                if previous is None or i - previous >= p.touch_gap_weeks:
                    touches += 1
                if touches == 1:
                    first_end = i
                previous = i
        length = t - s
        # Step 7: a once-touched ceiling is a falling leg; peel it while the window is long enough.
        if length >= p.min_weeks and touches < p.min_touches and first_end is not None and first_end < b:
            trial_s0 = first_end + 1
            trial_ceiling = closes[trial_s0 : b + 1].max()
            trial_s = next(
                i
                for i in range(trial_s0, b + 1)
                if closes[i] >= trial_ceiling * (1 - p.ceiling_tol_pct / 100)
            )
            if t - trial_s >= p.min_weeks:
                s0, peeled = trial_s0, True
                continue
        if peeled and s == s0 and length >= p.min_weeks:
            # The first week left is already near the new ceiling: the fall is still going.
            if first_end is None or first_end >= b:
                return s, ceiling, closes[s : b + 1].min(), length, 0
            s0 = first_end + 1
            continue
        return s, ceiling, closes[s : b + 1].min(), length, touches


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_detector_matches_the_literal_walk(seed: int):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(40, 260)), 3
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.035, (n, m)), axis=0))
    closes[rng.integers(0, n, 4), 0] = np.nan  # gaps
    closes[: int(rng.integers(1, 30)), 2] = np.nan  # a late listing
    rows = np.arange(1, n)
    found = detect_bases(closes, rows, PARAMS)
    checked = 0
    for q, t in enumerate(rows):
        for col in range(m):
            expected = reference(closes[:, col], int(t), PARAMS)
            if expected is None:
                assert found.start[q, col] == -1
                continue
            s, ceiling, floor, length, touches = expected
            got = (
                found.start[q, col],
                found.ceiling[q, col],
                found.floor[q, col],
                found.length_weeks[q, col],
            )
            if length >= PARAMS.min_weeks and touches >= PARAMS.min_touches:
                assert got == (s, pytest.approx(ceiling), pytest.approx(floor), length), (t, col)
                assert found.touches[q, col] == touches and found.valid[q, col]
                checked += 1
            else:
                assert not found.valid[q, col], (t, col)
    assert checked > 0 or n < 60


def synthetic_base() -> np.ndarray:
    """3 years up to 96, a 164-week range of 80-100 touching 100 four times, then a breakout."""
    uptrend = np.geomspace(40, 96, 156)
    k = np.arange(164)
    base = 90 + 10 * np.cos(2 * np.pi * k / 41)  # 100 at k = 0, 41, 82, 123; 80 at the troughs
    breakout = np.geomspace(105, 125, 30)
    return np.concatenate([uptrend, base, breakout])


def test_the_164_week_synthetic_base_breaks_out_exactly_once():
    closes = synthetic_base()[:, None]
    found = detect_bases(closes, np.arange(1, len(closes)), PARAMS)
    records = breakout_records(closes, found, PARAMS)
    assert len(records) == 1
    record = records[0]
    assert record.row == 320
    assert record.length_weeks == 164 and record.ceiling == pytest.approx(100.0)
    # Touches: the four tops of the range, and the approach to the breakout week.
    assert record.floor == pytest.approx(80.0, abs=0.05) and record.touches == 5
    assert base_wording(PARAMS, record.length_weeks) == "massive base"


def test_an_uptrend_is_never_a_valid_base():
    rng = np.random.default_rng(3)
    closes = (50 * np.exp(np.cumsum(0.006 + rng.normal(0, 0.01, 400))))[:, None]
    found = detect_bases(closes, np.arange(1, 400), PARAMS)
    assert not found.valid.any()
    assert breakout_records(closes, found, PARAMS) == []


def test_a_base_after_a_decline_reads_its_own_ceiling_not_the_fall():
    decline = np.geomspace(100, 60, 20)
    k = np.arange(120)
    base = 62 - 8 * np.cos(2 * np.pi * k / 40)  # 54-70, topping at 70 three times
    closes = np.concatenate([decline, base, [74.0]])[:, None]
    found = detect_bases(closes, np.array([140]), PARAMS)
    first_touch = 20 + int(np.argmax(base >= 70 * 0.97))
    assert found.valid[0, 0]
    assert found.ceiling[0, 0] == pytest.approx(70.0) and found.touches[0, 0] == 3
    assert found.start[0, 0] == first_touch  # the range's first test of 70, not a week of the fall
    records = breakout_records(closes, detect_bases(closes, np.arange(1, 141), PARAMS), PARAMS)
    assert [(r.row, r.ceiling) for r in records] == [(140, pytest.approx(70.0))]


def test_a_re_anchored_base_is_not_a_second_breakout():
    closes = np.concatenate([synthetic_base()[:321], [103.0, 102.0, 104.0, 103.0, 106.0]])[:, None]
    found = detect_bases(closes, np.arange(1, len(closes)), PARAMS)
    assert len(breakout_records(closes, found, PARAMS)) == 1


def test_a_new_attempt_after_a_failed_breakout_counts():
    failed = synthetic_base()[:321].copy()
    retry = 88 + 6 * np.sin(np.arange(80) / 3)  # a new 82-94 range, topping every 19 weeks
    closes = np.concatenate([failed, [98.0, 93.0, 90.0], retry, [103.0]])[:, None]
    found = detect_bases(closes, np.arange(1, len(closes)), PARAMS)
    records = breakout_records(closes, found, PARAMS)
    assert [r.row for r in records] == [320, len(closes) - 1]
    assert records[0].failed_row == 322  # 93 < 100 * 0.95


def test_touches_closer_than_the_gap_are_one_episode():
    k = np.arange(60)
    closes = np.where(k % 4 == 0, 100.0, 90.0)  # near the ceiling every 4 weeks: one long episode
    closes = np.concatenate([closes, [95.0]])[:, None]
    found = detect_bases(closes, np.array([60]), PARAMS)
    assert found.touches[0, 0] == 1 and not found.valid[0, 0]


def test_candidate_rows_only_skip_weeks_that_cannot_break_out():
    closes = synthetic_base()[:, None]
    rows = np.arange(1, len(closes))
    needed = candidate_rows(closes, rows, PARAMS)
    full = detect_bases(closes, rows, PARAMS)
    lean = detect_bases(closes, rows, PARAMS, needed)
    assert needed.sum() < len(rows) / 2
    assert breakout_records(closes, full, PARAMS) == breakout_records(closes, lean, PARAMS)


def weeks_of(count: int) -> np.ndarray:
    index = pd.date_range("2010-01-01", periods=count, freq="W-FRI")
    return np.asarray(index.to_numpy().astype("datetime64[D]").astype(object))


def states_at(closes: np.ndarray, t: int):
    cut = closes[: t + 1, None]
    states, events = base_states(cut, weeks_of(len(cut)), PARAMS)
    return states[0], events[0]


def test_states_through_a_base_and_its_breakout():
    closes = synthetic_base()
    forming, _ = states_at(closes, 312)  # 93.4, the base 156 weeks old
    assert forming.state == "forming" and forming.wording == "massive base" and forming.length_weeks == 156
    attempting, _ = states_at(closes, 281)  # 99.5, within 3% of the 100 ceiling
    assert attempting.state == "attempting" and attempting.wording == "multi-year base"
    assert attempting.pct_from_ceiling == pytest.approx(100 * (closes[281] / 100 - 1), abs=0.01)
    in_band = int(np.argmin(closes[281::-1] >= 97.0))  # closes within 3% of 100, back from 281
    assert attempting.touches == 4 and attempting.weeks_in_band == in_band == 8
    breakout, events = states_at(closes, 320)
    assert breakout.state == "breakout" and [e.kind for e in events] == ["base_breakout"]
    later, events = states_at(closes, 330)
    assert later.state == "post_breakout" and later.breakout is not None
    assert (
        later.breakout.weeks_ago == 10 and later.length_weeks == 164 and later.ceiling == pytest.approx(100.0)
    )
    done, _ = states_at(closes, 320 + PARAMS.hold_weeks + 1)
    assert done.state == "none"  # the breakout is history; the new highs are no base


def test_a_failed_breakout_is_reported_as_failed():
    closes = np.concatenate([synthetic_base()[:321], [98.0, 93.0, 92.0]])
    state, events = states_at(closes, len(closes) - 1)
    assert state.state == "failed"
    assert [e.kind for e in events] == ["base_breakout_failed", "base_breakout"]
    assert events[0].detail["weeks_after_breakout"] == 2


def test_a_failed_breakout_that_reclaims_its_ceiling_is_no_longer_failed():
    # The ceiling is 100 (breakout buffer 1%): back at 101 the base still reads as failed,
    # at 117 (XLY in November 2024) the old ceiling has been reclaimed.
    failed = np.concatenate([synthetic_base()[:321], [98.0, 93.0, 92.0]])
    still_below, _ = states_at(np.concatenate([failed, [100.5]]), len(failed))
    assert still_below.state == "failed"
    closes = np.concatenate([failed, [104.0, 110.0, 117.0]])
    state, events = states_at(closes, len(closes) - 1)
    assert state.state == "post_breakout"
    assert state.pct_from_ceiling == pytest.approx(17.0)
    assert "base_breakout_failed" in [e.kind for e in events]  # the failure stays on record


def test_too_little_history_is_insufficient_not_none():
    state, events = states_at(np.linspace(50, 60, 20), 19)
    assert state.state == INSUFFICIENT and state.ceiling is None and events == []


def test_a_nan_week_ends_the_window():
    closes = synthetic_base()
    closes[250] = np.nan
    found = detect_bases(closes[:, None], np.array([320]), PARAMS)
    assert found.start[0, 0] > 250 and found.length_weeks[0, 0] < 70


def v_shape() -> np.ndarray:
    """A year up to 100, a 25% fall over 12 weeks and the climb back over 14, then a close over 100."""
    up = np.geomspace(60, 100, 52)
    top = np.array([100.0, 99.0, 98.5, 99.5, 99.8, 98.0])
    fall = np.linspace(97.0, 75.0, 12)
    back = np.linspace(77.0, 99.5, 14)
    return np.concatenate([up, top, fall, back, [99.8, 99.9, 103.0]])


def test_a_sharp_v_is_no_base_and_its_recovery_no_breakout():
    closes = v_shape()
    found = detect_bases(closes[:, None], np.arange(1, len(closes)), PARAMS)
    loose = BaseSettings(v_min_depth_pct=100.0)  # the V rule off: the detector alone calls it a base
    assert [r.row for r in breakout_records(closes[:, None], found, loose)] == [len(closes) - 1]
    assert breakout_records(closes[:, None], found, PARAMS) == []
    state, events = states_at(closes, len(closes) - 1)
    assert state.state == "none" and events == []
    testing, _ = states_at(closes, len(closes) - 2)  # 99.9 under the 100 ceiling: not a test of a base
    assert testing.state == "none"


def test_a_long_base_with_a_deep_test_stays_a_base():
    # The 164-week synthetic base dips to 80 four times: deep, but its lower half is no one-off V.
    state, events = states_at(synthetic_base(), 320)
    assert state.state == "breakout" and state.depth_pct == pytest.approx(20.0, abs=0.1)


def test_a_fund_making_new_highs_is_not_attempting_the_base_under_them():
    # A year-long range with a 100 ceiling (touched twice), then new highs a little over it
    # (inside the 1% breakout buffer), then a close just under the newest high.
    left = np.concatenate([np.geomspace(60, 100, 40), 90 + 10 * np.cos(2 * np.pi * np.arange(50) / 25)])
    creeping = np.array([100.2, 100.5, 100.8, 100.6])
    closes = np.concatenate([left, creeping])
    state, _ = states_at(closes, len(closes) - 1)
    assert state.state == "none"  # main: "attempting", 0.2% under a ceiling it set itself
    retest = np.concatenate([left, [99.2]])  # back at the old ceiling: that is a test of the base
    state, _ = states_at(retest, len(retest) - 1)
    assert state.state == "attempting" and state.ceiling == pytest.approx(100.0)
