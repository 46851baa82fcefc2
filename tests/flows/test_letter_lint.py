"""The letter lint: each rule on a small post, then the lint over a backfill of the real data.

The backfill (tests/letter_backfill.py) drafts every Friday from 2019-01-04 to 2026-07-10 (393
weeks of ../shared/data/prices/adjusted-closes) without drawing charts, two blocks at once,
and lints each draft with the previous week's title. On main before issue 14 it counted 390
drafts over the word budget, 393 with a repeated sentence, 39 with a 0.0% sentence, 108 with
a contradiction and 50 titles repeated from the week before (/work/notes/issue14-figures.md).
"""

from __future__ import annotations

import pytest

from generator.issue.weeks import issue_fridays
from generator.stories.lint import lint_issue, parse_issue
from tests.letter_backfill import SAMPLE_FIRST, SAMPLE_LAST, lint_weeks, summarise

TICKERS = ["IWM", "IWB", "IWR", "XLV", "SPY"]


def post(body: str, title: str = "A title") -> str:
    return f"---\ntitle: {title}\ndraft: true\n---\n\n# {title}\n\n{body}\n"


def test_prose_words_leave_out_tables_figures_comments_and_editor_boxes():
    body = (
        "One two three four five.\n\n"
        "| a | b |\n|---|---|\n| many words in a table cell here | x |\n\n"
        '<figure markdown="span">\n  <figcaption>a caption of many words</figcaption>\n</figure>\n\n'
        "<!-- an editor's note of many words -->\n\n"
        '!!! editor "Editor: prompt"\n    Replace this box with your commentary.\n\n'
        "- Six seven eight.\n"
    )
    result = lint_issue(post(body, "Title here"), tickers=TICKERS, max_prose_words=10)
    assert result.prose_words == 2 + 5 + 3  # the title, the paragraph, the list item
    assert not result.over_budget
    assert lint_issue(post(body, "Title here"), tickers=TICKERS, max_prose_words=9).over_budget


def test_a_sentence_said_twice_is_found_across_prose_and_table_cells():
    once = "IWM closed above the ceiling of a base this week."
    result = lint_issue(post(f"{once}\n\n- Other words entirely here.\n"), tickers=TICKERS)
    assert result.repeated == []
    result = lint_issue(post(f"{once}\n\n- {once}\n"), tickers=TICKERS)
    assert result.repeated == [once]
    table = f"| call | thesis |\n|---|---|\n| long IWM | {once} |\n"
    assert lint_issue(post(f"{once}\n\n{table}"), tickers=TICKERS).repeated == [once]


def test_zero_percent_missing_numbers_raw_ratios_and_dense_sentences():
    body = (
        "IWR closed 0.0% under the 95.49 ceiling.\n\n"
        "The ratio fell back n/a below the level.\n\n"
        "The ratio closed at 0.0532, above 0.0529.\n\n"
        "A closed at 1.5%, 2.5% and 3.5%, then 4.5%.\n\n"
        "A fine sentence with 12.5% and 3.20 in 2024.\n"
    )
    result = lint_issue(post(body), tickers=TICKERS)
    assert result.zero_pct == ["IWR closed 0.0% under the 95.49 ceiling."]
    assert result.missing_number == ["The ratio fell back n/a below the level."]
    assert result.raw_ratio == ["The ratio closed at 0.0532, above 0.0529."]
    assert result.dense == ["A closed at 1.5%, 2.5% and 3.5%, then 4.5%."]


def test_a_fund_at_its_high_in_the_title_but_below_it_in_a_table_is_a_contradiction():
    table = "| ETF | from all-time high |\n|---|---:|\n| **XLV** | -0.1% |\n"
    result = lint_issue(post(table, "XLV at a new all-time high"), tickers=TICKERS)
    assert len(result.contradictions) == 1 and result.contradictions[0].startswith("XLV: at_high")
    fine = "| ETF | from all-time high |\n|---|---:|\n| **XLV** | at the high |\n"
    assert lint_issue(post(fine, "XLV at a new all-time high"), tickers=TICKERS).contradictions == []


def test_a_record_and_an_attempted_base_for_the_same_fund_contradict():
    prose = "IWR closes at a record, 95.49, its first weekly close above the high of May 2, 2025."
    table = "| ETF | state |\n|---|---|\n| **IWR** | attempting |\n"
    assert lint_issue(post(f"{prose}\n\n{table}"), tickers=TICKERS).contradictions
    # About an earlier week or about a ratio: no claim on the fund this week.
    earlier = "IWR made its first weekly close above its all-time high last week."
    assert lint_issue(post(f"{earlier}\n\n{table}"), tickers=TICKERS).contradictions == []
    ratio = "The ratio of IWR to SPY closes at a record against SPY."
    assert lint_issue(post(f"{ratio}\n\n{table}"), tickers=TICKERS).contradictions == []


def test_a_breakout_and_an_attempt_for_the_same_fund_contradict():
    prose = "IWM completes a massive 3-year base: its first weekly close above the 227.91 ceiling."
    table = "| ETF | state |\n|---|---|\n| **IWM** | attempting |\n"
    assert lint_issue(post(f"{prose}\n\n{table}"), tickers=TICKERS).contradictions
    holding = "| ETF | state |\n|---|---|\n| **IWM** | breakout |\n"
    assert lint_issue(post(f"{prose}\n\n{holding}"), tickers=TICKERS).contradictions == []


def test_the_title_may_not_repeat_last_weeks():
    text = post("Words.", "Small caps reclaim their 200-day average")
    same = "Small caps reclaim their 200-day average"
    assert lint_issue(text, tickers=TICKERS, previous_title=same).title_repeated
    assert not lint_issue(text, tickers=TICKERS, previous_title="Something else").title_repeated


def test_the_dashboard_block_titles_are_prose_and_their_tables_are_tables():
    body = (
        '??? note "Bases and breakouts"\n    One line.\n\n'
        "    | ETF | state |\n    |---|---|\n    | **IWM** | holding |\n"
    )
    parsed = parse_issue(post(body))
    assert parsed.prose == ["Bases and breakouts", "One line."]
    assert parsed.tables == [[["ETF", "state"], ["IWM", "holding"]]]


@pytest.mark.slow
def test_the_real_data_backfill_passes_the_letter_lint():
    """Every Friday of the documented sample drafts into a letter that passes every check."""
    fridays = issue_fridays(SAMPLE_FIRST, SAMPLE_LAST)
    assert len(fridays) >= 300
    results = lint_weeks(fridays, workers=2)
    summary = summarise(results)
    problems = [f"{day}: {p}" for day, _, result in results for p in result.problems()]
    assert problems == [], "\n".join(problems[:20])
    assert summary.issues == len(fridays)
    assert summary.words_max <= 600 and summary.dense == 0
