"""A kill at every write step of fetch, draft, publish and build loses nothing.

For each command: run it once uninterrupted (counting its write steps), then for N = 1..all
steps restore the state before it, kill it at step N (tests/faults.py), check that every file
left is byte-for-byte the before or the after version, rerun it, and check that the rerun
ends exactly where the uninterrupted run did with no temp file left. Soft kills (Ctrl-C: the
cleanup handlers run) and hard kills (nothing after the kill runs) both.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from generator import pipeline
from generator.config import Settings
from generator.data.fetch import fetch_into_store
from generator.data.store import PriceStore
from generator.issue.drafts import stamp_hash
from generator.issue.weeks import last_friday
from generator.paths import Layout
from generator.site import build as publish
from tests.faults import (
    fake_mkdocs,
    fast_charts,
    kill_at_every_step,
    load,
    publish_at,
    restore,
    small_workspace,
    tree,
)
from tests.helpers import DEMO, NOW
from tests.yf_fakes import FakeYahoo, truth_bars, yahoo

MODES = pytest.mark.parametrize("hard", [False, True], ids=["soft-kill", "hard-kill"])
FAULTS = pytest.mark.parametrize(
    "fault",
    [{"hard": False}, {"hard": True}, {"disk_full": True}],
    ids=["soft-kill", "hard-kill", "disk-full"],
)
@pytest.fixture(scope="module")
def demo_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small workspace with the demo prices stored (the snapshot drafts start from)."""
    base = small_workspace(tmp_path_factory.mktemp("faults-base") / "ws")
    pipeline.fetch_prices(load(base), DEMO, now=NOW)
    return base


@pytest.fixture
def workspace_at(tmp_path: Path, demo_base: Path, monkeypatch: pytest.MonkeyPatch):
    """(snapshot folder, workspace folder, settings): the workspace always at the same path."""
    fast_charts(monkeypatch)
    snapshot = tmp_path / "snapshot"
    shutil.copytree(demo_base, snapshot)
    ws = tmp_path / "ws"
    restore(snapshot, ws)
    return snapshot, ws, load(ws)


STORY_WEEK = date(2025, 10, 24)  # the demo's scripted small-cap breakout (IWM against IWB)


def last_issue_day(settings: Settings) -> date:
    return last_friday(pipeline.load_prices(settings, DEMO).last_day)


@FAULTS
def test_a_killed_first_draft_leaves_nothing_or_is_completed_by_the_next_draft(
    workspace_at, monkeypatch, fault
):
    snapshot, ws, settings = workspace_at
    day = STORY_WEEK  # a week whose stories have charts: a quiet week draws none
    report = kill_at_every_step(
        monkeypatch, snapshot, ws, lambda: pipeline.draft_week(settings, day), **fault
    )
    assert report.steps >= 3  # the story's chart, its cache entry and the post


@MODES
def test_a_killed_regeneration_under_a_new_name_never_leaves_two_posts_for_a_week(
    workspace_at, monkeypatch, hard
):
    snapshot, ws, settings = workspace_at
    day = last_issue_day(settings)
    post = pipeline.draft_week(settings, day).outcome.path
    # As an older version drafted it: other words and slug, its own hash (so untouched).
    older = stamp_hash(post.read_text(encoding="utf-8").replace("## ", "## Older ", 1))
    post.unlink()
    post.with_name(f"{day.isoformat()}-an-older-title.md").write_text(older, encoding="utf-8")
    shutil.rmtree(snapshot)
    shutil.copytree(ws, snapshot)
    kill_at_every_step(monkeypatch, snapshot, ws, lambda: pipeline.draft_week(settings, day), hard=hard)
    posts = sorted(p.name for p in Layout.of(settings).posts.glob(f"{day.isoformat()}-*"))
    assert posts == [post.name]


