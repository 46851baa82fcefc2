"""Which weeks an issue is drafted for (``generator.issue.weeks``)."""

from __future__ import annotations

from datetime import date

from generator.issue.weeks import issue_fridays, published_weeks


def test_a_backfill_leaves_the_published_weeks_alone_and_only_those():
    fridays = issue_fridays(date(2025, 1, 1), date(2025, 1, 31))
    assert [d.day for d in fridays] == [3, 10, 17, 24, 31]
    published = [date(2025, 1, 10), date(2024, 12, 27), date(2025, 1, 31), date(2025, 1, 10)]
    assert published_weeks(fridays, iter(published)) == [date(2025, 1, 10), date(2025, 1, 31)]
    assert published_weeks(fridays, []) == []
