"""Generated site pages: mentions, formatting, and the writing edge (no churn, no stale files)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from generator.calls.ledger import PublishedIssue
from generator.charts.engine import ChartCache, chart_job
from generator.charts.social import render_social_card
from generator.config import Settings
from generator.issue.text import template_env
from generator.signals.report import Event
from generator.site.model import SitePages, page_slug, status_badge, ticker_page, updown
from generator.site.pages import build_site_pages
from generator.site.tickers import event_lines, mentions
from generator.site.write import site_inputs, write_site


def _issue(day: date, body: str, tags: list[str] | None = None) -> PublishedIssue:
    return PublishedIssue(
        path=Path(f"{day}.md"),
        title="t",
        slug=str(day),
        as_of=day,
        description="",
        categories=[],
        tags=tags or [],
        source="demo",
        synthetic=True,
        body=body,
    )


def test_mentions_match_whole_tickers_only():
    issues = [
        _issue(date(2026, 1, 2), "**IWM** vs IWB; XLKX is not XLK's cousin"),
        _issue(date(2026, 1, 9), "nothing here", tags=["ARKX"]),
        _issue(date(2026, 1, 16), "BRK.B and XLK."),
    ]
    found = mentions(issues, ["IWM", "IWB", "XLK", "ARKX", "BRK.B", "SPY"])
    assert [i.as_of.day for i in found["XLK"]] == [2, 16]  # "XLK's" and "XLK." count, "XLKX" does not
    assert [i.as_of.day for i in found["IWB"]] == [2]
    assert [i.as_of.day for i in found["ARKX"]] == [9]  # by tag
    assert [i.as_of.day for i in found["BRK.B"]] == [16]
    assert found["SPY"] == []


def test_slugs_and_badges():
    assert [page_slug(t) for t in ("IWM", "^GSPC", "BRK.B", "EURUSD=X")] == [
        "iwm",
        "gspc",
        "brk-b",
        "eurusd-x",
    ]
    assert updown(4.25) == '<span class="rd-up">+4.2%</span>'
    assert updown(-1.0) == '<span class="rd-down">-1.0%</span>'
    assert updown(None) == "n/a"
    assert status_badge("invalidated") == '<span class="rd-status rd-status--invalidated">invalidated</span>'


def test_events_on_the_same_close_share_one_line():
    day = date(2026, 6, 26)
    events = [
        Event("ath_breakout", day, 169.69, 172.07, 0),
        Event("high_3y_breakout", day, 169.69, 172.07, 0),
        Event("high_1y_breakout", date(2026, 5, 1), 150.0, 151.0, 8),
    ]
    assert event_lines(events) == [
        "2026-06-26 (this week): all-time high and 3-year high; weekly close 172.07 through 169.69",
        "2026-05-01 (8 weeks ago): 1-year high; weekly close 151.00 through 150.00",
    ]


def test_write_site_skips_identical_files_and_removes_stale_generated_ones(tmp_path: Path):
    content = tmp_path / "content"
    (content / "calls").mkdir(parents=True)
    (content / "calls" / "gone.md").write_text("a call no issue makes any more")
    (content / "issues").mkdir()
    (content / "issues" / "index.md").write_text("hand-written")
    card = chart_job(
        content / "assets/social/site.png",
        render_social_card,
        title="T",
        subtitle="s",
        site_title="S",
        chart_png=None,
        synthetic=False,
    )
    site = SitePages({"calls/index.md": "ledger\n", "index.md": "home\n"}, [card])
    cache = ChartCache(tmp_path / "cache")
    first = write_site(content, site, cache=cache)
    assert (first.pages_written, first.charts_drawn, first.charts_written, first.removed) == (2, 1, 1, 1)
    assert not (content / "calls" / "gone.md").exists()
    assert (content / "issues" / "index.md").read_text() == "hand-written"
    stamps = {p: p.stat().st_mtime_ns for p in content.rglob("*") if p.is_file()}
    again = write_site(content, site, cache=cache)
    assert (again.pages_written, again.charts_drawn, again.charts_written, again.removed) == (0, 0, 0, 0)
    assert {p: p.stat().st_mtime_ns for p in content.rglob("*") if p.is_file()} == stamps


def test_a_ticker_page_without_a_chart_names_no_social_image(settings: Settings):
    # Without prices no ticker chart is drawn: the page must not point og:image at a missing file
    # (the link check of `rotation build` fails on one); the site's own card is shown instead.
    inputs = site_inputs(settings, [], [], prices=None, report=None)
    site = build_site_pages(template_env(settings), inputs)
    page = site.pages[ticker_page("IWM")]
    assert "social_image" not in page.split("---\n")[1]
    assert not [job for job in site.charts if "assets/tickers/" in job.path.as_posix()]
