"""What the CLI says when the disk is full, content/ is read-only, the workspace is busy, or a
post's front matter is corrupt: one `Error: ...` line, a non-zero exit, nothing half-written.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from generator.config import Settings
from generator.paths import Layout
from generator.workspace import LOCK_NAME, workspace_lock
from tests.faults import (
    fast_charts,
    leftovers,
    lock_held_by_another_process,
    one_error_line,
    publish_at,
    rotation,
    tree,
)


def commands(day: date) -> dict[str, list[str]]:
    return {
        "fetch": ["fetch", "--source", "demo", "--full"],
        "draft": ["draft", "--as-of", (day - timedelta(weeks=2)).isoformat()],
        "publish": ["publish", day.isoformat()],
        "build": ["build"],
    }


# --- a full disk, a read-only content folder ----------------------------------------------------


def failing_writes(monkeypatch: pytest.MonkeyPatch, code: int, under: Path | None = None) -> None:
    """Every file write (under ``under``) fails with ``code``, as the disk or the folder would."""
    real_fdopen = os.fdopen

    class Refusing:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(code, os.strerror(code))

    def fdopen(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        if "w" in mode and (under is None or under in path.parents):
            return Refusing(handle)
        return handle

    monkeypatch.setattr(os, "fdopen", fdopen)


@pytest.mark.parametrize("command", ["fetch", "draft", "publish", "build"])
def test_a_full_disk_is_one_error_line_naming_the_file_and_nothing_is_half_written(ws, monkeypatch, command):
    folder, settings, day = ws
    if command == "build":
        publish_at(settings, day)  # a new issue to build
    before = tree(folder)
    failing_writes(monkeypatch, errno.ENOSPC)
    line = one_error_line(rotation(folder, *commands(day)[command]))
    assert "could not write " in line and "No space left on device" in line
    assert str(folder) in line  # the path it could not write
    monkeypatch.undo()
    assert tree(folder) == before and not leftovers(folder)


@pytest.mark.parametrize("command", ["draft", "publish", "build"])
def test_a_read_only_content_folder_is_one_error_line_and_nothing_changes(ws, monkeypatch, command):
    """Simulated (EROFS on every write under content/): chmod does not stop root, who runs CI."""
    folder, settings, day = ws
    fast = dict(commands(day))
    if command == "build":
        publish_at(settings, day)
    before = tree(folder)
    failing_writes(monkeypatch, errno.EROFS, under=settings.content_dir)
    line = one_error_line(rotation(folder, *fast[command]))
    assert "Read-only file system" in line and str(settings.content_dir) in line
    monkeypatch.undo()
    changed = [p for p in tree(folder).keys() | before.keys() if tree(folder).get(p) != before.get(p)]
    assert all(p.startswith(".cache/") for p in changed), changed  # only the chart cache may fill
    assert not leftovers(folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod; the simulated EROFS test covers it")
def test_a_chmod_read_only_posts_folder_refuses_publish_with_one_line(ws):
    folder, settings, day = ws
    posts = Layout.of(settings).posts
    before = tree(folder)
    posts.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        line = one_error_line(rotation(folder, "publish", day.isoformat()))
    finally:
        posts.chmod(stat.S_IRWXU)
    assert "Permission denied" in line and str(posts) in line
    assert tree(folder) == before


# --- a busy workspace ---------------------------------------------------------------------------

BUSY = "another rotation command is using the workspace"


@pytest.fixture
def held_in_thread(ws) -> Iterator[tuple[Path, Settings, date]]:
    """Another thread holds the workspace lock, as a running command would."""
    folder, settings, day = ws
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with workspace_lock(settings, "build"):
            taken.set()
            done.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10)
    yield ws
    done.set()
    thread.join()


@pytest.mark.parametrize(
    "args",
    [
        ["draft"],
        ["backfill", "--from", "2026-01-02", "--to", "2026-01-09"],
        ["publish", "2026-01-02"],
        ["build"],
        ["demo", "--weeks", "1"],
        ["weekly", "--source", "demo"],
    ],
    ids=lambda a: a[0],
)
def test_a_command_is_refused_while_another_holds_the_workspace(held_in_thread, args):
    folder, settings, day = held_in_thread
    before = tree(folder)
    line = one_error_line(rotation(folder, *args))
    # weekly fetches (under the store's own lock), then drafts under the workspace lock
    refused = "draft" if args[0] == "weekly" else args[0]
    assert BUSY in line and f"run `rotation {refused}` again" in line
    after = tree(folder)
    assert {p: b for p, b in after.items() if not p.startswith(".store/")} == {
        p: b for p, b in before.items() if not p.startswith(".store/")
    }
    assert after == before or args[0] == "weekly"


def test_a_command_is_refused_while_another_process_holds_the_workspace(ws):
    folder, settings, day = ws
    with lock_held_by_another_process(folder / LOCK_NAME):
        line = one_error_line(rotation(folder, "build"))
        assert BUSY in line and "wait for it to finish, then run `rotation build` again" in line
    assert rotation(folder, "build").exit_code == 0  # free again once the other run ends


def test_the_lock_is_reentrant_for_one_command_and_free_after_it(ws):
    folder, settings, day = ws
    with workspace_lock(settings, "demo"), workspace_lock(settings, "build"):
        pass
    with workspace_lock(settings, "build"):
        pass


# --- corrupt front matter -----------------------------------------------------------------------

CORRUPT = {
    "bad YAML": lambda t: t.replace("title:", "title: [unclosed", 1),
    "no opening ---": lambda t: t[4:],
    "no closing ---": lambda t: t.replace("\n---\n", "\n", 1),
    "rotation is a list": lambda t: t.replace("rotation:\n", "rotation: [1, 2]\nrotation_old:\n", 1),
    "categories is a number": lambda t: _set_key(t, "categories", "5"),
    "tags is a mapping": lambda t: _set_key(t, "tags", "{a: 1}"),
    "calls is a string": lambda t: _set_key(t, "calls", "long IWM"),
    "closes is a number": lambda t: _set_key(t, "closes", "3"),
    "date is not a date": lambda t: t.replace("  as_of: ", "  as_of: 'last friday' #", 1),
    "front matter is a list": lambda t: "---\n- a\n- b\n---\n" + t.split("\n---\n", 1)[1],
}


def _set_key(text: str, key: str, value: str) -> str:
    """Replace a top-level key's whole value (its block) in the front matter."""
    head, body = text[4:].split("\n---\n", 1)
    lines, out, skipping = head.split("\n"), [], False
    for line in lines:
        if line.startswith(f"{key}:"):
            out.append(f"{key}: {value}")
            skipping = True
            continue
        if skipping and (line.startswith((" ", "-")) or not line):
            continue
        skipping = False
        out.append(line)
    return "---\n" + "\n".join(out) + "\n---\n" + body


