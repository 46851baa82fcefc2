"""From a wheel to a site: build the package, install it in a fresh venv, `rotation init`, `rotation demo`.

Slow (a wheel build, a venv, a 4-week demo) but part of the default suite: it is the only test
that runs the tool as a user who never saw the repository would. The venv borrows this one's
third-party packages (a .pth line; no network), and gets the wheel alone (--no-deps), so the
tool it runs is the wheel's, with the wheel's package data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from generator.skeleton import REQUIREMENTS, skeleton_files
from tests.helpers import REPO

SOURCES = ("pyproject.toml", "README.md", "generator", "templates")


def build_wheel(tmp: Path) -> Path:
    """The wheel of a copy of the checkout holding only what the package is made of."""
    src = tmp / "src"
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            src.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    for path in skeleton_files(REPO).values():
        source_rel = path.relative_to(REPO)
        (src / source_rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, src / source_rel)
    out = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(out), str(src)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("rotation_desk-*.whl"))


def test_the_wheel_installs_inits_and_builds_the_demo_offline(tmp_path: Path):
    wheel = build_wheel(tmp_path)

    # The package data is the repository's files, byte for byte, and nothing else.
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        prefix = "generator/workspace_files/"
        packaged = {n.removeprefix(prefix): n for n in names if n.startswith(prefix)}
        expected = {path.relative_to(REPO).as_posix(): path for path in skeleton_files(REPO).values()}
        assert sorted(packaged) == sorted(expected)
        for rel, path in expected.items():
            assert archive.read(packaged[rel]) == path.read_bytes(), rel
        templates = sorted(n for n in names if n.startswith("generator/templates/") and n.endswith(".j2"))
        assert templates == sorted(
            "generator/templates/" + p.relative_to(REPO / "templates").as_posix()
            for p in (REPO / "templates").rglob("*.j2")
        )

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )
    (site_packages / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
         str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROTATION_")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    empty = tmp_path / "letter"
    empty.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import generator; print(generator.__file__)"],
        check=True, capture_output=True, text=True, env=env, cwd=empty,
    ).stdout
    assert where.startswith(str(site_packages)), where  # the wheel's code, not the checkout's

    rotation = str(venv / "bin" / "rotation")
    init = subprocess.run([rotation, "init"], cwd=empty, env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    assert (empty / REQUIREMENTS).is_file() and (empty / ".github" / "workflows" / "weekly.yml").is_file()
    demo = subprocess.run(
        [rotation, "demo", "--weeks", "4"], cwd=empty, env=env, capture_output=True, text=True, timeout=900
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Built 4 issues" in demo.stdout

    site = empty / "site"
    issues = sorted(site.glob("issues/20*/*/*/index.html"))
    assert len(issues) == 4
    assert (site / "calls" / "index.html").is_file()
    assert (site / "calls" / "track-record" / "index.html").is_file()
    assert (site / "feed_rss_created.xml").read_text().count("<item>") == 4
    assert (site / "feed_json_created.json").is_file()
    assert not (site / "hooks").exists()
