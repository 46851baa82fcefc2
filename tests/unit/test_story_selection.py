"""Story selection (generator.stories.select): the lead, the supporting stories, the roundup."""

from __future__ import annotations

from datetime import date

from generator.stories.model import Story
from generator.stories.select import LastWeek, select_letter

AS_OF = date(2024, 11, 8)


def story(key: str, score: float, theme: str = "sectors", kind: str = "base_breakout", **kw) -> Story:  # noqa: E501
    ticker = key.split(":")[-1]
    fields = dict(
        key=key,
        kind=kind,
        theme=theme,
        tickers=[ticker],
        title=f"{ticker} title",
        heading="h",
        sentences=[f"{ticker} closes at a record, 1.00."],
        importance=score,
        score=score,
        fresh=True,
        subject_name=ticker.lower(),
    )
    fields.update(kw)
    return Story(**fields)  # type: ignore[arg-type]


def test_the_best_story_leads_and_the_rest_follow_in_the_house_order():
    pool = [
        story("fund:XLE", 90, "sectors"),
        story("pair:IWM/IWB", 60, "size", kind="pair_slow_cross"),
        story("fund:ARKX", 70, "thematic"),
        story("fund:PSCT", 65, "smallcap-sectors"),
    ]
    letter = select_letter(pool, AS_OF)
    assert letter.lead is not None and letter.lead.key == "fund:XLE"
    assert [s.key for s in letter.stories] == ["pair:IWM/IWB", "fund:PSCT", "fund:ARKX"]
    assert letter.title == "XLE title"


def test_a_title_last_week_used_is_not_used_again():
    pool = [story("fund:XLE", 90), story("fund:XLK", 80)]
    previous = LastWeek(date(2024, 11, 1), {}, frozenset({"xle title"}), "XLE title")
    letter = select_letter(pool, AS_OF, previous=previous)
    assert letter.title == "XLK title" and letter.lead is not None and letter.lead.key == "fund:XLK"
    assert [s.key for s in letter.stories] == ["fund:XLE"]  # still told, not as the lead


def test_each_theme_gets_its_best_story_before_a_theme_gets_a_second():
    pool = [
        story("fund:XLE", 95, "sectors"),
        story("fund:XLK", 94, "sectors"),
        story("fund:XLV", 93, "sectors"),
        story("fund:XLU", 92, "sectors"),
        story("fund:ARKX", 40, "thematic"),
        story("fund:SPY", 36, "bases"),
    ]
    letter = select_letter(pool, AS_OF, max_supporting=3)
    assert [s.key for s in letter.stories] == ["fund:XLK", "fund:ARKX", "fund:SPY"]  # two sectors at most
    more = select_letter(pool, AS_OF, max_supporting=4)
    assert sorted(s.key for s in more.stories) == ["fund:ARKX", "fund:SPY", "fund:XLK"]


def test_weak_stories_are_left_out_and_a_quiet_week_has_a_dated_title():
    letter = select_letter([story("fund:XLE", 50), story("fund:XLK", 20)], AS_OF)
    assert letter.lead is not None and letter.stories == []
    quiet = select_letter([], AS_OF)
    assert quiet.lead is None and quiet.title == "The week ending Nov 8, 2024"


def test_one_story_per_key_the_best():
    letter = select_letter([story("fund:XLE", 50, kind="a"), story("fund:XLE", 60, kind="b")], AS_OF)
    assert letter.lead is not None and letter.lead.kind == "b" and letter.stories == []


def test_the_other_fresh_breakouts_are_named_in_one_roundup_sentence():
    pool = [story(f"fund:{t}", s) for t, s in (("XLE", 90), ("XLK", 85), ("XLV", 80))]
    pool.append(story("fund:XLU", 30, kind="ath_breakout"))
    pool.append(story("fund:XLB", 30, kind="base_attempting", fresh=False))
    letter = select_letter(pool, AS_OF, max_supporting=1)
    assert letter.roundup == "Xlv also completes a base; xlu closes at a record."


def test_a_record_is_qualified_once_on_a_total_return_basis():
    pool = [story("fund:XLE", 90), story("fund:XLK", 80, "bases")]
    letter = select_letter(pool, AS_OF, one_close=frozenset({"XLE", "XLK"}))
    texts = [s.text for s in letter.told]
    assert texts == ["XLE closes at a record on a total-return basis, 1.00.", "XLK closes at a record, 1.00."]
    two_closes = select_letter(pool, AS_OF)
    assert "total-return" not in " ".join(s.text for s in two_closes.told)
