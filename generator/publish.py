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
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from generator.config import Settings
from generator.drafts import find_placeholders, read_front_matter
from generator.errors import PublishError
from generator.fsio import atomic_write_text


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


def mark_published(path: Path, published_at: datetime, *, allow_placeholders: bool = False) -> None:
    """Set ``draft: false``, ``published_at`` and the chart fingerprints, atomically.

    The fingerprints freeze what the issue showed: a later build can prove its charts are
    the ones readers saw.
    """
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
    """``mkdocs build --strict`` into ``site_dir``; PublishError with MkDocs' own output on failure.

    Strict mode turns every warning (a broken link, a missing image) into a failure.
    """
    env = mkdocs_env(settings, synthetic=synthetic, site_dir=site_dir)
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(settings.mkdocs_yml)]
    result = subprocess.run(command, cwd=settings.root, env=env, capture_output=True, text=True)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise PublishError(f"mkdocs build --strict failed:\n{tail}")


def run_mkdocs_serve(settings: Settings, *, synthetic: bool, address: str) -> int:
    """``mkdocs serve`` for a live preview; returns its exit code."""
    env = mkdocs_env(settings, synthetic=synthetic)
    command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(settings.mkdocs_yml), "-a", address]
    return subprocess.call(command, cwd=settings.root, env=env)
