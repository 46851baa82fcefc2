"""Safe around an editor's mistakes (issue 12): what the editor wrote is never lost, nothing
unpublished reaches the site, and a mistake in one post is named instead of breaking or
silently changing the published site.

Most tests work on a copy of the session's built demo workspace (12 published issues); the
ones that build the whole site share one module-wide build of a workspace holding every kind
of file that must stay off the site.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator import pipeline
from generator.calls.ledger import published_issues
from generator.cli import cli
from generator.config import Settings, load_settings
from generator.paths import Layout
from generator.posts import read_front_matter
from generator.site.unpublished import unpublished_files
from tests.faults import fast_charts, tree
from tests.helpers import DEMO_WEEKS, BuiltDemo

LINK = re.compile(r"\]\((\.\./\.\./assets/charts/[^)#\s]+)")


def rotation(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(folder / "newsletter.toml"), *args])


def one_error_line(result: Result) -> str:
    """The single `Error: ...` line of a failed command (no traceback)."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


def copy_demo(built_demo: BuiltDemo, folder: Path) -> tuple[Path, Settings]:
    """The built demo workspace, without its site, at ``folder``; demo prices as the source."""
    shutil.copytree(
        built_demo.workspace,
        folder,
        symlinks=True,
        ignore=lambda where, names: ["site"] if Path(where) == built_demo.workspace else [],
    )
    config = folder / "newsletter.toml"
    config.write_text(config.read_text().replace('source = "yfinance"', 'source = "demo"'))
    return folder, load_settings(config)


@pytest.fixture
def demo_ws(built_demo: BuiltDemo, tmp_path: Path) -> tuple[Path, Settings]:
    return copy_demo(built_demo, tmp_path / "ws")


def published_posts(settings: Settings) -> list[Path]:
    return sorted(p for p in Layout.of(settings).posts.glob("*.md") if ".new" not in p.name)


def as_of(post: Path) -> date:
    return read_front_matter(post)[0]["rotation"]["as_of"]


def as_draft(text: str) -> str:
    """A published post's text as an unpublished draft (no publication time, no fingerprints)."""
    text = text.replace("draft: false", "draft: true", 1)
    text = re.sub(r"published_at: '[^']*'\n  charts:\n(    .*\n)+", "published_at: null\n", text, count=1)
    return text


# --- one build of a workspace holding everything that must stay off the site -------------------


@dataclass(frozen=True)
class Mixed:
    folder: Path
    settings: Settings
    site: Path
    result: Result
    draft_day: date  # the unpublished draft's week (its post and charts)
    broken: Path  # a draft whose YAML does not parse
    bom: Path  # a published post saved with a byte-order mark
    stale_chart: Path  # a chart in a published issue's folder that its post does not show


@pytest.fixture(scope="module")
def mixed(built_demo: BuiltDemo, tmp_path_factory: pytest.TempPathFactory) -> Mixed:
    folder, settings = copy_demo(built_demo, tmp_path_factory.mktemp("mixed") / "ws")
    posts = published_posts(settings)
    newest = posts[-1]
    day = as_of(newest)
    charts = settings.content_dir / "assets" / "charts"
    # An unpublished draft of the next week, with its charts drawn.
    later = day + timedelta(weeks=1)
    shutil.copytree(charts / day.isoformat(), charts / later.isoformat())
    draft_text = as_draft(newest.read_text()).replace(day.isoformat(), later.isoformat())
    (newest.parent / newest.name.replace(day.isoformat(), later.isoformat())).write_text(draft_text)
    # The regenerated copy `rotation draft` wrote beside a post (two of them).
    newest.with_name(newest.stem + ".new.md").write_text(as_draft(newest.read_text()))
    newest.with_name(newest.stem + ".new2.md").write_text(as_draft(newest.read_text()))
    # Backups of the editor's text: one an older version left beside the posts, one where they go now.
    (newest.parent / f"{posts[0].stem}.bak1.txt").write_text("The editor's unpublished text.\n")
    (folder / ".rotation" / "backups").mkdir(parents=True)
    (folder / ".rotation" / "backups" / f"{newest.stem}.bak1.txt").write_text("Unpublished.\n")
    # A chart an earlier draft of a published week drew, which the published post does not show.
    stale = charts / day.isoformat() / "call-dropped-by-the-editor.png"
    shutil.copy(next((charts / day.isoformat()).glob("*.png")), stale)
    # A draft with a YAML typo, two weeks on.
    broken = newest.parent / f"{(later + timedelta(weeks=1)).isoformat()}-typo.md"
    broken.write_text(
        f"---\ntitle: A typo\ndate: {later + timedelta(weeks=1)}\ndraft: true\ntags: [IWM\n---\n\nx\n"
    )
    # A published post an editor saved with a UTF-8 byte-order mark.
    bom = posts[0]
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
    site = folder.parent / "public"
    result = rotation(folder, "build", "--out", str(site))
    return Mixed(folder, settings, site, result, later, broken, bom, stale)


