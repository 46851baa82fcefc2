"""The site folder is the tool's own; commands refuse to run outside a workspace; what the
tool writes gets normal modes and durable renames; `serve` explains a busy port.

Each case was a way an ordinary command lost or hid the editor's work (issue 12).
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import pipeline
from generator.calls import ledger
from generator.cli import cli
from generator.config import Settings
from generator.errors import ConfigError
from generator.fsio import atomic_write_text, write_all_if_changed
from generator.paths import Layout
from generator.site import build as publish
from generator.site import stamp as sitestamp
from tests.faults import fast_charts, leftovers, one_error_line, publish_at, rotation, tree  # noqa: F401 - fixtures
from tests.helpers import REPO

Workspace = tuple[Path, Settings, object]


def _work_started(*_: object, **__: object) -> None:
    raise AssertionError("work started before the site folder was checked")


# --- 1. the site folder is one the tool owns --------------------------------------------------

TARGETS = {
    "the workspace (--out .)": lambda root: root,
    "the content folder": lambda root: root / "content",
    "a folder inside content/": lambda root: root / "content" / "issues",
    "the workspace's parent": lambda root: root.parent,
    "the file system root": lambda root: Path("/"),
    "the theme overrides": lambda root: root / "overrides",
    "the price store": lambda root: root / ".store",
}


@pytest.mark.parametrize("target", list(TARGETS))
def test_build_refuses_an_out_folder_that_holds_the_workspace_or_its_content(ws, monkeypatch, target):  # noqa: F811
    folder, settings, day = ws
    out = TARGETS[target](folder)
    before = tree(folder)
    monkeypatch.setattr(ledger, "score_published", _work_started)
    line = one_error_line(rotation(folder, "build", "--out", str(out)))
    assert f"will not build the site into {out}" in line, line
    assert tree(folder) == before and not leftovers(folder)
    assert (folder / "newsletter.toml").is_file()


def test_build_refuses_a_configured_site_dir_of_dot_or_content(ws, monkeypatch):  # noqa: F811
    folder, settings, day = ws
    config = folder / "newsletter.toml"
    text = config.read_text(encoding="utf-8")
    monkeypatch.setattr(ledger, "score_published", _work_started)
    for site_dir, shown in ((".", folder), ("content", folder / "content")):
        config.write_text(text.replace('site_dir = "site"', f'site_dir = "{site_dir}"'), encoding="utf-8")
        before = tree(folder)
        line = one_error_line(rotation(folder, "build"))
        assert f"will not build the site into {shown}" in line and "site_dir" in line, line
        assert tree(folder) == before


def test_build_refuses_another_workspace_or_a_folder_of_files_it_did_not_write(ws, tmp_path):  # noqa: F811
    folder, settings, day = ws
    other = tmp_path / "other-letter"
    other.mkdir()
    shutil.copy(folder / "newsletter.toml", other / "newsletter.toml")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ideas.txt").write_text("my notes")
    for out, reason in ((other, "newsletter.toml"), (notes, "ideas.txt")):
        before = tree(out)
        line = one_error_line(rotation(folder, "build", "--out", str(out)))
        assert f"will not build the site into {out}" in line and reason in line, line
        assert tree(out) == before


def test_a_site_folder_without_the_build_stamp_is_refused_until_it_is_removed(ws):  # noqa: F811
    """An old site (built before the stamp existed) or anything else: the tool cannot tell it is its own."""
    folder, settings, day = ws
    (settings.site_dir / sitestamp.STAMP_NAME).unlink()
    before = tree(settings.site_dir)
    line = one_error_line(rotation(folder, "build", "--full"))
    assert "no .rotation-build.json" in line and "delete it" in line, line
    assert tree(settings.site_dir) == before
    shutil.rmtree(settings.site_dir)
    assert rotation(folder, "build").exit_code == 0
    assert (settings.site_dir / "index.html").is_file()


def test_an_absent_an_empty_or_a_git_only_folder_is_built_into(ws, tmp_path):  # noqa: F811
    folder, settings, day = ws
    empty = tmp_path / "empty"
    empty.mkdir()
    checkout = tmp_path / "gh-pages"
    (checkout / ".git").mkdir(parents=True)
    (checkout / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    for out in (tmp_path / "absent", empty, checkout):
        result = rotation(folder, "build", "--out", str(out))
        assert result.exit_code == 0, result.output
        assert (out / "index.html").is_file() and (out / sitestamp.STAMP_NAME).is_file()
        again = rotation(folder, "build", "--out", str(out), "--full")  # ours now: rebuilt in place
        assert again.exit_code == 0, again.output
    assert (checkout / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"


def test_demo_refuses_an_out_folder_that_holds_the_workspace_before_fetching(ws, monkeypatch):  # noqa: F811
    folder, settings, day = ws
    before = tree(folder)
    monkeypatch.setattr(pipeline, "fetch_prices", _work_started)
    line = one_error_line(rotation(folder, "demo", "--weeks", "1", "--out", str(folder)))
    assert f"will not build the site into {folder}" in line
    assert tree(folder) == before


def test_the_site_swap_itself_refuses_the_workspace(ws):  # noqa: F811
    """Defence in depth: called directly, the swap will not rename the workspace away."""
    folder, settings, day = ws
    before = tree(folder)
    for target in (folder, settings.content_dir, folder.parent):
        with pytest.raises(ConfigError, match="will not build the site into"):
            publish.run_mkdocs_build(settings, target, synthetic=True)
    assert tree(folder) == before and not leftovers(folder.parent)


# --- 9. site as a symlink to a web root ----------------------------------------------------------


def test_a_site_symlink_is_kept_and_its_target_rebuilt_in_place(ws, tmp_path, monkeypatch):  # noqa: F811
    folder, settings, day = ws
    webroot = tmp_path / "www" / "html"
    webroot.parent.mkdir()
    shutil.move(settings.site_dir, webroot)  # the site built so far, now served from /var/www-like
    settings.site_dir.symlink_to(webroot, target_is_directory=True)
    staged_in: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args: object, **kwargs: object) -> str:
        made = real_mkdtemp(*args, **kwargs)  # type: ignore[call-overload]
        staged_in.append(Path(made).parent)
        return str(made)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    publish_at(settings, day)
    for args in (("build",), ("build", "--full")):
        result = rotation(folder, *args)
        assert result.exit_code == 0, result.output
        assert settings.site_dir.is_symlink() and settings.site_dir.resolve() == webroot
        assert (webroot / "index.html").is_file() and (webroot / sitestamp.STAMP_NAME).is_file()
        assert not leftovers(webroot.parent) and not leftovers(folder)
    assert staged_in and set(staged_in) == {webroot.parent}  # beside the target: one file system


def test_a_site_symlink_to_the_workspace_is_refused(ws):  # noqa: F811
    folder, settings, day = ws
    shutil.rmtree(settings.site_dir)
    settings.site_dir.symlink_to(folder, target_is_directory=True)
    before = tree(folder)
    line = one_error_line(rotation(folder, "build"))
    assert "will not build the site into" in line
    assert tree(folder) == before and settings.site_dir.is_symlink()


# --- 8. modes under the user's umask -------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=["umask-022", "umask-027"])
def test_what_the_commands_write_gets_normal_modes_under_the_umask(ws, tmp_path, umask):  # noqa: F811
    folder, settings, day = ws
    mail = tmp_path / "mail"
    started = time.time_ns()
    old = os.umask(umask)
    try:
        for args in (
            ("fetch", "--source", "demo", "--full"),
            ("draft", "--as-of", (day - timedelta(weeks=2)).isoformat()),
            ("publish", day.isoformat()),
            ("build",),
            ("email", day.isoformat(), "--out", str(mail)),
        ):
            result = rotation(folder, *args)
            assert result.exit_code == 0, (args, result.output)
    finally:
        os.umask(old)
    file_mode, folder_mode = 0o666 & ~umask, 0o777 & ~umask
    written = [
        p
        for root in (folder, mail)
        for p in root.rglob("*")
        if p.is_file() and p.stat().st_mtime_ns >= started
    ]
    kinds = {p.relative_to(folder).parts[0] if folder in p.parents else "mail" for p in written}
    assert {"content", "site", ".store", ".cache", "mail"} <= kinds, kinds
    wrong = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    wrong = {p: m for p, m in wrong.items() if m != oct(file_mode)}
    assert not wrong, wrong
    site_folders = [settings.site_dir, *(p for p in settings.site_dir.rglob("*") if p.is_dir())]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in site_folders} == {oct(folder_mode)}


# --- 19. renames are durable ---------------------------------------------------------------------


def _record_syncs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Log fsync (with the path of the file or folder), os.sync, os.replace and os.rename, in order."""
    events: list[tuple[str, str]] = []
    real_fsync, real_sync, real_replace, real_rename = os.fsync, os.sync, os.replace, os.rename

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def sync() -> None:
        events.append(("sync", ""))
        real_sync()

    def replace(src: object, dst: object, **kw: object) -> None:
        events.append(("rename", str(dst)))
        real_replace(src, dst, **kw)  # type: ignore[arg-type]

    def rename(src: object, dst: object, **kw: object) -> None:
        events.append(("rename", str(dst)))
        real_rename(src, dst, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "sync", sync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", rename)
    return events


def test_an_atomic_write_syncs_the_file_then_renames_it_then_syncs_its_folder(tmp_path, monkeypatch):
    target = tmp_path / "posts" / "2026-06-26-issue.md"
    events = _record_syncs(monkeypatch)
    atomic_write_text(target, "text")
    assert [kind for kind, _ in events] == ["fsync", "rename", "fsync"], events
    assert events[1] == ("rename", str(target))
    assert events[2] == ("fsync", str(target.parent))  # the new name is on disk, not only the bytes


def test_publish_syncs_the_posts_folder_after_renaming_the_post(ws, monkeypatch):  # noqa: F811
    folder, settings, day = ws
    post = next(Layout.of(settings).posts.glob(f"{day.isoformat()}-*.md"))
    events = _record_syncs(monkeypatch)
    assert rotation(folder, "publish", day.isoformat()).exit_code == 0
    renamed = events.index(("rename", str(post)))
    assert ("fsync", str(post.parent)) in events[renamed + 1 :], events


def test_a_batch_of_files_syncs_each_folder_once_after_all_its_renames(tmp_path, monkeypatch):
    files = [(tmp_path / "a" / f"{i}.png", b"chart %d" % i) for i in range(3)] + [
        (tmp_path / "b" / "0.png", b"y")
    ]
    events = _record_syncs(monkeypatch)
    assert write_all_if_changed(files) == 4
    folders = [path for kind, path in events if kind == "fsync" and Path(path).is_dir()]
    assert folders == [str(tmp_path / "a"), str(tmp_path / "b")]
    last_rename = max(i for i, (kind, _) in enumerate(events) if kind == "rename")
    assert events.index(("fsync", str(tmp_path / "a"))) > last_rename
    events.clear()
    assert write_all_if_changed(files) == 0 and events == []  # nothing changed: nothing written or synced


def test_the_site_swap_syncs_the_new_site_before_the_rename_and_the_folder_after(ws, monkeypatch):  # noqa: F811
    folder, settings, day = ws
    events = _record_syncs(monkeypatch)
    publish.run_mkdocs_build(settings, settings.site_dir, synthetic=True)
    into_place = events.index(("rename", str(settings.site_dir)))
    assert ("sync", "") in events[:into_place]  # every file of the new site is on disk first
    assert ("fsync", str(settings.site_dir.parent)) in events[into_place + 1 :], events


# --- 20. serve on a busy port, a bad --address, a full disk under --out -------------------------


@pytest.mark.parametrize(
    ("address", "named"),
    [
        ("127.0.0.1:99999", "99999"),
        ("127.0.0.1:0", "0"),
        ("127.0.0.1", "127.0.0.1"),
        ("no host:8000", "no host"),
    ],
)
def test_a_bad_address_is_a_usage_error_naming_it(workspace: Path, address, named):
    result = CliRunner().invoke(
        cli, ["--config", str(workspace / "newsletter.toml"), "serve", "--address", address]
    )
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--address'" in result.output and named in result.output
    assert "Traceback" not in result.output


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_serve_on_a_port_in_use_is_one_error_line_and_mkdocs_never_starts(workspace: Path, monkeypatch):
    monkeypatch.setattr(publish.subprocess, "call", _work_started)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        result = CliRunner().invoke(
            cli, ["--config", str(workspace / "newsletter.toml"), "serve", "--address", address]
        )
    line = one_error_line(result)
    assert address in line and "in use" in line and "--address" in line, line


FULL_DISK_HOOK = '''
def on_post_build(config):
    """Write into the site as a full disk would answer."""
    with open("/dev/full", "wb") as handle:
        handle.write(b"x" * 65536)
'''


def test_a_full_disk_under_out_is_only_the_error_line_without_mkdocs_traceback(ws, monkeypatch, tmp_path):  # noqa: F811
    folder, settings, day = ws
    monkeypatch.undo()  # the real MkDocs
    fast_charts(monkeypatch)
    (folder / "hooks" / "full_disk.py").write_text(FULL_DISK_HOOK)
    config = folder / "mkdocs.yml"
    config.write_text(config.read_text().replace("hooks:\n", "hooks:\n  - hooks/full_disk.py\n", 1))
    out = tmp_path / "out"
    result = rotation(folder, "build", "--out", str(out))
    line = one_error_line(result)
    assert "No space left on device" in line and str(out) in line, result.output
    assert result.output.count("\n") == 1, result.output  # nothing of MkDocs' output after it
    assert not out.exists() and not leftovers(tmp_path)


# --- 24. outside a workspace ---------------------------------------------------------------------

OUTSIDE = [
    ["build"],
    ["serve"],
    ["draft"],
    ["backfill", "--from", "2026-01-02", "--to", "2026-01-09"],
    ["publish", "2026-01-02"],
    ["email", "2026-01-02"],
    ["weekly", "--source", "demo"],
    ["demo", "--weeks", "1"],
]


@pytest.mark.parametrize("args", OUTSIDE, ids=lambda a: a[0])
def test_a_workspace_command_outside_a_workspace_writes_nothing_and_says_what_is_missing(
    tmp_path, monkeypatch, args
):
    empty = tmp_path / "somewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    line = one_error_line(CliRunner().invoke(cli, args))
    assert "newsletter.toml" in line and str(empty) in line and "--config" in line, line
    assert list(empty.iterdir()) == []


def test_build_in_a_folder_with_newsletter_toml_but_no_mkdocs_yml_names_it(tmp_path, monkeypatch):
    folder = tmp_path / "half"
    folder.mkdir()
    shutil.copy(REPO / "newsletter.toml", folder / "newsletter.toml")
    monkeypatch.chdir(folder)
    line = one_error_line(CliRunner().invoke(cli, ["build"]))
    assert "mkdocs.yml" in line and str(folder) in line, line
    assert sorted(p.name for p in folder.iterdir()) == ["newsletter.toml"]
