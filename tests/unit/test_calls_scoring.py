"""Ledger scoring against hand-computed expectations (DESIGN.md, the calls ledger)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from generator.calls.model import Call
from generator.calls.scoring import score_call, track_record, weekly_close_days
from generator.data.prices import PriceHistory

# Sessions: Thu 2026-01-08 and Fri 01-09 (publication), then three full weeks.
DAYS = pd.bdate_range("2026-01-08", "2026-01-30")
PUBLISHED = date(2026, 1, 9)  # a Friday


def history(quoted: dict[str, list[float]], adjusted: dict[str, list[float]] | None = None) -> PriceHistory:
    close = pd.DataFrame(
        quoted, index=pd.DatetimeIndex(DAYS[: len(next(iter(quoted.values())))], name="date")
    )
    adj = close.copy() if adjusted is None else pd.DataFrame(adjusted, index=close.index)
    return PriceHistory(close=close, adj_close=adj)


def call(position: str = "long AAA", **kwargs: object) -> Call:
    direction, ticker, *rest = position.split()
    fields: dict[str, object] = dict(
        id="c1",
        direction=direction,
        ticker=ticker,
        benchmark=rest[1] if rest else None,
        category="sectors",
        thesis="",
        entry={ticker: 100.0},
        horizon_weeks=13,
        stop_pct=-50.0,
    )
    fields.update(kwargs)
    return Call(**fields)  # type: ignore[arg-type]


#            Thu    Fri  | Mon    Tue    Wed    Thu    Fri  | Mon ...
AAA = [
    90.0,
    100.0,
    102.0,
    99.0,
    105.0,
    104.0,
    103.0,
    101.0,
    98.0,
    94.0,
    97.0,
    96.0,
    97.0,
    95.0,
    93.0,
    92.0,
    93.0,
]
BBB = [50.0, 50.0, 51.0, 51.0, 52.5, 52.5, 51.5, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0]


def test_absolute_call_published_on_a_friday_is_scored_from_monday():
    prices = history({"AAA": AAA})
    score = score_call(call(), prices, published_on=PUBLISHED, through=date(2026, 1, 16))
    # Entry is Friday's close (100), not Thursday's (90); Monday's 102 is the first scored close.
    assert score.entry_day == PUBLISHED
    assert score.path.index[0] == pd.Timestamp("2026-01-12")
    assert score.sessions == 5
    assert score.status == "open"
    assert score.result_pct == pytest.approx(3.0)  # 103 / 100 - 1
    assert score.best_pct == pytest.approx(5.0)  # Wednesday's 105
    assert score.worst_pct == pytest.approx(-1.0)  # Tuesday's 99
    assert score.days_open == 7


def test_a_call_with_no_close_after_publication_is_open_without_a_result():
    score = score_call(call(), history({"AAA": AAA[:2]}), published_on=PUBLISHED, through=PUBLISHED)
    assert (score.status, score.result_pct, score.sessions, score.days_open) == ("open", None, 0, 0)


def test_relative_call_divides_the_two_legs_growth():
    prices = history({"AAA": AAA, "BBB": BBB})
    score = score_call(call("long AAA vs BBB"), prices, published_on=PUBLISHED, through=date(2026, 1, 14))
    # Wednesday: (105 / 100) / (52.5 / 50) - 1 = 1.05 / 1.05 - 1 = 0
    assert score.result_pct == pytest.approx(0.0, abs=1e-12)
    # Monday (102/100)/(51/50) - 1 = 0; Tuesday (99/100)/(51/50) - 1 = -2.941...%
    assert score.worst_pct == pytest.approx(100 * (0.99 / 1.02 - 1))
    assert score.best_pct == pytest.approx(0.0, abs=1e-12)


def test_relative_call_uses_adjusted_closes():
    adjusted = {"AAA": [a * 1.0 for a in AAA], "BBB": [b * 1.0 for b in BBB]}
    adjusted["AAA"][6] = 110.0  # a dividend-adjusted close differs from the quoted 103
    prices = history({"AAA": AAA, "BBB": BBB}, adjusted)
    score = score_call(call("long AAA vs BBB"), prices, published_on=PUBLISHED, through=date(2026, 1, 16))
    assert score.result_pct == pytest.approx(100 * ((110 / 100) / (51.5 / 50) - 1))  # +6.80%


def test_short_call_gains_when_the_price_falls():
    prices = history({"AAA": AAA})
    score = score_call(call("short AAA"), prices, published_on=PUBLISHED, through=date(2026, 1, 16))
    assert score.result_pct == pytest.approx(-3.0)
    assert score.best_pct == pytest.approx(1.0)


def test_price_stop_is_judged_on_weekly_closes_and_the_result_is_frozen():
    prices = history({"AAA": AAA})
    stopped = call(stop=95.0, stop_pct=None)
    # Week 2: Wednesday 01-21 closes at 94 (below 95) but Friday 01-23 closes at 96: still open.
    week2 = score_call(stopped, prices, published_on=PUBLISHED, through=date(2026, 1, 23))
    assert week2.status == "open"
    # Week 3: Friday 01-30 closes at 93: invalidated there, at 93 / 100 - 1 = -7%.
    week3 = score_call(stopped, prices, published_on=PUBLISHED, through=date(2026, 1, 30))
    assert week3.status == "invalidated"
    assert week3.ended_on == date(2026, 1, 30)
    assert week3.result_pct == pytest.approx(-7.0)
    assert week3.worst_pct == pytest.approx(-8.0)  # Thursday 01-29 closed at 92 on the way
    assert week3.best_pct == pytest.approx(5.0)
    assert week3.days_open == 21


def test_an_incomplete_week_is_not_a_weekly_close():
    prices = history({"AAA": AAA})
    stopped = call(stop=95.0, stop_pct=None)
    # Through Thursday 01-29 (close 92, below 95): the week is not complete, so the call is open.
    assert score_call(stopped, prices, published_on=PUBLISHED, through=date(2026, 1, 29)).status == "open"


def test_return_stop_is_judged_on_daily_closes():
    prices = history({"AAA": AAA, "BBB": BBB})
    stopped = call("long AAA vs BBB", stop_pct=-4.0)
    score = score_call(stopped, prices, published_on=PUBLISHED, through=date(2026, 1, 30))
    # Daily relative returns: ... Tue 01-20 (98/100)/(50/50) - 1 = -2%, Wed 01-21 94/100 - 1 = -6% < -4%.
    assert score.status == "invalidated"
    assert score.ended_on == date(2026, 1, 21)
    assert score.result_pct == pytest.approx(-6.0)
    assert score.path.index[-1] == pd.Timestamp("2026-01-21")


def test_price_stop_follows_a_split_after_publication():
    halved = [p / 2 for p in AAA]  # today's split-adjusted series; the issue printed 100 and stop 95
    prices = history({"AAA": halved})
    score = score_call(
        call(stop=95.0, stop_pct=None), prices, published_on=PUBLISHED, through=date(2026, 1, 30)
    )
    assert score.status == "invalidated"  # 46.5 is below 95 * 50 / 100 = 47.5
    assert score.ended_on == date(2026, 1, 30)


def test_call_expires_at_its_horizon():
    prices = history({"AAA": AAA})
    score = score_call(call(horizon_weeks=1), prices, published_on=PUBLISHED, through=date(2026, 1, 30))
    # Horizon: 2026-01-09 + 1 week = Friday 01-16; result frozen at its close, 103.
    assert score.status == "expired"
    assert score.ended_on == date(2026, 1, 16)
    assert score.result_pct == pytest.approx(3.0)
    assert score.sessions == 5
    assert score.days_open == 7


def test_call_is_open_until_a_session_reaches_its_horizon():
    prices = history({"AAA": AAA})
    score = score_call(call(horizon_weeks=1), prices, published_on=PUBLISHED, through=date(2026, 1, 15))
    assert score.status == "open"
    assert score.result_pct == pytest.approx(4.0)


def test_call_closed_by_a_later_issue_ends_on_that_issue_close():
    prices = history({"AAA": AAA})
    score = score_call(
        call(), prices, published_on=PUBLISHED, through=date(2026, 1, 30), closed_on=date(2026, 1, 23)
    )
    assert score.status == "closed"
    assert score.ended_on == date(2026, 1, 23)
    assert score.result_pct == pytest.approx(-4.0)  # 96 / 100 - 1
    # Not closed yet as of a day before the closing issue.
    before = score_call(
        call(), prices, published_on=PUBLISHED, through=date(2026, 1, 22), closed_on=date(2026, 1, 23)
    )
    assert before.status == "open"


def test_the_earliest_end_wins():
    prices = history({"AAA": AAA})
    both = call(stop=95.0, stop_pct=None, horizon_weeks=2)  # expires 01-23, stop fires 01-30
    assert score_call(both, prices, published_on=PUBLISHED, through=date(2026, 1, 30)).status == "expired"


def test_later_prices_never_change_an_ended_call():
    prices = history({"AAA": AAA})
    changed = history({"AAA": AAA[:12] + [500.0] * 5})
    kwargs = dict(published_on=PUBLISHED, through=date(2026, 1, 30))
    first = score_call(call(horizon_weeks=1), prices, **kwargs)  # type: ignore[arg-type]
    second = score_call(call(horizon_weeks=1), changed, **kwargs)  # type: ignore[arg-type]
    assert (first.result_pct, first.best_pct, first.worst_pct) == (
        second.result_pct,
        second.best_pct,
        second.worst_pct,
    )


def test_weekly_close_of_a_holiday_week_is_thursday():
    index = pd.DatetimeIndex(["2026-04-01", "2026-04-02", "2026-04-06", "2026-04-10"])  # Good Friday 04-03
    days = weekly_close_days(index, date(2026, 4, 10))
    assert list(days) == [pd.Timestamp("2026-04-02"), pd.Timestamp("2026-04-10")]


def test_track_record_counts_only_ended_calls():
    prices = history({"AAA": AAA})
    through = date(2026, 1, 30)
    expired_up = score_call(call(horizon_weeks=1), prices, published_on=PUBLISHED, through=through)  # +3%
    stopped = score_call(
        call(stop=95.0, stop_pct=None), prices, published_on=PUBLISHED, through=through
    )  # -7%
    still_open = score_call(call(), prices, published_on=PUBLISHED, through=through)  # -7% but open
    record = track_record("all", [expired_up, stopped, still_open])
    assert (record.calls, record.open, record.scored, record.hits) == (3, 1, 2, 1)
    assert record.hit_rate_pct == pytest.approx(50.0)
    assert record.mean_pct == pytest.approx(-2.0)
    assert record.median_pct == pytest.approx(-2.0)
