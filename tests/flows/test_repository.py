"""This repository is also a workspace: running the README's first command (`rotation demo`) in
a checkout must leave `git status` clean, so nothing the demo generates is committed by mistake."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.helpers import REPO, BuiltDemo


def tracked_files(folder: str) -> set[str]:
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", folder], capture_output=True, check=True
    ).stdout.decode()
    return {name for name in listed.split("\0") if name}


def test_the_repository_gitignore_covers_everything_the_demo_writes_into_content(built_demo: BuiltDemo):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    written = {
        path.relative_to(built_demo.workspace).as_posix()
        for path in (built_demo.workspace / "content").rglob("*")
        if path.is_file()
    }
    generated = sorted(written - tracked_files("content"))
    assert len(generated) > 100  # posts, charts, pages, downloads
    checked = subprocess.run(
        ["git", "-C", str(REPO), "check-ignore", "--no-index", "--stdin", "-v", "-n"],
        input="\n".join(generated) + "\n",
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    not_ignored = [line.split("\t", 1)[1] for line in checked if line.startswith("::\t")]
    folders = sorted({"/".join(name.split("/")[:3]) for name in not_ignored})
    assert not not_ignored, f"{len(not_ignored)} generated files are not in .gitignore, under {folders}"
