from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from generator import pipeline
from generator.config import Settings, load_settings
from generator.drafts import is_untouched, read_front_matter, stamp_hash, write_draft
from generator.errors import DraftError, PublishError, TemplateError
from tests.conftest import copy_store

AS_OF = date(2025, 10, 17)


@pytest.fixture
def ws_settings(workspace: Path, demo_store: Path) -> Settings:
    copy_store(demo_store, workspace)  # publish checks each call's entry against the stored closes
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
    outcome = write_draft(first.parent, AS_OF, first.stem, stamp_hash(text), backups=ws_settings.root / "b")
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
    # Backups are the editor's unpublished text: kept in the workspace, outside the site's content.
    assert forced.outcome.backup.parent == ws_settings.root / ".rotation" / "backups"
    assert not list(ws_settings.content_dir.rglob("*.bak*"))
    again = _draft(ws_settings, demo_prices, force=True)  # a second backup never replaces the first
    assert again.outcome.action == "unchanged"
    assert forced.outcome.backup.read_text() == edited


# --- the regenerated copy beside an edited post (<name>.new.md) ---------------------------------

SLUG = "2025-10-17-t"


def _generated(body: str) -> str:
    """A post as `rotation draft` writes it: its hash stamped, so it reads as untouched."""
    return stamp_hash(
        f"---\ntitle: T\ndate: 2025-10-17\nslug: {SLUG}\ndraft: true\n"
        f"rotation:\n  generated_hash:\n---\n\n# T\n\n{body}\n"
    )


@pytest.fixture
def edited_post(tmp_path: Path) -> tuple[Path, Path, str]:
    """(posts folder, backups folder, the edited post's text): the editor wrote into the draft."""
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    edited = _generated("Version 1.") + "My commentary on version 1.\n"
    (posts / f"{SLUG}.md").write_text(edited)
    return posts, tmp_path / ".rotation" / "backups", edited


def _write(posts: Path, backups: Path, body: str, **kwargs):
    return write_draft(posts, AS_OF, SLUG, _generated(body), backups=backups, **kwargs)


def test_an_untouched_new_md_is_regenerated_in_place(edited_post):
    posts, backups, edited = edited_post
    first = _write(posts, backups, "Version 2.")
    assert (first.action, first.path.name) == ("beside", f"{SLUG}.new.md")
    second = _write(posts, backups, "Version 3.")
    assert (second.action, second.path) == ("beside", first.path)
    assert "Version 3." in first.path.read_text() and second.kept == ()
    assert (posts / f"{SLUG}.md").read_text() == edited


def test_an_edited_new_md_is_never_overwritten_the_next_draft_gets_its_own_name(edited_post):
    posts, backups, edited = edited_post
    beside = _write(posts, backups, "Version 2.").path
    edited_beside = beside.read_text() + "I wrote this in the .new.md, as the tool told me.\n"
    beside.write_text(edited_beside)
    again = _write(posts, backups, "Version 3.")
    assert beside.read_text() == edited_beside
    assert (again.action, again.path.name, again.kept) == ("beside", f"{SLUG}.new2.md", (beside,))
    assert "Version 3." in again.path.read_text()
    third = _write(posts, backups, "Version 4.")  # the untouched .new2.md is the one regenerated
    assert (third.path, third.kept) == (again.path, (beside,))
    assert beside.read_text() == edited_beside and (posts / f"{SLUG}.md").read_text() == edited


def test_force_keeps_every_edited_text_as_a_backup_and_clears_the_copies_beside(edited_post):
    posts, backups, edited = edited_post
    beside = _write(posts, backups, "Version 2.").path
    edited_beside = beside.read_text() + "Edited beside.\n"
    beside.write_text(edited_beside)
    untouched = _write(posts, backups, "Version 3.").path  # .new2.md
    forced = _write(posts, backups, "Version 4.", force=True)
    assert forced.action == "forced" and "Version 4." in (posts / f"{SLUG}.md").read_text()
    assert forced.backup == backups / f"{SLUG}.bak1.txt" and forced.backup.read_text() == edited
    assert forced.side_backups == (backups / f"{SLUG}.new.bak1.txt",)
    assert forced.side_backups[0].read_text() == edited_beside
    assert not beside.exists() and not untouched.exists()
    assert sorted(p.name for p in posts.iterdir()) == [f"{SLUG}.md"]


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


def test_a_post_saved_with_a_byte_order_mark_publishes(ws_settings):
    post = pipeline.posts_dir(ws_settings) / "2025-10-17-t.md"
    post.parent.mkdir(parents=True)
    text = (
        "---\ntitle: T\ndate: 2025-10-17\nslug: 2025-10-17-t\ndraft: true\n"
        "rotation:\n  as_of: 2025-10-17\n  published_at: null\n  source_spec: demo\ncalls: []\n---\n\n# T\n"
    )
    post.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # as Notepad saves it
    pipeline.publish_issue(ws_settings, "2025-10-17", datetime(2025, 10, 17, 18, 0))
    meta, _ = read_front_matter(post)
    assert meta["draft"] is False and meta["rotation"]["published_at"] == "2025-10-17T18:00:00"


def test_a_draft_whose_front_matter_does_not_parse_is_kept_and_the_new_draft_goes_beside(edited_post):
    posts, backups, edited = edited_post
    post = posts / f"{SLUG}.md"
    typo = edited.replace("title: T\n", "title: [T\n", 1)
    post.write_text(typo)
    outcome = _write(posts, backups, "Version 2.")
    assert (outcome.action, outcome.path.name) == ("beside", f"{SLUG}.new.md")
    assert post.read_text() == typo
