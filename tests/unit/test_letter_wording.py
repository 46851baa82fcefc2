"""Every story sentence, in each of its variants, reads as English (LETTER.md, "Voice").

Each variant is built from small signal objects (tests/story_factories.py). Every sentence of
every variant is checked for the house rules: a capital first and a full stop last, no 0.0%,
no n/a/nan/None, no raw ratio value, at most three measured numbers, no doubled words or
spaces; and the variants that once read badly are pinned word for word.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.signals.report import BreadthSnapshot, RRGPoint, VolatilitySignals
from generator.stories import words as w
from generator.stories.funds import fund_stories
from generator.stories.lint import MEASURED, RAW_RATIO, ZERO_PCT
from generator.stories.market import (
    breadth_story,
    correlation_story,
    leadership_story,
    rotation_line,
    roundup_line,
)
from generator.stories.model import Story
from generator.stories.pairs import pair_story
from tests.story_factories import (
    AS_OF,
    ath_event,
    base,
    base_event,
    context,
    crossing,
    event,
    extreme,
    fund,
    history,
    pair,
    report,
    weeks_before,
)


def check_sentence(sentence: str) -> None:
    assert sentence[:1].isupper() or sentence[:1].isdigit(), sentence
    assert sentence.endswith("."), sentence
    assert not ZERO_PCT.search(sentence), sentence
    assert not re.search(r"\bn/a\b|\bnan\b|\bNone\b", sentence), sentence
    assert not RAW_RATIO.search(sentence), sentence
    assert len(MEASURED.findall(sentence)) <= 3, sentence
    assert "  " not in sentence and " ," not in sentence and ".." not in sentence, sentence
    assert not re.search(r"\b(\w+) \1\b", sentence.replace("four four", "")), sentence  # "the the"


def check_story(story: Story) -> None:
    assert 1 <= len(story.sentences) <= 4, story.sentences
    for sentence in story.sentences:
        check_sentence(sentence)
    assert story.title and story.title[0].isupper() and not story.title.endswith("."), story.title
    assert not ZERO_PCT.search(story.title)


def only(stories: list[Story], kind: str) -> Story:
    found = [s for s in stories if s.kind == kind]
    assert len(found) == 1, [s.kind for s in stories]
    return found[0]


# --- funds -------------------------------------------------------------------------------------


def breakout_fund(name_ticker=("XLV", "Health care"), length=104, ath=None, floor=None, **kw):  # noqa: E501
    ticker, name = name_ticker
    ev = base_event(100.0, 102.5, length, **({"floor": floor} if floor else {}))
    state = base("breakout", wording=ev.detail["wording"], length_weeks=length, ceiling=100.0,
                 floor=ev.detail["floor"], start_day=weeks_before(length), breakout=ev)  # fmt: skip
    events = [ev] + ([ath] if ath else [])
    return fund(ticker, name, base=state, events=events, last_close=102.5, **kw)


def test_a_base_breakout_of_a_singular_name_reads_and_sets_its_stop_from_the_failure_level():
    story = only(fund_stories(breakout_fund(), context()), "base_breakout")
    check_story(story)
    assert story.sentences[0] == (
        "Health care (XLV) completes a 2-year base: its first "
        "weekly close above the 100.00 ceiling, at 102.50."
    )
    assert story.sentences[1].startswith("The range had held since ") and "three tests" in story.sentences[1]
    assert (
        story.sentences[2]
        == "A weekly close under 95.00 (5% under the 100.00 ceiling) would mark the breakout as failed."
    )
    assert story.title == "Health care (XLV) completes a 2-year base"
    assert story.call is not None and story.call.stop == 95.0 and story.call.benchmark is None


def test_a_plural_name_takes_plural_verbs_and_a_record_of_long_ago_joins_the_breakout():
    ath = ath_event(100.0, 102.5, weeks_since_high=157, notable=True)
    story = only(fund_stories(breakout_fund(("XLU", "Utilities"), 166, ath=ath), context()), "base_breakout")
    check_story(story)
    assert story.sentences[0].startswith(
        "Utilities (XLU) complete a massive 3.2-year base: their first weekly close"
    )
    assert story.sentences[1].startswith("It is also their first weekly close above the record of ")
    assert story.sentences[1].endswith(", 3.0 years ago.")


def test_a_record_set_weeks_ago_is_not_told_with_the_breakout():
    ath = ath_event(100.0, 102.5, weeks_since_high=3, notable=False)
    story = only(fund_stories(breakout_fund(ath=ath), context()), "base_breakout")
    assert "record" not in " ".join(story.sentences)


def test_a_shallow_bases_stop_is_its_floor():
    story = only(fund_stories(breakout_fund(floor=97.0), context()), "base_breakout")
    assert (
        story.sentences[2]
        == "A weekly close under 97.00 (the base's floor) would mark the breakout as failed."
    )
    assert story.call is not None and story.call.stop == 97.0


@pytest.mark.parametrize(
    "change, second",
    [(4.0, "It has gained 4.0% over 13 weeks."), (0.02, None), (-3.0, "It has lost 3.0% over 13 weeks.")],
)
def test_a_record_after_a_long_wait(change: float, second: str | None):
    item = fund(events=[ath_event(100.0, 101.0, 60)], last_close=101.0, at_ath=True, change_13w_pct=change)
    story = only(fund_stories(item, context()), "ath_breakout")
    check_story(story)
    assert story.sentences[0].startswith(
        "Health care (XLV) closes at a record, 101.00: its first weekly close above the high of "
    )
    assert story.sentences[0].endswith(", 1.2 years ago.")
    assert (story.sentences[1] if len(story.sentences) == 3 else None) == second
    assert (
        story.sentences[-1] == "A weekly close under 95.00 (5% under the old high) would undo the breakout."
    )
    assert story.title.startswith("Health care (XLV) closes above its ") and story.title.endswith(" high")


def test_a_record_weeks_after_a_base_breakout_is_the_second_leg():
    tracked = base_event(90.0, 92.0, 60, weeks_ago=10)
    state = base("post_breakout", wording="base", length_weeks=60, ceiling=90.0, floor=70.0,
                 start_day=weeks_before(70), breakout=tracked, pct_from_ceiling=12.2)  # fmt: skip
    item = fund("XLU", "Utilities", base=state, events=[ath_event(99.0, 101.0, 4, notable=False), tracked],
                last_close=101.0, at_ath=True)  # fmt: skip
    story = only(fund_stories(item, context()), "ath_second_leg")
    check_story(story)
    assert story.sentences == [
        "Utilities (XLU) close at a record, 101.00, 10 weeks after they broke out of a 1.2-year base.",
        "That is 12.2% over the 90.00 ceiling: the breakout is working.",
        "A weekly close under 85.50 (5% under the 90.00 ceiling) would put them back in the range.",
    ]
    assert story.title == "Utilities (XLU) extend their breakout to a record"


def test_a_failed_breakout_names_the_ceiling_it_lost():
    tracked = base_event(100.0, 102.0, 80, weeks_ago=3)
    failure = event("base_breakout_failed", 100.0, 93.0, 0, pct_from_ceiling=-7.0,
                    breakout_day=tracked.day.isoformat(), weeks_after_breakout=3)  # fmt: skip
    state = base("failed", wording="base", length_weeks=80, ceiling=100.0, floor=80.0, breakout=tracked)
    story = only(
        fund_stories(fund(base=state, events=[failure, tracked], last_close=93.0), context()), "base_failed"
    )
    check_story(story)
    assert story.sentences[0].startswith(
        "Health care (XLV) fails to hold its breakout: a weekly close at 93.00, 7.0% under"
    )
    assert story.sentences[2] == "The base's floor, 80.00, is the next support."
    assert story.call is None


@pytest.mark.parametrize(
    "gap, first",
    [
        (-2.2, "Health care (XLV) closes 2.2% under the 100.00 ceiling of a 2.3-year base."),
        (-0.01, "Health care (XLV) closes at the 100.00 ceiling of a 2.3-year base."),
        (
            0.4,
            "Health care (XLV) closes 0.4% over the 100.00 ceiling of "
            "a 2.3-year base, not yet far enough to confirm a breakout.",
        ),
    ],
)
def test_testing_a_ceiling_never_says_0_0_percent_or_above_for_equal_numbers(gap: float, first: str):
    state = base("attempting", wording="multi-year base", length_weeks=120, ceiling=100.0, floor=75.0,
                 start_day=weeks_before(120), touches=3, pct_from_ceiling=gap, weeks_in_band=2)  # fmt: skip
    story = only(fund_stories(fund(base=state, last_close=100 + gap), context()), "base_attempting")
    check_story(story)
    assert story.sentences[0] == first
    assert story.sentences[2] == "A weekly close over 101.00 would complete the base."


def test_a_tightening_range_and_a_long_test_have_their_own_second_sentence():
    common = dict(wording="base", length_weeks=60, ceiling=50.0, floor=40.0, start_day=weeks_before(60),
                  touches=2, pct_from_ceiling=-1.0)  # fmt: skip
    tight = fund(
        base=base("attempting", weeks_in_band=2, **common),
        volatility=VolatilitySignals(3.0, 0.04, True, None),
    )
    story = only(fund_stories(tight, context()), "base_attempting")
    assert "is tightening: its Bollinger width is in the lowest 4% of the past year." in story.sentences[1]
    long_test = fund("XLU", "Utilities", base=base("attempting", weeks_in_band=7, **common))
    story = only(fund_stories(long_test, context()), "base_attempting")
    assert story.sentences[1] == "They have closed within 3% of it for 7 weeks in a row."
    check_story(story)


def test_a_fund_at_its_record_or_told_last_week_is_not_testing_a_ceiling():
    state = base(
        "attempting",
        wording="base",
        length_weeks=60,
        ceiling=50.0,
        floor=40.0,
        touches=2,
        pct_from_ceiling=-1.0,
    )
    assert not [
        s for s in fund_stories(fund(base=state, at_ath=True), context()) if s.kind == "base_attempting"
    ]
    told = context(told={"fund:XLV": "base_attempting"})
    assert not [s for s in fund_stories(fund(base=state), told) if s.kind == "base_attempting"]


def test_follow_through_variants():
    told = context(told={"fund:XLV": "ath_breakout"})
    last = ath_event(100.0, 103.0, 40, weeks_ago=1)
    runs = fund(events=[last], last_close=104.0, at_ath=True, record_weeks=2)
    story = only(fund_stories(runs, told), "record_run")
    assert story.sentences[0] == "Health care (XLV) closes at a record for a second week, at 104.00."
    holds = fund(events=[last], last_close=102.0)
    story = only(fund_stories(holds, told), "base_holds")
    assert (
        story.sentences[0] == "Health care (XLV) holds over its 100.00 old high for a second week, at 102.00."
    )
    slips = fund("XLU", "Utilities", events=[last], last_close=98.0)
    story = only(fund_stories(slips, context(told={"fund:XLU": "ath_breakout"})), "base_slips")
    assert (
        story.sentences[0]
        == "Utilities (XLU) slip back to 98.00, 2.0% under the 100.00 old high they cleared last week."
    )
    at = fund(events=[last], last_close=100.0)
    story = only(fund_stories(at, told), "base_slips")
    assert (
        story.sentences[0]
        == "Health care (XLV) slips back to 100.00, at the 100.00 old high it cleared last week."
    )
    failed = fund(events=[last], last_close=93.5)
    story = only(fund_stories(failed, told), "base_slips")
    assert story.sentences[1] == "That is under 95.00, 5% below it: the breakout has failed."
    assert story.title == "Health care (XLV) loses its breakout"
    check_story(story)
    for item, ctx in ((runs, told), (holds, told), (at, told)):
        for s in fund_stories(item, ctx):
            check_story(s)
            assert s.sentences[-1] == "The breakout stands while weekly closes stay over 95.00."


def test_a_multi_year_high_of_a_fund_far_from_its_record():
    high = event("high_3y_breakout", 60.0, 62.0, prior_high_day=weeks_before(100).isoformat())
    story = only(
        fund_stories(fund("ARKG", "ARK Genomics", events=[high], pct_from_ath=-70.0), context()),
        "n_year_high",
    )
    check_story(story)
    assert story.sentences[0].startswith(
        "ARK Genomics (ARKG) closes at a 3-year high, 62.00, over the 60.00 high of "
    )
    assert story.sentences[1].startswith("It is still 70.0% under its record of ")


@pytest.mark.parametrize(
    "change, weeks, since, first",
    [
        (-14.6, 597, weeks_before(597), "SPY falls 14.6% this week, its worst week since "),
        (5.5, None, None, "SPY gains 5.5% this week, its best week in the data."),
    ],
)
def test_the_markets_big_week(change, weeks, since, first):  # noqa: ANN001
    item = fund("SPY", "SPY", change_1w_pct=change, week_change_weeks=weeks, week_change_since=since)
    story = only(fund_stories(item, context()), "fund_big_week")
    check_story(story)
    assert story.sentences[0].startswith(first)
    assert story.call is None
    other = fund("XLE", "Energy", change_1w_pct=change, week_change_weeks=weeks, week_change_since=since)
    assert not [s for s in fund_stories(other, context()) if s.kind == "fund_big_week"]  # one market story


# --- pairs -------------------------------------------------------------------------------------


def size_story(**kw) -> Story:  # noqa: ANN003
    story = pair_story(pair(**kw), context(), "size", configured=True)
    assert story is not None
    check_story(story)
    return story


def test_the_size_pair_reclaims_its_200_day_average():
    story = size_story(history=history(crossings=[crossing("slow_average", 1, 14, 15)], slow_side_weeks=1))
    assert story.kind == "pair_slow_cross"
    assert story.sentences[0] == (
        "The ratio of small caps to large caps (IWM/IWB) closes a week above its 200-day average for the "
        f"first time since {w.day(weeks_before(15))}, after 14 weeks below it."
    )
    assert story.title == "Small caps reclaim their 200-day average against large caps"
    assert (
        story.sentences[-1]
        == "A weekly close of IWM/IWB back under its 200-day average, 2.1% lower, would undo the signal."
    )
    assert story.call is not None and story.call.benchmark == "IWB" and story.call.stop_pct == -2.1
    assert story.chart is not None and story.chart.marks[0].label == "200-day cross"


def test_the_size_pair_loses_its_200_day_average_for_the_first_time_in_the_data():
    story = size_story(
        vs_sma_slow_pct=-1.5, history=history(crossings=[crossing("slow_average", -1, 60, None)])
    )
    assert (
        "closes a week below its 200-day average for the first time since the data begin in"
        not in story.sentences[0]
    )
    assert story.sentences[0].endswith("for the first time since the data begin, after 1.2 years above it.")
    assert story.title == "Small caps lose their 200-day average against large caps"
    assert (
        story.sentences[-1]
        == "A weekly close of IWM/IWB back over its 200-day average, 1.5% higher, would end it."
    )
    assert story.call is None


@pytest.mark.parametrize("direction, word", [(1, "golden"), (-1, "death")])
def test_a_golden_or_death_cross_names_the_ratio(direction: int, word: str):
    story = size_story(history=history(crossings=[crossing("averages", direction, 100, 108)]))
    assert story.sentences[0].startswith(
        "The 50-day average of the ratio of small caps to large caps (IWM/IWB) crosses "
        f"{'above' if direction > 0 else 'below'} its 200-day, the first such cross since "
    )
    assert story.kind == "pair_averages_cross"
    assert story.title == f"A {word} cross for small caps against large caps"


@pytest.mark.parametrize("direction", [1, -1])
def test_the_200_day_average_turning(direction: int):
    story = size_story(history=history(crossings=[crossing("slow_slope", direction, 40, 70)]))
    turn = "up" if direction > 0 else "down"
    assert story.sentences[0].startswith(
        "The 200-day average of the ratio of small caps to large "
        f"caps (IWM/IWB) turns {turn} for the first time since "
    )
    assert story.kind == "pair_slope_turn"
    assert story.title == f"The long-term trend of small caps against large caps turns {turn}"


def test_a_multi_year_low_and_the_distance_from_it():
    low = extreme("low", 0, None)
    story = size_story(vs_sma_slow_pct=-8.9, history=history(low=low, above_slow=False, slow_side_weeks=18))
    assert story.sentences[0] == (
        "The ratio of small caps to large caps (IWM/IWB) closes "
        "at its lowest in the data, which begin in 2000."
    )
    assert story.title == "Small caps hit their weakest against large caps since 2000"
    assert (
        story.sentences[1] == "The ratio is 8.9% under its 200-day average, where it has closed for 18 weeks."
    )
    bounce = extreme("low", 18, None, pct_from=9.16)
    story = size_story(history=history(low=bounce, crossings=[crossing("slow_average", 1, 14, 15)]))
    assert story.sentences[1] == (
        f"The ratio is 9.2% off its {w.day(weeks_before(18))} "
        "low, the lowest close in the data, which begin in 2000."
    )
    assert story.chart is not None and [m.label for m in story.chart.marks] == [
        "200-day cross",
        "Lowest since 2000",
    ]


def test_a_multi_year_high_since_a_date():
    high = extreme("high", 0, since_weeks=200)
    story = size_story(history=history(high=high))
    assert story.kind == "pair_extreme"
    assert story.sentences[0].startswith(
        "The ratio of small caps to large caps (IWM/IWB) closes at its highest since "
    )
    assert story.title.startswith("Small caps hit their strongest against large caps since ")


@pytest.mark.parametrize(
    "change, weeks, text",
    [(4.97, 222, "best week since"), (-4.65, 229, "worst week since"), (6.0, None, "best week in the data")],
)
def test_the_size_pairs_big_week(change: float, weeks: int | None, text: str):
    since = weeks_before(weeks) if weeks else None
    story = size_story(
        history=history(week_change_pct=change, week_change_weeks=weeks, week_change_since=since)
    )
    assert story.kind == "pair_big_week" and text in story.sentences[0]
    assert story.sentences[0].startswith(
        f"Small caps {'gain' if change > 0 else 'lose'} "
        f"{abs(change):.1f}% on large caps this week (IWM/IWB), their "
    )
    assert story.call is None  # a big week alone sets no stop


def test_relative_breakouts_and_their_failure():
    base_ev = event("rel_base_breakout", 0.92, 0.93, length_weeks=150, margin_pct=1.0)
    story = size_story(events=[base_ev])
    assert story.kind == "pair_base_breakout" and story.title == "Small caps break out against large caps"
    assert story.sentences[0] == (
        "The ratio of small caps to large caps (IWM/IWB) completes "
        "a 2.9-year relative base, closing 1.0% over its ceiling."
    )
    high = event(
        "rel_breakout_52w",
        0.9,
        0.91,
        margin_pct=1.1,
        prior_high_day=weeks_before(47).isoformat(),
        weeks_since_high=47,
    )
    story = size_story(events=[high])
    assert story.kind == "pair_52w_high"
    assert story.sentences[0].endswith(
        "closes at a 52-week high, over the high of "
        + w.day(weeks_before(47))
        + " that had stood for 47 weeks."
    )
    assert story.call is not None and story.call.stop_pct is not None and story.call.stop_pct < 0
    multi = event(
        "rel_breakout_multi_year", 0.9, 0.91, margin_pct=1.1, lookback_weeks=156,
        prior_high_day=weeks_before(160).isoformat(), weeks_since_high=160,
    )  # fmt: skip
    story = size_story(events=[multi])
    assert (
        story.kind == "pair_multi_year_high"
        and story.title == "Small caps make a 3-year high against large caps"
    )
    failed = event(
        "rel_breakout_failed", 0.9, 0.87, pct_from_level=-3.3, breakout_day=weeks_before(4).isoformat()
    )
    story = size_story(events=[failed])
    assert story.kind == "pair_breakout_failed"
    assert story.sentences[0].startswith(
        "The ratio of small caps to large caps (IWM/IWB) falls back 3.3% under the level it broke above on "
    )


def test_a_fund_against_its_benchmark_tells_its_strength_only():
    member = pair(
        "XLV",
        "SPY",
        label="XLV vs SPY",
        category="sectors",
        history=history(crossings=[crossing("slow_average", -1, 40, 60)]),
    )
    assert pair_story(member, context(), "sectors", configured=False) is None
    strong = pair(
        "XLV",
        "SPY",
        label="XLV vs SPY",
        category="sectors",
        history=history(crossings=[crossing("slow_average", 1, 40, 60)]),
    )
    story = pair_story(strong, context(), "sectors", configured=False)
    assert story is not None and story.sentences[0].startswith(
        "The ratio of health care (XLV) to SPY (XLV/SPY) closes a week above"
    )
    assert story.title == "Health care (XLV) reclaims its 200-day average against SPY"
    check_story(story)


def test_the_same_news_told_last_week_is_not_told_again():
    h = history(low=extreme("low", 0, None))
    assert (
        pair_story(pair(history=h), context(told={"pair:IWM/IWB": "pair_extreme"}), "size", configured=True)
        is None
    )
    assert pair_story(
        pair(history=h), context(told={"pair:IWM/IWB": "pair_52w_high"}), "size", configured=True
    )


# --- groups and the market ------------------------------------------------------------------------


def sector(ticker: str, change: float, trend: str = "neutral"):  # noqa: ANN201
    names = {"XLV": "Health care", "XLU": "Utilities", "XLK": "Technology", "XLE": "Energy"}
    relative = pair(
        ticker, "SPY", label=f"{ticker} vs SPY", category="sectors", change_13w_pct=change, trend=trend
    )
    return fund(ticker, names[ticker], relative=relative)


def test_leadership_names_the_leaders_and_the_laggard():
    rep = report(
        [sector("XLU", 12.5, "up"), sector("XLV", 11.1), sector("XLK", 3.0), sector("XLE", -11.2, "down")]
    )
    ctx = context(rep)
    story = leadership_story(ctx.groups[0], ctx)
    assert story is not None
    check_story(story)
    assert story.sentences == [
        "Utilities (XLU) and health care (XLV) lead the S&P 500 "
        "sectors over 13 weeks: +12.5% and +11.1% against SPY.",
        "Energy (XLE) lags at -11.2%.",
        "One of the four is in a relative uptrend.",
    ]
    assert leadership_story(ctx.groups[0], context(rep, told={"group:sectors:XLU": "leadership"})) is None


def snapshot(label: str, eligible: int, now: float, before: float) -> BreadthSnapshot:
    return BreadthSnapshot(
        label, eligible, eligible, [], {"50": now, "200": now}, now, 0, 0, 0, 0.0, None, before
    )


def test_breadth_of_every_fund_reads_as_the_funds_we_follow():
    story = breadth_story(context(report(breadth=[snapshot("All ETFs", 31, 29.0, 93.5)])))
    assert story is not None and story.sentences[1] == "Nine are above their 50-day averages."
    assert story.sentences[:1] == [
        "Breadth breaks down: nine of the 31 funds we follow close above their 200-day averages, "
        "down from 29 a month earlier."
    ]


@pytest.mark.parametrize(
    "now, before, text",
    [
        (
            100.0,
            66.7,
            "Breadth thrusts: all nine of the small-cap sectors close "
            "above their 200-day averages, up from six a month earlier.",
        ),
        (
            0.0,
            85.7,
            "Breadth breaks down: none of the seven thematic funds close "
            "above their 200-day averages, down from six a month earlier.",
        ),
        (
            77.8,
            0.0,
            "Breadth thrusts: seven of the nine small-cap sectors close "
            "above their 200-day averages, up from none a month earlier.",
        ),
    ],
)
def test_breadth_thrusts_and_breakdowns(now: float, before: float, text: str):
    label, eligible = ("Thematic funds", 7) if now == 0.0 else ("Small-cap sectors", 9)
    story = breadth_story(context(report(breadth=[snapshot(label, eligible, now, before)])))
    assert story is not None and story.sentences[0] == text and len(story.sentences) == 2
    check_story(story)
    assert breadth_story(context(report(breadth=[snapshot(label, eligible, 60.0, 50.0)]))) is None


@pytest.mark.parametrize(
    "rank, text",
    [
        (
            0.0,
            "Small caps move less with large caps than usual: the 63-day "
            "correlation of IWM with IWB is 0.63, the lowest reading in five years.",
        ),
        (
            4.0,
            "Small caps move less with large caps than usual: the 63-day correlation "
            "of IWM with IWB is 0.63, lower than 96% of the readings of five years.",
        ),
        (
            95.0,
            "Small caps move more with large caps than usual: the 63-day correlation "
            "of IWM with IWB is 0.63, higher than 95% of the readings of five years.",
        ),
        (34.0, None),
        (
            90.5,
            "Small caps move more with large caps than usual: the 63-day correlation "
            "of IWM with IWB is 0.63, higher than 90% of the readings of five years.",
        ),
    ],
)
def test_correlation_is_worded_from_its_percentile(rank: float, text: str | None):
    from generator.signals.report import CorrelationSignals

    p = pair(correlation=CorrelationSignals({"63": 0.63, "252": 0.74}, 0.7, 1.25, 1.3, rank))
    story = correlation_story(p, context())
    assert (story.sentences[0] if story else None) == text
    assert story is None or story.sentences[1] == "Over 252 days it is 0.74."
    if story:
        check_story(story)


def rrg(ticker: str, quadrant: str, rotated: bool, distance: float = 2.0) -> RRGPoint:
    return RRGPoint(ticker, "SPY", "zscore", 100.5, 100.5, quadrant, "Improving" if rotated else quadrant,
                    "x" if rotated else None, 1, 45.0, 1.0, 3.0, distance)  # fmt: skip


def test_rotation_moves_are_one_sentence():
    rep = report(
        rrg=[
            rrg("XLV", "Leading", True),
            rrg("XLE", "Lagging", True),
            rrg("XLU", "Lagging", True, 1.0),
            rrg("XLK", "Leading", False),
        ]
    )
    ctx = context(rep)
    assert (
        rotation_line(ctx.groups[0], ctx)
        == "Health care rotates into leading; energy and utilities rotate into lagging."
    )
    quiet = context(report(rrg=[rrg("XLK", "Leading", False), rrg("XLU", "Lagging", False)]))
    assert rotation_line(quiet.groups[0], quiet) == "No fund changed quadrant this week; technology leads."


def test_the_roundup_agrees_with_one_or_many():
    def story(kind: str, name: str) -> Story:
        return Story("k", kind, "bases", ["X"], "t", "h", ["s."], 1.0, 1.0, True, subject_name=name)

    assert (
        roundup_line([story("base_breakout", "micro caps (IWC)")]) == "Micro caps (IWC) also complete a base."
    )
    assert (
        roundup_line([story("base_breakout", "technology (XLK)")])
        == "Technology (XLK) also completes a base."
    )
    assert (
        roundup_line([story("ath_breakout", "technology (XLK)")])
        == "Technology (XLK) also closes at a record."
    )
    two = [
        story("base_breakout", "technology (XLK)"),
        story("ath_breakout", "utilities (XLU)"),
        story("ath_second_leg", "energy (XLE)"),
    ]
    assert (
        roundup_line(two)
        == "Technology (XLK) also completes a base; utilities (XLU) and energy (XLE) close at records."
    )
    assert roundup_line([]) is None


def test_words():
    assert [w.span(n) for n in (1, 14, 52, 157)] == ["1 week", "14 weeks", "1 year", "3.0 years"]
    assert [w.span_adj(n) for n in (30, 104, 157)] == ["30-week", "2-year", "3-year"]
    assert [
        w.is_plural(n)
        for n in ("Small caps", "Health care", "ARK Genomics", "Utilities", "Small-cap materials (PSCM)")
    ] == [True, False, False, True, True]
    assert [
        w.lower_name(n) for n in ("Health care", "Russell Midcap", "ARK Fintech", "Russell 2000 small caps")
    ] == ["health care", "Russell Midcap", "ARK Fintech", "Russell 2000 small caps"]
    assert w.ordinal_week(2) == "second" and w.ordinal_week(11) == "11th" and w.ordinal_week(22) == "22nd"
    assert w.rounds_to_zero(0.049) and not w.rounds_to_zero(0.05) and w.same_price(1.001, 1.004)
    assert w.day(AS_OF) == "Nov 8, 2024" and w.month(AS_OF) == "November 2024"


def test_every_builder_sentence_is_checked_by_this_file():
    """The builders a letter uses are the ones exercised above (a new kind needs its test here)."""
    import generator.stories.funds as funds
    import generator.stories.pairs as pairs

    source = Path(__file__).read_text(encoding="utf-8")
    kinds = set(re.findall(r'kind="([a-z_0-9]+)"', Path(funds.__file__).read_text(encoding="utf-8")))
    kinds |= set(re.findall(r'"(pair_[a-z_0-9]+)"', Path(pairs.__file__).read_text(encoding="utf-8")))
    untested = sorted(k for k in kinds if k not in source)
    assert untested == []
