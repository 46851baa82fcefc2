"""The built demo site: strict build, every link resolves, feeds, social cards, no needless work."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path

from generator import pipeline
from generator.calls.ledger import published_issues
from generator.config import Settings
from generator.paths import Layout
from generator.site import build as site_build
from generator.site.build import mkdocs_env
from generator.site.linkcheck import check_site
from tests.faults import fake_mkdocs, leftovers, one_error_line, rotation, tree
from tests.helpers import DEMO_WEEKS, BuiltDemo


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_every_link_image_and_script_of_every_page_resolves(engine_demo: BuiltDemo):
    pages, broken = check_site(engine_demo.site, site_url=engine_demo.settings.site.url)
    assert pages > 60  # home, archive, issues, calls, tickers...
    assert [str(b) for b in broken] == []


def test_strict_mkdocs_build_prints_no_warning(built_demo: BuiltDemo, tmp_path: Path, monkeypatch):
    settings = built_demo.settings
    monkeypatch.delenv("NO_MKDOCS_2_WARNING", raising=False)  # importing Material sets it in-process
    env = mkdocs_env(settings, synthetic=True, site_dir=tmp_path / "site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(settings.mkdocs_yml)]
    result = subprocess.run(command, cwd=settings.root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not re.search(r"^WARNING\b", result.stderr + result.stdout, re.M)  # MkDocs' log lines
    # Material's own end-of-life notice is not silenced (the build summary states the date too).
    assert "Material for MkDocs reaches end of life on May 5, 2027" in result.stderr


def test_zensical_reports_no_issue_and_copies_no_hook_into_the_site(zensical_demo: BuiltDemo):
    assert "No issues found" in zensical_demo.result.engine_log, zensical_demo.result.engine_log
    assert not (zensical_demo.site / "hooks").exists()
    assert not list(zensical_demo.site.rglob("*.py"))


def test_the_ledger_has_every_call_with_a_page_and_a_chart(engine_demo: BuiltDemo):
    issues = published_issues(Layout.of(engine_demo.settings).posts, engine_demo.settings.tickers)
    calls = [c for i in issues for c in i.calls]
    assert len(issues) == DEMO_WEEKS and calls
    ledger = (engine_demo.site / "calls" / "index.html").read_text()
    for call in calls:
        assert (engine_demo.site / "calls" / call.id / "index.html").is_file()
        assert (engine_demo.site / "assets" / "calls" / f"{call.id}.png").is_file()
        assert f'href="{call.id}/"' in ledger
    assert 'class="rd-filter rd-sortable rd-table rd-table--ledger"' in ledger
    assert 'data-filters="status,category,tickers"' in ledger
    assert (engine_demo.site / "calls" / "track-record" / "index.html").is_file()


def test_ticker_pages_gather_issues_chart_state_and_calls(engine_demo: BuiltDemo):
    issues = published_issues(Layout.of(engine_demo.settings).posts, engine_demo.settings.tickers)
    lead = issues[-1].tags[0]
    page = (engine_demo.site / "tickers" / lead.lower() / "index.html").read_text()
    assert "Signal state" in page and f"assets/tickers/{lead.lower()}.png" in page
    assert issues[-1].title in page  # the newest issue tags it, so it mentions it
    assert "Calls" in page
    # An issue's tags link to the ticker pages.
    post = next((engine_demo.site / "issues").glob(f"*/*/{issues[-1].slug}/index.html"))
    assert f'href="../../../../tickers/{lead.lower()}/"' in post.read_text()


def test_feeds_list_issues_only_with_absolute_links_and_dates_from_front_matter(engine_demo: BuiltDemo):
    url = engine_demo.settings.site.url
    rss = ET.parse(engine_demo.site / "feed_rss_created.xml").getroot()
    items = rss.findall("./channel/item")
    assert len(items) == DEMO_WEEKS
    for item in items:
        link = item.findtext("link") or ""
        assert link.startswith(url + "issues/")
        day = re.search(r"/issues/\d{4}/\d{2}/(\d{4}-\d{2}-\d{2})-", link)
        assert day is not None
        published = parsedate_to_datetime(item.findtext("pubDate") or "")
        assert published.date().isoformat() == day.group(1)  # the post's front-matter date
        assert (published.hour, published.utcoffset()) in (
            (18, timedelta(hours=-4)),
            (18, timedelta(hours=-5)),
        )
    feed = json.loads((engine_demo.site / "feed_json_created.json").read_text())
    assert len(feed["items"]) == DEMO_WEEKS
    assert all(i["url"].startswith(url + "issues/") for i in feed["items"])


def test_each_issue_has_a_social_card_in_its_meta(engine_demo: BuiltDemo):
    url = engine_demo.settings.site.url
    issues = published_issues(Layout.of(engine_demo.settings).posts, engine_demo.settings.tickers)
    for issue in issues:
        card = engine_demo.site / "assets" / "social" / f"{issue.slug}.png"
        assert card.is_file()
        assert card.read_bytes()[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")  # IHDR size
    newest = issues[-1]
    html = next((engine_demo.site / "issues").glob(f"*/*/{newest.slug}/index.html")).read_text()
    image = re.search(r'<meta property="og:image" content="([^"]+)"', html)
    # Zensical writes '/' as '&#x2f;' in attributes: the same URL once parsed.
    assert image is not None and unescape(image.group(1)) == f"{url}assets/social/{newest.slug}.png"
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_synthetic_notice_is_on_every_page(engine_demo: BuiltDemo):
    for page in ("index.html", "calls/index.html", "tickers/index.html", "issues/index.html"):
        assert "Synthetic demo data." in (engine_demo.site / page).read_text(), page


def test_a_second_build_rewrites_nothing_before_mkdocs(built_demo: BuiltDemo, tmp_path: Path):
    content = built_demo.settings.content_dir
    before = _mtimes(content)
    result = pipeline.build_site(built_demo.settings, site_dir=tmp_path / "site")
    assert (result.pages_written, result.charts_drawn) == (0, 0)
    assert _mtimes(content) == before


def test_a_broken_link_in_the_built_pages_fails_the_build_and_keeps_the_previous_site(ws, monkeypatch):
    folder, settings, _ = ws
    assert rotation(folder, "build").exit_code == 0
    before = tree(folder / "site")
    engine = fake_mkdocs()

    def with_a_broken_link(settings_: Settings, out_dir: Path, **kw: object) -> None:
        engine(settings_, out_dir, **kw)
        (out_dir / "index.html").write_text('<a href="issues/">ok</a> <img src="assets/gone.png">')

    monkeypatch.setattr(site_build, "build_with_engine", with_a_broken_link)
    line = one_error_line(rotation(folder, "build", "--full"))
    assert line == (
        "Error: the built site has 1 broken link: index.html: assets/gone.png "
        "(no file assets/gone.png) (the previous site was kept)"
    ), line
    assert tree(folder / "site") == before and not leftovers(folder)
