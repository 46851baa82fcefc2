"""Relative Rotation Graph (SIGNALS.md §2.3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from generator.config import RRGSettings
from generator.signals.frames import PairSpec
from generator.signals.rrg import QUADRANTS, quadrant_codes, rrg_arrays, rrg_points

SPEC = PairSpec("AAA", "SPY", "AAA vs SPY", "g")


def weekly(ratio: np.ndarray) -> pd.DataFrame:
    index = pd.date_range("2018-01-05", periods=len(ratio), freq="W-FRI", name="date")
    return pd.DataFrame({SPEC.key: ratio}, index=index)


def test_a_flat_ratio_has_no_point():
    point = rrg_points(weekly(np.full(80, 0.5)), [SPEC], RRGSettings())[0]
    assert point.rs_ratio is None and point.quadrant == "insufficient history" and point.tail == []


def test_a_relative_cycle_rotates_clockwise_through_the_quadrants():
    k = np.arange(200)
    ratio = np.exp(0.05 * np.sin(2 * np.pi * k / 52))
    x, y = rrg_arrays(ratio[:, None], RRGSettings())
    x, y = x[40:, 0] - 100, y[40:, 0] - 100
    cross = x[:-1] * y[1:] - y[:-1] * x[1:]  # < 0: a clockwise step around (100, 100)
    assert (cross < 0).mean() > 0.85
    codes = quadrant_codes(x[:, None] + 100, y[:, None] + 100)[:, 0]
    visits = [QUADRANTS[c] for i, c in enumerate(codes) if i == 0 or c != codes[i - 1]]
    start = visits.index("Lagging")
    assert visits[start : start + 5] == ["Lagging", "Improving", "Leading", "Weakening", "Lagging"]


def test_rrg_lite_momentum_equals_the_zscore_of_the_ratio():
    rng = np.random.default_rng(4)
    ratio = np.exp(np.cumsum(rng.normal(0, 0.02, 120)))
    window, period = 14, 52
    rs = pd.Series(100 * ratio)
    rsr = 100 + (rs - rs.rolling(window).mean()) / rs.rolling(window).std(ddof=1)
    # RRG-Lite: ROC of RS-Ratio against a fixed base, then its z-score.
    roc = 100 * (rsr / rsr.iloc[-period] - 1)
    rrg_lite_momentum = 100 + (roc - roc.rolling(window).mean()) / roc.rolling(window).std(ddof=1)
    x, y = rrg_arrays(ratio[:, None], RRGSettings(window_weeks=window))
    np.testing.assert_allclose(x[:, 0], rsr.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(y[-60:, 0], rrg_lite_momentum.to_numpy()[-60:], atol=1e-7)


def test_the_roc_method_is_schuler_ph():
    rng = np.random.default_rng(5)
    ratio = np.exp(np.cumsum(rng.normal(0, 0.02, 80)))
    pr = pd.Series(100 * ratio)
    x = (100 * pr / pr.shift(11)).rolling(12).mean()
    y = (100 * x / x.shift(4)).rolling(5).mean()
    got_x, got_y = rrg_arrays(ratio[:, None], RRGSettings(method="roc"))
    np.testing.assert_allclose(got_x[:, 0], x.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(got_y[:, 0], y.to_numpy(), atol=1e-9)


def test_a_point_has_its_tail_heading_and_rotation():
    k = np.arange(120)
    frame = weekly(np.exp(0.05 * np.sin(2 * np.pi * k / 52)))
    settings = RRGSettings()
    point = rrg_points(frame, [SPEC], settings)[0]
    x, y = rrg_arrays(frame.to_numpy(), settings)
    assert len(point.tail) == settings.tail_weeks and point.tail[-1].rs_ratio == round(x[-1, 0], 4)
    assert point.quadrant == QUADRANTS[quadrant_codes(x[-1:], y[-1:])[0, 0]]
    dx, dy = x[-1, 0] - x[-2, 0], y[-1, 0] - y[-2, 0]
    assert point.heading_deg == pytest.approx(np.degrees(np.arctan2(dy, dx)) % 360, abs=0.05)
    assert point.velocity == pytest.approx(np.hypot(dx, dy), abs=1e-4)
    assert point.distance == pytest.approx(np.hypot(x[-1, 0] - 100, y[-1, 0] - 100), abs=1e-4)
    steps = np.hypot(np.diff(x[-8:, 0]), np.diff(y[-8:, 0]))
    assert point.tail_length == pytest.approx(steps.sum(), abs=1e-3)
    changed = [
        i for i in range(60, 120) if np.ptp(quadrant_codes(x[i - 1 : i + 1], y[i - 1 : i + 1])[:, 0]) != 0
    ]
    assert changed  # the cycle crosses quadrants: the week after a change reports a rotation
    turn = frame.iloc[: changed[0] + 1]
    rotated = rrg_points(turn, [SPEC], settings)[0]
    assert (
        rotated.rotation == f"{rotated.previous_quadrant} → {rotated.quadrant}"
        and rotated.weeks_in_quadrant == 1
    )