@pytest.mark.parametrize("kind", list(CORRUPT))
def test_a_corrupt_published_post_stops_the_build_with_its_name_and_nothing_is_written(ws, kind):
    folder, settings, day = ws
    post = next(p for p in sorted(Layout.of(settings).posts.glob("*.md")))
    post.write_text(CORRUPT[kind](post.read_text(encoding="utf-8")), encoding="utf-8")
    before = tree(folder)
    line = one_error_line(rotation(folder, "build"))
    assert post.name in line, line
    assert tree(folder) == before


@pytest.mark.parametrize("kind", ["bad YAML", "no closing ---", "rotation is a list", "calls is a string"])
def test_publishing_a_corrupt_draft_names_it_and_leaves_it_alone(ws, kind):
    folder, settings, day = ws
    post = next(Layout.of(settings).posts.glob(f"{day.isoformat()}-*.md"))
    post.write_text(CORRUPT[kind](post.read_text(encoding="utf-8")), encoding="utf-8")
    before = tree(folder)
    line = one_error_line(rotation(folder, "publish", day.isoformat()))
    assert post.name in line, line
    assert tree(folder) == before


def test_what_a_killed_build_left_beside_site_is_cleared_and_the_old_sites_git_folder_kept(ws):
    folder, settings, day = ws
    stale = folder / ".site.build-abcd1234"
    (stale / "assets").mkdir(parents=True)
    (stale / "index.html").write_text("half a site")
    old = folder / ".site.old-abcd1234"
    shutil.copytree(settings.site_dir, old)
    (old / ".git").mkdir()
    (old / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    assert rotation(folder, "build").exit_code == 0
    assert not stale.exists() and not old.exists()
    assert (settings.site_dir / ".git" / "HEAD").is_file()  # kept, as MkDocs' clean build keeps it


def test_a_failing_mkdocs_build_keeps_the_previous_site_in_place(ws, monkeypatch):
    """Real MkDocs: a strict-mode failure used to leave site/ emptied and half rebuilt."""
    folder, settings, day = ws
    monkeypatch.undo()  # the real MkDocs build
    fast_charts(monkeypatch)
    assert rotation(folder, "build").exit_code == 0
    site = tree(settings.site_dir)
    assert "index.html" in site and "issues/index.html" in site
    publish_at(settings, day)
    (settings.content_dir / "about.md").write_text("# About\n\n[a broken link](no-such-page.md)\n")
    line = one_error_line(rotation(folder, "build"))
    assert "mkdocs build --strict failed (the previous site was kept)" in line
    assert tree(settings.site_dir) == site
    assert not leftovers(folder)
