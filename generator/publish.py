"""Publish stage: mark an issue published, and run the MkDocs build.

MkDocs has no public Python API (mkdocs/mkdocs#1240), so the build runs as a subprocess of
the same interpreter, in strict mode, with the output folder and the synthetic-data flag
passed through the ``!ENV`` tags of mkdocs.yml.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from generator.config import Settings
from generator.drafts import find_placeholders, read_front_matter
from generator.errors import PublishError
from generator.fsio import atomic_write_text, remove_tree, write_failure
from generator.sitestamp import STAMP_NAME


def resolve_issue(posts_dir: Path, ref: str) -> Path:
    """The post named by ``ref``: a path, a file name in the posts folder, or its date."""
    shown = ref if ref.isprintable() else repr(ref)  # a newline in it would split the error line
    candidate = Path(ref)
    if not candidate.name.strip():
        raise PublishError(f"{ref!r} names no issue; give the post file or its date, e.g. 2025-07-04")
    if candidate.is_file():
        return candidate
    if (posts_dir / ref).is_file():
        return posts_dir / ref
    stem = glob.escape(candidate.name.removesuffix(".md"))  # '*' or '[' in ref is not a pattern
    matches = [p for p in sorted(posts_dir.glob(f"{stem}*.md")) if not p.name.endswith(".new.md")]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise PublishError(
            f"{shown}: no such issue in {posts_dir} (give the post file or its date, e.g. 2025-07-04)"
        )
    names = ", ".join(p.name for p in matches)
    raise PublishError(f"{shown}: more than one issue matches ({names}); give the file name")


IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


def chart_fingerprints(path: Path) -> dict[str, str]:
    """SHA-256 (16 hex digits) of every local image a post shows, keyed by its link."""
    text = path.read_text(encoding="utf-8")
    prints: dict[str, str] = {}
    for link in IMAGE_LINK.findall(text):
        if "://" in link:
            continue
        try:
            image = (path.parent / link.split("#")[0]).resolve()
            data = image.read_bytes() if image.is_file() else None
        except (OSError, ValueError):  # a NUL or an over-long name in the link
            data = None
        if data is None:
            raise PublishError(
                f"{path.name}: the image {link!r} does not exist; redraw with `rotation draft`"
            )
        prints[link.split("#")[0]] = hashlib.sha256(data).hexdigest()[:16]
    return prints


def check_publishable(path: Path, *, allow_placeholders: bool = False) -> str:
    """The post's text, or PublishError: already published, or an editor box left in it."""
    meta, _ = read_front_matter(path)
    if meta.get("draft") is False:
        raise PublishError(f"{path.name} is already published")
    text = path.read_text(encoding="utf-8")
    lines = find_placeholders(text)
    if lines and not allow_placeholders:
        where = ", ".join(map(str, lines))
        raise PublishError(
            f"{path.name}: editor box left at line{'s' if len(lines) > 1 else ''} {where}; "
            "replace each '!!! editor' box with your commentary, then publish"
        )
    return text


def mark_published(path: Path, published_at: datetime, *, allow_placeholders: bool = False) -> None:
    """Set ``draft: false``, ``published_at`` and the chart fingerprints, atomically.

    The fingerprints freeze what the issue showed: a later build can prove its charts are
    the ones readers saw.
    """
    text = check_publishable(path, allow_placeholders=allow_placeholders)
    prints = chart_fingerprints(path)
    stamped = re.sub(r"^draft: true\s*$", "draft: false", text, count=1, flags=re.M)
    if stamped == text:
        raise PublishError(f"{path.name}: could not find 'draft: true' in its front matter")
    stamp = f"\\g<1> '{published_at.isoformat()}'"
    if prints:
        charts = "".join(f"\n    {link}: {digest}" for link, digest in sorted(prints.items()))
        stamp += f"\n  charts:{charts}"
    stamped, found = re.subn(r"^(\s+published_at:).*$", stamp, stamped, count=1, flags=re.M)
    if not found:
        raise PublishError(f"{path.name}: no 'published_at' under 'rotation:' in its front matter")
    atomic_write_text(path, stamped)


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


def run_mkdocs_serve(settings: Settings, *, synthetic: bool, address: str) -> int:
    """``mkdocs serve`` for a live preview; returns its exit code."""
    env = mkdocs_env(settings, synthetic=synthetic)
    command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(settings.mkdocs_yml), "-a", address]
    return subprocess.call(command, cwd=settings.root, env=env)
