from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from generator import pipeline
from generator.config import Settings, load_settings
from generator.drafts import is_untouched, read_front_matter, write_draft
from generator.errors import DraftError, PublishError, TemplateError

AS_OF = date(2025, 10, 17)


@pytest.fixture
def ws_settings(workspace: Path) -> Settings:
    return load_settings(workspace / "newsletter.toml")


def _draft(settings: Settings, prices, as_of: date = AS_OF, **kwargs) -> pipeline.DraftResult:
    return pipeline.draft_issue(settings, prices, as_of, source_spec="demo", **kwargs)


def test_a_fresh_draft_is_marked_draft_and_carries_its_hash(ws_settings, demo_prices):
    result = _draft(ws_settings, demo_prices)
    assert result.outcome.action == "created"
    path = result.outcome.path
    assert path.parent == ws_settings.content_dir / "issues" / "posts"
    assert path.name.startswith("2025-10-17-")
    meta, body = read_front_matter(path)
    assert meta["draft"] is True
    assert meta["slug"] == path.stem
    assert meta["rotation"]["as_of"] == AS_OF
    assert is_untouched(path.read_text())
    assert "!!! editor" in body


def test_rerunning_on_an_untouched_draft_changes_nothing(ws_settings, demo_prices):
    first = _draft(ws_settings, demo_prices).outcome.path
    before = first.read_bytes()
    again = _draft(ws_settings, demo_prices)
    assert again.outcome.action == "unchanged"
    assert first.read_bytes() == before


def test_an_untouched_draft_is_regenerated_when_the_text_changes(ws_settings, demo_prices):
    first = _draft(ws_settings, demo_prices).outcome.path
    text = first.read_text().replace("## Dashboard", "## Signals of the week")
    from generator.drafts import stamp_hash

    outcome = write_draft(first.parent, AS_OF, first.stem, stamp_hash(text))
    assert outcome.action == "updated"
    assert "Signals of the week" in first.read_text()


def test_an_edited_draft_survives_a_rerun(ws_settings, demo_prices):
    path = _draft(ws_settings, demo_prices).outcome.path
    edited = path.read_text() + "\nMy own commentary, which must never be lost.\n"
    path.write_text(edited)
    again = _draft(ws_settings, demo_prices)
    assert again.outcome.action == "beside"
    assert path.read_text() == edited
    assert again.outcome.path == path.with_name(path.stem + ".new.md")
    assert is_untouched(again.outcome.path.read_text())


def test_force_overwrites_an_edited_draft_and_keeps_a_backup(ws_settings, demo_prices):
    path = _draft(ws_settings, demo_prices).outcome.path
    edited = path.read_text() + "\nMy commentary.\n"
    path.write_text(edited)
    forced = _draft(ws_settings, demo_prices, force=True)
    assert forced.outcome.action == "forced"
    assert forced.outcome.backup is not None and forced.outcome.backup.read_text() == edited
    assert "My commentary." not in path.read_text()
    again = _draft(ws_settings, demo_prices, force=True)  # a second backup never replaces the first
    assert again.outcome.action == "unchanged"
    assert forced.outcome.backup.read_text() == edited


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


def test_publish_refuses_a_post_with_an_editor_box_left(ws_settings, demo_prices):
    path = _draft(ws_settings, demo_prices).outcome.path
    before = path.read_bytes()
    with pytest.raises(PublishError, match=rf"{path.name}: editor box left at line"):
        pipeline.publish_issue(ws_settings, "2025-10-17", datetime(2025, 10, 17, 18, 0))
    assert path.read_bytes() == before


def test_publish_refuses_a_malformed_call_and_names_it(ws_settings, demo_prices):
    path = _draft(ws_settings, demo_prices).outcome.path
    _fill_editor_boxes(path)
    text = path.read_text()
    meta, _ = read_front_matter(path)
    assert meta["calls"], "the demo week of the IWM/IWB breakout suggests calls"
    call_id = meta["calls"][0]["id"]
    broken = text.replace(f"position: {meta['calls'][0]['position']}", "position: long ZZZZ", 1)
    path.write_text(broken)
    with pytest.raises(DraftError, match=rf"call {call_id}: unknown instrument ZZZZ"):
        pipeline.publish_issue(ws_settings, path.name, datetime(2025, 10, 17, 18, 0))
    assert path.read_text() == broken


def test_publish_marks_the_post_and_freezes_its_charts(ws_settings, demo_prices):
    path = _draft(ws_settings, demo_prices).outcome.path
    _fill_editor_boxes(path)
    pipeline.publish_issue(ws_settings, "2025-10-17", datetime(2025, 10, 17, 18, 0))
    meta, _ = read_front_matter(path)
    assert meta["draft"] is False
    assert meta["rotation"]["published_at"] == "2025-10-17T18:00:00"
    charts = meta["rotation"]["charts"]
    assert charts and all(len(digest) == 16 for digest in charts.values())
    with pytest.raises(PublishError, match="already published"):
        pipeline.publish_issue(ws_settings, path.name, datetime(2025, 10, 18, 9, 0))


def test_a_published_post_is_never_rewritten(ws_settings, demo_prices):
    path = _draft(ws_settings, demo_prices).outcome.path
    _fill_editor_boxes(path)
    pipeline.publish_issue(ws_settings, "2025-10-17", datetime(2025, 10, 17, 18, 0))
    before = path.read_bytes()
    with pytest.raises(DraftError, match="is published; published issues are never rewritten"):
        _draft(ws_settings, demo_prices, force=True)
    assert path.read_bytes() == before


def test_an_undefined_variable_names_the_template_and_line(workspace: Path, demo_prices):
    override = workspace / "templates" / "sections" / "stories.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("## Stories\n\n{{ issue.no_such_field }}\n")
    settings = load_settings(workspace / "newsletter.toml")
    with pytest.raises(TemplateError) as info:
        _draft(settings, demo_prices)
    assert str(override) + ":3" in str(info.value)
    assert "no_such_field" in str(info.value)
    assert not list((settings.content_dir / "issues" / "posts").glob("*.md"))


def test_a_syntax_error_names_the_template_and_line(workspace: Path, demo_prices):
    override = workspace / "templates" / "sections" / "stories.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("## Stories\n{% for s in issue.letter.stories %}\n{{ s.text }}\n")
    settings = load_settings(workspace / "newsletter.toml")
    with pytest.raises(TemplateError) as info:
        _draft(settings, demo_prices)
    message = str(info.value)
    assert message.startswith("template syntax error in ")
    assert "sections/stories.md.j2:" in message


def test_a_workspace_template_overrides_the_packaged_one(workspace: Path, demo_prices):
    override = workspace / "templates" / "sections" / "data_notes.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("## Where the numbers come from\n\n{{ issue.source_label }}\n")
    settings = load_settings(workspace / "newsletter.toml")
    text = _draft(settings, demo_prices).outcome.path.read_text()
    assert "## Where the numbers come from" in text
    assert "## Data notes" not in text
