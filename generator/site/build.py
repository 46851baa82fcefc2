"""The MkDocs build: into a staging folder beside the site, swapped in only when complete.

MkDocs has no public Python API (mkdocs/mkdocs#1240), so the build runs as a subprocess of
the same interpreter, in strict mode, with the output folder and the synthetic-data flag
passed through the ``!ENV`` tags of mkdocs.yml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.config import Settings
from generator.errors import PublishError
from generator.fsio import remove_tree, write_failure
from generator.site import stamp
from generator.site.stamp import STAMP_NAME


@dataclass(frozen=True)
class BuildResult:
    """What `rotation build` did."""

    issues: int
    calls: int
    pages_written: int
    site_dir: Path
    charts_drawn: int = 0
    seconds_generate: float = 0.0
    seconds_mkdocs: float = 0.0
    mkdocs_skipped: bool = False


def mkdocs_env(settings: Settings, *, synthetic: bool, site_dir: Path | None = None) -> dict[str, str]:
    """The environment mkdocs.yml's ``!ENV`` tags read: title, URL and feed from newsletter.toml."""
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"  # Material 9.7+ prints an end-of-life banner otherwise
    env["ROTATION_SITE_TITLE"] = settings.site.title
    env["ROTATION_SITE_URL"] = settings.site.url
    env["ROTATION_SITE_DESCRIPTION"] = settings.site.description
    env["ROTATION_SITE_AUTHOR"] = settings.site.author
    env["ROTATION_FEED_URL"] = f"{settings.site.url}feed_rss_created.xml"
    env["ROTATION_SITE_IMAGE"] = f"{settings.site.url}assets/social/site.png"
    if site_dir is not None:
        env["ROTATION_SITE_DIR"] = str(site_dir)
    env.pop("ROTATION_SYNTHETIC", None)
    if synthetic:
        env["ROTATION_SYNTHETIC"] = "true"
    return env


def run_mkdocs_build(settings: Settings, site_dir: Path, *, synthetic: bool) -> None:
    """Build the site with MkDocs beside ``site_dir``, then swap it in; PublishError on failure.

    MkDocs empties its output folder before writing, so building straight into ``site/``
    would leave a half-built or broken site in place of the old one when the build fails
    (strict mode) or is killed. It builds into ``.<site>.build-<random>/`` beside it
    instead; only a complete build replaces the old site (two renames), and the leftovers
    of a killed run are cleared (or the old site put back) by the next build.
    """
    recover_site_dir(site_dir)
    try:
        site_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.build-", dir=site_dir.parent))
    except OSError as exc:
        raise write_failure(site_dir, exc) from exc
    try:
        build_with_mkdocs(settings, staging, synthetic=synthetic)
        _swap_in(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def build_with_mkdocs(settings: Settings, out_dir: Path, *, synthetic: bool) -> None:
    """``mkdocs build --strict`` into ``out_dir``; PublishError with MkDocs' own output on failure.

    Strict mode turns every warning (a broken link, a missing image) into a failure. Not with
    ``--quiet``: it raises MkDocs' log level above WARNING, so strict mode never sees a
    warning and a broken site built "successfully". The output is captured instead.
    """
    env = mkdocs_env(settings, synthetic=synthetic, site_dir=out_dir)
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(settings.mkdocs_yml)]
    result = subprocess.run(command, cwd=settings.root, env=env, capture_output=True, text=True)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise PublishError(f"mkdocs build --strict failed (the previous site was kept):\n{tail}")


def _swap_in(staging: Path, site_dir: Path) -> None:
    """Replace ``site_dir`` by the complete build in ``staging`` (two renames), then drop the old."""
    old = staging.with_name(staging.name.replace(".build-", ".old-", 1))
    try:
        if site_dir.exists():
            os.rename(site_dir, old)
        try:
            os.rename(staging, site_dir)
        except BaseException:
            if old.exists() and not site_dir.exists():
                os.rename(old, site_dir)  # interrupted between the renames: the old site goes back
            raise
    except OSError as exc:
        raise write_failure(site_dir, exc, "replace") from exc
    if old.exists():
        _retire(old, site_dir)


def _retire(old: Path, site_dir: Path) -> None:
    """Delete an old site, keeping its dot-entries (``.git``, which MkDocs' clean build keeps too).

    The build stamp is not kept: it describes the old site, and the new build writes its own.
    """
    for entry in sorted(old.iterdir()):
        if entry.name == STAMP_NAME or not entry.name.startswith(".") or (site_dir / entry.name).exists():
            continue
        try:
            os.rename(entry, site_dir / entry.name)
        except OSError as exc:
            raise write_failure(site_dir / entry.name, exc, "move") from exc
    remove_tree(old)


def recover_site_dir(site_dir: Path) -> None:
    """Clear what a killed build left beside ``site_dir``; put the old site back if none is in place."""
    parent = site_dir.parent
    if not parent.is_dir():
        return
    for staging in sorted(parent.glob(f".{site_dir.name}.build-*")):
        remove_tree(staging)
    for old in sorted(parent.glob(f".{site_dir.name}.old-*")):
        if not site_dir.exists():
            try:
                os.rename(old, site_dir)
            except OSError as exc:
                raise write_failure(site_dir, exc, "restore") from exc
        else:
            _retire(old, site_dir)


def run_mkdocs_unless_unchanged(settings: Settings, site_dir: Path, *, synthetic: bool, full: bool) -> bool:
    """Run MkDocs into ``site_dir`` unless its stamp says nothing changed; True if skipped.

    The stamp is written only after MkDocs succeeded, so a failed build is never skipped.
    """
    stamp.sweep_stamp_temps(site_dir)  # a killed stamp write; the stamp itself is then stale
    inputs = stamp.current_inputs(
        settings.content_dir, settings.mkdocs_yml, site_dir, mkdocs_env(settings, synthetic=synthetic)
    )
    if not full and stamp.is_fresh(stamp.read_stamp(site_dir), inputs, stamp.current_site(site_dir)):
        return True
    run_mkdocs_build(settings, site_dir, synthetic=synthetic)
    stamp.write_stamp(site_dir, inputs)
    return False


def run_mkdocs_serve(settings: Settings, *, synthetic: bool, address: str) -> int:
    """``mkdocs serve`` for a live preview; returns its exit code."""
    env = mkdocs_env(settings, synthetic=synthetic)
    command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(settings.mkdocs_yml), "-a", address]
    return subprocess.call(command, cwd=settings.root, env=env)
