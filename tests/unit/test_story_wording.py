"""Generated sentences say "above" or "below" from the sign of the number, never "-3.2% above"
or "0.0% below" (issue 12, item 17)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from generator.data.universe import ShortInterestRecord
from generator.signals import wording as w
from generator.signals.instrument_stories import instrument_stories
from generator.signals.market_stories import relative_stories
from generator.signals.report import BaseState, Event

FRIDAYS = [date(2025, 1, 3) + timedelta(weeks=k) for k in range(12)]  # both phrasings get picked
CEILING = 117.17
WRONG = re.compile(r"-\d[\d.,]*% (?:above|below|under|over)|\b0\.0+% (?:above|below|under)|[+-]0\.0+%")


def _breakout(weeks_ago: int = 6) -> Event:
    detail = {
        "length_weeks": 120,
        "length_years": 2.3,
        "wording": "multi-year base",
        "start_day": "2022-01-07",
        "floor": 90.0,
        "depth_pct": 23.2,
        "touches": 4,
        "margin_pct": 2.1,
    }
    return Event("base_breakout", date(2024, 11, 22), CEILING, 119.6, weeks_ago, detail)


def _base(state: str, pct_from_ceiling: float | None, breakout: Event | None = None) -> BaseState:
    return BaseState(
        state=state,
        wording="multi-year base",
        length_weeks=120,
        length_years=2.3,
        start_day=date(2022, 1, 7),
        ceiling=CEILING,
        floor=90.0,
        depth_pct=23.2,
        touches=4,
        pct_from_ceiling=pct_from_ceiling,
        weeks_in_band=1,
        breakout=breakout,
    )


def _item(base: BaseState, close: float = 113.42) -> SimpleNamespace:
    return SimpleNamespace(
        ticker="ARKK",
        name="ARK Innovation",
        category="thematic",
        base=base,
        last_close=close,
        events=[],
        volatility=SimpleNamespace(contraction=False, bb_width_pct=None, bb_width_rank=None),
    )


def _texts(item: SimpleNamespace) -> list[str]:
    return [h.text for day in FRIDAYS for h in instrument_stories(item, SimpleNamespace(as_of=day), 3.0)]


def _pair(base: BaseState, vs_sma_slow_pct: float | None) -> SimpleNamespace:
    return SimpleNamespace(
        long="IWM",
        short="IWB",
        label="Small vs large caps",
        category="size",
        trend="neutral",
        events=[],
        base=base,
        vs_sma_slow_pct=vs_sma_slow_pct,
        change_13w_pct=1.4,
    )


def _pair_texts(pair: SimpleNamespace) -> list[str]:
    return [
        h.text for day in FRIDAYS for h in relative_stories(pair, SimpleNamespace(as_of=day), configured=True)
    ]


def test_a_post_breakout_close_under_the_ceiling_reads_below_it():
    texts = _texts(_item(_base("post_breakout", -3.2, _breakout())))
    assert texts and all("3.2% below the 117.17 ceiling" in t for t in texts), texts
    assert not [t for t in texts if WRONG.search(t) or "above the 117.17" in t]


def test_a_post_breakout_close_over_the_ceiling_reads_above_it():
    texts = _texts(_item(_base("post_breakout", 4.5, _breakout()), close=122.44))
    assert texts and all("4.5% above the 117.17 ceiling" in t for t in texts), texts


@pytest.mark.parametrize("gap_pct", [0.0, 0.004, -0.004, 0.03, -0.03])
def test_a_close_level_with_the_ceiling_never_reads_zero_percent(gap_pct):
    texts = _texts(_item(_base("attempting", gap_pct))) + _texts(
        _item(_base("post_breakout", gap_pct, _breakout()))
    )
    texts += _pair_texts(_pair(_base("attempting", gap_pct), vs_sma_slow_pct=gap_pct))
    assert texts
    bad = [t for t in texts if WRONG.search(t)]
    assert not bad, bad
    if gap_pct == 0.0:
        assert not [t for t in texts if re.search(r"% (above|below|under) the", t)], texts
    elif abs(gap_pct) >= 0.01:
        word = "above" if gap_pct > 0 else "below"
        assert any(f"{abs(gap_pct):.2f}% {word}" in t for t in texts), texts


def test_a_ratio_under_its_200_day_average_reads_below_and_one_on_it_reads_at():
    under = _pair_texts(_pair(_base("none", None), vs_sma_slow_pct=-2.46))
    assert any("2.5% below its 200-day average" in t for t in under), under
    level = _pair_texts(_pair(_base("none", None), vs_sma_slow_pct=0.0))
    assert any("at its 200-day average" in t for t in level), level
    assert not [t for t in level if "0.0% above" in t]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-3.2, "3.2% below the ceiling"),
        (3.2, "3.2% above the ceiling"),
        (0.0, "at the ceiling"),
        (-0.0, "at the ceiling"),
        (0.04, "0.04% above the ceiling"),
        (-0.04, "0.04% below the ceiling"),
        (0.001, "just above the ceiling"),
        (-0.001, "just below the ceiling"),
        (None, "n/a from the ceiling"),
    ],
)
def test_versus_chooses_the_word_from_the_sign(value, expected):
    assert w.versus(value, "the ceiling") == expected


def test_signed_never_prints_a_signed_zero():
    assert w.signed(-0.04) == "0.0%"
    assert w.signed(0.04) == "0.0%"
    assert w.signed(-1.25) == "-1.2%" or w.signed(-1.25) == "-1.3%"


def test_a_short_interest_level_with_its_previous_high_is_not_above_it():
    record = ShortInterestRecord(
        snapshot=date(2026, 6, 26),
        median_pct=4.2,
        snapshots=5,
        rank=1,
        first_snapshot=date(2026, 1, 2),
        previous_high_pct=4.2,
        previous_high_day=date(2026, 3, 6),
    )
    text = record.describe()
    assert "above the previous high" not in text and "level with the previous high of 4.20%" in text
