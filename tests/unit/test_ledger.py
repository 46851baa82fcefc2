"""The ledger: built from published posts, later issues close calls, open calls are cheap to find."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from generator.calls.ledger import (
    PublishedIssue,
    check_unique_urls,
    closing_days,
    lead_image,
    ledger_problems,
    open_scores_as_of,
    published_issues,
    scan_posts,
    score_ledger,
)
from generator.calls.model import Call
from generator.data.prices import PriceHistory
from generator.errors import DraftError
from generator.posts import read_front_matter


def _call(call_id: str, position: str, horizon_weeks: int = 4, **kwargs: object) -> Call:
    direction, ticker, *rest = position.split()
    return Call(
        id=call_id,
        direction=direction,
        ticker=ticker,
        benchmark=rest[1] if rest else None,
        category="size",
        thesis="",
        entry={},
        horizon_weeks=horizon_weeks,
        stop_pct=kwargs.pop("stop_pct", -5.0),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def _issue(day: date, calls: list[Call], closes: list[str] | None = None) -> PublishedIssue:
    return PublishedIssue(
        path=Path(f"{day.isoformat()}-x.md"),
        title="x",
        slug=f"{day.isoformat()}-x",
        as_of=day,
        description="",
        categories=[],
        tags=[],
        source="demo",
        synthetic=True,
        calls=[replace(c, issue_date=day, issue_slug=f"{day}-x") for c in calls],
        closes=closes or [],
    )


def _fridays(prices: PriceHistory, weeks: int) -> list[date]:
    last = prices.last_day - timedelta(days=(prices.last_day.weekday() - 4) % 7)
    return [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def test_a_later_issue_closes_a_call_on_its_own_close(demo_prices: PriceHistory):
    first, second, *_ = _fridays(demo_prices, 6)
    issues = [
        _issue(first, [_call("a", "long IWM vs IWB", horizon_weeks=13, stop_pct=-50.0)]),
        _issue(second, [], closes=["a"]),
    ]
    (score,) = score_ledger(issues, demo_prices, demo_prices.last_day)
    assert score.status == "closed" and score.ended_on == second
    assert score.last_day == second


def test_an_unknown_or_later_close_is_reported_naming_the_issue_and_never_stops_scoring():
    day = date(2026, 1, 2)
    typo = [_issue(day, [_call("a", "long IWM")]), _issue(day + timedelta(weeks=1), [], ["typo", "a"])]
    assert closing_days(typo) == {"a": day + timedelta(weeks=1)}  # the valid close still counts
    assert ledger_problems(typo) == [
        "2026-01-09-x.md: closes 'typo', which no published issue made (open calls: a); ignored"
    ]
    later = [_issue(day, [], ["b"]), _issue(day + timedelta(weeks=1), [_call("b", "long IWM")])]
    assert closing_days(later) == {}
    assert ledger_problems(later) == [
        "2026-01-02-x.md: closes 'b', a call of a later issue (2026-01-09-x.md, 2026-01-09); ignored"
    ]


def test_a_second_close_of_the_same_call_is_reported_and_the_first_one_counts():
    day = date(2026, 1, 2)
    issues = [
        _issue(day, [_call("a", "long IWM", horizon_weeks=13)]),
        _issue(day + timedelta(weeks=1), [], ["a"]),
        _issue(day + timedelta(weeks=2), [], ["a"]),
    ]
    assert closing_days(issues) == {"a": day + timedelta(weeks=1)}
    assert ledger_problems(issues) == [
        "2026-01-16-x.md: closes 'a', which 2026-01-09-x.md already closed; ignored"
    ]


def test_a_call_id_used_twice_is_an_error():
    day = date(2026, 1, 2)
    with pytest.raises(DraftError, match="call id a is used by an earlier issue too"):
        closing_days(
            [
                _issue(day, [_call("a", "long IWM")]),
                _issue(day + timedelta(weeks=1), [_call("a", "long IWB")]),
            ]
        )


def test_open_calls_as_of_each_week_match_a_full_rescore(demo_prices: PriceHistory):
    fridays = _fridays(demo_prices, 20)
    positions = ["long IWM vs IWB", "long XLK", "short XLE", "long PSCT vs IWM", "long ARKK"]
    issues = [
        _issue(day, [_call(f"c{i}", positions[i % len(positions)], horizon_weeks=1 + i % 6, stop_pct=-3.0)])
        for i, day in enumerate(fridays)
    ]
    issues[10] = replace(issues[10], closes=["c7"])
    for week, day in enumerate(fridays):
        history = demo_prices.as_of(day)
        fast = open_scores_as_of(issues, history, day)
        full = [s for s in score_ledger([i for i in issues if i.as_of < day], history, day) if not s.ended]
        assert [(s.call.id, s.result_pct) for s in fast] == [(s.call.id, s.result_pct) for s in full], day
        assert all(s.call.issue_date is not None and s.call.issue_date < day for s in fast)
        if week > 8:
            assert len(fast) < week  # the horizon filter left ended calls out


def test_published_issues_reads_only_published_posts(tmp_path: Path):
    def post(name: str, draft: bool) -> None:
        (tmp_path / name).write_text(
            f"---\ntitle: T\ndate: 2026-01-02\ndraft: {str(draft).lower()}\ncalls: []\n---\n\n# T\n"
        )

    post("2026-01-02-a.md", draft=False)
    post("2026-01-09-b.md", draft=True)
    post("2026-01-09-b.new.md", draft=True)
    assert [i.path.name for i in published_issues(tmp_path, ["IWM"])] == ["2026-01-02-a.md"]


def test_lead_image_is_the_headline_ticker_chart_unless_the_editor_chose_one():
    body = "![size](../../assets/charts/d/iwm-vs-iwb.png)\n\n![lead](../../assets/charts/d/pscm-price.png)\n"
    assert (
        lead_image({"title": "PSCM at a new all-time high"}, body) == "../../assets/charts/d/pscm-price.png"
    )
    assert lead_image({"title": "A quiet week"}, body) == "../../assets/charts/d/iwm-vs-iwb.png"
    assert lead_image({"title": "PSCM", "image": "x.png"}, body) == "x.png"
    assert lead_image({"title": "x"}, "no chart") is None


# --- reading the posts folder: drafts that do not parse, side copies, one URL per post ------------


def _write(folder: Path, name: str, front_matter: str, *, bom: bool = False) -> Path:
    path = folder / name
    text = f"---\n{front_matter}---\n\n# T\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_a_post_saved_with_a_byte_order_mark_reads_like_any_other(tmp_path: Path):
    path = _write(tmp_path, "2026-01-02-a.md", "title: T\ndate: 2026-01-02\ndraft: false\n", bom=True)
    meta, body = read_front_matter(path)
    assert meta["title"] == "T" and body.startswith("\n# T")
    assert [i.path for i in published_issues(tmp_path, ["IWM"])] == [path]


def test_a_draft_that_does_not_parse_is_skipped_with_its_file_and_line(tmp_path: Path):
    good = _write(tmp_path, "2026-01-02-a.md", "title: A\ndate: 2026-01-02\ndraft: false\n")
    broken = _write(tmp_path, "2026-01-09-b.md", "title: B\ndate: 2026-01-09\ndraft: true\ntags: [IWM\n")
    listed = _write(tmp_path, "2026-01-16-c.md", "- a\n- b\ndraft: true\n")
    scan = scan_posts(tmp_path, ["IWM"])
    assert [i.path for i in scan.published] == [good]
    assert [s.path for s in scan.skipped] == [broken, listed]
    assert str(scan.skipped[0]).startswith(f"{broken}:5: front matter is not valid YAML")
    assert published_issues(tmp_path, ["IWM"]) == scan.published


@pytest.mark.parametrize(
    "front_matter",
    [
        "title: A\ndate: 2026-01-02\ndraft: false\ntags: [IWM\n",  # marked published
        "title: A\ndate: 2026-01-02\nrotation:\n  published_at: '2026-01-02T18:00:00'\ntags: [IWM\n",
        "- a\n- b\n",  # nothing says it is a draft: it may be a published post
    ],
)
def test_a_post_that_does_not_parse_and_may_be_published_stops_the_build(tmp_path: Path, front_matter):
    path = _write(tmp_path, "2026-01-02-a.md", front_matter)
    with pytest.raises(DraftError, match=rf"^{re.escape(str(path))}:\d+: front matter"):
        scan_posts(tmp_path, ["IWM"])


def test_a_published_copy_beside_a_post_is_an_error_naming_it(tmp_path: Path):
    _write(tmp_path, "2026-01-02-a.md", "title: A\ndate: 2026-01-02\ndraft: true\n")
    side = _write(tmp_path, "2026-01-02-a.new2.md", "title: A\ndate: 2026-01-02\ndraft: false\n")
    with pytest.raises(DraftError, match=rf"{side.name} is marked published.*2026-01-02-a.md"):
        scan_posts(tmp_path, ["IWM"])


def test_two_published_posts_at_one_url_are_an_error_naming_both(tmp_path: Path):
    a = _write(tmp_path, "2026-01-02-a.md", "title: A\ndate: 2026-01-02\nslug: weekly\ndraft: false\n")
    _write(tmp_path, "2026-02-06-b.md", "title: B\ndate: 2026-02-06\nslug: weekly\ndraft: false\n")
    assert check_unique_urls(published_issues(tmp_path, ["IWM"])) is None  # another month: another page
    c = _write(tmp_path, "2026-01-30-c.md", "title: C\ndate: 2026-01-30\nslug: Weekly\ndraft: false\n")
    with pytest.raises(DraftError, match=rf"{a.name} and {c.name} would be the same page, issues/2026/01/"):
        check_unique_urls(published_issues(tmp_path, ["IWM"]))
    # Without a slug, Material slugifies the title.
    d = _write(tmp_path, "2026-02-13-d.md", "title: Weekly!\ndate: 2026-02-13\ndraft: false\n")
    c.unlink()
    with pytest.raises(DraftError, match=rf"2026-02-06-b.md and {d.name} would be the same page"):
        check_unique_urls(published_issues(tmp_path, ["IWM"]))


def test_a_changed_frozen_chart_is_named_until_its_new_fingerprint_is_written(tmp_path: Path):
    from generator.site.frozen import changed_charts, fingerprint

    chart = tmp_path / "assets" / "c.png"
    chart.parent.mkdir()
    chart.write_bytes(b"published")
    posts = tmp_path / "posts"
    posts.mkdir()
    recorded = fingerprint(b"published")
    front = "title: A\ndate: 2026-01-02\ndraft: false\nrotation:\n  charts:\n    ../assets/c.png: {}\n"
    post = _write(posts, "2026-01-02-a.md", front.format(recorded))
    post.write_text(post.read_text() + "![c](../assets/c.png#only-light)\n")
    issue = published_issues(posts, ["IWM"])[0]
    assert changed_charts(issue) == []
    chart.write_bytes(b"swapped")
    now = fingerprint(b"swapped")
    assert changed_charts(issue) == [
        f"chart ../assets/c.png changed since it was published (fingerprint {recorded}, now {now})"
    ]
    post.write_text(post.read_text().replace(recorded, now))  # the editor re-freezes it on purpose
    assert changed_charts(published_issues(posts, ["IWM"])[0]) == []
    chart.unlink()
    assert "is missing" in changed_charts(published_issues(posts, ["IWM"])[0])[0]
