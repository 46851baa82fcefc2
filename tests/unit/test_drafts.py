"""What protects the editor's text, on post files: a draft is regenerated only while it matches
its hash, an edited one is kept and the new draft goes beside it, ``--force`` keeps every edited
text as a backup, a published post is never rewritten; publishing checks the post and freezes
its charts. The whole drafting path is run once, end to end, in tests/flows/test_drafts.py.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image

from generator.config import Settings
from generator.errors import DraftError, PublishError
from generator.issue.drafts import is_untouched, stamp_hash, write_draft
from generator.paths import Layout
from generator.posts import read_front_matter
from generator.site.publish import publish_post

AS_OF = date(2025, 10, 17)
NOON = datetime(2025, 10, 17, 18, 0)

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


def test_a_week_without_a_post_gets_the_draft(tmp_path: Path):
    posts, backups = tmp_path / "posts", tmp_path / "backups"
    outcome = _write(posts, backups, "Version 1.")
    assert (outcome.action, outcome.path) == ("created", posts / f"{SLUG}.md")
    assert is_untouched(outcome.path.read_text())


def test_rerunning_on_an_untouched_draft_with_the_same_text_changes_nothing(tmp_path: Path):
    posts, backups = tmp_path / "posts", tmp_path / "backups"
    path = _write(posts, backups, "Version 1.").path
    before = path.stat().st_mtime_ns, path.read_bytes()
    again = _write(posts, backups, "Version 1.")
    assert (again.action, again.path) == ("unchanged", path)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_an_untouched_draft_is_regenerated_when_the_text_changes(tmp_path: Path):
    posts, backups = tmp_path / "posts", tmp_path / "backups"
    path = _write(posts, backups, "Version 1.").path
    outcome = _write(posts, backups, "Version 2.")
    assert (outcome.action, outcome.path) == ("updated", path)
    assert "Version 2." in path.read_text() and is_untouched(path.read_text())


def test_an_edited_draft_survives_a_rerun(edited_post):
    posts, backups, edited = edited_post
    again = _write(posts, backups, "Version 2.")
    assert (again.action, again.path.name) == ("beside", f"{SLUG}.new.md")
    assert (posts / f"{SLUG}.md").read_text() == edited
    assert is_untouched(again.path.read_text())


def test_force_overwrites_an_edited_draft_and_keeps_a_backup_outside_the_content(edited_post):
    posts, backups, edited = edited_post
    forced = _write(posts, backups, "Version 2.", force=True)
    assert forced.action == "forced" and "Version 2." in (posts / f"{SLUG}.md").read_text()
    assert forced.backup == backups / f"{SLUG}.bak1.txt" and forced.backup.read_text() == edited
    assert not list(posts.rglob("*.bak*"))  # the editor's unpublished text is never in the content
    again = _write(posts, backups, "Version 2.", force=True)  # a second backup never replaces the first
    assert again.action == "unchanged" and forced.backup.read_text() == edited
    assert sorted(p.name for p in backups.iterdir()) == [f"{SLUG}.bak1.txt"]


def test_a_published_post_is_never_rewritten_even_with_force(tmp_path: Path):
    posts, backups = tmp_path / "posts", tmp_path / "backups"
    posts.mkdir()
    post = posts / f"{SLUG}.md"
    post.write_text(_generated("Published.").replace("draft: true", "draft: false"))
    before = post.read_bytes()
    for force in (False, True):
        with pytest.raises(DraftError, match="is published; published issues are never rewritten"):
            _write(posts, backups, "Version 2.", force=force)
    assert post.read_bytes() == before and not backups.exists()


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


def test_a_draft_whose_front_matter_does_not_parse_is_kept_and_the_new_draft_goes_beside(edited_post):
    posts, backups, edited = edited_post
    post = posts / f"{SLUG}.md"
    typo = edited.replace("title: T\n", "title: [T\n", 1)
    post.write_text(typo)
    outcome = _write(posts, backups, "Version 2.")
    assert (outcome.action, outcome.path.name) == ("beside", f"{SLUG}.new.md")
    assert post.read_text() == typo


# --- publishing a post ------------------------------------------------------------------------


def _post(settings: Settings, body: str, calls: str = "calls: []\n") -> Path:
    """A draft as the editor leaves it for `rotation publish`, with one chart it shows."""
    layout = Layout.of(settings)
    charts = layout.issue_charts(AS_OF)
    charts.mkdir(parents=True)
    png = io.BytesIO()
    Image.new("RGB", (12, 7), "#336699").save(png, format="png")
    (charts / "iwm-price.png").write_bytes(png.getvalue())
    post = layout.posts / f"{SLUG}.md"
    post.parent.mkdir(parents=True)
    post.write_text(
        f"---\ntitle: T\ndate: 2025-10-17\nslug: {SLUG}\ndraft: true\n"
        "rotation:\n  as_of: 2025-10-17\n  published_at: null\n  source_spec: demo\n"
        f"{calls}---\n\n# T\n\n![IWM](../../assets/charts/2025-10-17/iwm-price.png)\n\n{body}\n"
    )
    return post


def test_publish_refuses_a_post_with_an_editor_box_left(workspace_settings):
    settings = workspace_settings()
    post = _post(settings, "!!! editor\n    Write what the week means.\n")
    before = post.read_bytes()
    with pytest.raises(PublishError, match=rf"{post.name}: editor box left at line 17"):
        publish_post(Layout.of(settings).posts, "2025-10-17", NOON, settings)
    assert post.read_bytes() == before


def test_publish_refuses_a_malformed_call_and_names_it(workspace_settings):
    settings = workspace_settings()
    call = (
        "calls:\n- id: 2025-10-17-long-zzzz\n  position: long ZZZZ\n  entry: {ZZZZ: 10.0}\n"
        "  horizon_weeks: 13\n  stop_pct: -4.0\n"
    )
    post = _post(settings, "Our view.", calls=call)
    before = post.read_bytes()
    with pytest.raises(DraftError, match=r"call 2025-10-17-long-zzzz: unknown instrument ZZZZ"):
        publish_post(Layout.of(settings).posts, post.name, NOON, settings)
    assert post.read_bytes() == before


def test_publish_marks_the_post_and_freezes_its_charts(workspace_settings):
    settings = workspace_settings()
    post = _post(settings, "Our view: the ratio says more than the headlines.")
    publish_post(Layout.of(settings).posts, "2025-10-17", NOON, settings)
    meta, _ = read_front_matter(post)
    assert meta["draft"] is False
    assert meta["rotation"]["published_at"] == "2025-10-17T18:00:00"
    charts = meta["rotation"]["charts"]
    assert list(charts) == ["../../assets/charts/2025-10-17/iwm-price.png"]
    assert all(len(digest) == 16 for digest in charts.values())
    with pytest.raises(PublishError, match="already published"):
        publish_post(Layout.of(settings).posts, post.name, datetime(2025, 10, 18, 9, 0), settings)


def test_a_post_saved_with_a_byte_order_mark_publishes(workspace_settings):
    settings = workspace_settings()
    post = _post(settings, "Our view.")
    post.write_bytes(b"\xef\xbb\xbf" + post.read_bytes())  # as Notepad saves it
    publish_post(Layout.of(settings).posts, "2025-10-17", NOON, settings)
    meta, _ = read_front_matter(post)
    assert meta["draft"] is False and meta["rotation"]["published_at"] == "2025-10-17T18:00:00"
