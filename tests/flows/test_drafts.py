"""Drafting end to end: a real week's draft with its charts, then the editor's text kept through
reruns and publishing; template errors named with their file and line.

What protects the editor's text is tested on post files in tests/unit/test_drafts.py; this
is the one run through the whole drafting path.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from generator import pipeline
from generator.config import Settings, load_settings
from generator.errors import DraftError, PublishError, TemplateError
from generator.issue.drafts import DraftResult, is_untouched
from generator.posts import read_front_matter
from tests.helpers import copy_store, draft

AS_OF = date(2025, 10, 17)


@pytest.fixture
def ws_settings(workspace: Path, demo_store: Path) -> Settings:
    copy_store(demo_store, workspace)  # publish checks each call's entry against the stored closes
    return load_settings(workspace / "newsletter.toml")


def _draft(settings: Settings, prices, as_of: date = AS_OF, **kwargs) -> DraftResult:
    return draft(settings, prices, as_of, **kwargs)


def _fill_editor_boxes(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    out, skip = [], False
    for line in lines:
        if line.startswith("!!! editor"):
            out.append("Our view: the ratio says more than the headlines.\n")
            skip = True
            continue
        if skip and line.startswith("    "):
            continue
        skip = False
        out.append(line)
    path.write_text("".join(out))


def test_a_drafted_week_keeps_the_editors_text_through_reruns_and_publishing(ws_settings, demo_prices):
    result = _draft(ws_settings, demo_prices)  # signals, stories, charts drawn, the post written
    assert result.outcome.action == "created" and result.charts_written > 0
    path = result.outcome.path
    assert path.parent == ws_settings.content_dir / "issues" / "posts"
    assert path.name.startswith("2025-10-17-")
    meta, body = read_front_matter(path)
    assert meta["draft"] is True and meta["slug"] == path.stem and meta["rotation"]["as_of"] == AS_OF
    assert is_untouched(path.read_text()) and "!!! editor" in body
    assert _draft(ws_settings, demo_prices).outcome.action == "unchanged"
    _fill_editor_boxes(path)  # the editor writes
    edited = path.read_text()
    again = _draft(ws_settings, demo_prices)
    assert (again.outcome.action, again.outcome.path.name) == ("beside", f"{path.stem}.new.md")
    assert path.read_text() == edited
    pipeline.publish_issue(ws_settings, path.name, datetime(2025, 10, 17, 18, 0))
    meta, _ = read_front_matter(path)
    assert meta["draft"] is False and meta["rotation"]["charts"]  # the charts it shows, frozen
    published = path.read_bytes()
    with pytest.raises(DraftError, match="is published; published issues are never rewritten"):
        _draft(ws_settings, demo_prices, force=True)
    assert path.read_bytes() == published
    with pytest.raises(PublishError, match="already published"):
        pipeline.publish_issue(ws_settings, path.name, datetime(2025, 10, 18, 9, 0))


def test_an_undefined_variable_names_the_template_and_line(workspace: Path, demo_prices):
    override = workspace / "templates" / "sections" / "stories.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("## Stories\n\n{{ issue.no_such_field }}\n")
    settings = load_settings(workspace / "newsletter.toml")
    with pytest.raises(TemplateError) as info:
        _draft(settings, demo_prices, chart_jobs=[])
    assert str(override) + ":3" in str(info.value)
    assert "no_such_field" in str(info.value)
    assert not list((settings.content_dir / "issues" / "posts").glob("*.md"))


def test_a_syntax_error_names_the_template_and_line(workspace: Path, demo_prices):
    override = workspace / "templates" / "sections" / "stories.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("## Stories\n{% for s in issue.letter.stories %}\n{{ s.text }}\n")
    settings = load_settings(workspace / "newsletter.toml")
    with pytest.raises(TemplateError) as info:
        _draft(settings, demo_prices, chart_jobs=[])
    message = str(info.value)
    assert message.startswith("template syntax error in ")
    assert "sections/stories.md.j2:" in message


def test_a_workspace_template_overrides_the_packaged_one(workspace: Path, demo_prices):
    override = workspace / "templates" / "sections" / "data_notes.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("## Where the numbers come from\n\n{{ issue.source_label }}\n")
    settings = load_settings(workspace / "newsletter.toml")
    text = _draft(settings, demo_prices, chart_jobs=[]).outcome.path.read_text()
    assert "## Where the numbers come from" in text
    assert "## Data notes" not in text
