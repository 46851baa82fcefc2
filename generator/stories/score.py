"""The story score: ``score = importance + novelty + theme``. Higher leads; ties go by key.

**Importance**, how much the event matters (``y``: years, capped as noted):

- ``base_breakout``, a first weekly close over a base's ceiling: 30 + 10 y of the base (cap 3);
- ``ath_breakout``, a first weekly close over an all-time high that stood 13 weeks or more:
  25 + 10 y it stood (cap 3);
- ``ath_second_leg``, a record in the weeks after a base breakout: 35;
- ``base_failed``, a breakout back under its ceiling: 30 + 5 y of the base (cap 3);
- ``pair_slow_cross``, the ratio crossing its 200-day average: 20 + 12 y since it was last on
  this side (cap 3), or 10 after fewer than 8 weeks on the other side (a whipsaw);
- ``pair_averages_cross``, its 50-day crossing its 200-day: 20 + 10 y since the last such
  cross (cap 3);
- ``pair_slope_turn``, its 200-day average turning: 15 + 10 y since the last turn (cap 3), or
  5 after fewer than 13 weeks;
- ``pair_extreme``, a multi-year relative low or high this week: 25 + 3 y since a weekly close
  beyond it (cap 5);
- ``pair_big_week``, the ratio's largest weekly move in a year or more: 20 + 5 y since one as
  large (cap 6);
- ``fund_big_week``, the benchmark's largest weekly move in two years or more: 35 + 6 y since
  one as large (cap 6);
- ``pair_base_breakout``, a relative base breakout: 35 + 10 y of the base (cap 3);
  ``pair_multi_year_high`` / ``pair_52w_high``, a relative high: 40 / 30;
  ``pair_breakout_failed``: 30;
- ``base_attempting``, testing the ceiling of a base: 15 + 5 y of the base (cap 3), +5 when
  the range is tightening;
- ``record_run``, ``base_holds``, ``base_slips``, follow-through of last week's story: 25;
- ``breadth_thrust``, a 25-point swing in the share above the 200-day average: 25;
- ``correlation``, in the lowest or highest tenth of five years: 20;
- ``leadership``, a group's new leaders over 13 weeks: 15.

**Novelty**: +20 for an event of this week; 0 for follow-through of last week's story; a
state (testing a ceiling, leadership) that last week's letter did not tell +5. A story last
week's letter told is never told again as it was: it becomes follow-through or is left out.

**Theme** (the house order, LETTER.md): size +15, S&P sectors +10, small-cap sectors +8,
themes +6, other bases and breakouts +4, breadth +2, correlation 0.

A fund's or pair's relative story counts for the theme of the fund's group (XLV against SPY is
a sector story). The theme of a configured pair (size) is the relative trade itself: a size
fund's own breakout or record (IWM's base) counts for "bases". The weights were set by reading
the drafts of 2019-2026 (issue 14): a three-year base breakout (60 + 20 + 4) outranks the size
pair's 200-day cross after 14 weeks below (23.5 + 20 + 15), which outranks one sector's
52-week relative high (30 + 20 + 10) only because size comes first in the house order.
"""

from __future__ import annotations

THEME_WEIGHTS = {
    "size": 15.0,
    "sectors": 10.0,
    "smallcap-sectors": 8.0,
    "thematic": 6.0,
    "bases": 4.0,
    "breadth": 2.0,
    "correlation": 0.0,
}
THEME_ORDER = list(THEME_WEIGHTS)
FRESH = 20.0
UNTOLD_STATE = 5.0
WHIPSAW_WEEKS = 8
SLOPE_WHIPSAW_WEEKS = 13


def capped_years(weeks: float | None, cap: float) -> float:
    """``weeks`` in years, at most ``cap`` (0 for none)."""
    return min((weeks or 0.0) / 52.0, cap)


def base_breakout(length_weeks: int) -> float:
    return 30.0 + 10.0 * capped_years(length_weeks, 3)


def ath_breakout(weeks_since_high: int) -> float:
    return 25.0 + 10.0 * capped_years(weeks_since_high, 3)


def base_failed(length_weeks: int) -> float:
    return 30.0 + 5.0 * capped_years(length_weeks, 3)


def slow_cross(prior_weeks: int, weeks_since_same_side: int | None) -> float:
    if prior_weeks < WHIPSAW_WEEKS:
        return 10.0
    return 20.0 + 12.0 * capped_years(weeks_since_same_side, 3)


def averages_cross(weeks_since: int | None) -> float:
    return 20.0 + 10.0 * capped_years(weeks_since, 3)


def slope_turn(prior_weeks: int, weeks_since: int | None) -> float:
    if prior_weeks < SLOPE_WHIPSAW_WEEKS:
        return 5.0
    return 15.0 + 10.0 * capped_years(weeks_since, 3)


def extreme(weeks_since_beyond: int | None) -> float:
    return 25.0 + 3.0 * capped_years(weeks_since_beyond, 5)


def big_week(weeks_since: int | None) -> float:
    return 20.0 + 5.0 * capped_years(weeks_since, 6)


def relative_base(length_weeks: int) -> float:
    return 35.0 + 10.0 * capped_years(length_weeks, 3)


def market_week(weeks_since: int | None) -> float:
    return 35.0 + 6.0 * capped_years(weeks_since, 6)


PAIR_BREAKOUTS = {"rel_breakout_multi_year": 40.0, "rel_breakout_52w": 30.0}
PAIR_EVENT_KINDS = ("rel_base_breakout", *PAIR_BREAKOUTS)
SECOND_LEG = 35.0
PAIR_FAILED = 30.0
FOLLOW_THROUGH = 25.0
BREADTH_THRUST = 25.0
CORRELATION = 20.0
LEADERSHIP = 15.0


def attempting(length_weeks: int, tightening: bool) -> float:
    return 15.0 + 5.0 * capped_years(length_weeks, 3) + (5.0 if tightening else 0.0)


def total(
    importance: float, theme: str, *, fresh: bool, follow_through: bool = False, state: bool = False
) -> float:
    """``importance + novelty + theme`` (module doc), rounded to 2 decimals."""
    novelty = FRESH if fresh and not follow_through else UNTOLD_STATE if state else 0.0
    return round(importance + novelty + THEME_WEIGHTS.get(theme, 0.0), 2)