def test_a_draft_whose_front_matter_does_not_parse_is_named_with_its_line_and_skipped(mixed: Mixed):
    assert mixed.result.exit_code == 0, mixed.result.output
    warnings = [line for line in mixed.result.output.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1, mixed.result.output
    assert re.match(
        rf"Warning: {re.escape(str(mixed.broken))}:\d+: front matter is not valid YAML", warnings[0]
    )
    assert warnings[0].endswith("; this draft is left out until it is fixed")
    assert f"Built {DEMO_WEEKS} issues" in mixed.result.output


def test_nothing_unpublished_reaches_the_built_site(mixed: Mixed):
    built = sorted(p.relative_to(mixed.site).as_posix() for p in mixed.site.rglob("*"))
    assert [p for p in built if mixed.draft_day.isoformat() in p] == []  # the draft's page and charts
    assert [p for p in built if ".bak" in p or ".new" in p or "typo" in p] == []
    assert mixed.stale_chart.name not in "\n".join(built)
    slug = read_front_matter(next(Layout.of(mixed.settings).posts.glob(f"{mixed.draft_day}-*.md")))[0]
    assert slug["slug"] not in (mixed.site / "search" / "search_index.json").read_text()
    # ... and every chart a published issue shows is there.
    shown = {
        link.removeprefix("../../")
        for issue in published_issues(Layout.of(mixed.settings).posts, mixed.settings.tickers)
        for link in LINK.findall(issue.body)
    }
    assert len(shown) > DEMO_WEEKS * 4
    assert sorted(p for p in shown if not (mixed.site / p).is_file()) == []


def test_nothing_unpublished_reaches_a_zensical_build_either(mixed: Mixed, tmp_path: Path):
    # Zensical ignores exclude_docs: it builds from a copy of content/ without those files, and
    # into the folder of mkdocs.yml, from which a site elsewhere is moved.
    settings = load_settings(mixed.folder / "newsletter.toml", **{"site.engine": "zensical"})
    site = tmp_path / "zensical-site"
    result = pipeline.build_site(settings, site_dir=site)
    assert result.issues == DEMO_WEEKS and (site / "index.html").is_file()
    built = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    assert [p for p in built if mixed.draft_day.isoformat() in p] == []
    assert [p for p in built if ".bak" in p or ".new" in p or "typo" in p or p.endswith(".py")] == []
    assert mixed.stale_chart.name not in "\n".join(built)
    draft = read_front_matter(next(Layout.of(mixed.settings).posts.glob(f"{mixed.draft_day}-*.md")))[0]
    assert draft["slug"] not in (site / "search.json").read_text()
    assert draft["slug"] not in (site / "feed_rss_created.xml").read_text()
    assert not (mixed.folder / ".rotation" / "zensical").exists()  # its docs copy is gone


def test_a_post_saved_with_a_byte_order_mark_is_on_the_blog_in_the_ledger_and_the_feed(mixed: Mixed):
    meta, _ = read_front_matter(mixed.bom)
    day = meta["date"]
    page = mixed.site / "issues" / f"{day:%Y}" / f"{day:%m}" / meta["slug"] / "index.html"
    assert page.is_file()
    assert f"/{meta['slug']}/" in (mixed.site / "feed_rss_created.xml").read_text()
    issues = published_issues(Layout.of(mixed.settings).posts, mixed.settings.tickers)
    assert mixed.bom in [i.path for i in issues] and len(issues) == DEMO_WEEKS


def test_serve_previews_the_site_around_a_draft_that_does_not_parse(mixed: Mixed, tmp_path: Path):
    port = random.randint(20000, 60000)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        command = [sys.executable, "-m", "generator", "--config", str(mixed.folder / "newsletter.toml")]
        process = subprocess.Popen(
            [*command, "serve", "--address", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                if "Serving on" in log.read_text():
                    break
                time.sleep(0.5)
            output = log.read_text()
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    assert "Serving on" in output, output
    assert f"Warning: {mixed.broken}:" in output


# --- one URL, one post ---------------------------------------------------------------------------


def test_the_build_refuses_two_published_posts_at_one_url_and_names_both(demo_ws):
    folder, settings = demo_ws
    post = published_posts(settings)[-1]
    twin = post.with_name(post.name.replace(".md", "-again.md"))  # same slug and month
    twin.write_text(post.read_text().replace("\n- id: ", "\n- id: again-"))  # calls of its own
    before = tree(settings.content_dir)
    line = one_error_line(rotation(folder, "build"))
    assert post.name in line and twin.name in line and "same page" in line
    assert tree(settings.content_dir) == before and not settings.site_dir.exists()


def test_publish_refuses_a_post_at_the_url_of_a_published_issue(demo_ws):
    folder, settings = demo_ws
    post = published_posts(settings)[-1]
    text = re.sub(r"\ncalls:\n(?:[- ].*\n)*", "\ncalls: []\n", as_draft(post.read_text()), count=1)
    twin = post.with_name(post.name.replace(".md", "-again.md"))
    twin.write_text(text)
    line = one_error_line(rotation(folder, "publish", twin.name))
    assert twin.name in line and post.name in line and "slug" in line
    assert twin.read_text() == text
    other_month = text.replace(f"date: {as_of(post)}", f"date: {as_of(post) + timedelta(days=40)}", 1)
    twin.write_text(other_month)  # the same slug in another month is another page
    assert rotation(folder, "publish", twin.name).exit_code == 0


# --- a regenerated copy beside a post ------------------------------------------------------------


def test_publish_refuses_a_new_md_and_says_to_move_it_onto_the_post(demo_ws):
    folder, settings = demo_ws
    post = published_posts(settings)[0]
    draft = post.with_name(post.name.replace(str(as_of(post)), str(as_of(post) - timedelta(weeks=1))))
    draft.write_text(as_draft(post.read_text()))
    side = draft.with_name(draft.stem + ".new.md")
    side.write_text(draft.read_text())
    line = one_error_line(rotation(folder, "publish", str(side)))
    assert side.name in line and f"mv {side} {draft}" in line
    assert "draft: true" in side.read_text()


def test_draft_on_an_edited_new_md_keeps_it_and_names_both_files(demo_ws, monkeypatch):
    folder, settings = demo_ws
    fast_charts(monkeypatch)
    week = str(as_of(published_posts(settings)[0]) - timedelta(weeks=1))
    first = rotation(folder, "draft", "--as-of", week)
    assert first.exit_code == 0, first.output
    post = next(Layout.of(settings).posts.glob(f"{week}-*.md"))
    post.write_text(post.read_text() + "\nMy commentary.\n")
    beside = rotation(folder, "draft", "--as-of", week)
    side = post.with_name(post.stem + ".new.md")
    assert f"the new draft is beside it: {side}" in beside.output
    side.write_text(side.read_text() + "\nCommentary I wrote in the .new.md.\n")
    again = rotation(folder, "draft", "--as-of", week)
    assert again.exit_code == 0, again.output
    assert f"beside it: {post.with_name(post.stem + '.new2.md')} ({side} holds your edits too" in again.output
    assert side.read_text().endswith("Commentary I wrote in the .new.md.\n")


# --- what the build checks in each published post ------------------------------------------------


def test_a_published_post_without_source_spec_is_named_with_what_to_add(demo_ws):
    folder, settings = demo_ws
    post = published_posts(settings)[3]
    post.write_text(post.read_text().replace("  source_spec: demo\n", "", 1))
    line = one_error_line(rotation(folder, "build"))
    assert post.name in line and "source_spec: demo" in line and ".store/unknown" not in line
    # Publishing one is refused the same way.
    draft = post.with_name(post.name.replace(str(as_of(post)), str(as_of(post) - timedelta(days=1))))
    draft.write_text(re.sub(r"\ncalls:\n(?:[- ].*\n)*", "\ncalls: []\n", as_draft(post.read_text()), count=1))
    post.unlink()
    line = one_error_line(rotation(folder, "publish", draft.name))
    assert draft.name in line and "source_spec" in line


def test_a_swapped_published_chart_stops_the_build_naming_the_issue_and_the_chart(demo_ws):
    folder, settings = demo_ws
    post = published_posts(settings)[2]
    links = LINK.findall(post.read_text())
    swapped, other = (post.parent / links[0]).resolve(), (post.parent / links[1]).resolve()
    shutil.copy(other, swapped)
    line = one_error_line(rotation(folder, "build"))
    assert post.name in line and links[0] in line and "changed since it was published" in line
    assert not settings.site_dir.exists()


# --- what MkDocs is told to leave out ------------------------------------------------------------


def test_the_list_left_out_is_every_file_no_published_post_is_or_shows(tmp_path: Path):
    content = tmp_path / "content"
    posts, charts = content / "issues" / "posts", content / "assets" / "charts"
    for rel in ("2026-01-02/a.png", "2026-01-02/a-dark.png", "2026-01-02/dropped.png", "2026-01-09/b.png"):
        (charts / rel).parent.mkdir(parents=True, exist_ok=True)
        (charts / rel).write_bytes(b"png")
    (charts / "empty").mkdir()
    posts.mkdir(parents=True)
    day = "../../assets/charts/2026-01-02"
    body = f"![a]({day}/a.png#only-light)\n![a]({day}/a-dark.png#only-dark)\n"
    for name, draft in (
        ("2026-01-02-a.md", "false"),
        ("2026-01-09-b.md", "true"),
        ("2026-01-02-a.new.md", "true"),
    ):
        (posts / name).write_text(f"---\ntitle: T\ndate: {name[:10]}\ndraft: {draft}\n---\n\n{body}")
    (posts / "2026-01-02-a.bak1.txt").write_text("old text")
    (posts / "notes.txt").write_text("the editor's notes")
    issues = published_issues(posts, ["IWM"])
    charts = content / "assets" / "charts"
    assert unpublished_files(content, posts, charts, issues) == [
        "issues/posts/2026-01-02-a.bak1.txt",
        "issues/posts/2026-01-02-a.new.md",
        "issues/posts/2026-01-09-b.md",
        "issues/posts/notes.txt",
        "assets/charts/2026-01-02/dropped.png",
        "assets/charts/2026-01-09/",
    ]
    assert unpublished_files(content, posts, charts, []) == ["issues/posts/", "assets/charts/"]


def test_a_mkdocs_yml_without_exclude_docs_fails_the_build_instead_of_publishing_drafts(demo_ws):
    folder, settings = demo_ws
    charts = settings.content_dir / "assets" / "charts"
    newest = published_posts(settings)[-1]
    later = as_of(newest) + timedelta(weeks=1)
    shutil.copytree(charts / str(as_of(newest)), charts / str(later))  # a draft's charts
    config = folder / "mkdocs.yml"
    config.write_text(re.sub(r"\nexclude_docs: .*\n", "\n", config.read_text()))
    line = one_error_line(rotation(folder, "build"))
    assert f"the built site would publish assets/charts/{later}/" in line and "exclude_docs" in line
    assert not settings.site_dir.exists()
