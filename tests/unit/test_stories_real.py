"""The letter on real ETF history (../shared/data/prices/adjusted-closes): the weeks whose facts
../shared/data/README.md lists, the weeks issue 14 quotes, and the detector fixes it asks for.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from generator.calls.stories import story_calls
from generator.config import load_settings
from generator.signals import compute_signals
from generator.stories.select import last_week, week_letter
from tests.helpers import REPO, adjusted_closes

SETTINGS = load_settings(REPO / "newsletter.toml")


@pytest.fixture(scope="module")
def real():
    return adjusted_closes(SETTINGS.tickers)


def signals(prices, day: date):  # noqa: ANN001, ANN201
    return compute_signals(prices, SETTINGS, day)


def letter(prices, day: date):  # noqa: ANN001, ANN201
    before = day - timedelta(weeks=1)
    return week_letter(signals(prices, day), SETTINGS, last_week(signals(prices, before), SETTINGS))


def test_iwr_at_its_record_is_not_attempting_a_base(real):
    # Main drafted "IWR is attempting to complete a 42-week base: it closed at 95.49, 0.0% under
    # the 95.49 ceiling" for this week: the ceiling was its own close of the week before, a record.
    iwr = signals(real, date(2025, 9, 19)).instruments["IWR"]
    assert iwr.base.state == "none"
    assert iwr.at_ath and iwr.pct_from_ath == 0.0 and iwr.record_weeks == 3  # Sep 5, 12 and 19


def test_iwms_fall_and_recovery_of_2025_is_a_v_not_a_base(real):
    # IWM fell 25% from its November 2024 high by April 2025 and was back by September: main
    # called the week of 2025-09-19 a breakout of a 45-week base.
    iwm = signals(real, date(2025, 9, 19)).instruments["IWM"]
    assert iwm.base.state == "none" and not [e for e in iwm.events if e.kind == "base_breakout"]
    ath = next(e for e in iwm.events if e.kind == "ath_breakout" and e.weeks_ago == 0)
    assert ath.notable and ath.detail["prior_high_day"] == "2024-11-29"


def test_levels_are_weekly_closes_so_a_record_in_the_title_is_a_record_in_the_table(real):
    # Main titled 2024-01-05 "XLV at a new all-time high" while its table had XLV -0.1% from the
    # highest daily close.
    xlv = signals(real, date(2024, 1, 5)).instruments["XLV"]
    weekly = real.close["XLV"].loc[:"2024-01-05"].resample("W-FRI").last()
    assert xlv.ath_level == pytest.approx(float(weekly.max()), abs=1e-4)
    assert xlv.at_ath and xlv.pct_from_ath == 0.0


def test_the_week_spy_made_its_first_close_above_its_2021_high(real):
    told = letter(real, date(2023, 12, 15))
    assert told.lead is not None and told.lead.tickers == ["SPY"] and told.lead.kind == "base_breakout"
    assert "first weekly close above the record of Dec 31, 2021, 2.0 years ago" in told.lead.text


def test_the_week_iwm_made_its_first_close_above_its_2021_high_and_small_caps_reclaimed_their_average(real):
    week = date(2024, 11, 8)
    told = letter(real, week)
    assert told.title == "Russell 2000 small caps (IWM) complete a massive 3-year base"
    assert told.lead is not None and "above the record of Nov 5, 2021, 3.0 years ago" in told.lead.text
    size = next(s for s in told.stories if s.key == "pair:IWM/IWB")
    assert size.kind == "pair_slow_cross" and told.stories[0] is size  # size first, in the house order
    assert "for the first time since Jul 26, 2024, after 14 weeks below it" in size.sentences[0]
    assert "off its Jul 5, 2024 low, the lowest close in the data, which begin in 2000" in size.sentences[1]
    assert size.chart is not None and [m.label for m in size.chart.marks] == [
        "200-day cross",
        "Lowest since 2000",
    ]
    calls = story_calls(told, signals(real, week), 13)
    assert [c.position for c in calls][:2] == ["long IWM", "long IWM vs IWB"]
    assert calls[0].stop == pytest.approx(216.51)  # 5% under the 227.91 ceiling: the failure level
    assert calls[1].stop_pct == pytest.approx(-2.1)  # the ratio back under its 200-day average


def test_small_caps_best_week_against_large_caps_in_four_years_leads_july_12_2024(real):
    told = letter(real, date(2024, 7, 12))
    assert told.title == "Small caps have their best week against large caps since April 2020"
    assert told.lead is not None and told.lead.sentences[0].startswith("Small caps gain 5.0% on large caps")
    assert "the lowest close in the data, which begin in 2000" in told.lead.sentences[1]


def test_a_record_weeks_after_a_base_breakout_is_told_as_its_second_leg(real):
    # XLU's record of 2025-09-26 came 10 weeks after its base breakout; its old high was weeks
    # old, so min_high_age_weeks marks it not notable and main left it out.
    report = signals(real, date(2025, 9, 26))
    xlu = report.instruments["XLU"]
    ath = next(e for e in xlu.events if e.kind == "ath_breakout" and e.weeks_ago == 0)
    assert not ath.notable and xlu.base.state == "post_breakout"
    told = letter(real, date(2025, 9, 26))
    story = next(s for s in told.told if s.key == "fund:XLU")
    assert story.kind == "ath_second_leg" and "10 weeks after they broke out of a 39-week base" in story.text


def test_correlation_is_told_only_at_an_extreme_of_its_percentile(real):
    low = signals(real, date(2024, 7, 12)).pairs[0].correlation
    assert low.corr_rank_pct is not None and low.corr_rank_pct <= 10
    middle = signals(real, date(2025, 9, 26)).pairs[0].correlation
    assert middle.corr_rank_pct is not None and 10 < middle.corr_rank_pct < 90
    from generator.stories.market import correlation_story
    from generator.stories.select import context_for

    week = signals(real, date(2024, 7, 12))
    story = correlation_story(week.pairs[0], context_for(week, SETTINGS))
    assert story is not None and "less with large caps than usual" in story.text
    later = signals(real, date(2025, 9, 26))
    assert correlation_story(later.pairs[0], context_for(later, SETTINGS)) is None


def test_a_title_is_never_last_weeks(real):
    weeks = [date(2024, 11, 1) + timedelta(weeks=k) for k in range(6)]
    titles = [letter(real, day).title for day in weeks]
    assert all(a != b for a, b in zip(titles, titles[1:], strict=False)), titles


def test_charts_of_one_close_funds_are_labelled_total_return_and_mark_what_the_story_names(real):
    from generator.charts.price import build_price_chart
    from generator.issue.charts import plan_charts
    from generator.paths import Layout
    from tests.chart_helpers import FRAME

    week = date(2024, 11, 8)
    told = letter(real, week)
    report = signals(real, week)
    _, jobs = plan_charts(SETTINGS, Layout.of(SETTINGS), real.as_of(week), report, [], None, told)
    price = next(j for j in jobs if j.path.name == "iwm-price.png")
    assert price.draw.keywords["basis"] == "Total-return closes"
    ratio = next(j for j in jobs if j.path.name == "iwm-vs-iwb.png")
    assert ratio.draw.keywords["breakout"].label == "200-day cross"
    fig = build_price_chart(
        real.close["IWM"].dropna(), ticker="IWM", name="x", frame=FRAME, basis="Total-return closes"
    )
    # The foot names the basis in a sentence ("weekly total-return closes"), so compare words.
    texts = " ".join(t.get_text() for t in fig.texts).lower()
    assert "total-return closes" in texts and "quoted closes" not in texts
