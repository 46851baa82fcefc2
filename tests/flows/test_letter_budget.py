"""The prose budget on a real week (2024-11-08): the drafted issue keeps to ``[issue]
max_prose_words`` by leaving out the last supporting stories of the house order, and their calls.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from generator.config import SourceSpec, load_settings
from generator.signals import compute_signals
from generator.stories.select import last_week, week_letter
from tests.helpers import REPO, adjusted_closes

SETTINGS = load_settings(REPO / "newsletter.toml")


@pytest.fixture(scope="module")
def real():
    return adjusted_closes(SETTINGS.tickers)


def letter(prices, day: date):  # noqa: ANN001, ANN201
    before = day - timedelta(weeks=1)
    week = compute_signals(prices, SETTINGS, day)
    return week_letter(week, SETTINGS, last_week(compute_signals(prices, SETTINGS, before), SETTINGS))


def test_the_prose_budget_leaves_out_the_last_stories_of_the_house_order_and_their_calls(real, tmp_path):
    from generator.stories.lint import count_words, parse_issue
    from tests.helpers import draft, make_workspace

    settings = load_settings(
        make_workspace(tmp_path / "ws") / "newsletter.toml", **{"issue.max_prose_words": 500}
    )
    result = draft(settings, real, date(2024, 11, 8), source=SourceSpec.parse("csv:x"), charts=False)
    text = result.outcome.path.read_text(encoding="utf-8")
    assert count_words(parse_issue(text)) <= 500
    full = letter(real, date(2024, 11, 8))
    assert "## Small caps against large caps" in text  # the size story stays: first in the house order
    left_out = [s for s in full.stories if f"## {s.heading}" not in text]
    assert left_out and left_out == full.stories[len(full.stories) - len(left_out) :]  # from the end
    assert "long IWM vs IWB" in text