@MODES
def test_a_killed_forced_redraft_keeps_the_editors_text_once(workspace_at, monkeypatch, hard):
    snapshot, ws, settings = workspace_at
    day = last_issue_day(settings)
    post = pipeline.draft_week(settings, day).outcome.path
    edited = post.read_text(encoding="utf-8").replace("!!! editor", "My commentary.\n\n!!! note", 1)
    renamed = post.with_name(f"{day.isoformat()}-my-own-title.md")
    post.unlink()
    renamed.write_text(edited, encoding="utf-8")
    shutil.rmtree(snapshot)
    shutil.copytree(ws, snapshot)
    kill_at_every_step(
        monkeypatch, snapshot, ws, lambda: pipeline.draft_week(settings, day, force=True), hard=hard
    )
    folder = Layout.of(settings).posts
    backups = sorted((ws / ".rotation" / "backups").glob("*.bak*.txt"))
    assert [b.name for b in backups] == [f"{renamed.stem}.bak1.txt"]
    assert backups[0].read_text(encoding="utf-8") == edited
    assert sorted(p.name for p in folder.glob("*.md")) == [post.name]


@MODES
def test_a_killed_publish_leaves_the_draft_or_the_published_post(workspace_at, monkeypatch, hard):
    snapshot, ws, settings = workspace_at
    day = last_issue_day(settings)
    pipeline.draft_week(settings, day)
    shutil.rmtree(snapshot)
    shutil.copytree(ws, snapshot)
    report = kill_at_every_step(monkeypatch, snapshot, ws, lambda: publish_at(settings, day), hard=hard)
    assert report.steps == 1
    assert "draft: false" in next(Layout.of(settings).posts.glob("*.md")).read_text(encoding="utf-8")


@FAULTS
def test_a_killed_build_keeps_the_old_site_or_is_completed_by_the_next_build(
    workspace_at, monkeypatch, fault
):
    snapshot, ws, settings = workspace_at
    monkeypatch.setattr(publish, "build_with_engine", fake_mkdocs())
    day = last_issue_day(settings)
    earlier = day - timedelta(weeks=1)
    pipeline.draft_week(settings, earlier)
    publish_at(settings, earlier)
    pipeline.build_site(settings)
    old_site = tree(settings.site_dir)
    pipeline.draft_week(settings, day)
    publish_at(settings, day)
    stale = settings.content_dir / "calls" / "2020-01-03-long-gone.md"  # a call no longer in the ledger
    stale.write_text("# gone\n", encoding="utf-8")
    shutil.rmtree(snapshot)
    shutil.copytree(ws, snapshot)
    report = kill_at_every_step(monkeypatch, snapshot, ws, lambda: pipeline.build_site(settings), **fault)
    assert report.steps >= 10, report
    assert not stale.exists() and tree(settings.site_dir) != old_site


# --- fetch: the price store --------------------------------------------------------------------

START = date(2024, 1, 1)
TICKERS = ["IWM", "IWB", "SPY", "QQQ"]


@MODES
def test_a_killed_fetch_leaves_the_store_as_it_was_or_is_completed_by_the_next_fetch(
    tmp_path, monkeypatch, hard
):
    fake = FakeYahoo({t: truth_bars(t, last="2024-06-28") for t in [*TICKERS, "DIA"]})
    snapshot, folder = tmp_path / "snapshot", tmp_path / "store"
    fetch_into_store(yahoo(fake, date(2024, 3, 1)), PriceStore(snapshot), TICKERS, START, now=NOW)
    # Next week: new bars for all, a new ticker, and a dividend that re-bases QQQ's history.
    fake.truth["QQQ"] = fake.truth["QQQ"].assign(**{"Adj Close": fake.truth["QQQ"]["Adj Close"] * 0.99})

    def run() -> None:
        fetch_into_store(yahoo(fake, date(2024, 4, 1)), PriceStore(folder), [*TICKERS, "DIA"], START, now=NOW)

    def committed(killed: dict[str, bytes], before: dict[str, bytes]) -> bool:
        return killed.get("manifest.json") != before.get("manifest.json")

    report = kill_at_every_step(monkeypatch, snapshot, folder, run, hard=hard, committed=committed)
    assert report.steps >= 7  # five price files, the date index, the manifest, then the old files go
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["tickers"]) == sorted([*TICKERS, "DIA"])
    for ticker, entry in manifest["tickers"].items():
        assert PriceStore(folder).problem_with(ticker, entry) is None
