"""Fixtures of the flows: a small demo workspace with a published issue, restored per test."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from generator import pipeline
from generator.config import Settings
from generator.issue.weeks import last_friday
from generator.site import build as publish
from tests.faults import fake_mkdocs, fast_charts, load, publish_at, restore, small_workspace
from tests.helpers import DEMO, NOW


@pytest.fixture(scope="session")
def published_base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, date]:
    """A small demo workspace: prices stored, last week's issue published and built, this week drafted."""
    base = small_workspace(tmp_path_factory.mktemp("faults-cli") / "ws")
    config = base / "newsletter.toml"
    config.write_text(config.read_text().replace('source = "yfinance"', 'source = "demo"'))
    settings = load(base)
    with pytest.MonkeyPatch.context() as m:
        fast_charts(m)
        m.setattr(publish, "build_with_engine", fake_mkdocs())
        pipeline.fetch_prices(settings, DEMO, now=NOW)
        day = last_friday(pipeline.load_prices(settings, DEMO).last_day)
        pipeline.draft_week(settings, day - timedelta(weeks=1))
        publish_at(settings, day - timedelta(weeks=1))
        pipeline.build_site(settings)
        post = pipeline.draft_week(settings, day).outcome.path
    post.write_text(post.read_text().replace("!!! editor", "!!! note"))  # the editor's commentary
    return base, day


@pytest.fixture
def ws(tmp_path: Path, published_base, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Settings, date]:
    base, day = published_base
    folder = tmp_path / "ws"
    restore(base, folder)
    fast_charts(monkeypatch)
    monkeypatch.setattr(publish, "build_with_engine", fake_mkdocs())
    return folder, load(folder), day
